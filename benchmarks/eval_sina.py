"""Recall on zh-sina-2018's title groups: the same Sina article fetched by two crawls, one
copy often cut short or extracted differently. The groups come from titles, not text, so
they measure recall on truncation and extraction variants without circularity.

Usage: python benchmarks/eval_sina.py
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dedup  # noqa: E402
from dedup.fingerprint.fingerprinter import Fingerprinter  # noqa: E402
from dedup.verdict import verify  # noqa: E402

SINA = ROOT.parent / "shared" / "corpora" / "zh-sina-2018" / "sina2018.jsonl"


def main() -> int:
    if not SINA.is_file():
        print(f"benchmark needs {SINA}", file=sys.stderr)
        return 2
    groups: dict[int, list[str]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as folder:
        with SINA.open(encoding="utf-8") as stream:
            for line in stream:
                record = json.loads(line)
                doc_id = f"{record['id']}.txt"
                Path(folder, doc_id).write_text(record["text"], "utf-8")
                if record.get("title_group") is not None:
                    groups[record["title_group"]].append(doc_id)
        started = time.perf_counter()
        result = dedup.scan([folder])
        seconds = time.perf_counter() - started
    cluster_of = {m.document.doc_id: c.cluster_id for c in result.clusters for m in c.members}
    pairs = [p for members in groups.values() for p in itertools.combinations(sorted(members), 2)]
    found = [p for p in pairs if p[0] in cluster_of and cluster_of[p[0]] == cluster_of.get(p[1])]
    missed = sorted(set(pairs) - set(found))
    config = dedup.DedupConfig()
    fingerprinter = Fingerprinter(config)
    bodies = {d.doc_id: d.body for d in result.extracted}
    print(f"{len(result.extracted)} documents, {len(result.skipped)} skipped, {seconds:.1f} s")
    print(f"title-group pairs: {len(pairs)}; found in one cluster: {len(found)}")
    print(f"recall on title groups: {len(found) / len(pairs):.4f}")
    print(f"clusters of 2+: {len(result.duplicate_clusters)}")
    print("missed pairs (exact similarity, containment):")
    for left, right in missed:
        if left in bodies and right in bodies:
            left_print = fingerprinter.fingerprint(bodies[left])
            verdict = verify(left_print, fingerprinter.fingerprint(bodies[right]), config)
            print(f"  {verdict.similarity:.3f} {verdict.containment:.3f}  {left} {right}")
        else:
            print(f"  (skipped document)  {left} {right}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
