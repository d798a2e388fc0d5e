"""The CPU time of fingerprinting and signing a scan's pages, as its workers do them:
`Fingerprinter.fingerprint_with_figures` page by page, then each chunk's signatures
(`MinHasher.sign_many`), anchors and band keys at once.

The bodies of the first N files of a folder are extracted first (not timed); then four
passes, each stage timed with the process's CPU clock, the fastest of the last three kept
per stage (the first fills the tables). ``--check FILE`` writes every fingerprint, figure
set, signature, anchor set and band key to FILE, or compares them with FILE when it
exists: a change that must not alter them is checked on a whole corpus.

Usage: python benchmarks/bench_fingerprint.py benchmarks/out/corpus-30000:10000 [--check FILE]
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dedup.config import DedupConfig
from dedup.extract import extract_page
from dedup.fingerprint.anchors import is_anchor
from dedup.fingerprint.bands import band_keys
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.fingerprint.signature import mix32
from dedup.readers import FieldMap, list_inputs, read_pages

PASSES = 4
CHUNK = 128  # pages signed together, as dedup.batch.workers.CHUNK files


def bodies_of(folder: str, count: int | None) -> list[str]:
    inputs, _ = list_inputs([folder])
    inputs = inputs[:count] if count else inputs
    fields = FieldMap()
    return [
        extract_page(page).body  # type: ignore[arg-type]
        for item in inputs
        for page in read_pages(item, fields)
        if not hasattr(page, "reason")
    ]


def one_pass(bodies: list[str], fingerprinter: Fingerprinter) -> tuple[dict[str, float], Any]:
    clock = time.process_time
    config = fingerprinter.config
    seconds = {"fingerprint": 0.0, "sign": 0.0}
    results: dict[str, list[Any]] = {"fingerprints": [], "figures": [], "anchors": []}
    signatures = []
    for start in range(0, len(bodies), CHUNK):
        started = clock()
        found = [fingerprinter.fingerprint_with_figures(body) for body in bodies[start:][:CHUNK]]
        fingerprinted = clock()
        shingles = [fingerprint.shingles for fingerprint, _ in found]
        offsets = np.zeros(len(shingles) + 1, dtype=np.int64)
        np.cumsum([ids.size for ids in shingles], out=offsets[1:])
        flat = np.concatenate(shingles)
        mixed = mix32(flat)
        signed = fingerprinter.hasher.sign_many(mixed, offsets)
        chosen = is_anchor(mixed)
        ends = np.concatenate([[0], np.cumsum(chosen)])[offsets]
        anchors = flat[chosen]
        band_keys(signed, bands=config.lsh_bands, rows=config.rows)
        seconds["fingerprint"] += fingerprinted - started
        seconds["sign"] += clock() - fingerprinted
        results["fingerprints"] += [(f.shingles, f.numbers) for f, _ in found]
        results["figures"] += [figures for _, figures in found]
        results["anchors"] += [anchors[a:b] for a, b in itertools.pairwise(ends)]
        signatures.append(signed)
    signed = np.concatenate(signatures)
    keys = band_keys(signed, bands=config.lsh_bands, rows=config.rows)
    return seconds, (results, signed, keys)


def same(left: Any, right: Any) -> bool:
    if isinstance(left, np.ndarray):
        return left.dtype == right.dtype and np.array_equal(left, right)
    if isinstance(left, list | tuple):
        return len(left) == len(right) and all(map(same, left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    return bool(left == right)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", metavar="FOLDER[:N]")
    parser.add_argument("--check", metavar="FILE", help="write, or compare with, every output")
    args = parser.parse_args()
    folder, _, count = args.corpus.partition(":")
    bodies = bodies_of(folder, int(count) if count else None)
    fingerprinter = Fingerprinter(DedupConfig())
    best: dict[str, float] = {}
    for number in range(PASSES):
        seconds, outputs = one_pass(bodies, fingerprinter)
        if number:
            best = {stage: min(best.get(stage, value), value) for stage, value in seconds.items()}
    per_page = {stage: 1e6 * value / len(bodies) for stage, value in best.items()}
    figures = "  ".join(f"{stage} {value:.1f}" for stage, value in per_page.items())
    total = sum(per_page.values())
    print(f"{Path(folder).name}: {len(bodies)} pages, {total:.1f} us/page  ({figures})")
    if args.check:
        path = Path(args.check)
        if path.exists():
            identical = same(pickle.loads(path.read_bytes()), outputs)
            print("outputs identical" if identical else "OUTPUTS DIFFER")
            return 0 if identical else 1
        path.write_bytes(pickle.dumps(outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
