"""Document body -> Fingerprint and MinHash signature, for one configuration."""

from __future__ import annotations

from dedup.config import DedupConfig
from dedup.fingerprint.normalize import (
    body_token_text,
    distinctive_numbers,
    folded_figures,
    folded_tokens_and_numbers,
    number_figures,
    token_text,
)
from dedup.fingerprint.shingle import (
    Fingerprint,
    char_tokens,
    make_fingerprint,
    number_ids,
    shingles_of,
)
from dedup.fingerprint.signature import MinHasher


class Fingerprinter:
    """Document body -> fingerprint (shingles, numbers) and signature, for one config."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        self.hasher = MinHasher(config.num_perm, config.seed)
        self._token_ids: dict[str, int] = {}

    def fingerprint(self, body: str) -> Fingerprint:
        """The fingerprint of a body produced by `dedup.extract`."""
        return self._fingerprint(token_text(body, extracted=True))

    def fingerprint_with_figures(self, body: str) -> tuple[Fingerprint, frozenset[str]]:
        """`fingerprint` of a body and its figures (`dedup.fingerprint.normalize.figures`),
        from one folding of the text: a scan compares the figures of most pages it clusters,
        and folding the text again for them cost a fifth of verifying them."""
        folded, codes = body_token_text(body)
        if self.config.tokenizer != "char":
            return self._fingerprint(folded), folded_figures(folded)
        # The same token ids as the string tokens would give, without the strings; the
        # numbers found once for both, from the code points folding made.
        ids, (starts, numbers) = char_tokens(folded, self._token_ids, codes)
        shingles = shingles_of(ids, self.config.ngram)
        fingerprint = Fingerprint(shingles, number_ids(distinctive_numbers(numbers)))
        return fingerprint, number_figures(folded, starts, numbers)

    def _fingerprint(self, folded: str) -> Fingerprint:
        if self.config.tokenizer == "char":
            ids, (_, numbers) = char_tokens(folded, self._token_ids)
            shingles = shingles_of(ids, self.config.ngram)
            return Fingerprint(shingles, number_ids(distinctive_numbers(numbers)))
        tokens, numbers = folded_tokens_and_numbers(folded)
        return make_fingerprint(
            tokens,
            numbers,
            ngram=self.config.ngram,
            tokenizer=self.config.tokenizer,
            cache=self._token_ids,
        )
