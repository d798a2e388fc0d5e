"""The crawler's index on natural pairs labelled by reading: what a crawler adding pages finds.

The articles of the corpora `benchmarks/eval_real.py` scans (../shared/corpora: the CRUD week,
then the sina crawl) are streamed through one `Deduplicator` in published order (by date, then
as the file lists them; the sina crawl has no dates and comes last), each with `add`, as a
crawler adds the pages it fetches. A labelled pair (`benchmarks/real/pairs.jsonl`) is matched
when the later page's add answers the earlier page among its matches. Prints recall over COPY
pairs, by band and by relation; the pairs matched that must stay apart (SAME_EVENT, DIFFERENT,
TEMPLATE; EXCERPT is shown, not counted); and the time and memory per add: extraction and
fingerprinting are timed apart from the index's own add (look up, verify, insert), and
memory is the growth of the process's resident set while the index fills (and, in memory,
the bytes of the index's arrays).

With --storage redis://host:port/db the index is the shared one (a fresh namespace, deleted
afterwards) and memory is the growth of the server's used_memory.

Usage: python benchmarks/eval_crawler_real.py [--storage redis://127.0.0.1:6379/0] [--misses N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dedup
from benchmarks.eval_real import COPY, CORPORA, CORPUS_FILES, NEVER_MERGED, PAIRS, read_pairs
from dedup.errors import InputError
from dedup.verdict import verify


def articles(corpora: Path) -> list[tuple[str, str]]:
    """(id, text) of every article, in published order: by date (stable: the file's order
    within a day), undated ones last in the file's order."""
    rows: list[tuple[str, str, str]] = []
    for name in CORPUS_FILES:
        with (corpora / name).open(encoding="utf-8") as stream:
            for line in stream:
                record = json.loads(line)
                rows.append((record.get("date") or "9999", record["id"], record["text"]))
    rows.sort(key=lambda row: row[0])  # stable: ties keep the file's order
    return [(doc_id, text) for _, doc_id, text in rows]


def resident_mb() -> float:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--storage", help="redis:// URL of a shared index to measure instead")
    parser.add_argument("--misses", type=int, default=0, help="list this many missed COPY pairs")
    args = parser.parse_args()
    if not (args.corpora / CORPUS_FILES[0]).exists():
        print(f"eval_crawler_real needs the corpora in {args.corpora}", file=sys.stderr)
        return 2
    pairs = read_pairs(args.pairs)
    pages = articles(args.corpora)
    namespace = f"eval-real-{os.getpid()}"
    index = dedup.Deduplicator(storage=args.storage, namespace=namespace)
    started = time.perf_counter()
    signed, bodies = [], []
    for doc_id, text in pages:
        try:
            fingerprint, document = index._page(text, None)
        except InputError:
            continue  # no article body: a crawler's add refuses it
        signed.append((doc_id, fingerprint, index._sign(fingerprint)))
        bodies.append(document.body)
    extracting = (time.perf_counter() - started) / len(signed)
    server = _server(args.storage)
    before = _used_mb(server)
    found: dict[str, dict[str, str]] = {}  # later page -> earlier page -> relation
    order: dict[str, int] = {}
    times = []
    try:
        for (doc_id, fingerprint, signature), body in zip(signed, bodies, strict=True):
            tick = time.perf_counter()
            # With its body, as `add` gives it: the index keeps what the slot check reads.
            matches = index.add_fingerprint(doc_id, fingerprint, signature, body=body)
            times.append(time.perf_counter() - tick)
            order[doc_id] = len(order)
            found[doc_id] = {m.doc_id: m.relation for m in matches}
        grown = _used_mb(server) - before
    finally:
        if server is not None:
            _forget(server, namespace)
    report(pairs, found, order, args.misses, {doc_id: fp for doc_id, fp, _ in signed})
    arrays = getattr(index._index, "nbytes", None)
    if arrays is not None:
        print(f"\nthe index's arrays: {arrays / len(signed):.0f} bytes per page")
    ms = np.array(times) * 1e3
    print(
        f"\n{len(signed)} pages added; extraction and fingerprint {extracting * 1e3:.2f} ms a "
        f"page; add (look up, verify, insert) mean {ms.mean():.3f} ms, p50 "
        f"{np.percentile(ms, 50):.3f} ms, p99 {np.percentile(ms, 99):.3f} ms; memory "
        f"{grown:.1f} MB, {grown * 2**20 / len(signed):.0f} bytes per page; load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    return 0


def report(  # type: ignore[no-untyped-def]
    pairs: list,  # type: ignore[type-arg]
    found: dict[str, dict[str, str]],
    order: dict[str, int],
    misses: int,
    fingerprints,
) -> None:
    """Recall over COPY pairs (by band, and the relations answered), and matches of the
    pairs that must stay apart; of the COPY pairs missed, how many the verdict on all
    shingles (as `dedup scan` and `dedup compare` judge) calls copies: those the index
    itself misses, the others are the verdict's."""
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    bands: Counter[str] = Counter()
    band_hits: Counter[str] = Counter()
    relations: Counter[str] = Counter()
    missed, wrong = [], []
    for pair in pairs:
        if pair.a not in order or pair.b not in order:
            continue
        earlier, later = sorted((pair.a, pair.b), key=order.__getitem__)
        relation = found[later].get(earlier)
        totals[pair.label] += 1
        hits[pair.label] += relation is not None
        if relation is not None and pair.label in NEVER_MERGED:
            wrong.append((pair, relation))
        if pair.label == COPY:
            bands[pair.band] += 1
            band_hits[pair.band] += relation is not None
            if relation is not None:
                relations[relation] += 1
            else:
                missed.append(pair)
    print("pairs matched by the later page's add, by label:")
    for label in sorted(totals):
        print(f"  {label:<12} {hits[label]:>4} of {totals[label]:>4}")
    print("COPY pairs matched, by band:")
    for band in sorted(bands):
        print(f"  {band:<24} {band_hits[band]:>4} of {bands[band]:>4}")
    print(
        "relations answered on COPY pairs: "
        + ", ".join(f"{k} {v}" for k, v in sorted(relations.items()))
    )
    copies = totals[COPY]
    print(
        f"COPY recall {hits[COPY] / copies:.3f} ({hits[COPY]} of {copies}); matched pairs that "
        f"must stay apart: {sum(hits[label] for label in NEVER_MERGED)} "
        f"({', '.join(f'{label} {hits[label]}' for label in NEVER_MERGED)})"
    )
    matched = sum(hits.values())
    apart = sum(hits[label] for label in NEVER_MERGED)
    print(
        f"precision over the labelled pairs matched {hits[COPY] / max(1, matched):.3f} "
        f"({hits[COPY]} of {matched}, EXCERPT counted as wrong); COPY against "
        f"{', '.join(NEVER_MERGED)} {hits[COPY] / max(1, hits[COPY] + apart):.3f}"
    )
    config = dedup.DedupConfig()
    verified = [p for p in missed if verify(fingerprints[p.a], fingerprints[p.b], config).is_copy]
    print(
        f"COPY pairs missed: {len(missed)}, of which the verdict on all shingles calls "
        f"{len(verified)} copies (the index's own misses: its samples or candidates)"
    )
    for pair, relation in wrong:
        print(f"  matched {pair.a} {pair.b} [{pair.label}, {relation}] {pair.reason}")
    for pair in missed[:misses]:
        print(f"  missed {pair.a} {pair.b} [{pair.band}] {pair.reason}")


def _server(storage: str | None):  # type: ignore[no-untyped-def]
    if not storage:
        return None
    import redis

    return redis.Redis.from_url(storage)


def _used_mb(server) -> float:  # type: ignore[no-untyped-def]
    return server.info("memory")["used_memory"] / 2**20 if server is not None else resident_mb()


def _forget(server, namespace: str) -> None:  # type: ignore[no-untyped-def]
    keys = list(server.scan_iter(f"{namespace}:*", count=10000))
    for start in range(0, len(keys), 10000):
        server.unlink(*keys[start : start + 10000])


if __name__ == "__main__":
    raise SystemExit(main())
