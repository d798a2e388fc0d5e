"""Shingle ids -> MinHash signatures (the only module that builds a datasketch MinHash)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from datasketch import LeanMinHash, MinHash

from dedup.shingle import ShingleIds

Signature = npt.NDArray[np.uint32]
SCHEME = "affine32"


def _identity(value: int) -> int:
    # Shingles are already 32-bit xxh32 ids: datasketch's affine32 scheme takes them as they are.
    return int(value)


class MinHasher:
    """Signs shingle sets with datasketch MinHash for one (num_perm, seed).

    The permutations are drawn once and shared by every signature, as datasketch's
    ``MinHash.bulk`` does.
    """

    def __init__(self, num_perm: int, seed: int) -> None:
        self.num_perm = num_perm
        self.seed = seed
        self._permutations = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations

    def sign(self, shingles: ShingleIds) -> Signature:
        """The MinHash signature of one shingle set."""
        minhash = MinHash(
            num_perm=self.num_perm,
            seed=self.seed,
            hashfunc=_identity,
            permutations=self._permutations,
            scheme=SCHEME,
        )
        minhash.update_batch(shingles.tolist())
        return np.asarray(minhash.hashvalues, dtype=np.uint32)

    def lean(self, signature: Signature) -> LeanMinHash:
        """A datasketch sketch of a signature, for the LSH index."""
        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme=SCHEME)
