"""Document body -> Fingerprint and MinHash signature, for one configuration."""

from __future__ import annotations

from dedup.config import DedupConfig
from dedup.fingerprint.normalize import distinctive_numbers, token_text, tokens_and_numbers
from dedup.fingerprint.shingle import (
    Fingerprint,
    char_token_ids,
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
        if self.config.tokenizer == "char":
            # The same token ids as the string tokens would give, without the strings.
            ids, numbers = char_token_ids(token_text(body, extracted=True), self._token_ids)
            shingles = shingles_of(ids, self.config.ngram)
            return Fingerprint(shingles, number_ids(distinctive_numbers(numbers)))
        tokens, numbers = tokens_and_numbers(body, extracted=True)
        return make_fingerprint(
            tokens,
            numbers,
            ngram=self.config.ngram,
            tokenizer=self.config.tokenizer,
            cache=self._token_ids,
        )
