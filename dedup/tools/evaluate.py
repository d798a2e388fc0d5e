"""Scoring clusters against labels: pairwise and B-cubed precision/recall, ARI, worst errors."""

from __future__ import annotations

import csv
import itertools
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import comb
from pathlib import PurePosixPath

from dedup.batch.pipeline import Progress, scan
from dedup.config import DedupConfig
from dedup.errors import InputError
from dedup.fingerprint.fingerprinter import Fingerprinter
from dedup.models import ScanResult
from dedup.verdict import verify


@dataclass(frozen=True, slots=True)
class Scores:
    """How predicted clusters agree with labelled ones, over the documents both know."""

    documents: int
    true_pairs: int
    predicted_pairs: int
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    ari: float
    false_merges: list[tuple[str, str]]
    misses: list[tuple[str, str]]


def read_labels(path: str) -> dict[str, str]:
    """A labels CSV: a header naming ``doc_id`` and ``cluster`` columns, one row per document."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"cannot read the labels ({error}); give a UTF-8 CSV", path) from error
    if not rows or not {"doc_id", "cluster"} <= set(rows[0]):
        raise InputError("the labels need a header with doc_id and cluster columns", path)
    labels: dict[str, str] = {}
    for number, row in enumerate(rows, 2):
        doc_id, cluster = (row.get("doc_id") or "").strip(), (row.get("cluster") or "").strip()
        if not doc_id or not cluster:
            raise InputError(f"line {number} has no doc_id or no cluster", path)
        if doc_id in labels:
            raise InputError(f"line {number} labels {doc_id!r} a second time", path)
        labels[doc_id] = cluster
    return labels


def match_labels(labels: Mapping[str, str], doc_ids: Sequence[str]) -> dict[str, str]:
    """Labels keyed by the scan's doc_ids; a label may name a doc_id or a file stem
    (``a`` for ``site/a.html``). Unknown labels raise, so a typo is not scored as a miss."""
    by_stem: dict[str, list[str]] = defaultdict(list)
    for doc_id in doc_ids:
        by_stem[PurePosixPath(doc_id.partition("#")[0]).stem].append(doc_id)
    known = set(doc_ids)
    matched: dict[str, str] = {}
    unknown = []
    for key, cluster in labels.items():
        if key in known:
            matched[key] = cluster
        elif len(by_stem.get(key, [])) == 1:
            matched[by_stem[key][0]] = cluster
        else:
            unknown.append(key)
    if unknown:
        raise InputError(
            f"{len(unknown)} labelled documents are not among the scanned ones "
            f"(first: {unknown[0]!r}); label by doc_id or by a unique file stem"
        )
    return matched


def score(predicted: Mapping[str, str], truth: Mapping[str, str]) -> Scores:
    """Score a predicted clustering (doc_id -> cluster) against labels over their common ids."""
    ids = sorted(set(predicted) & set(truth))
    pred_pairs, true_pairs = _pairs(predicted, ids), _pairs(truth, ids)
    hits = len(pred_pairs & true_pairs)
    precision = hits / len(pred_pairs) if pred_pairs else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    b_precision, b_recall = _bcubed(predicted, truth, ids)
    return Scores(
        documents=len(ids),
        true_pairs=len(true_pairs),
        predicted_pairs=len(pred_pairs),
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=_f1(precision, recall),
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        ari=_ari(predicted, truth, ids),
        false_merges=sorted(pred_pairs - true_pairs),
        misses=sorted(true_pairs - pred_pairs),
    )


def evaluate(
    paths: Iterable[str | os.PathLike[str]],
    labels: Mapping[str, str],
    config: DedupConfig | None = None,
    *,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> tuple[
    ScanResult, Scores, list[tuple[str, str, float, float]], list[tuple[str, str, float, float]]
]:
    """Scan `paths` and score the clusters against labels (doc_id or file stem -> cluster).

    Returns the scan, the scores, and the false merges and misses, each pair with its exact
    similarity and containment, highest similarity first.
    """
    config = config or DedupConfig()
    result = scan(paths, config, progress=progress, jobs=jobs)
    predicted = {m.document.doc_id: str(c.cluster_id) for c in result.clusters for m in c.members}
    truth = match_labels(labels, [d.doc_id for d in result.extracted])
    scores = score(predicted, truth)
    fingerprinter = Fingerprinter(config)
    bodies = {d.doc_id: d.body for d in result.extracted}

    def explained(pairs: list[tuple[str, str]]) -> list[tuple[str, str, float, float]]:
        rows = []
        for left, right in pairs:
            verdict = verify(
                fingerprinter.fingerprint(bodies[left]),
                fingerprinter.fingerprint(bodies[right]),
                config,
            )
            rows.append((left, right, verdict.similarity, verdict.containment))
        return sorted(rows, key=lambda row: (-row[2], row[0], row[1]))

    return result, scores, explained(scores.false_merges), explained(scores.misses)


def _pairs(assignment: Mapping[str, str], ids: Sequence[str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for doc_id in ids:
        groups[assignment[doc_id]].append(doc_id)
    return {pair for members in groups.values() for pair in itertools.combinations(members, 2)}


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _bcubed(
    predicted: Mapping[str, str], truth: Mapping[str, str], ids: Sequence[str]
) -> tuple[float, float]:
    if not ids:
        return 1.0, 1.0
    joint = Counter((predicted[i], truth[i]) for i in ids)
    pred_sizes = Counter(predicted[i] for i in ids)
    true_sizes = Counter(truth[i] for i in ids)
    precision = sum(joint[(predicted[i], truth[i])] / pred_sizes[predicted[i]] for i in ids)
    recall = sum(joint[(predicted[i], truth[i])] / true_sizes[truth[i]] for i in ids)
    return precision / len(ids), recall / len(ids)


def _ari(predicted: Mapping[str, str], truth: Mapping[str, str], ids: Sequence[str]) -> float:
    n = len(ids)
    if n < 2:
        return 1.0
    joint = sum(comb(c, 2) for c in Counter((predicted[i], truth[i]) for i in ids).values())
    pred = sum(comb(c, 2) for c in Counter(predicted[i] for i in ids).values())
    true = sum(comb(c, 2) for c in Counter(truth[i] for i in ids).values())
    expected = pred * true / comb(n, 2)
    maximum = (pred + true) / 2
    if maximum == expected:
        return 1.0
    return (joint - expected) / (maximum - expected)
