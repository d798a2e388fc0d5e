"""The reference LSH path: datasketch's MinHashLSH, one document at a time (its only user)."""

from __future__ import annotations

from collections.abc import Iterable

from dedup.errors import DuplicateIdError
from dedup.fingerprint.signature import MinHasher, Signature


class DatasketchLSH:
    """Buckets signatures by band so that likely near-duplicates meet.

    Candidates are only likely: callers verify them on shingles before trusting them.
    Bands are chosen for recall (see `DedupConfig.bands`), not with datasketch's automatic
    choice, which at threshold 0.8 and 128 permutations misses pairs of true similarity 0.8
    more than half the time.
    """

    def __init__(self, hasher: MinHasher, *, bands: int, rows: int) -> None:
        from datasketch import MinHashLSH  # with scipy: loaded only when an index is made

        self._hasher = hasher
        self._lsh = MinHashLSH(num_perm=hasher.num_perm, params=(bands, rows))

    def insert(self, doc_id: str, signature: Signature) -> None:
        if doc_id in self._lsh:
            raise DuplicateIdError(doc_id)
        self._lsh.insert(doc_id, self._hasher.lean(signature), check_duplication=False)

    def insert_many(self, items: Iterable[tuple[str, Signature]]) -> None:
        """Insert many signatures in one buffered session (datasketch's insertion_session)."""
        with self._lsh.insertion_session() as session:
            for doc_id, signature in items:
                if doc_id in self._lsh:
                    raise DuplicateIdError(doc_id)
                session.insert(doc_id, self._hasher.lean(signature), check_duplication=False)

    def query(self, signature: Signature) -> list[str]:
        """Ids sharing at least one band with the signature, sorted."""
        return sorted(self._lsh.query(self._hasher.lean(signature)))

    def remove(self, doc_id: str) -> None:
        self._lsh.remove(doc_id)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._lsh

    def __len__(self) -> int:
        return len(self._lsh.keys)
