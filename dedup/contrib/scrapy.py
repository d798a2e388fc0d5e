"""A Scrapy item pipeline that drops (or marks) the copies of articles already crawled.

Turned on in a project's ``settings.py`` (``pip install "dedup[scrapy]"``)::

    ITEM_PIPELINES = {"dedup.contrib.scrapy.DedupPipeline": 300}
    DEDUP_INDEX = "news.dedup"          # or "redis://127.0.0.1:6379/0#news"; unset: in memory
    DEDUP_TEXT_FIELD = "html"           # the item field holding the page, text or HTML

See docs/scrapy.md for every setting. This module is the only one that imports Scrapy.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from dedup.config import SCAN_ONLY_FIELDS, DedupConfig
from dedup.errors import ConfigError, DedupError, DuplicateIdError, InputError
from dedup.index.location import open_index, save_index
from dedup.models import Match

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.spiders import Spider
    from scrapy.statscollectors import StatsCollector

    from dedup.index.deduplicator import Deduplicator

logger = logging.getLogger(__name__)

OnDuplicate = Literal["drop", "annotate"]
Outcome = Literal["seen", "already_indexed", "no_body", "errors"]
ON_DUPLICATE: tuple[OnDuplicate, ...] = ("drop", "annotate")
# The pipeline's own settings, beside one DEDUP_<FIELD> setting per DedupConfig field.
PIPELINE_SETTINGS = (
    "DEDUP_INDEX",
    "DEDUP_TEXT_FIELD",
    "DEDUP_URL_FIELD",
    "DEDUP_ID_FIELD",
    "DEDUP_ON_DUPLICATE",
    "DEDUP_THREADED",
)
# Fields of DedupConfig that an index does not use: `fields` names JSON record fields (the
# pipeline has DEDUP_TEXT_FIELD and friends), and those of the batch scan alone
# (`SCAN_ONLY_FIELDS`: `timezone` orders a scan's copies, `cross_lingual` needs vectors
# that an index file or Redis does not keep, a page's time and memory budget bound reading
# files).
_NOT_SETTINGS = frozenset({"fields"}) | SCAN_ONLY_FIELDS
# The fields an annotated copy gets (declare them on a scrapy.Item class).
ANNOTATIONS = ("original_id", "relation", "similarity")


def config_settings() -> dict[str, str]:
    """The Scrapy setting of each `DedupConfig` field the pipeline takes: {field: setting}."""
    return {
        name: f"DEDUP_{name.upper()}"
        for name in DedupConfig.__dataclass_fields__
        if name not in _NOT_SETTINGS
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineSettings:
    """What the pipeline reads from a project's settings."""

    index: str | None = None
    text_field: str = "text"
    url_field: str = "url"
    id_field: str | None = None
    on_duplicate: OnDuplicate = "drop"
    threaded: bool = False
    config: dict[str, object] | None = None

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> PipelineSettings:
        """Read and check the ``DEDUP_*`` settings.

        Raises:
            ConfigError: a setting of the wrong kind, naming it.
        """
        on_duplicate = settings.get("DEDUP_ON_DUPLICATE") or "drop"
        if on_duplicate not in ON_DUPLICATE:
            raise ConfigError(
                f"DEDUP_ON_DUPLICATE must be one of {', '.join(ON_DUPLICATE)}, got {on_duplicate!r}"
            )
        return cls(
            index=settings.get("DEDUP_INDEX") or None,
            text_field=settings.get("DEDUP_TEXT_FIELD") or "text",
            url_field=settings.get("DEDUP_URL_FIELD") or "url",
            id_field=settings.get("DEDUP_ID_FIELD") or None,
            on_duplicate=on_duplicate,
            threaded=settings.getbool("DEDUP_THREADED"),
            config=_config_from(settings),
        )


def _config_from(settings: BaseSettings) -> dict[str, object]:
    """The DedupConfig fields set as ``DEDUP_<FIELD>``, converted to the field's type (a
    setting given on the command line, ``-s DEDUP_THRESHOLD=0.8``, is a string)."""
    given: dict[str, object] = {}
    defaults = DedupConfig()
    for name, key in config_settings().items():
        raw = settings.get(key)
        if raw is None:
            continue
        kind = DedupConfig.__dataclass_fields__[name].type
        given[name] = _converted(key, raw, str(kind), getattr(defaults, name))
    if given.get("sample_size") == 0:  # as on the command line: 0 keeps every shingle
        given["sample_size"] = None
    return given


def _converted(key: str, raw: object, kind: str, default: object) -> object:
    """A string setting as the field's number; other values go to `DedupConfig` as they
    are, which checks them."""
    number: type[int] | type[float] | None = (
        float if "float" in kind else int if "int" in kind else None
    )
    if number is None or not isinstance(raw, str):
        return raw
    try:
        return number(raw)
    except ValueError as error:
        raise ConfigError(f"{key} must be a number like {default!r}, got {raw!r}") from error


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the index said of one item: ``outcome`` is ``seen`` (checked and indexed),
    ``already_indexed`` (its id was: checked against its group), ``no_body`` or ``errors``;
    ``match`` the page it copies, if any; ``seconds`` how long the index took."""

    doc_id: str
    outcome: Outcome
    match: Match | None = None
    seconds: float = 0.0


class DedupPipeline:
    """Checks each item's page against the crawl's index: an article seen before is dropped
    (`DropItem` naming the original's id) or, with ``DEDUP_ON_DUPLICATE = "annotate"``,
    passed on with ``original_id``, ``relation`` and ``similarity``; a new one is indexed
    and passed on.

    Stats: ``dedup/seen`` (items checked), ``dedup/originals``, ``dedup/duplicates``,
    ``dedup/no_text`` (no page in the text field, or no id), ``dedup/no_body`` (no article
    body: navigation only), ``dedup/errors`` (the index failed, e.g. Redis unreachable: the
    item is passed on, logged), and ``dedup/seconds``, the time spent in the index, on the
    reactor's thread.
    """

    def __init__(self, settings: PipelineSettings, stats: StatsCollector | None = None) -> None:
        self.settings = settings
        self.stats = stats
        self.index: Deduplicator | None = None
        self._spent = 0.0  # seconds spent asking the index (added up on the reactor's thread)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        """Scrapy's constructor: the ``DEDUP_*`` settings and the crawl's stats collector."""
        return cls(PipelineSettings.from_settings(crawler.settings), crawler.stats)

    def open_spider(self, spider: Spider | None = None) -> None:
        """Open (or make) the index named by ``DEDUP_INDEX``, or one in memory."""
        self.index = open_index(self.settings.index, self.settings.config)
        logger.info(
            "dedup: index %s holds %d pages", self.settings.index or "in memory", len(self.index)
        )

    def close_spider(self, spider: Spider | None = None) -> None:
        """Save a file index (atomically); Redis keeps its own."""
        if self.index is not None:
            save_index(self.index, self.settings.index)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        """Pass a new article on, drop or annotate a copy of one seen before. With
        ``DEDUP_THREADED``, the index is asked from Twisted's thread pool and the reactor
        goes on meanwhile (what a shared index over a network wants: docs/scrapy.md)."""
        page = self._page_of(item)
        if page is None:
            self._count("no_text")
            return item
        if self.settings.threaded:
            return self._answer_in_thread(item, page)
        return self._answer(item, self._look_up(*page))

    async def _answer_in_thread(self, item: Any, page: tuple[str, str | bytes, str | None]) -> Any:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.threads import deferToThread

        lookup = await maybe_deferred_to_future(deferToThread(self._look_up, *page))
        return self._answer(item, lookup)

    def _page_of(self, item: Any) -> tuple[str, str | bytes, str | None] | None:
        """The item's id, page and URL; None when it has no page or no id."""
        adapter = ItemAdapter(item)
        page = adapter.get(self.settings.text_field)
        url = adapter.get(self.settings.url_field)
        doc_id = adapter.get(self.settings.id_field) if self.settings.id_field else url
        if not isinstance(page, str | bytes) or not page or not doc_id:
            return None
        return str(doc_id), page, url if isinstance(url, str) else None

    def _look_up(self, doc_id: str, page: str | bytes, url: str | None) -> Lookup:
        """Ask the index (on any thread: it is thread-safe); touches nothing else."""
        if self.index is None:
            raise ConfigError("the index is not open: Scrapy calls open_spider first")
        started = time.perf_counter()
        try:
            outcome: Outcome = "seen"
            match = self.index.seen(doc_id, page, url=url)
        except DuplicateIdError:
            # The same id again (a resumed crawl over a saved index, a page re-visited): the
            # index already knows its group, so answer from there.
            outcome, match = "already_indexed", _as_indexed(doc_id, self.index.query(page, url=url))
        except InputError:
            outcome, match = "no_body", None
        except DedupError as error:
            logger.error("dedup: %s not checked: %s", doc_id, error)
            outcome, match = "errors", None
        return Lookup(doc_id, outcome, match, time.perf_counter() - started)

    def _answer(self, item: Any, lookup: Lookup) -> Any:
        """Count the lookup and pass the item on, annotated if a copy, or drop it."""
        if lookup.outcome != "seen":
            self._count(lookup.outcome)
        self._spent += lookup.seconds
        if self.stats is not None:
            self.stats.set_value("dedup/seconds", round(self._spent, 6))
        if lookup.outcome in ("no_body", "errors"):
            return item
        self._count("seen")
        match = lookup.match
        if match is None:
            self._count("originals")
            return item
        self._count("duplicates")
        original = match.original_id or match.doc_id
        if self.settings.on_duplicate == "drop":
            raise DropItem(
                f"copy of {original} ({match.relation}, similarity {match.similarity:.2f}): "
                f"{lookup.doc_id}"
            )
        adapter = ItemAdapter(item)
        try:
            adapter["original_id"] = original
            adapter["relation"] = match.relation
            adapter["similarity"] = round(match.similarity, 4)
        except KeyError as error:  # a scrapy.Item takes only the fields it declares
            raise ConfigError(
                f"DEDUP_ON_DUPLICATE = 'annotate' sets fields {type(item).__name__} lacks: "
                f"declare the fields {', '.join(ANNOTATIONS)} on it"
            ) from error
        return item

    def _count(self, what: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"dedup/{what}")


def _as_indexed(doc_id: str, matches: list[Match]) -> Match | None:
    """What an id already indexed is: a copy of its group's original, or (being that
    original, or changed beyond recognition) a page to pass on."""
    own = next((match for match in matches if match.doc_id == doc_id), None)
    if own is None or own.original_id in (None, doc_id):
        return None
    return own
