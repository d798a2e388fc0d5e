"""Precision and recall of `dedup scan` on natural pairs labelled by reading.

The pairs (`benchmarks/real/pairs.jsonl`: two corpus ids, a label, a reason, the band the pair
was drawn from) come from the real multi-site corpora in ../shared/corpora and were labelled by
reading both texts under ../shared/LABELLING.md; no text is stored here. This script scans every
article of those corpora together (the labelled pairs sit among thousands of background
articles, as in a real crawl), then reports, for each label and each similarity band, how many
pairs the scan put in one cluster; precision and recall over COPY pairs; the pairs verified as
copies yet in different clusters, split (two clusters one centre could hold) or kept apart
(joining would chain); and the worst misses and false merges with their measures. Usage:

    python benchmarks/eval_real.py [--worst N] [--certain-only] [--threshold X] [--containment X]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import dedup

HERE = Path(__file__).resolve().parent
PAIRS = HERE / "real" / "pairs.jsonl"
CORPORA = HERE.parent.parent / "shared" / "corpora"
CORPUS_FILES = (
    "zh-crudrag-news-2023/crudrag_news_2023-08-02_08.jsonl",
    "zh-sina-2018/sina2018.jsonl",
)
COPY = "COPY"
NEVER_MERGED = ("SAME_EVENT", "DIFFERENT", "TEMPLATE")


@dataclass(frozen=True, slots=True)
class Pair:
    a: str
    b: str
    label: str
    uncertain: bool
    band: str
    reason: str


def read_pairs(path: Path) -> list[Pair]:
    with path.open(encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream if line.strip()]
    return [
        Pair(r["a"], r["b"], r["label"], bool(r.get("uncertain")), r["band"], r.get("reason", ""))
        for r in rows
    ]


def write_corpus(folder: Path, corpora: Path) -> Path:
    """Every article of the corpora as one JSON Lines file (id, text, published date)."""
    target = folder / "corpus.jsonl"
    with target.open("w", encoding="utf-8") as out:
        for name in CORPUS_FILES:
            with (corpora / name).open(encoding="utf-8") as stream:
                for line in stream:
                    record = json.loads(line)
                    row = {"id": record["id"], "text": record["text"]}
                    if record.get("date"):
                        row["published"] = record["date"]
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return target


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "  -  "


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--worst", type=int, default=10)
    parser.add_argument("--certain-only", action="store_true", help="leave out uncertain pairs")
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--containment", type=float, default=None)
    parser.add_argument("--number-agreement", type=float, default=None)
    args = parser.parse_args()
    if not (args.corpora / CORPUS_FILES[0]).exists():
        print(f"eval_real needs the corpora in {args.corpora}", file=sys.stderr)
        return 2
    pairs = [p for p in read_pairs(args.pairs) if not (args.certain_only and p.uncertain)]
    options = {
        "threshold": args.threshold,
        "containment": args.containment,
        "number_agreement": args.number_agreement,
    }
    config = dedup.DedupConfig(**{k: v for k, v in options.items() if v is not None})
    with tempfile.TemporaryDirectory() as folder:
        corpus = write_corpus(Path(folder), args.corpora)
        started = time.perf_counter()
        result = dedup.scan([corpus], config)
        seconds = time.perf_counter() - started
    cluster_of = {
        m.document.doc_id.partition("#")[2]: c.cluster_id
        for c in result.clusters
        for m in c.members
    }
    centre_of = {
        m.document.doc_id.partition("#")[2]: c.members[0].document
        for c in result.clusters
        for m in c.members
    }
    documents = {d.doc_id.partition("#")[2]: d for d in result.extracted}
    print(
        f"scanned {len(documents):,} articles in {seconds:.1f} s; "
        f"{len(pairs)} labelled pairs from {args.pairs.name}"
    )
    merged = {
        p: cluster_of.get(p.a) is not None and cluster_of.get(p.a) == cluster_of.get(p.b)
        for p in pairs
    }
    report_by(pairs, merged, "label", lambda p: p.label + (" (uncertain)" if p.uncertain else ""))
    report_by(pairs, merged, "band", lambda p: p.band, copies_only=True)
    copies = [p for p in pairs if p.label == COPY]
    found = sum(merged[p] for p in copies)
    predicted = [p for p in pairs if merged[p]]
    true_found = sum(p.label == COPY for p in predicted)
    print(
        f"\nCOPY pairs: precision {ratio(true_found, len(predicted))} "
        f"({true_found} of {len(predicted)} merged pairs are copies), "
        f"recall {ratio(found, len(copies))} ({found} of {len(copies)})"
    )
    wrong = [p for p in predicted if p.label in NEVER_MERGED]
    print(f"merged pairs that must stay apart (SAME_EVENT, DIFFERENT, TEMPLATE): {len(wrong)}")
    members_of: dict[int, list[str]] = {}
    for name, cluster in cluster_of.items():
        members_of.setdefault(cluster, []).append(name)
    apart = verified_apart(pairs, merged, documents, config)
    joinable = [p for p in apart if could_join(p, cluster_of, members_of, documents, config)]
    print(
        f"labelled pairs verified as copies in different clusters: {len(apart)}; "
        f"split (one centre could hold both clusters): {len(joinable)}"
    )
    for p in apart:
        why = "split" if p in joinable else why_apart(p, documents, centre_of, config)
        print(f"  {p.a} {p.b} [{p.band}]: {why}")
    print(
        f"over the whole scan: split pairs {result.split_pairs}, "
        f"pairs kept apart (joining would chain) {result.kept_apart}"
    )
    worst(args.worst, "misses", [p for p in copies if not merged[p]], documents, config)
    worst(args.worst, "false merges", [p for p in predicted if p.label != COPY], documents, config)
    return 0


def report_by(pairs, merged, title, key, copies_only=False) -> None:  # type: ignore[no-untyped-def]
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for p in pairs:
        if copies_only and p.label != COPY:
            continue
        totals[key(p)] += 1
        hits[key(p)] += merged[p]
    what = "COPY pairs merged" if copies_only else "pairs merged"
    print(f"\nby {title} ({what}):")
    for name in sorted(totals):
        print(
            f"  {name:<24} {hits[name]:>4} of {totals[name]:>4}  {ratio(hits[name], totals[name])}"
        )


def comparison(p: Pair, documents, config):  # type: ignore[no-untyped-def]
    left, right = documents.get(p.a), documents.get(p.b)
    if left is None or right is None:
        return None
    return dedup_compare(left, right, config)


def dedup_compare(left, right, config):  # type: ignore[no-untyped-def]
    from dedup.tools.compare import compare

    return compare(left, right, config)


def verified_apart(pairs, merged, documents, config):  # type: ignore[no-untyped-def]
    """The labelled pairs in different clusters that the copy rule accepts."""
    apart = []
    for p in pairs:
        if merged[p]:
            continue
        found = comparison(p, documents, config)
        if found is not None and found.is_copy:
            apart.append(p)
    return apart


def could_join(p, cluster_of, members_of, documents, config):  # type: ignore[no-untyped-def]
    """Whether one member could centre the two clusters of a pair's pages together: each
    other member its copy, or a near-identical twin (Jaccard 0.9) of one that is."""
    union = members_of[cluster_of[p.a]] + members_of[cluster_of[p.b]]

    def holds(centre: str) -> bool:
        direct = [
            m
            for m in union
            if m != centre and dedup_compare(documents[centre], documents[m], config).is_copy
        ]
        return all(
            any(_twins(documents[m], documents[d], config) for d in direct)
            for m in union
            if m != centre and m not in direct
        )

    return any(holds(centre) for centre in union)


def _twins(left, right, config):  # type: ignore[no-untyped-def]
    found = dedup_compare(left, right, config)
    return found.is_copy and found.similarity >= 0.9


def why_apart(p, documents, centre_of, config):  # type: ignore[no-untyped-def]
    """Why a verified pair ended apart though joining would chain: neither page is a copy
    of the other's centre, or one is, but it has as many verified copies where it is, or is
    a centre itself (moving it would split as many pairs as it joins)."""
    left, right = documents[p.a], documents[p.b]
    joins = [
        name
        for name, page, other in (("A", left, p.b), ("B", right, p.a))
        if centre_of[other].doc_id != page.doc_id
        and dedup_compare(page, centre_of[other], config).is_copy
    ]
    if not joins:
        return "kept apart: neither is a copy of the other's centre"
    return (
        f"kept apart: {' and '.join(joins)} is a copy of the other's centre, but no member "
        "could centre both clusters and it has as many copies where it is"
    )


def worst(limit, title, chosen, documents, config) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for p in chosen:
        found = comparison(p, documents, config)
        if found is None:
            rows.append((p, None))
            continue
        rows.append((p, found))
    rows.sort(key=lambda row: -(row[1].similarity if row[1] else 0))
    shown = rows[:limit]
    print(
        f"\n{title}: {len(rows)}" + (f" (showing {len(shown)})" if len(shown) < len(rows) else "")
    )
    for p, found in shown:
        if found is None:
            print(f"  {p.a} {p.b} [{p.label}/{p.band}] not extracted")
            continue
        contained = max(found.left_in_right, found.right_in_left)
        print(
            f"  {p.a} {p.b} [{p.label}/{p.band}] similarity {found.similarity:.3f} "
            f"containment {contained:.3f} numbers {found.number_agreement}: {p.reason}"
        )


if __name__ == "__main__":
    sys.exit(main())
