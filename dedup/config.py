"""DedupConfig: every tunable of the pipeline, validated once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dedup.errors import ConfigError

Tokenizer = Literal["char", "jieba"]
TOKENIZERS: tuple[Tokenizer, ...] = ("char", "jieba")
# What a JSON record's fields can hold; `fields` maps a role to a record's own field name.
RECORD_ROLES = ("text", "html", "url", "title", "published", "site", "id")
# Settings not kept with a saved or shared index: `timezone` orders a scan's copies;
# `cross_lingual` needs vectors, which an index file or Redis does not hold (so namespaces
# and files written before it existed still open); a page's time and memory budget bound
# the reading of files.
SCAN_ONLY_FIELDS = frozenset({"timezone", "cross_lingual", "page_seconds", "page_memory"})
# Fields an index does not keep with its pages either: they change how it answers, not
# what it stores, so processes sharing an index may differ in them.
ANSWER_ONLY_FIELDS = frozenset({"max_matches"})


@dataclass(frozen=True, slots=True, kw_only=True)
class DedupConfig:
    """Settings shared by `scan` and `Deduplicator`.

    Attributes:
        threshold: Jaccard similarity of two bodies' shingle sets at or above which they are
            copies of one article.
        containment: share of the shorter body's shingles found in the longer body at or above
            which the pair is a copy (truncated, re-edited, or carried inside a longer page).
            0.55: on natural re-posts labelled by reading, copies carry more of the shorter
            body, same-event reports and excerpts under 0.4 (docs/accuracy.md).
        num_perm: MinHash permutations (datasketch's name).
        seed: MinHash seed; results are reproducible for a fixed seed.
        tokenizer: ``"char"`` (one token per CJK character, Latin word or number) or
            ``"jieba"`` (jieba words).
        ngram: tokens per shingle.
        bands: LSH bands; ``None`` picks num_perm // 4 bands of 4 rows, which makes pairs
            down to about 0.5 Jaccard candidates (verification then keeps precision).
        min_containment_shingles: a body needs at least this many shingles before
            containment alone may link it, so a one-line page is never "contained" everywhere.
        number_agreement: below this share of the fewer distinctive numbers (3+ characters)
            found in the other body, two bodies are different notes from one template and
            only a near-identical pair (Jaccard 0.9) is a copy.
        number_slack: when at least 80% of those numbers agree, `threshold` and `containment`
            are lowered by this much: shared figures are strong evidence of a copy.
        max_bytes: the largest page, record or archive member read, in bytes; larger ones
            are skipped with a warning (WARC, JSON Lines and tar files themselves stream).
        page_seconds: the longest that reading one page, or extracting and fingerprinting
            it, may take in ``scan`` and ``index add``; a page that takes longer is skipped
            (`dedup.batch.budget`). None: no limit.
        page_memory: how many bytes a worker process may grow by (over its size at start)
            while it reads and extracts pages; a page that needs more is skipped. None: no
            limit. ``jobs=1`` runs in the calling process, which is never limited.
        max_age_days: a `Deduplicator` forgets pages added longer ago than this (news copies
            appear within days); None keeps everything.
        sample_size: shingles a `Deduplicator` keeps per page to verify matches: the page's
            bottom-k sample (`dedup.fingerprint.sketch`), from which Jaccard similarity and
            containment are estimated; pages with no more shingles than this compare exactly. None
            keeps every shingle (exact, about 4 bytes per shingle). `dedup scan` always
            verifies on every shingle.
        fields: ``ROLE=NAME`` pairs naming the JSON record field that holds a role (roles:
            text, html, url, title, published, site, id), e.g. ``("text=article_body",)``.
        max_matches: a `Deduplicator` returns at most this many matches per page (the
            best ones), and the original of the page's group besides when it ranks lower;
            of the pages sharing a band key with the page it verifies the ``2 ×
            max_matches`` added first. So a page seen 20,000 times costs about what one
            seen a few times does (`dedup.index.matching`).
        timezone: the IANA time zone of publication times stated without an offset
            (``Asia/Shanghai`` by default: most pages are Chinese news); times with an offset
            keep it, and copies are ordered by instant.
        cross_lingual: also find translated copies: articles in one language that are
            translations of articles in another (``pip install 'dedup[xling]'``; see
            docs/crosslingual.md). A `Deduplicator` in memory then also returns translation
            matches; the shared (Redis) index refuses it.

    Example:
        >>> DedupConfig(threshold=0.8).rows
        4
    """

    threshold: float = 0.7
    containment: float = 0.55
    num_perm: int = 128
    seed: int = 1
    tokenizer: Tokenizer = "char"
    ngram: int = 5
    bands: int | None = None
    min_containment_shingles: int = 30
    number_agreement: float = 0.8
    number_slack: float = 0.1
    fields: tuple[str, ...] = ()
    max_bytes: int = 32 * 1024 * 1024
    page_seconds: float | None = 30.0
    page_memory: int | None = 2 * 1024**3
    max_age_days: float | None = None
    sample_size: int | None = 96
    max_matches: int = 100
    timezone: str = "Asia/Shanghai"
    cross_lingual: bool = False

    def __post_init__(self) -> None:
        _check_fraction("threshold", self.threshold)
        _check_fraction("containment", self.containment)
        _check_fraction("number_agreement", self.number_agreement)
        if not 0 <= self.number_slack < 0.5:
            raise ConfigError(f"number_slack must be in [0, 0.5), got {self.number_slack!r}")
        _check_int_range("num_perm", self.num_perm, 16, 1024)
        _check_int_range("seed", self.seed, 0, 2**32 - 1)
        _check_int_range("ngram", self.ngram, 1, 20)
        _check_int_range("min_containment_shingles", self.min_containment_shingles, 1, 10**6)
        _check_int_range("max_bytes", self.max_bytes, 1024, 2**40)
        if self.page_seconds is not None and (
            isinstance(self.page_seconds, bool)
            or not isinstance(self.page_seconds, int | float)
            or not 0 < self.page_seconds < 10**6
        ):
            raise ConfigError(f"page_seconds must be positive or None, got {self.page_seconds!r}")
        if self.page_memory is not None:
            _check_int_range("page_memory", self.page_memory, 2**20, 2**50)
        if self.max_age_days is not None and (
            isinstance(self.max_age_days, bool)
            or not isinstance(self.max_age_days, int | float)
            or not self.max_age_days > 0
        ):
            raise ConfigError(f"max_age_days must be positive or None, got {self.max_age_days!r}")
        _check_int_range("max_matches", self.max_matches, 1, 10**6)
        if self.sample_size is not None:
            _check_int_range("sample_size", self.sample_size, 16, 1 << 20)
        if self.tokenizer not in TOKENIZERS:
            raise ConfigError(
                f"tokenizer must be one of {', '.join(TOKENIZERS)}, got {self.tokenizer!r}"
            )
        if self.bands is not None:
            _check_int_range("bands", self.bands, 1, self.num_perm)
        _check_timezone(self.timezone)
        if not isinstance(self.cross_lingual, bool):
            raise ConfigError(f"cross_lingual must be True or False, got {self.cross_lingual!r}")
        for pair in self.fields:
            role, _, name = str(pair).partition("=")
            if role.strip() not in RECORD_ROLES or not name.strip():
                roles = ", ".join(RECORD_ROLES)
                raise ConfigError(f"fields take ROLE=NAME with ROLE one of {roles}, got {pair!r}")

    def index_settings(self) -> dict[str, object]:
        """The fields an index keeps with its pages: all but `SCAN_ONLY_FIELDS` (`timezone`
        orders a scan's copies, an index never reads a date; `cross_lingual` needs vectors
        an index file does not hold) and `ANSWER_ONLY_FIELDS` (`max_matches` caps what an
        add returns, not what is stored)."""
        return {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in SCAN_ONLY_FIELDS | ANSWER_ONLY_FIELDS
        }

    @property
    def max_candidates(self) -> int:
        """Pages verified per band key of a page, those added first (see `max_matches`)."""
        return 2 * self.max_matches

    @property
    def field_names(self) -> dict[str, str]:
        """The ``fields`` pairs as {role: record field name}."""
        return {
            role.strip(): name.strip()
            for role, _, name in (pair.partition("=") for pair in self.fields)
        }

    @property
    def lsh_bands(self) -> int:
        """Number of LSH bands in use."""
        return self.bands if self.bands is not None else max(1, self.num_perm // 4)

    @property
    def rows(self) -> int:
        """Rows (signature values) per LSH band."""
        return self.num_perm // self.lsh_bands


def _check_fraction(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ConfigError(f"{name} must be in (0, 1], got {value!r}")


def _check_int_range(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name} must be an integer from {low} to {high}, got {value!r}")


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ConfigError(
            f"timezone must be an IANA time zone such as Asia/Shanghai or UTC, got {name!r}"
        ) from error
