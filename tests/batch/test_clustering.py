from __future__ import annotations

import itertools

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from dedup._arrays import spanning_pairs
from dedup.batch.clustering import (
    GroupIndex,
    build_clusters,
    candidate_groups,
    cluster_documents,
    pick_representative,
)
from dedup.config import DedupConfig
from dedup.fingerprint.shingle import Fingerprint
from dedup.models import Document
from dedup.verdict import verify

CONFIG = DedupConfig(threshold=0.7, containment=0.9, min_containment_shingles=10)


def ids(values: range | list[int], numbers: range | list[int] | tuple[()] = ()) -> Fingerprint:
    return Fingerprint(
        np.array(sorted(set(values)), dtype=np.uint32),
        np.array(sorted(set(numbers)), dtype=np.uint32),
    )


def doc(doc_id: str, published: str | None = None) -> Document:
    return Document(doc_id=doc_id, body="x", published=published)


def test_verified_pairs_cluster_and_unverified_candidates_do_not() -> None:
    docs = [doc("a"), doc("b"), doc("c")]
    shingles = [ids(range(100)), ids(range(5, 100)), ids(range(200, 300))]
    clusters = build_clusters(docs, shingles, [(0, 1), (0, 2), (1, 2)], CONFIG)
    assert [[m.document.doc_id for m in c.members] for c in clusters] == [["a", "b"], ["c"]]
    assert [c.cluster_id for c in clusters] == [1, 2]


def test_no_chaining_through_a_middle_document() -> None:
    # a~b, b~c and c~d pass; a~c and b~d do not. The centre b takes its copies a and c;
    # d, a copy of c only, must not be dragged in after them.
    docs = [doc("a", "2025-01-01"), doc("b"), doc("c"), doc("d")]
    shingles = [ids(range(0, 100)), ids(range(15, 115)), ids(range(30, 130)), ids(range(45, 145))]
    clusters = build_clusters(docs, shingles, [(0, 1), (1, 2), (2, 3)], CONFIG)
    groups = [sorted(m.document.doc_id for m in c.members) for c in clusters]
    assert groups == [["a", "b", "c"], ["d"]]
    assert clusters[0].representative.doc_id == "b"
    assert clusters[0].original.doc_id == "a"


def test_the_centre_is_the_copy_the_others_verify_against() -> None:
    # Two copies truncated at different places and the complete one published last: the
    # complete copy is the centre, the earliest truncated one the original, and nothing splits.
    docs = [doc("head", "2025-01-01"), doc("tail", "2025-01-02"), doc("whole", "2025-01-03")]
    shingles = [ids(range(0, 60)), ids(range(40, 100)), ids(range(100))]
    result = cluster_documents(docs, shingles, [(0, 1), (0, 2), (1, 2)], CONFIG)
    (cluster,) = result.clusters
    assert cluster.representative.doc_id == "whole"
    assert cluster.original.doc_id == "head"
    relations = {m.document.doc_id: m.relation for m in cluster.members}
    assert relations == {"whole": "extended", "head": "original", "tail": "partial"}
    assert result.split_pairs == 0


def test_truncated_copy_joins_by_containment() -> None:
    docs = [doc("full"), doc("cut")]
    shingles = [ids(range(100)), ids(range(50))]
    (cluster,) = build_clusters(docs, shingles, [(0, 1)], CONFIG)
    assert cluster.representative.doc_id == "full"
    assert cluster.members[1].relation == "partial"
    assert round(cluster.members[1].similarity, 3) == 0.5
    assert cluster.members[1].containment == 1.0


def test_representative_is_earliest_published_else_most_complete() -> None:
    shingles = [ids(range(10)), ids(range(50)), ids(range(30))]
    dated = [doc("a", "2025-03-02"), doc("b"), doc("c", "2025-03-01T08:00")]
    assert pick_representative(dated, shingles) == 2
    undated = [doc("a"), doc("b"), doc("c")]
    assert pick_representative(undated, shingles) == 1
    tie = [doc("b"), doc("a")]
    assert pick_representative(tie, [ids(range(5)), ids(range(5))]) == 1


def test_cluster_ids_largest_first_then_earliest() -> None:
    docs = [doc("x", "2025-02-01"), doc("y", "2025-01-01"), doc("z"), doc("w", "2025-03-01")]
    shingles = [ids(range(100)), ids(range(500, 600)), ids(range(1000, 1100)), ids(range(100))]
    clusters = build_clusters(docs, shingles, [(0, 3)], CONFIG)
    assert [c.original.doc_id for c in clusters] == ["x", "y", "z"]
    assert clusters[0].size == 2


def test_every_document_lands_in_exactly_one_cluster() -> None:
    rng = np.random.default_rng(3)
    docs = [doc(f"d{i}") for i in range(30)]
    shingles = [ids(rng.integers(0, 150, 60).tolist()) for _ in docs]
    pairs = [(i, j) for i in range(30) for j in range(i + 1, 30)]
    clusters = build_clusters(docs, shingles, pairs, CONFIG)
    seen = [m.document.doc_id for c in clusters for m in c.members]
    assert sorted(seen) == sorted(d.doc_id for d in docs)


# full and five parts of it (m1..m4); twin is all but m1 (0.91 Jaccard) yet not contained in
# full; far is a copy of m1 and twin (0.74, 0.81 Jaccard), not of full, and no one's twin.
PARTS = {
    "full": ids(range(100)),
    "m1": ids([*range(60), *range(500, 506)]),
    "m2": ids([*range(40, 100), *range(600, 606)]),
    "m3": ids([*range(20, 80), *range(650, 656)]),
    "m4": ids([*range(30), *range(70, 100), *range(660, 666)]),
    "twin": ids([*range(3, 60), *range(500, 506), 700, 701, 702]),
    "far": ids([*range(9, 60), *range(500, 506), 700, 701, 702, *range(800, 808)]),
}


def cluster_all(prints: dict[str, Fingerprint]):  # type: ignore[no-untyped-def]
    names = list(prints)
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    return cluster_documents([doc(n) for n in names], list(prints.values()), pairs, CONFIG)


def test_a_near_identical_twin_of_a_member_joins_but_nothing_further() -> None:
    # m5, one more part of full that is also a copy of m1, makes full the best centre.
    prints = {**PARTS, "m5": ids([*range(60), *range(900, 906)])}
    result = cluster_all(prints)
    groups = [sorted(m.document.doc_id for m in c.members) for c in result.clusters]
    assert groups == [["full", "m1", "m2", "m3", "m4", "m5", "twin"], ["far"]]


def test_centres_are_chosen_to_split_the_fewest_verified_pairs() -> None:
    # Around full (most copies) far would be split from m1 and twin: 2 pairs. Around twin,
    # {twin, m1, far} and {full, m2, m3, m4} leave only m1 apart from full: 1 pair, kept
    # apart because no member could centre both clusters (far is no copy of full).
    result = cluster_all(PARTS)
    groups = sorted(sorted(m.document.doc_id for m in c.members) for c in result.clusters)
    assert groups == [["far", "m1", "twin"], ["full", "m2", "m3", "m4"]]
    assert (result.split_pairs, result.kept_apart) == (0, 1)


def _starts(draw_pages: list[tuple[int, int]]) -> dict[str, Fingerprint]:
    return {f"p{n}": ids(range(start, start + size)) for n, (start, size) in enumerate(draw_pages)}


@example([(0, 13), (4, 10), (5, 12), (6, 10), (7, 13), (8, 10)])  # left two clusters once
@given(st.lists(st.tuples(st.integers(0, 120), st.integers(10, 120)), min_size=2, max_size=12))
def test_no_two_clusters_that_one_centre_could_hold_stay_apart(
    pages: list[tuple[int, int]],
) -> None:
    # Pages cut from one long text at random places and lengths: every cluster is a star
    # around its centre (or near-identical twins of its copies), no verified pair is left
    # between two clusters that one member could centre, and the pairs left apart are counted.
    prints = _starts(pages)
    result = cluster_all(prints)
    where = {m.document.doc_id: c.cluster_id for c in result.clusters for m in c.members}

    def copies(a: str, b: str) -> bool:
        return verify(prints[a], prints[b], CONFIG).is_copy

    def twins(a: str, b: str) -> bool:
        return verify(prints[a], prints[b], CONFIG).similarity >= 0.9 and copies(a, b)

    def holds(centre: str, members: list[str]) -> bool:
        direct = [m for m in members if m != centre and copies(centre, m)]
        rest = [m for m in members if m != centre and m not in direct]
        return all(any(twins(m, d) for d in direct) for m in rest)

    for cluster in result.clusters:
        names = [m.document.doc_id for m in cluster.members]
        assert holds(names[0], names)
    apart = [
        (a, b)
        for a, b in itertools.combinations(prints, 2)
        if copies(a, b) and where[a] != where[b]
    ]
    for a, b in apart:
        union = [n for n in prints if where[n] in (where[a], where[b])]
        assert not any(holds(centre, union) for centre in union)
    assert (result.split_pairs, result.kept_apart) == (0, len(apart))


def _carried(text: range, story: int, own: int) -> Fingerprint:
    """A page holding `text` inside `own` shingles of its own story."""
    return ids([*text, *range(10_000 * story, 10_000 * story + own)])


def test_a_short_text_in_many_unrelated_pages_is_boilerplate_not_a_centre() -> None:
    # A 40-shingle promotion line extracted as a whole body, held by six pages of six
    # different stories: it verifies against each (contained whole) but links none of them.
    promo = range(40)
    docs = [doc("promo"), *(doc(f"story{n}") for n in range(6))]
    shingles = [ids(promo), *(_carried(promo, n + 1, 300) for n in range(6))]
    pairs = [(0, n) for n in range(1, 7)]
    result = cluster_documents(docs, shingles, pairs, CONFIG)
    assert all(len(c.members) == 1 for c in result.clusters)
    assert result.split_pairs == 0


def test_a_bulletin_carried_by_reports_of_its_story_stays_their_centre() -> None:
    # The same shape, but the reports share names and figures besides the bulletin (a common
    # passage of 30 shingles each): the bulletin is their centre, as a release they quote.
    bulletin = range(40)
    shared = range(5_000, 5_030)
    docs = [doc("bulletin"), *(doc(f"report{n}") for n in range(6))]
    shingles = [
        ids(bulletin),
        *(ids([*bulletin, *shared, *range(10_000 * n, 10_000 * n + 40)]) for n in range(1, 7)),
    ]
    pairs = [(0, n) for n in range(1, 7)]
    (cluster,) = build_clusters(docs, shingles, pairs, CONFIG)
    assert cluster.representative.doc_id == "bulletin"
    assert len(cluster.members) == 7


def test_a_short_text_in_a_few_unrelated_pages_is_still_carried() -> None:
    # Under five carriers, a short text is a bulletin those pages quote (a judgement call
    # the labelling rules settle for copies).
    notice = range(40)
    docs = [doc("notice"), *(doc(f"roundup{n}") for n in range(3))]
    shingles = [ids(notice), *(_carried(notice, n + 1, 300) for n in range(3))]
    (cluster,) = build_clusters(docs, shingles, [(0, 1), (0, 2), (0, 3)], CONFIG)
    assert cluster.representative.doc_id == "notice"


def test_a_member_moves_to_the_cluster_holding_most_of_its_copies() -> None:
    # Page 1 went with the first centre (0), but it is also a copy of centre 2 and of both
    # of 2's members: it splits one verified pair there instead of three here.
    from dedup.batch.clustering import _rejoined
    from dedup.verdict import Verdict

    copy = Verdict(0.5, 0.95, True, "containment")
    pairs = [(0, 1), (1, 2), (1, 3), (1, 4), (2, 3), (2, 4)]
    links: dict[int, dict[int, Verdict]] = {}
    for left, right in pairs:
        links.setdefault(left, {})[right] = copy
        links.setdefault(right, {})[left] = copy
    fingerprints = [ids(range(100))] * 5
    pages = [doc(str(n)) for n in range(5)]
    clusters = _rejoined([[0, 1], [2, 3, 4]], fingerprints, links, {}, CONFIG, documents=pages)
    assert clusters == [[0], [2, 3, 4, 1]]
    # A centre never moves, and a page unlinked as boilerplate does not move to its carriers.
    moved = _rejoined([[1, 0], [2, 3, 4]], fingerprints, links, {}, CONFIG, documents=pages)
    assert moved[0][0] == 1
    unlinked = {1: {2}, 2: {1}}
    kept = _rejoined([[0, 1], [2, 3, 4]], fingerprints, links, unlinked, CONFIG, documents=pages)
    assert kept == [[0, 1], [2, 3, 4]]


def test_candidates_as_an_array_cluster_as_the_same_pairs_as_tuples() -> None:
    # An (n, 2) array, unsorted and with a repeated row, stands for the same pairs.
    docs = [doc("a", "2025-01-01"), doc("b"), doc("c"), doc("d")]
    shingles = [ids(range(0, 100)), ids(range(15, 115)), ids(range(30, 130)), ids(range(45, 145))]
    pairs = [(2, 3), (0, 1), (1, 2), (0, 1)]
    from_tuples = build_clusters(docs, shingles, pairs, CONFIG)
    from_array = build_clusters(docs, shingles, np.array(pairs, dtype=np.int64), CONFIG)
    assert from_array == from_tuples
    assert len(from_array) == 2
    empty = build_clusters(docs, shingles, np.zeros((0, 2), dtype=np.int64), CONFIG)
    assert len(empty) == len(docs)
    assert build_clusters([], [], np.zeros((0, 2), dtype=np.int64), CONFIG) == []
    assert build_clusters([], [], [], CONFIG) == []


def test_groups_are_the_connected_components_labelled_by_their_first_page() -> None:
    from dedup._arrays import component_labels

    rng = np.random.default_rng(7)
    count = 2000
    # Chains in both directions, stars and stray pairs: components of every shape.
    pairs = rng.integers(0, count, size=(1500, 2))
    chain = np.arange(300, 700)
    pairs = np.concatenate([pairs, np.stack([chain[1:], chain[:-1]], axis=1)])
    neighbours: dict[int, set[int]] = {}
    for left, right in pairs.tolist():
        neighbours.setdefault(left, set()).add(right)
        neighbours.setdefault(right, set()).add(left)
    expected = list(range(count))
    for page in range(count):
        if expected[page] != page:
            continue
        seen, todo = {page}, [page]
        while todo:
            for other in neighbours.get(todo.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        for other in seen:
            expected[other] = min(expected[other], page)
    assert component_labels(count, pairs[:, 0], pairs[:, 1]).tolist() == expected
    assert component_labels(3, pairs[:0, 0], pairs[:0, 1]).tolist() == [0, 1, 2]


@given(
    st.integers(0, 30).flatmap(
        lambda count: st.tuples(
            st.just(count),
            st.lists(
                st.tuples(st.integers(0, max(count - 1, 0)), st.integers(0, max(count - 1, 0)))
            ),
        )
    )
)
def test_the_group_index_holds_the_groups_of_candidate_groups(
    drawn: tuple[int, list[tuple[int, int]]],
) -> None:
    # The worker pool's tasks name groups by number: each must be the group that
    # candidate_groups yields in that place, pages and pairs alike, the groups found from
    # links that span them (one a page) and each group's pairs made from its pages.
    count, drawn_pairs = drawn
    pairs = np.array(
        sorted({(min(a, b), max(a, b)) for a, b in drawn_pairs if a != b}), dtype=np.int64
    ).reshape(-1, 2)
    expected = list(candidate_groups(count, pairs))
    links = spanning_pairs(count, pairs)
    assert len(links) <= count

    def pairs_of(pages: np.ndarray) -> np.ndarray:
        return pairs[np.isin(pairs[:, 0], pages)]

    index = GroupIndex.of(count, links, pairs_of)
    assert len(index) == len(expected)
    for number, (pages, group_pairs) in enumerate(expected):
        got_pages, got_pairs = index[number]
        assert got_pages.tolist() == pages.tolist()
        assert got_pairs.tolist() == group_pairs.tolist()
    assert index.sizes().tolist() == [len(p) for p, _ in expected]
