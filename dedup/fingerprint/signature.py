"""Shingle ids -> MinHash signatures (the only module that builds a datasketch MinHash).

Signatures are computed with numpy over all shingles of a document at once, with the
permutations datasketch draws for the seed and its affine32 scheme: bit for bit the
hash values of ``datasketch.MinHash(num_perm, seed, hashfunc=identity)`` updated with the
same shingle ids (tested), without datasketch's per-item Python loop.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.fingerprint.shingle import ShingleIds

Signature = npt.NDArray[np.uint32]
SCHEME = "affine32"
_EMPTY_HASH = np.uint32(0xFFFFFFFF)
_CHUNK = 1024  # shingles per block: bounds the (num_perm x block) temporary
# Hash values per window when many sets are signed at once (`MinHasher.sign_many`): the
# sets whose shingles start in one window of 4,096 shingles (for 128 permutations) are
# hashed together, a block of about 2 MB. Long rows are what makes it fast: numpy sets up
# its loop once per row, and a page's row of a few hundred shingles cost more to set up
# than to compute; a block much wider than this spills out of the cache between its passes.
_MANY_VALUES = 1 << 19


def mix32(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before its permutations: a
    bijection of 32-bit values (each step is invertible), so distinct ids stay distinct."""
    mixed = values.astype(np.uint32)  # a copy, mixed in place: no temporary per step
    mixed ^= mixed >> np.uint32(16)
    mixed *= np.uint32(0x85EBCA6B)
    mixed ^= mixed >> np.uint32(13)
    mixed *= np.uint32(0xC2B2AE35)
    mixed ^= mixed >> np.uint32(16)
    return mixed


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
        self._a, self._b = affine32_permutations(num_perm, seed)
        # One (num_perm x block) scratch array per thread, reused by every signature: a
        # fresh one per block cost page faults and a fifth of the signing time.
        self._scratch = threading.local()

    def sign(self, shingles: ShingleIds) -> Signature:
        """The MinHash signature of one shingle set (datasketch's affine32 arithmetic)."""
        signature = np.full(self.num_perm, _EMPTY_HASH, dtype=np.uint32)
        if shingles.size == 0:
            return signature
        # Permutations down, shingles across: each permutation's minimum is a reduction
        # along contiguous memory, a fifth faster than down the columns.
        a, b = self._a[:, np.newaxis], self._b[:, np.newaxis]
        mixed = mix32(shingles)
        scratch = self._block()
        for start in range(0, mixed.size, _CHUNK):
            part = mixed[np.newaxis, start : start + _CHUNK]
            hashed = _columns(scratch, part.shape[1])
            np.multiply(a, part, out=hashed)
            hashed += b
            np.minimum(signature, np.minimum.reduce(hashed, axis=1), out=signature)
        return signature

    def sign_many(
        self, mixed: npt.NDArray[np.uint32], offsets: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.uint32]:
        """The signatures of many shingle sets at once, one row each: set ``i`` is
        ``shingles[offsets[i]:offsets[i + 1]]`` of their concatenation, given here already
        mixed (``mix32(shingles)``, which anchors use too). The same values as `sign` of
        each set.

        The shingles of many pages are hashed in wide blocks, each page's minima taken with
        one ``reduceat``: three times faster than `sign` page by page on news articles (a
        few hundred shingles each), whose numpy calls cost more than their arithmetic.
        """
        count = offsets.size - 1
        signatures = np.full((count, self.num_perm), _EMPTY_HASH, dtype=np.uint32)
        if mixed.size == 0:
            return signatures
        a, b = self._a[:, np.newaxis], self._b[:, np.newaxis]
        # The sets are hashed a group at a time, those that start in one window of `width`
        # shingles: a group's block holds all of its sets' hash values, so each set's minima
        # come from one reduceat and are final, with nothing to merge across blocks.
        width = max(_CHUNK, _MANY_VALUES // self.num_perm)
        sets = np.flatnonzero(offsets[1:] > offsets[:-1])  # an empty set has no hash values
        starts, ends = offsets[sets], offsets[sets + 1]
        cuts = (np.flatnonzero(np.diff(starts // width)) + 1).tolist()
        scratch = self._block(2 * width)  # wide enough for a window and most sets after it
        for first, last in zip([0, *cuts], [*cuts, sets.size], strict=True):
            start, end = int(starts[first]), int(ends[last - 1])
            if end - start <= 2 * width:
                hashed = _columns(scratch, end - start)
            else:  # a set of thousands of shingles: a block of its own
                hashed = np.empty((self.num_perm, end - start), dtype=np.uint32)
            np.multiply(a, mixed[np.newaxis, start:end], out=hashed)
            hashed += b
            parts = starts[first:last] - start
            signatures[sets[first:last]] = np.minimum.reduceat(hashed, parts, axis=1).T
        return signatures

    def __getstate__(self) -> dict[str, Any]:
        # The scratch arrays are this process's threads' own: a copy makes its own.
        state = dict(self.__dict__)
        del state["_scratch"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._scratch = threading.local()

    def _block(self, width: int = _CHUNK) -> npt.NDArray[np.uint32]:
        name = f"block{width}"
        block: npt.NDArray[np.uint32] | None = getattr(self._scratch, name, None)
        if block is None:
            block = np.empty((self.num_perm, width), dtype=np.uint32)
            setattr(self._scratch, name, block)
        return block

    def sign_reference(self, shingles: ShingleIds) -> Signature:
        """The same signature computed by datasketch itself, for tests and audits."""
        from datasketch import MinHash

        minhash = MinHash(num_perm=self.num_perm, seed=self.seed, hashfunc=_identity, scheme=SCHEME)
        minhash.update_batch(shingles.tolist())
        return np.asarray(minhash.hashvalues, dtype=np.uint32)

    def lean(self, signature: Signature) -> Any:
        """A datasketch LeanMinHash of a signature, for the LSH index."""
        from datasketch import LeanMinHash

        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme=SCHEME)


def _columns(block: npt.NDArray[np.uint32], width: int) -> npt.NDArray[np.uint32]:
    """The first `width` columns' worth of a scratch block, as a contiguous (rows x width)
    array: a slice of its columns would be strided, and numpy's arithmetic on it slower."""
    rows = block.shape[0]
    return block.reshape(-1)[: rows * width].reshape(rows, width)


def affine32_permutations(
    num_perm: int, seed: int
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """The (a, b) parameters datasketch 2 draws for MinHash(num_perm, seed) with its affine32
    scheme: a odd, both from numpy's RandomState(seed), in datasketch's order. Drawn here so
    that signing does not import datasketch (and scipy with it); a test checks they are
    datasketch's own."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b
