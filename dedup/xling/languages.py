"""The languages the multilingual encoder reads (ISO 639-1, as `dedup.extract.language`
names them)."""

from __future__ import annotations

# Universal Sentence Encoder multilingual v3: Arabic, Chinese (Simplified and Traditional),
# Dutch, English, French, German, Italian, Japanese, Korean, Polish, Portuguese, Russian,
# Spanish, Thai and Turkish. Only Chinese and English were measured here.
ENCODED_LANGUAGES = frozenset(
    {"ar", "zh", "nl", "en", "fr", "de", "it", "ja", "ko", "pl", "pt", "ru", "es", "th", "tr"}
)
