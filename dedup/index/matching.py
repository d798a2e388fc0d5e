"""Candidates -> verified matches: the copy rule over a page's candidates, ranked best first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import starmap

import numpy as np
import numpy.typing as npt

from dedup._arrays import gathered
from dedup.config import DedupConfig
from dedup.fingerprint.sketch import Estimates, Sample, Samples, compare_pairs, compare_samples
from dedup.index.backend import Candidates
from dedup.index.bodies import body_text
from dedup.models import Match
from dedup.verdict import (
    captions_only,
    contained_only,
    judge_many,
    relations_of,
    slots_checked,
    slots_differ,
)


class Matcher:
    """Verifies candidates on their samples for one configuration."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def matches(self, sample: Sample, candidates: Candidates, body: bytes = b"") -> list[Match]:
        """The candidates that are copies, as Matches, best first; with the page's kept
        ``body`` (`dedup.index.bodies`), those below near-identity that fill one frame
        for other places are not, nor those accepted by containment alone that carry
        only some captions of a photo story. A page with a hundred indexed copies is
        common at a million pages: nothing here is done per candidate in Python but
        building its Match (and checking the bodies of the rare copy named above)."""
        measured = compare_samples(sample, candidates.samples)
        sizes = candidates.samples.sizes
        copies = self._copies(measured, np.int64(sample.size), sizes)
        if body:
            alone = np.zeros(len(candidates.doc_ids), dtype=np.int64)
            query_sizes = np.full(len(candidates.doc_ids), sample.size, dtype=np.int64)
            pages = _Asking(alone, [body], query_sizes)
            copies = self._bodies_kept(copies, measured, pages, candidates)
        if copies.size == 0:
            return []
        similarity = measured.similarity[copies]
        containment = measured.containment[copies]
        rows = copies.tolist()
        doc_ids = [candidates.doc_ids[row] for row in rows]
        originals = [candidates.originals[row] for row in rows]
        # Ranked and capped before any Match is built: a page with thousands of copies
        # among its candidates builds `max_matches` of them.
        kept = self._kept(_order(similarity, containment, doc_ids), doc_ids, originals)
        relations = relations_of(
            similarity[kept],
            sample.size,
            sizes[copies][kept],
            self.config,
            _changed(measured, copies)[kept],
        )
        return [
            Match(doc_ids[row], similar, contained, relation, originals[row])
            for row, similar, contained, relation in zip(
                kept.tolist(),
                similarity[kept].tolist(),
                containment[kept].tolist(),
                relations,
                strict=True,
            )
        ]

    def _kept(
        self, order: npt.NDArray[np.intp], doc_ids: list[str], originals: list[str]
    ) -> npt.NDArray[np.intp]:
        """Of copies in ranked order, the best `max_matches`, and the original's own after
        them when it ranks lower (`capped`)."""
        most = self.config.max_matches
        if order.size <= most:
            return order
        kept = order[:most]
        original = originals[int(order[0])]
        if all(doc_ids[row] != original for row in kept.tolist()):
            behind = [row for row in order[most:].tolist() if doc_ids[row] == original][:1]
            kept = np.concatenate([kept, np.array(behind, dtype=order.dtype)])
        return kept

    def capped(self, matches: list[Match]) -> list[Match]:
        """The best `max_matches` of matches ranked best first, and the original's own
        match after them when it ranks lower: what a crawler needs of a page seen
        thousands of times, at the cost of one seen a few times."""
        most = self.config.max_matches
        if len(matches) <= most:
            return matches
        best = matches[:most]
        original = matches[0].original_id
        if all(match.doc_id != original for match in best):
            best += [match for match in matches[most:] if match.doc_id == original][:1]
        return best

    def matches_batch(
        self,
        samples: list[Sample],
        owners: npt.NDArray[np.int64],
        candidates: Candidates,
        bodies: Sequence[bytes] | None = None,
    ) -> list[list[Match]]:
        """`matches` for a batch of pages at once (``bodies``: their kept bodies):
        candidate i is for page ``owners[i]``. Ranked as `matches` ranks (similarity,
        containment, doc_id), by one sort over the whole batch."""
        results: list[list[Match]] = [[] for _ in samples]
        measured = compare_pairs(Samples.of(samples), owners, candidates.samples)
        query_sizes = np.array([sample.size for sample in samples], dtype=np.int64)[owners]
        sizes = candidates.samples.sizes
        copies = self._copies(measured, query_sizes, sizes)
        if bodies is not None:
            pages = _Asking(owners, bodies, query_sizes)
            copies = self._bodies_kept(copies, measured, pages, candidates)
        if copies.size == 0:
            return results
        rows = copies.tolist()
        doc_ids = gathered(candidates.doc_ids, rows)
        rank = {doc_id: n for n, doc_id in enumerate(sorted(set(doc_ids)))}
        name_order = np.array([rank[doc_id] for doc_id in doc_ids])
        similarity, containment = measured.similarity[copies], measured.containment[copies]
        order = np.lexsort((name_order, -containment, -similarity, owners[copies]))
        relations = relations_of(
            similarity, query_sizes[copies], sizes[copies], self.config, _changed(measured, copies)
        )
        ranked = order.tolist()
        originals = gathered(candidates.originals, rows)
        matches = list(
            starmap(
                Match,
                zip(
                    gathered(doc_ids, ranked),
                    similarity[order].tolist(),
                    containment[order].tolist(),
                    gathered(relations, ranked),
                    gathered(originals, ranked),
                    strict=True,
                ),
            )
        )
        ranked_owners = owners[copies][order]
        starts = np.flatnonzero(np.r_[True, ranked_owners[1:] != ranked_owners[:-1]])
        ends = [*starts[1:].tolist(), len(matches)]
        for owner, start, end in zip(
            ranked_owners[starts].tolist(), starts.tolist(), ends, strict=True
        ):
            results[owner] = self.capped(matches[start:end])
        return results

    def _bodies_kept(
        self,
        copies: npt.NDArray[np.intp],
        measured: Estimates,
        pages: _Asking,
        candidates: Candidates,
    ) -> npt.NDArray[np.intp]:
        """The copies left once their kept bodies are read where the scan reads them
        (`dedup.verdict.check_bodies`): those below near-identity that fill one frame for
        different places, and those accepted by containment alone where the contained page
        is a photo story the other carries only some captions of, are taken out. Only pairs
        where the page keeps a body are asked for the candidate's; a pair where either
        keeps none is left a copy (a page that keeps none repeats no place name and shows
        no photo credit)."""
        owners, bodies = pages.owners, pages.bodies
        if not any(bodies):
            return copies
        similarity = measured.similarity[copies]
        by_containment = contained_only(similarity, measured.agreement[copies], self.config)
        asked = [
            (row, slots_checked(similar), contained)
            for row, similar, contained in zip(
                copies.tolist(), similarity.tolist(), by_containment.tolist(), strict=True
            )
            if bodies[owners[row]] and (slots_checked(similar) or contained)
        ]
        if not asked:
            return copies
        texts: dict[int, str] = {}
        dropped = []
        rows = [row for row, _, _ in asked]
        sizes = candidates.samples.sizes
        for (row, slots, contained), theirs in zip(asked, candidates.bodies(rows), strict=True):
            if not theirs:
                continue
            owner = int(owners[row])
            if owner not in texts:
                texts[owner] = body_text(bodies[owner])
            mine, mine_contained = texts[owner], bool(pages.sizes[row] <= sizes[row])
            if (slots and slots_differ(mine, theirs)) or (
                contained and _captions_only(mine, theirs, mine_contained)
            ):
                dropped.append(row)
        if not dropped:
            return copies
        kept: npt.NDArray[np.intp] = copies[~np.isin(copies, dropped)]
        return kept

    def _copies(
        self,
        measured: Estimates,
        query_sizes: npt.NDArray[np.int64] | np.int64,
        sizes: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.intp]:
        """Which measured candidates are copies, by position."""
        return np.flatnonzero(
            judge_many(
                measured.similarity,
                measured.containment,
                np.minimum(sizes, query_sizes),
                measured.agreement,
                self.config,
            )
        )


@dataclass(frozen=True, slots=True)
class _Asking:
    """The pages whose candidates are verified: for each candidate the page it is for
    (``owners``), that page's shingle count (``sizes``), and each page's kept body."""

    owners: npt.NDArray[np.int64]
    bodies: Sequence[bytes]
    sizes: npt.NDArray[np.int64]


def _captions_only(mine: str, theirs: str, mine_contained: bool) -> bool:
    """`captions_only` with the contained body first (the one with fewer shingles)."""
    return captions_only(mine, theirs) if mine_contained else captions_only(theirs, mine)


def _changed(measured: Estimates, copies: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
    """Where a copy's figures changed, as far as an index can tell: its distinctive numbers
    agree below 1 (each side has one the other lacks)."""
    changed: npt.NDArray[np.bool_] = measured.agreement[copies] < 1.0
    return changed


def _order(
    similarity: npt.NDArray[np.float64], containment: npt.NDArray[np.float64], doc_ids: list[str]
) -> npt.NDArray[np.intp]:
    """Positions best first: similarity, then containment, then doc_id."""
    rank = {doc_id: n for n, doc_id in enumerate(sorted(set(doc_ids)))}
    names = np.array([rank[doc_id] for doc_id in doc_ids], dtype=np.int64)
    order: npt.NDArray[np.intp] = np.lexsort((names, -containment, -similarity))
    return order


def ranked(matches: list[Match]) -> list[Match]:
    """Matches found apart (in the index, and in a batch being added) ranked as one list."""
    return sorted(matches, key=lambda m: (-m.similarity, -m.containment, m.doc_id))


def original_of(matches: list[Match], doc_id: str) -> str:
    """A new page's original: its best match's, or itself when it is the first seen."""
    return (matches[0].original_id or matches[0].doc_id) if matches else doc_id
