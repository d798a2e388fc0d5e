"""The shared index: a Deduplicator's pages in Redis, for several crawler processes at once.

Every page gets a number from a counter when it is added; numbers are 4 bytes,
little-endian, wherever they appear. Layout under a namespace ``ns`` (every key starts
with it):

- ``ns:config``     the DedupConfig and this layout's version, as JSON; a process with
                    another config or layout refuses the namespace
- ``ns:seq``        the last page number given
- ``ns:epoch``      a random token set when the namespace is first opened: a namespace
                    emptied and made anew numbers its pages from 1 again, and a token
                    that changed tells a process to drop the records it kept
- ``ns:ids``        a hash: doc_id -> the page's number followed by its band fields (what
                    removing it needs)
- ``ns:pages``      a hash: number -> the page's record, which never changes: its shingle
                    count, how many sample values and number ids follow, the length of
                    its doc_id, those values and ids (all uint32), then the doc_id
                    (UTF-8) padded with zeros to whole 4-byte words
- ``ns:originals``  a hash: number -> the doc_id of the original of the page's group
- ``ns:bands``      a hash of every band key of every page: a 6-byte field (band, uint16;
                    folded key, uint32) -> the numbers of the pages with that key, one
                    after the other
- ``ns:age``        a sorted set of doc_ids by the time they were added

One hash for every band key costs far less than a set per key, and a page's band fields
are read or written by one command. Adding and removing run as Lua scripts over a chunk of
pages, so a page is either entirely in the index or not at all, whatever happens to the
client or the connection in between. The add script reads a page's band entries to append
its number to them, and returns what it read: the pages sharing a band with it that were
indexed before it. Each script runs alone on the server, so of two processes adding copies
of one article at the same moment, the second one's answer holds the first: both end
linked, and no insert is lost. Lookups and fetching candidates' records are plain
commands (a script would cost the server more than the commands it runs). A script
touches only the keys it is given, but they are not hash-tagged to one slot, so a
namespace lives on one Redis server (not spread over a Redis Cluster).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from dedup._arrays import gathered
from dedup.config import DedupConfig
from dedup.errors import ConfigError, StorageError
from dedup.fingerprint.shingle import Fingerprint
from dedup.fingerprint.signature import Signature
from dedup.fingerprint.sketch import Sample, SampleColumns
from dedup.index.backend import Candidates, Signed
from dedup.index.matching import Matcher, original_of
from dedup.index.redis.cache import RecordCache
from dedup.index.redis.codec import (
    NUMBER,
    Added,
    DamagedError,
    NewPage,
    add_args,
    band_field_bytes,
    decode_records,
    name_bytes,
    numbers_per_page,
    packed_hmgets,
    text,
    texts,
)
from dedup.index.redis.scripts import ADD, REMOVE
from dedup.index.redis.stream import Stream, ahead
from dedup.index.sketches import Sketcher
from dedup.models import Match
from dedup.shown import masked, masked_url

_T = TypeVar("_T")
LAYOUT = 2  # the version of the layout above; 1 kept a hash per page and decimal band fields
CHUNK = 100  # pages per script call: a call blocks the server for a few milliseconds at most
# Pages of a batch per round trip: one wave is verified while the next ones travel. Adds
# give the server more to do than lookups, so they gain from more, smaller waves.
WAVE = 250
LOOKUP_WAVE = 500
_FETCHED = 5000  # records per HMGET when fetching candidates


@dataclasses.dataclass(frozen=True, slots=True)
class HeldPages:
    """Pages fetched by number, to verify candidates against: ``numbers`` sorted, and for
    each its row in ``columns`` and ``doc_ids``, and its original."""

    numbers: npt.NDArray[np.uint32]
    rows: npt.NDArray[np.int64]
    originals: list[str]
    doc_ids: list[str]
    columns: SampleColumns

    def candidates(
        self, wanted: list[npt.NDArray[np.uint32]]
    ) -> tuple[npt.NDArray[np.int64], Candidates]:
        """The fetched pages among each of several pages' candidate numbers (those removed
        meanwhile are not), as one batch: which page each candidate is for, and the
        candidates."""
        lengths = np.array([numbers.size for numbers in wanted], dtype=np.int64)
        owners = np.repeat(np.arange(len(wanted)), lengths)
        numbers = np.concatenate(wanted) if wanted else np.zeros(0, dtype=np.uint32)
        found = np.searchsorted(self.numbers, numbers)
        held = found < self.numbers.size
        held[held] = self.numbers[found[held]] == numbers[held]
        found, owners = found[held], owners[held]
        rows = self.rows[found]
        return owners, Candidates(
            gathered(self.doc_ids, rows.tolist()),
            gathered(self.originals, found.tolist()),
            self.columns.take(rows),
        )


class RedisIndex:
    """The pages of one namespace in a Redis server (a `Backend`): every process that opens
    the namespace shares them."""

    def __init__(self, url: str, namespace: str, config: DedupConfig) -> None:
        try:
            import redis
        except ImportError as error:
            raise StorageError(
                "a redis:// index needs the Redis client: pip install redis"
            ) from error
        if not namespace or any(char.isspace() for char in namespace):
            # A namespace is a key prefix typed in URLs (redis://host/db#news): white space
            # in it is a mistake, not a name.
            raise ConfigError(f"namespace {namespace!r} must be non-empty, without spaces")
        self._errors: tuple[type[Exception], ...] = (redis.exceptions.RedisError, OSError)
        self.url = masked_url(url)  # what messages show: never the password
        self._given_url = url
        self.namespace = namespace
        try:
            self._redis = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        except ValueError as error:
            raise StorageError(
                f"{self.url}: not a Redis URL ({masked(str(error), url)})"
            ) from error
        _check_url_options(self.url, self._redis.connection_pool.connection_kwargs)
        self._remove = self._redis.register_script(REMOVE)
        self._cache = RecordCache()
        self._sketcher = Sketcher(config)
        self._matcher = Matcher(config)
        self._page_keys = [
            self._key(name) for name in ("ids", "pages", "originals", "bands", "age", "seq")
        ]
        self._check_config(config)
        # A token the namespace keeps while it exists: records cached by number are only
        # good while it is the same (`RecordCache`).
        token = os.urandom(8).hex()
        self.call(lambda: self._redis.set(self._key("epoch"), token, nx=True))

    # ------------------------------------------------------------------ the Backend calls

    def add(
        self, pages: list[tuple[str, Fingerprint, Signature | None]]
    ) -> list[list[Match] | None]:
        """Each page is inserted by a script that answers with the pages indexed before it
        (in this batch or by any process): a page's matches are what adding the pages one
        by one would give, and each page's original is the first of its article the index
        held. A page whose id was already there gets None.
        """
        now = time.time()

        def send(
            wave: list[tuple[str, Fingerprint, Signature | None]],
        ) -> tuple[list[NewPage], int]:
            sketches = self._sketcher.sketch_many([(print_, sign) for _, print_, sign in wave])
            new = [
                NewPage(doc_id, sample, keys, now)
                for (doc_id, _, _), (sample, keys) in zip(wave, sketches, strict=True)
            ]
            return new, self.send_adds(stream, new)

        def receive(sent: tuple[list[NewPage], int]) -> tuple[list[NewPage], list[Added | None]]:
            new, replies = sent
            return new, self.receive_adds(stream, replies)

        def fetch(inserted: tuple[list[NewPage], list[Added | None]]) -> _Inserted:
            new, answers = inserted
            earlier = [None if answer is None else answer.earlier for answer in answers]
            return new, answers, earlier, self.fetch_candidates(earlier)

        originals: dict[str, str] = {}  # of this batch's pages: written below
        numbered: dict[int, str] = {}
        results: list[list[Match] | None] = []
        with self.stream() as stream:
            for new, answers, earlier, held in ahead(_waves(pages, WAVE), [send, receive, fetch]):
                found = self._verified([page.sample for page in new], earlier, held)
                for page, answer, matched in zip(new, answers, found, strict=True):
                    if answer is None:
                        results.append(None)
                        continue
                    matches = [
                        replace(m, original_id=originals[m.doc_id]) if m.doc_id in originals else m
                        for m in matched
                    ]
                    if matches:
                        originals[page.doc_id] = numbered[answer.number] = original_of(
                            matches, page.doc_id
                        )
                    results.append(matches)
        self.set_originals(numbered)
        return results

    def query(self, pages: list[Signed]) -> list[list[Match]]:
        def send(wave: list[Signed]) -> tuple[list[Sample], list[bool]]:
            sketches = self._sketcher.sketch_many(wave)
            return [sample for sample, _ in sketches], self.send_lookups(
                stream, [keys for _, keys in sketches]
            )

        def receive(
            sent: tuple[list[Sample], list[bool]],
        ) -> tuple[list[Sample], list[npt.NDArray[np.uint32]]]:
            samples, asked = sent
            return samples, self.receive_lookups(stream, asked)

        def fetch(looked: tuple[list[Sample], list[npt.NDArray[np.uint32]]]) -> _Looked:
            samples, found = looked
            return samples, found, self.fetch_candidates(found)

        results: list[list[Match]] = []
        with self.stream() as stream:
            for samples, found, held in ahead(_waves(pages, LOOKUP_WAVE), [send, receive, fetch]):
                results += self._verified(samples, found, held)
        return results

    def expire(self, cutoff: float) -> int:
        return self.remove(self.older_than(cutoff))

    def save(self, path: str | os.PathLike[str]) -> None:
        raise StorageError(
            "a shared index lives in Redis: back it up with Redis (BGSAVE), not save()"
        )

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and bool(
            self.call(lambda: self._redis.hexists(self._key("ids"), name_bytes(doc_id)))
        )

    def __len__(self) -> int:
        return int(self.call(lambda: self._redis.hlen(self._key("ids"))))

    # ------------------------------------------------------------------ pages

    def stream(self) -> Stream:
        """A connection of its own to send a batch's commands ahead on (see `Stream`)."""
        return Stream(self._redis.connection_pool, self.call)

    def send_adds(self, stream: Stream, pages: list[NewPage]) -> int:
        """Send the scripts inserting pages, in order; how many replies they will give.
        (EVAL, not EVALSHA: a server that lost its script cache answers every command.)"""
        chunks = [pages[start : start + CHUNK] for start in range(0, len(pages), CHUNK)]
        stream.send(
            [
                ("EVAL", ADD, len(self._page_keys), *self._page_keys, *add_args(chunk))
                for chunk in chunks
            ]
        )
        return len(chunks)

    def receive_adds(self, stream: Stream, replies: int) -> list[Added | None]:
        """The answers of `send_adds`' scripts, page by page."""
        answers = [answer for chunk in stream.receive(replies) for answer in chunk]
        added = [answer for answer in answers if answer]
        earlier = iter(self._numbers_per_page([entries for _, entries in added]))
        return [Added(int(answer[0]), next(earlier)) if answer else None for answer in answers]

    def send_lookups(
        self, stream: Stream, keys_per_page: list[npt.NDArray[np.uint32] | None]
    ) -> list[bool]:
        """Send the reads of pages' band entries; which pages have a reply coming."""
        asked = [keys is not None for keys in keys_per_page]
        keys = [keys for keys in keys_per_page if keys is not None]
        if keys:
            stream.send_packed(
                packed_hmgets(self._key("bands"), band_field_bytes(np.stack(keys))), len(keys)
            )
        return asked

    def receive_lookups(self, stream: Stream, asked: list[bool]) -> list[npt.NDArray[np.uint32]]:
        """The numbers `send_lookups`' reads found, page by page."""
        answers = iter(stream.receive(sum(asked)))
        # Copies share most of their band entries whole: each distinct entry once.
        found = [
            b"".join({entry for entry in next(answers) if entry is not None}) if wanted else b""
            for wanted in asked
        ]
        return self._numbers_per_page(found)

    def fetch(self, numbers: npt.NDArray[np.uint32]) -> HeldPages:
        """The pages of these numbers (sorted, unique), but those removed meanwhile; one
        round trip, for the originals of all and the records of those not in the cache."""
        hit, cached, cached_names = self._cache.held(numbers)
        missing = numbers[~hit]
        epoch, answers = self._read_fields(
            [("originals", numbers.astype(NUMBER)), ("pages", missing.astype(NUMBER))]
        )
        if epoch != self._cache.epoch:
            # The namespace was emptied and made anew since the cache was filled: its
            # numbers now name other pages.
            self._cache.restart(epoch)
            return self.fetch(numbers)
        originals, records = answers
        fetched = [row for row, record in enumerate(records) if record is not None]
        columns, names = self._decoded([records[row] for row in fetched])
        self._cache.add(missing[fetched], columns, names)
        # Rows: the cached pages first, then those fetched now (by their place in numbers).
        order = np.concatenate([np.flatnonzero(hit), np.flatnonzero(~hit)[fetched]])
        rows = np.full(numbers.size, -1, dtype=np.int64)
        rows[order] = np.arange(order.size)
        kept = np.flatnonzero((rows >= 0) & np.array([o is not None for o in originals], bool))
        return HeldPages(
            numbers[kept],
            rows[kept],
            texts([originals[row] for row in kept.tolist()]),
            cached_names + names,
            cached.joined(columns),
        )

    def _read_fields(
        self, wanted: list[tuple[str, npt.NDArray[Any]]]
    ) -> tuple[bytes | None, list[list[Any]]]:
        """The namespace's epoch, and HMGET of many 4-byte fields of several hashes, in
        one round trip: for each hash, its values in the order of the fields (None where
        missing)."""
        epoch = self._key("epoch").encode("utf-8")
        packed = [b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(epoch), epoch)]
        replies, parts = 1, []
        for name, fields in wanted:
            cells = fields.view(np.uint8).reshape(-1, 4)
            chunks = [cells[start : start + _FETCHED] for start in range(0, len(cells), _FETCHED)]
            packed += [packed_hmgets(self._key(name), chunk[np.newaxis]) for chunk in chunks]
            parts.append(len(chunks))
            replies += len(chunks)
        with self.stream() as stream:
            stream.send_packed(b"".join(packed), replies)
            answers = stream.receive(replies)
        results, at = [], 1
        for count in parts:
            results.append([value for part in answers[at : at + count] for value in part])
            at += count
        return answers[0], results

    def fetch_candidates(self, candidates: Sequence[npt.NDArray[np.uint32] | None]) -> HeldPages:
        """The pages of every candidate number of several pages, each fetched once."""
        listed = [numbers for numbers in candidates if numbers is not None and numbers.size]
        if not listed:
            return self.fetch(np.zeros(0, dtype=np.uint32))
        return self.fetch(np.unique(np.concatenate(listed)))

    def set_originals(self, originals: dict[int, str]) -> None:
        """Name the original of each of these pages (by number); one round trip."""
        if not originals:
            return
        written: dict[Any, Any] = {
            number.to_bytes(4, "little"): name_bytes(original)
            for number, original in originals.items()
        }
        self.call(lambda: self._redis.hset(self._key("originals"), mapping=written))

    def remove(self, doc_ids: list[str]) -> int:
        """Forget pages, each atomically; how many of them were indexed."""
        names = [name_bytes(doc_id) for doc_id in doc_ids]
        chunks = [names[start : start + CHUNK] for start in range(0, len(names), CHUNK)]
        keys = self._page_keys[:-1]

        def remove() -> Any:
            with self._redis.pipeline(transaction=False) as pipe:
                for chunk in chunks:
                    self._remove(keys=keys, args=chunk, client=pipe)
                return pipe.execute()

        return sum(int(removed) for removed in self.call(remove)) if chunks else 0

    def older_than(self, cutoff: float) -> list[str]:
        members = self.call(
            lambda: self._redis.zrangebyscore(self._key("age"), "-inf", f"({cutoff}")
        )
        return [text(member) for member in members]

    def summary(self) -> tuple[list[float], int, int]:
        """When each page was added, how many have a body, how many distinct originals."""
        listed = self.call(lambda: self._redis.zrange(self._key("age"), 0, -1, withscores=True))
        with_body = sum(
            1
            for _, record in self._scan("pages")
            if len(record) >= 4 and int.from_bytes(record[:4], "little")
        )
        originals = {original for _, original in self._scan("originals")}
        return [float(score) for _, score in listed], with_body, len(originals)

    def ids(self) -> list[str]:
        """Every doc_id, in the order the pages were added."""
        numbered = sorted(
            (int.from_bytes(held[:4], "little"), doc_id) for doc_id, held in self._scan("ids")
        )
        return [text(doc_id) for _, doc_id in numbered]

    # ------------------------------------------------------------------ internals

    def _verified(
        self,
        samples: list[Sample],
        candidates: Sequence[npt.NDArray[np.uint32] | None],
        held: HeldPages,
    ) -> list[list[Match]]:
        """Each page's verified matches among the fetched pages of its candidate numbers."""
        empty = np.zeros(0, dtype=np.uint32)
        owners, found = held.candidates(
            [empty if numbers is None else numbers for numbers in candidates]
        )
        return self._matcher.matches_batch(samples, owners, found)

    def _check_config(self, config: DedupConfig) -> None:
        wanted = json.dumps({"layout": LAYOUT, **config.index_settings()}, sort_keys=True)
        stored = self.call(lambda: self._redis.set(self._key("config"), wanted, nx=True, get=True))
        if stored is None or stored.decode("utf-8") == wanted:
            return
        try:
            held = json.loads(stored)
        except ValueError:
            held = {}
        if not isinstance(held, dict) or held.get("layout") != LAYOUT:
            raise ConfigError(
                f"namespace {self.namespace!r} at {self.url} holds an index in another "
                "layout (made by another version of dedup); rebuild it in a new namespace"
            )
        raise ConfigError(
            f"namespace {self.namespace!r} at {self.url} holds an index made with another "
            f"configuration ({stored.decode('utf-8')}); "
            "use its configuration or another namespace"
        )

    def call(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except self._errors as error:
            raise StorageError(
                f"the shared index at {self.url} cannot be used "
                f"({type(error).__name__}: {masked(str(error), self._given_url)}); "
                "check that Redis is running and reachable"
            ) from error

    def _scan(self, name: str) -> Iterator[tuple[bytes, bytes]]:
        """Every field and value of a hash, a part at a time."""
        key, cursor = self._key(name), 0

        def part() -> Any:
            return self._redis.hscan(key, cursor, count=10000)

        while True:
            cursor, fields = self.call(part)
            yield from fields.items()
            if cursor == 0:
                return

    def _decoded(self, records: list[bytes]) -> tuple[SampleColumns, list[str]]:
        try:
            return decode_records(records)
        except DamagedError as error:
            raise self._damaged(error.what) from error

    def _numbers_per_page(self, found: list[bytes]) -> list[npt.NDArray[np.uint32]]:
        try:
            return numbers_per_page(found)
        except DamagedError as error:
            raise self._damaged(error.what) from error

    def _damaged(self, what: str) -> StorageError:
        return StorageError(
            f"namespace {self.namespace!r} at {self.url} holds a damaged {what} (written by "
            "something else than dedup?); rebuild the index in a new namespace"
        )

    def _key(self, suffix: str) -> str:
        return f"{self.namespace}:{suffix}"


# What a wave of a batch brings back from Redis, to verify: its pages, the add script's
# answers, each page's candidate numbers, the candidates' records.
_Inserted = tuple[
    list[NewPage], list["Added | None"], list["npt.NDArray[np.uint32] | None"], HeldPages
]
_Looked = tuple[list[Sample], list["npt.NDArray[np.uint32]"], HeldPages]


def _waves(items: list[_T], size: int) -> list[list[_T]]:
    return [items[start : start + size] for start in range(0, len(items), size)] or [[]]


def _check_url_options(shown: str, options: dict[str, Any]) -> None:
    """Refuse URL options that would change what the index reads: replies decoded to text
    (its records are binary), a database that is not a number (the client would quietly
    use database 0)."""
    if options.get("decode_responses"):
        raise ConfigError(f"{shown}: decode_responses is not supported; remove it from the URL")
    parts = urlsplit(shown)
    database = parts.path.strip("/")
    if parts.scheme in ("redis", "rediss") and database and not database.isdigit():
        raise ConfigError(
            f"{shown}: the database must be a number (redis://host:port/0), got {database!r}"
        )
