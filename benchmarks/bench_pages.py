"""The per-page path's CPU time, stage by stage: reading, extraction, the fingerprint fold,
token ids, shingles, distinctive numbers, the signature.

Runs in one process over the first N files of a folder (the corpora `bench_scan.py` writes
under benchmarks/out/), each stage timed with the process's CPU clock (so a busy machine
slows the figures less than wall time would), four passes, the fastest of the last three
kept per stage.

Usage: python benchmarks/bench_pages.py benchmarks/out/raw-6000:3000 [FOLDER:N ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dedup.config import DedupConfig
from dedup.extract import extract_page
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.fingerprint.normalize import distinctive_numbers, token_text
from dedup.fingerprint.shingle import char_token_ids, number_ids, shingles_of
from dedup.readers import FieldMap, list_inputs, read_pages
from dedup.readers.files import InputFile

PASSES = 4


def one_pass(inputs: list[InputFile], fingerprinter: Fingerprinter) -> dict[str, float]:
    clock = time.process_time
    seconds: dict[str, float] = defaultdict(float)
    fields, cache = FieldMap(), fingerprinter._token_ids
    for item in inputs:
        started = clock()
        pages = [page for page in read_pages(item, fields) if not hasattr(page, "reason")]
        seconds["read"] += clock() - started
        for page in pages:
            marks = [clock()]
            document = extract_page(page)  # type: ignore[arg-type]
            marks.append(clock())
            folded = token_text(document.body, extracted=True)
            marks.append(clock())
            ids, numbers = char_token_ids(folded, cache)
            marks.append(clock())
            shingles = shingles_of(ids, fingerprinter.config.ngram)
            marks.append(clock())
            number_ids(distinctive_numbers(numbers))
            marks.append(clock())
            fingerprinter.hasher.sign(shingles)
            marks.append(clock())
            stages = ("extract", "fold", "token_ids", "shingles", "numbers", "sign")
            for stage, start, end in zip(stages, marks, marks[1:], strict=False):
                seconds[stage] += end - start
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", metavar="FOLDER:N")
    args = parser.parse_args()
    for corpus in args.corpora:
        folder, _, count = corpus.partition(":")
        inputs, _ = list_inputs([folder])
        inputs = inputs[: int(count)] if count else inputs
        fingerprinter = Fingerprinter(DedupConfig())
        best: dict[str, float] = {}
        for number in range(PASSES):
            seconds = one_pass(inputs, fingerprinter)
            if number:  # the first pass fills the page cache and the tables
                best = {
                    stage: min(best.get(stage, value), value) for stage, value in seconds.items()
                }
        per_page = {stage: 1e3 * value / len(inputs) for stage, value in best.items()}
        figures = "  ".join(f"{stage} {value:.3f}" for stage, value in per_page.items())
        print(f"{Path(folder).name}: {sum(per_page.values()):.3f} ms/page  ({figures})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
