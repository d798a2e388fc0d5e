"""The crawler's translated copies: pages kept as lead vectors, matched across languages.

With ``DedupConfig(cross_lingual=True)`` a `Deduplicator` in memory keeps, beside its
shingle index, each page's language, sentences and the vector of its lead
(`dedup.xling.encoder`). A page asked about is matched by the rule of
`dedup scan --cross-lingual` (`dedup.xling.matching`), applied as pages arrive: an indexed
page in another language is a candidate when each is among the other's nearest leads, and
a translation when their sentences align in order with numbers that agree; only candidates
are encoded whole. The index never reads a date, so no time window applies. Vectors are not
saved with the index; a page keeps its lead's vectors, and the whole body's (up to 64
sentence vectors, 128 KB) once it has been a candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from dedup.models import Match
from dedup.xling.encoder import DIMENSIONS, Bodies
from dedup.xling.languages import ENCODED_LANGUAGES
from dedup.xling.matching import TOP, align


@dataclass(frozen=True, slots=True)
class Page:
    """What translation matching needs of a page: its language, the vector of its lead, and
    its body's place among the bodies encoded with it."""

    lang: str
    lead: npt.NDArray[np.float32]
    bodies: Bodies
    position: int

    def whole(self) -> tuple[npt.NDArray[np.float32], list[str]]:
        """The vectors of all the page's sentences (encoded on first use), and the sentences."""
        self.bodies.whole([self.position])
        return self.bodies.vectors(self.position), self.bodies.sentences[self.position]


@dataclass(slots=True)
class TranslationIndex:
    """Pages by language, their leads as rows of one matrix per language."""

    _ids: dict[str, list[str]] = field(default_factory=dict)
    _leads: dict[str, npt.NDArray[np.float32]] = field(default_factory=dict)
    _pages: dict[str, list[Page]] = field(default_factory=dict)

    @staticmethod
    def pages(bodies: list[str], languages: list[str | None]) -> list[Page | None]:
        """The pages in a language the encoder reads (None for the others), their leads
        encoded in one batch."""
        chosen = [i for i, lang in enumerate(languages) if lang in ENCODED_LANGUAGES]
        found: list[Page | None] = [None] * len(bodies)
        if not chosen:
            return found
        encoded = Bodies(bodies[i] for i in chosen)
        leads = encoded.leads(range(len(chosen)))
        for row, index in enumerate(chosen):
            found[index] = Page(str(languages[index]), leads[row], encoded, row)
        return found

    def ids(self) -> set[str]:
        """The ids of the pages kept."""
        return {doc_id for ids in self._ids.values() for doc_id in ids}

    def add(self, doc_id: str, page: Page) -> None:
        """Keep a page."""
        self._ids.setdefault(page.lang, []).append(doc_id)
        stored = self._leads.get(page.lang, np.zeros((0, DIMENSIONS), dtype=np.float32))
        self._leads[page.lang] = np.vstack([stored, page.lead[None, :]])
        self._pages.setdefault(page.lang, []).append(page)

    def remove(self, doc_ids: set[str]) -> None:
        """Forget pages (ids not kept are ignored)."""
        for lang in list(self._ids):
            keep = [i for i, doc_id in enumerate(self._ids[lang]) if doc_id not in doc_ids]
            if len(keep) == len(self._ids[lang]):
                continue
            self._ids[lang] = [self._ids[lang][i] for i in keep]
            self._leads[lang] = self._leads[lang][keep]
            self._pages[lang] = [self._pages[lang][i] for i in keep]

    def match(self, page: Page) -> list[Match]:
        """The indexed pages in other languages of which `page` is a translation (or that
        are translations of it), best first."""
        matches: list[Match] = []
        for lang in sorted(self._ids):
            if lang == page.lang or not self._ids[lang]:
                continue
            cosines = self._leads[lang] @ page.lead
            for row in np.argsort(-cosines, kind="stable")[:TOP]:
                if not self._among_nearest(lang, int(row), page, float(cosines[row])):
                    continue
                (ours, our_text), (theirs, their_text) = (
                    page.whole(),
                    self._pages[lang][row].whole(),
                )
                found = align(ours, theirs, our_text, their_text)
                if found.is_translation:
                    doc_id = self._ids[lang][row]
                    matches.append(Match(doc_id, found.score, found.score, "translation", doc_id))
        return sorted(matches, key=lambda match: (-match.similarity, match.doc_id))

    def _among_nearest(self, lang: str, row: int, page: Page, cosine: float) -> bool:
        """Whether `page` is among the `TOP` nearest leads, in its language, of the indexed
        page at `row` (the indexed pages of its language and itself)."""
        own = self._leads.get(page.lang)
        if own is None or not len(own):
            return True
        return int(np.count_nonzero(own @ self._leads[lang][row] > cosine)) < TOP
