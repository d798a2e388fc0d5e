"""What the crawler's index keeps of a page and looks it up by: its sample and band keys.

A page's sample is its bottom-k sample (`dedup.fingerprint.sketch`), and for a page so long
that the k smallest mixed ids are all anchors (about 16 x `sample_size` shingles), every
anchor (`dedup.fingerprint.anchors`): so a sample holds a page's anchors, which the index
posts (`dedup.index.anchors`), and a short page compared with a long one is measured on
the long one's anchor range at least (about 1 in 16 of its shingles), which is what
estimating how much of the short one the long one carries needs. The sample stays every
mixed id up to its cut-off, as `dedup.fingerprint.sketch` compares them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.fingerprint.anchors import ANCHOR_BAR
from dedup.fingerprint.bands import band_keys, fold32
from dedup.fingerprint.shingle import Fingerprint
from dedup.fingerprint.signature import Signature, mix32
from dedup.fingerprint.sketch import Sample, sample_of, samples_of

# A page's sample, and its band keys folded to 32 bits (None for a page without a body).
Sketch = tuple[Sample, npt.NDArray[np.uint32] | None]


class Sketcher:
    """Pages -> sketches for one configuration (its sample size and bands)."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def sketch(
        self, fingerprint: Fingerprint, signature: Signature | None
    ) -> tuple[Sample, npt.NDArray[np.uint32] | None]:
        """What both indexes keep of a page and look it up by: its sample, and its band
        keys (None for a page without a body, which matches nothing)."""
        sample = with_anchors(sample_of(fingerprint, self.config.sample_size), fingerprint)
        if signature is None or fingerprint.size == 0:
            return sample, None
        return sample, self._band_keys(signature)

    def sketch_many(
        self, pages: list[tuple[Fingerprint, Signature | None]]
    ) -> list[tuple[Sample, npt.NDArray[np.uint32] | None]]:
        """`sketch` for a batch: the band keys of all its pages in one pass."""
        samples = [
            with_anchors(sample, fingerprint)
            for sample, (fingerprint, _) in zip(
                samples_of([fingerprint for fingerprint, _ in pages], self.config.sample_size),
                pages,
                strict=True,
            )
        ]
        banded = [
            number
            for number, (fingerprint, signature) in enumerate(pages)
            if signature is not None and fingerprint.size
        ]
        keys: list[npt.NDArray[np.uint32] | None] = [None] * len(pages)
        if banded:
            signatures = np.stack([pages[number][1] for number in banded])  # type: ignore[misc]
            folded = fold32(
                band_keys(signatures, bands=self.config.lsh_bands, rows=self.config.rows)
            )
            for number, row in zip(banded, folded, strict=True):
                keys[number] = row
        return list(zip(samples, keys, strict=True))

    def _band_keys(self, signature: Signature) -> npt.NDArray[np.uint32]:
        """A page's band keys, folded to 32 bits as both indexes keep them."""
        keys = band_keys(
            signature[np.newaxis, :], bands=self.config.lsh_bands, rows=self.config.rows
        )
        return fold32(keys[0])


def with_anchors(sample: Sample, fingerprint: Fingerprint) -> Sample:
    """A page's sample extended to every anchor when its cut-off falls below the anchors'
    bar (a page of more than about 16 x `sample_size` shingles)."""
    if sample.cutoff >= ANCHOR_BAR:
        return sample
    mixed = mix32(fingerprint.shingles)
    return Sample(np.sort(mixed[mixed < ANCHOR_BAR]), sample.size, sample.numbers)
