"""The band keys of the crawler's index: sorted rows per band with a prefix directory."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup._arrays import sorted_unique


class BandTable:
    """A growing LSH index of band keys, for the crawler's index.

    Band b's keys (folded to 32 bits) are row b of one array, sorted, with the pages'
    slots in a second array of the same shape: eight bytes per page and band, no Python
    object per bucket. A directory per band gives, for each value of a key's top bits,
    where those keys start in the row (about eight keys per entry), so a lookup of every
    band is two indexed reads and one comparison, all vectorized: no binary search, whose
    chain of cache misses is what costs at a million pages. New pages wait in a buffer (a
    dictionary by band and key: a few microseconds a lookup) of about a 128th of the index,
    from `BUFFER` to `MAX_BUFFER` pages, and are merged into the rows in place when it is
    full: a merge passes over the rows once, so its cost per insert stays about the same
    however large the index. Merging goes through scratch rows kept for the purpose, so it
    allocates nothing large (a temporary row per band and merge fragments the heap). Keys
    come folded (`fold32`). Removed pages stay until the caller compacts (`keep`); the
    caller filters them from query results meanwhile.
    """

    BUFFER = 2048
    MAX_BUFFER = 8192
    _MIN_BITS = 8
    _MAX_BITS = 24

    def __init__(self, bands: int) -> None:
        self._bands = bands
        self._size = 0  # keys per band outside the buffer
        self._keys = np.zeros((bands, 0), dtype=np.uint32)  # capacity grows by doubling
        self._slots = np.zeros((bands, 0), dtype=np.int32)
        self._bits = self._MIN_BITS
        self._directory = np.zeros((bands, (1 << self._bits) + 1), dtype=np.int32)
        self._buffer_keys = np.zeros((self.MAX_BUFFER, bands), dtype=np.uint32)
        self._buffer_slots = np.zeros(self.MAX_BUFFER, dtype=np.int32)
        self._buffered = 0
        self._scratch_keys = np.zeros(0, dtype=np.uint32)  # rows' capacity, for merging
        self._scratch_slots = np.zeros(0, dtype=np.int32)
        self._scratch_old = np.zeros(0, dtype=bool)
        self._waiting: dict[int, list[int]] = {}  # band << 32 | key -> slots, for the buffer
        self._rows = np.arange(bands)
        self._band_bits = np.arange(bands, dtype=np.uint64) << np.uint64(32)

    @classmethod
    def from_arrays(cls, keys: npt.NDArray[np.uint32], slots: npt.NDArray[np.int32]) -> BandTable:
        """An index from `arrays()`: one row per band, each sorted by key."""
        index = cls(keys.shape[0])
        index._keys = np.ascontiguousarray(keys, dtype=np.uint32).copy()
        index._slots = np.ascontiguousarray(slots, dtype=np.int32).copy()
        index._size = keys.shape[1]
        index._rebuild_directory()
        return index

    def insert(self, slot: int, folded: npt.NDArray[np.uint32]) -> None:
        """Add one page's folded band keys (one per band)."""
        self._buffer_keys[self._buffered] = folded
        self._buffer_slots[self._buffered] = slot
        self._buffered += 1
        for name in self._names(folded):
            self._waiting.setdefault(name, []).append(slot)
        if self._buffered >= min(self.MAX_BUFFER, max(self.BUFFER, self._size >> 7)):
            self._merge()

    def query(
        self, folded: npt.NDArray[np.uint32], most: int | None = None
    ) -> npt.NDArray[np.int32]:
        """Slots of the pages sharing at least one folded band key, sorted, each once;
        with ``most``, of each key's pages only the ``most`` added first (in the rows, and
        in the buffer), so that a key shared by thousands of copies costs what one shared
        by a few does."""
        waiting = self._waiting
        buffered = {slot for name in self._names(folded) for slot in waiting.get(name, [])[:most]}
        found = np.fromiter(buffered, dtype=np.int32, count=len(buffered))
        if self._size:
            prefixes = (folded >> np.uint32(32 - self._bits)).astype(np.int64)
            starts = self._directory[self._rows, prefixes].astype(np.int64)
            lengths = self._directory[self._rows, prefixes + 1] - starts
            if most is not None:
                self._narrow(folded, starts, lengths, most)
            # Positions in the flattened rows: one plain gather instead of a 2-D one.
            skips = starts + self._rows * self._keys.shape[1] - (np.cumsum(lengths) - lengths)
            positions = np.arange(int(lengths.sum())) + np.repeat(skips, lengths)
            hits = positions[self._keys.ravel().take(positions) == np.repeat(folded, lengths)]
            found = np.concatenate([found, self._slots.ravel().take(hits)])
        return sorted_unique(found)

    def _narrow(
        self,
        folded: npt.NDArray[np.uint32],
        starts: npt.NDArray[np.int64],
        lengths: npt.NDArray[np.int64],
        most: int,
    ) -> None:
        """Cut each band's range that is long to the first ``most`` positions of the key
        itself, in place: a row's keys are sorted, and a key's pages are in the order
        they were added (a merge puts new keys after equal old ones)."""
        for band in np.flatnonzero(lengths > 2 * most + 16).tolist():
            start = int(starts[band])
            row = self._keys[band, start : start + int(lengths[band])]
            first = int(row.searchsorted(folded[band]))
            last = int(row.searchsorted(folded[band], side="right"))
            starts[band] = start + first
            lengths[band] = min(last - first, most)

    def keep(self, alive: npt.NDArray[np.bool_]) -> None:
        """Drop the pages whose slot is False in ``alive`` and renumber the others' slots
        in order (slot s becomes the number of live slots before it)."""
        self._merge()
        renumbered = (np.cumsum(alive) - 1).astype(np.int32)
        size = self._size
        self._size = 0
        for band in range(self._bands):
            slots = self._slots[band, :size]
            kept = alive[slots]
            count = int(np.count_nonzero(kept))
            self._keys[band, :count] = self._keys[band, :size][kept]
            self._slots[band, :count] = renumbered[slots[kept]]
            self._size = count  # every band holds one key of each page
        self._rebuild_directory()

    def arrays(self) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int32]]:
        """Every band's sorted keys and slots, one row per band (buffer merged first)."""
        self._merge()
        return self._keys[:, : self._size], self._slots[:, : self._size]

    def _merge(self) -> None:
        count, size = self._buffered, self._size
        if count == 0:
            return
        self._reserve(size + count)
        total = size + count
        slots = self._buffer_slots[:count]
        kept = self._scratch_old[:total]
        for band in range(self._bands):
            new_keys = self._buffer_keys[:count, band]
            order = np.argsort(new_keys, kind="stable")
            # Where the new keys land in the merged row; the old ones fill the rest in order.
            landing = self._keys[band, :size].searchsorted(new_keys[order], side="right")
            landing += np.arange(count)
            kept[:] = True
            kept[landing] = False
            for row, scratch, arrived in (
                (self._keys[band], self._scratch_keys, new_keys[order]),
                (self._slots[band], self._scratch_slots, slots[order]),
            ):
                merged = scratch[:total]
                merged[kept] = row[:size]
                merged[landing] = arrived
                row[:total] = merged
        self._size = size + count
        self._buffered = 0
        self._waiting.clear()
        if self._wanted_bits() != self._bits:
            self._rebuild_directory()
        else:
            shift = np.uint32(32 - self._bits)
            buckets = 1 << self._bits
            for band in range(self._bands):
                prefixes = self._buffer_keys[:count, band] >> shift
                added = np.bincount(prefixes, minlength=buckets)
                self._directory[band, 1:] += np.cumsum(added).astype(np.int32)

    def _names(self, folded: npt.NDArray[np.uint32]) -> list[int]:
        names: list[int] = (self._band_bits | folded).tolist()
        return names

    def _reserve(self, needed: int) -> None:
        capacity = self._keys.shape[1]
        if needed <= capacity:
            return
        grown = max(needed, 2 * capacity, 4 * self.BUFFER)
        for name, dtype in (("_keys", np.uint32), ("_slots", np.int32)):
            # np.zeros maps pages lazily: the capacity not yet filled costs no memory.
            bigger = np.zeros((self._bands, grown), dtype=dtype)
            bigger[:, : self._size] = getattr(self, name)[:, : self._size]
            setattr(self, name, bigger)
        self._scratch_keys = np.zeros(grown, dtype=np.uint32)
        self._scratch_slots = np.zeros(grown, dtype=np.int32)
        self._scratch_old = np.zeros(grown, dtype=bool)

    def _wanted_bits(self) -> int:
        # About eight keys per directory entry: a byte per key, a few more keys per lookup.
        return min(self._MAX_BITS, max(self._MIN_BITS, self._size.bit_length() - 3))

    def _rebuild_directory(self) -> None:
        self._bits = self._wanted_bits()
        buckets = 1 << self._bits
        shift = np.uint32(32 - self._bits)
        self._directory = np.zeros((self._bands, buckets + 1), dtype=np.int32)
        for band in range(self._bands):
            counts = np.bincount(self._keys[band, : self._size] >> shift, minlength=buckets)
            self._directory[band, 1:] = np.cumsum(counts)

    @property
    def nbytes(self) -> int:
        """Bytes of the filled rows, the directory and the buffer."""
        per_key = self._keys.itemsize + self._slots.itemsize
        return (
            self._bands * self._size * per_key
            + self._directory.nbytes
            + self._buffer_keys.nbytes
            + self._buffer_slots.nbytes
            + self._scratch_keys.nbytes
            + self._scratch_slots.nbytes
            + self._scratch_old.nbytes
        )
