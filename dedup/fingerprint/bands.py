"""MinHash signatures -> LSH band keys, as the batch scan and the crawler's index bucket them.

Band i is signature values i*rows to (i+1)*rows - 1, as in datasketch's MinHashLSH; each
band's values become one 64-bit key, and the crawler's index keeps them folded to 32 bits.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup.fingerprint.signature import mix32

_MIX = np.uint64(0x9E3779B97F4A7C15)


def band_keys(
    signatures: npt.NDArray[np.uint32], *, bands: int, rows: int
) -> npt.NDArray[np.uint64]:
    """One uint64 key per (document, band): shape (documents, bands)."""
    count = signatures.shape[0]
    values = signatures[:, : bands * rows].astype(np.uint64).reshape(count, bands, rows)
    keys = np.zeros((count, bands), dtype=np.uint64)
    for row in range(rows):
        keys *= _MIX
        keys ^= values[:, :, row] + np.uint64(row + 1)
    return keys


def fold32(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint32]:
    """Band keys folded to 32 well-mixed bits: the two halves xored, then MurmurHash3's
    finalizer, so that any part of the result depends on every row of the band (the low
    half alone is mostly the band's last row)."""
    return mix32((keys ^ (keys >> np.uint64(32))).astype(np.uint32))
