"""The crawler's translated copies: pages kept as vectors, matched across languages.

With ``DedupConfig(cross_lingual=True)`` a `Deduplicator` in memory keeps, beside its
shingle index, each page's multilingual vector, language and facts (`dedup.xling`). A page
asked about matches an indexed page in another language when each is the other's nearest
neighbour in the other's language and rules 3 and 4 of `dedup.xling.matching` hold:
the rule of `dedup scan --cross-lingual`, applied as pages arrive. The index never reads a
date, so no time window applies. Vectors are not saved with the index; each page keeps
up to 32 sentence vectors in float16 (32 KB).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from dedup.models import Match
from dedup.xling.encoder import DIMENSIONS, Sentences, encode_bodies
from dedup.xling.facts import Facts, fact_counts, facts_of
from dedup.xling.languages import ENCODED_LANGUAGES
from dedup.xling.matching import alignment, is_translation


@dataclass(frozen=True, slots=True)
class Page:
    """What translation matching needs of a page: its language, vector, sentence vectors
    and facts."""

    lang: str
    vector: npt.NDArray[np.float32]
    sentences: Sentences
    facts: Facts


@dataclass(slots=True)
class TranslationIndex:
    """Pages by language, as rows of one matrix per language."""

    _ids: dict[str, list[str]] = field(default_factory=dict)
    _vectors: dict[str, npt.NDArray[np.float32]] = field(default_factory=dict)
    _facts: dict[str, list[Facts]] = field(default_factory=dict)
    _sentences: dict[str, list[Sentences]] = field(default_factory=dict)

    @staticmethod
    def pages(bodies: list[str], languages: list[str | None]) -> list[Page | None]:
        """The vectors of the pages in a language the encoder reads (None for the others),
        encoded in one batch."""
        chosen = [i for i, lang in enumerate(languages) if lang in ENCODED_LANGUAGES]
        found: list[Page | None] = [None] * len(bodies)
        if not chosen:
            return found
        encoded = encode_bodies([bodies[i] for i in chosen])
        for row, index in enumerate(chosen):
            found[index] = Page(
                str(languages[index]),
                encoded.vectors[row],
                encoded.sentences[row],
                facts_of(bodies[index]),
            )
        return found

    def ids(self) -> set[str]:
        """The ids of the pages kept."""
        return {doc_id for ids in self._ids.values() for doc_id in ids}

    def add(self, doc_id: str, page: Page) -> None:
        """Keep a page."""
        self._ids.setdefault(page.lang, []).append(doc_id)
        stored = self._vectors.get(page.lang, np.zeros((0, DIMENSIONS), dtype=np.float32))
        self._vectors[page.lang] = np.vstack([stored, page.vector[None, :]])
        self._facts.setdefault(page.lang, []).append(page.facts)
        self._sentences.setdefault(page.lang, []).append(page.sentences)

    def remove(self, doc_ids: set[str]) -> None:
        """Forget pages (ids not kept are ignored)."""
        for lang in list(self._ids):
            keep = [i for i, doc_id in enumerate(self._ids[lang]) if doc_id not in doc_ids]
            if len(keep) == len(self._ids[lang]):
                continue
            self._ids[lang] = [self._ids[lang][i] for i in keep]
            self._vectors[lang] = self._vectors[lang][keep]
            self._facts[lang] = [self._facts[lang][i] for i in keep]
            self._sentences[lang] = [self._sentences[lang][i] for i in keep]

    def match(self, page: Page) -> list[Match]:
        """The indexed pages in other languages of which `page` is a translation (or that
        are translations of it), best first."""
        matches: list[Match] = []
        for lang in sorted(self._ids):
            if lang == page.lang or not self._ids[lang]:
                continue
            cosines = self._vectors[lang] @ page.vector
            best = int(np.argmax(cosines))
            if not self._nearest_of(lang, best, page, float(cosines[best])):
                continue
            score = alignment(page.sentences, self._sentences[lang][best])
            if is_translation(score, *fact_counts(page.facts, self._facts[lang][best])):
                doc_id = self._ids[lang][best]
                matches.append(Match(doc_id, score, score, "translation", doc_id))
        return sorted(matches, key=lambda match: (-match.similarity, match.doc_id))

    def _nearest_of(self, lang: str, row: int, page: Page, cosine: float) -> bool:
        """Whether `page` is the nearest, in its language, of the indexed page at `row`."""
        own = self._vectors.get(page.lang)
        if own is None or not len(own):
            return True
        return bool(cosine >= float(np.max(own @ self._vectors[lang][row])))
