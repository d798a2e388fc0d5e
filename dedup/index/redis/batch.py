"""A batch's pages that the shared index does not hold yet, as candidates of the pages
after them: a wave's earlier pages, and the wave before it when it was read before that
wave's script ran."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup.fingerprint.sketch import Samples
from dedup.index.anchors import pairs_sharing
from dedup.index.backend import Candidates
from dedup.index.bodies import body_text
from dedup.index.matching import Matcher
from dedup.index.redis.codec import NewPage
from dedup.models import Match


def earlier_matches(matcher: Matcher, pages: list[NewPage], first: int) -> list[list[Match]]:
    """For each of ``pages[first:]``, its verified matches among the pages before it that
    share a band or enough anchors with it (`dedup.index.anchors`), best first, all
    verified in one pass. A match's ``original_id`` is the candidate's own doc_id: the
    caller, which decides originals in order, fills it.
    """
    results: list[list[Match]] = [[] for _ in pages[first:]]
    earlier, later = _pairs(pages, first)
    if not later.size:
        return results
    # Only the pages with candidates are compared (most of a wave has none).
    asking, owners = np.unique(later - first, return_inverse=True)
    rows = earlier.tolist()
    names = [pages[row].doc_id for row in rows]

    def bodies(positions: list[int]) -> list[str]:
        kept = [pages[rows[position]].body for position in positions]
        return [body_text(body) if body else "" for body in kept]

    found = matcher.matches_batch(
        [pages[first + owner].sample for owner in asking.tolist()],
        owners.astype(np.int64),
        Candidates(names, names, Samples.of([pages[row].sample for row in rows]), bodies),
        [pages[first + owner].body for owner in asking.tolist()],
    )
    for owner, matches in zip(asking.tolist(), found, strict=True):
        results[owner] = matches
    return results


def _pairs(pages: list[NewPage], first: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every (earlier, later) pair of pages sharing a band key or enough anchors,
    ``later`` from ``first`` on, each once, ordered by later then earlier."""
    anchored, anchoring = pairs_sharing([page.anchors for page in pages])
    banded, banding = _banded_pairs(pages)
    code = np.unique(
        (np.concatenate([banding, anchoring]) << 32) | np.concatenate([banded, anchored])
    )
    code = code[(code >> 32) >= first]
    return code & 0xFFFFFFFF, code >> 32


def _banded_pairs(pages: list[NewPage]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every (earlier, later) pair of pages sharing a band key, at least once."""
    banded = [at for at, page in enumerate(pages) if page.band_keys is not None]
    none = np.zeros(0, dtype=np.int64)
    if len(banded) < 2:
        return none, none
    keys = np.stack([pages[at].band_keys for at in banded]).astype(np.int64)  # type: ignore[misc]
    keys |= np.arange(keys.shape[1], dtype=np.int64) << 32  # a key is shared within a band
    flat = keys.ravel()
    owners = np.repeat(np.array(banded, dtype=np.int64), keys.shape[1])
    order = np.argsort(flat, kind="stable")  # within a key, pages stay in order
    flat, owners = flat[order], owners[order]
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    sizes = np.diff(np.r_[starts, flat.size])
    pairs = starts[sizes == 2]  # most shared keys: two copies, vectorized
    earlier, later = [owners[pairs]], [owners[pairs + 1]]
    for start, size in zip(starts[sizes > 2].tolist(), sizes[sizes > 2].tolist(), strict=True):
        members = owners[start : start + size]
        low, high = np.triu_indices(size, 1)
        earlier.append(members[low])
        later.append(members[high])
    return np.concatenate(earlier), np.concatenate(later)
