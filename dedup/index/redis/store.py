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
- ``ns:ids``        a hash: doc_id -> the page's number followed by its band fields and
                    the anchor fields it was posted under (what removing it needs)
- ``ns:pages``      a hash: number -> the page's record, which never changes: its shingle
                    count, how many sample values and number ids follow, the length of
                    its doc_id, those values and ids (all uint32), then the doc_id
                    (UTF-8) padded with zeros to whole 4-byte words
- ``ns:originals``  a hash: number -> the doc_id of the original of the page's group,
                    written with the page
- ``ns:groups``     a hash: an original's doc_id -> the numbers of the other pages of its
                    group, in the order they were added (which of them takes over when
                    the original is removed)
- ``ns:bands``      a hash of every band key and anchor of every page: a 6-byte field
                    (band, uint16; folded key, uint32), or for an anchor (65535, uint16;
                    anchor, uint32: `dedup.index.anchors`) -> the numbers of the pages
                    with that key, one after the other; an anchor's entry takes no more
                    pages once it holds more than `COMMON_ANCHOR` (a stock phrase), and
                    then names none
- ``ns:age``        a sorted set of doc_ids by the time they were added
- ``ns:bodies``     a hash: number -> the page's kept body (`dedup.index.bodies`), for
                    the pages that keep one (a body repeating a place name or showing a
                    photo credit), written with the page; read only for the copies whose
                    bodies are checked (slots, captions)

One hash for every band key costs far less than a set per key, and a page's band and
anchor fields are read by one command (so its entries are read at one instant) and written
by one. Adding and removing run as Lua scripts
(`dedup.index.redis.scripts`) over a chunk of pages, so a page is either entirely in the
index, with its original, or not at all, whatever happens to the client, the connection
or the server in between (a server restarted from its append-only file holds whole
pages). A batch is added a wave at a time: the client reads the wave's band and anchor
entries, verifies the candidates they name and decides each page's original; the script
writes a page only if no page sharing a band with it, or `MIN_SHARED` anchors, was indexed
since by another process, and otherwise stops so that the client verifies the rest of the
wave again. Lookups and
fetching candidates' records are plain commands (a script would cost the server more than
the commands it runs). A script touches only the keys it is given, but they are not
hash-tagged to one slot, so a namespace lives on one Redis server (not spread over a
Redis Cluster).
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
from dedup.index.anchors import anchor_counts, page_anchors
from dedup.index.backend import Candidates, Signed, no_bodies
from dedup.index.bodies import NONE, body_text
from dedup.index.matching import Matcher, original_of, ranked
from dedup.index.redis.batch import earlier_matches
from dedup.index.redis.cache import RecordCache
from dedup.index.redis.codec import (
    ADD_ARGS,
    BAND_FIELD,
    NUMBER,
    DamagedError,
    NewPage,
    add_args,
    decode_records,
    lookup_fields,
    name_bytes,
    packed_hmgets,
    text,
    texts,
)
from dedup.index.redis.lookup import NOTHING, Found, read_entries
from dedup.index.redis.scripts import ADD, REMOVE
from dedup.index.redis.stream import Stream, ahead
from dedup.index.sketches import Sketcher
from dedup.models import Match
from dedup.shown import masked, masked_url

_T = TypeVar("_T")
# The version of the layout above; 1 kept a hash per page and decimal band fields, 2 had no
# groups (and wrote originals after the add), 3 no anchor fields, 4 no kept bodies.
LAYOUT = 5
CHUNK = 100  # pages per add script: a call blocks the server for a few milliseconds at most
# Pages of a lookup per round trip: one wave is verified while the next ones travel.
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

    def anchor_counts(self) -> npt.NDArray[np.int64]:
        """How many anchors each fetched page has, in the order of ``numbers``."""
        lengths = np.diff(self.columns.value_ends, prepend=0)
        return anchor_counts(self.columns.values, lengths)[self.rows]

    def candidates(
        self,
        wanted: list[npt.NDArray[np.uint32]],
        bodies: Callable[[npt.NDArray[np.uint32]], list[str]] | None = None,
    ) -> tuple[npt.NDArray[np.int64], Candidates]:
        """The fetched pages among each of several pages' candidate numbers (those removed
        meanwhile are not), as one batch: which page each candidate is for, and the
        candidates, whose kept bodies are read by number with ``bodies`` (none without)."""
        lengths = np.array([numbers.size for numbers in wanted], dtype=np.int64)
        owners = np.repeat(np.arange(len(wanted)), lengths)
        numbers = np.concatenate(wanted) if wanted else np.zeros(0, dtype=np.uint32)
        found = np.searchsorted(self.numbers, numbers)
        held = found < self.numbers.size
        held[held] = self.numbers[found[held]] == numbers[held]
        found, owners = found[held], owners[held]
        rows = self.rows[found]
        numbers = self.numbers[found]
        return owners, Candidates(
            gathered(self.doc_ids, rows.tolist()),
            gathered(self.originals, found.tolist()),
            self.columns.take(rows),
            no_bodies if bodies is None else lambda positions: bodies(numbers[positions]),
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
        self._config = config
        self._sketcher = Sketcher(config)
        self._matcher = Matcher(config)
        self._add_keys = [
            self._key(name)
            for name in ("ids", "pages", "originals", "bands", "age", "seq", "groups", "config")
        ] + [self._key("epoch"), self._key("bodies")]
        self._remove_keys = [
            self._key(name)
            for name in ("ids", "pages", "originals", "bands", "age", "groups", "bodies")
        ]
        settings = {"layout": LAYOUT, **config.index_settings()}
        self._config_json = json.dumps(settings, sort_keys=True)
        self._check_config()
        # A token the namespace keeps while it exists: records cached by number are only
        # good while it is the same (`RecordCache`).
        token = os.urandom(8).hex()
        self.call(lambda: self._redis.set(self._key("epoch"), token, nx=True))

    # ------------------------------------------------------------------ the Backend calls

    def add(
        self,
        pages: list[tuple[str, Fingerprint, Signature | None]],
        bodies: Sequence[bytes] | None = None,
    ) -> list[list[Match] | None]:
        """Pages are added a wave at a time: a wave's band entries are read, its candidates
        verified (those indexed by any process, and the batch's earlier pages) and each
        page's original decided; then the add script writes each page with its original,
        unless a page sharing a band with it was indexed meanwhile by another process: it
        stops there, and the rest is verified again. So a page's matches are what adding
        the pages one by one would give, and its original, stored with it, is the first
        of its article the index held. A page whose id was already there gets None.

        The next wave is read and verified while the server runs the script of this one.
        """
        now = time.time()
        sketches = self._sketcher.sketch_many([(print_, sign) for _, print_, sign in pages])
        new = [
            NewPage(doc_id, sample, keys, page_anchors(sample, keys), now, body)
            for (doc_id, _, _), (sample, keys), body in zip(
                pages, sketches, bodies or [NONE] * len(pages), strict=True
            )
        ]
        results: list[list[Match] | None] = []
        with self.stream() as stream:
            current: _Verified | None = None
            own: list[int] = []  # numbers the last script gave, which the current wave missed
            while len(results) < len(new):
                if current is None:
                    wave = new[len(results) : len(results) + CHUNK]
                    current = self._verify(wave, self._read(stream, wave), None)
                upcoming = new[len(results) + len(current.pages) :][:CHUNK]
                read = self._read(stream, upcoming)  # before the script: it blocks the server
                self._send_insert(stream, current, own)
                following = self._verify(upcoming, read, current) if upcoming else None
                numbers = self._receive_insert(stream)
                done = current.results(numbers)
                results += done
                own = [number for number in numbers if number]
                current = following if len(done) == len(current.pages) else None
        return results

    def _read(self, stream: Stream, wave: list[NewPage]) -> _Read:
        """The last page number given, which of these ids are indexed already, each page's
        candidate numbers (read after that number: every page numbered up to it that shares
        a band with a page of the wave is among them), and the candidates' records."""
        if not wave:
            return 0, [], [], [], self.fetch_candidates([])
        names = [name_bytes(page.doc_id) for page in wave]
        stream.send([("GET", self._key("seq")), ("HMGET", self._key("ids"), *names)])
        asked = self.send_lookups(stream, [(page.band_keys, page.anchors) for page in wave])
        last, held = stream.receive(2)
        found = self.receive_lookups(stream, asked)
        taken = [value is not None for value in held]
        ends = [entries.last for entries in found]
        return int(last or 0), ends, taken, found, self.fetch_candidates(found)

    def _verify(self, wave: list[NewPage], read: _Read, before: _Verified | None) -> _Verified:
        """Each page's matches among the pages indexed, those of the wave ``before`` it
        (whose script had not run when the wave was read) and the wave's earlier ones,
        and its original."""
        last, ends, held, found, candidates = read
        remote = self._verified(
            [page.sample for page in wave], found, candidates, [page.body for page in wave]
        )
        pending = [] if before is None else before.kept()
        originals = {page.doc_id: original for page, original, _ in pending}
        names = set(originals)
        sent = []  # not an id indexed already, nor one earlier in the batch
        for page, taken in zip(wave, held, strict=True):
            sent.append(not taken and page.doc_id not in names)
            names.add(page.doc_id)
        earlier = [page for page, _, _ in pending]
        fresh = [page for page, kept in zip(wave, sent, strict=True) if kept]
        local = iter(earlier_matches(self._matcher, earlier + fresh, len(earlier)))
        verified = _Verified([], [], [], [])
        for page, indexed, end, kept in zip(wave, remote, ends, sent, strict=True):
            seen = max(last, end)
            if not kept:
                verified.add(page, None, "", seen)
                continue
            nearby = [replace(m, original_id=originals[m.doc_id]) for m in next(local)]
            matches = self._matcher.capped(ranked(indexed + nearby))
            originals[page.doc_id] = original_of(matches, page.doc_id)
            verified.add(page, matches, originals[page.doc_id], seen)
        return verified

    def _send_insert(self, stream: Stream, wave: _Verified, own: list[int]) -> None:
        """Send the add script of a wave's pages (but those whose id is indexed already),
        each with its original and the last page number seen for it; ``own`` are the
        numbers this batch's last script gave, which the wave's reads did not see."""
        kept = wave.kept()
        records = add_args([page for page, _, _ in kept])
        mine = np.array(own, dtype=NUMBER).tobytes()
        args: list[bytes | str] = [self._config_json, os.urandom(8).hex(), mine]
        for row, (_, original, seen) in enumerate(kept):
            args += [
                *records[ADD_ARGS * row : ADD_ARGS * (row + 1)],
                name_bytes(original),
                str(seen),
            ]
        stream.send([("EVAL", ADD, len(self._add_keys), *self._add_keys, *args)])

    def _receive_insert(self, stream: Stream) -> list[int]:
        """The numbers the add script gave the pages it took, in order (0 for an id
        indexed meanwhile); it stops before a page another process's pages made stale."""
        status, numbers, *stored = stream.receive(1)[0]
        if int(status) == 2:
            raise self._made_anew(stored[0])
        return [int(number) for number in numbers]

    def query(
        self, pages: list[Signed], bodies: Sequence[bytes] | None = None
    ) -> list[list[Match]]:
        def send(wave: list[tuple[Signed, bytes]]) -> tuple[_Sent, list[_Asked]]:
            sketches = self._sketcher.sketch_many([page for page, _ in wave])
            sent = ([sample for sample, _ in sketches], [body for _, body in wave])
            return sent, self.send_lookups(
                stream, [(keys, page_anchors(sample, keys)) for sample, keys in sketches]
            )

        def receive(sent: tuple[_Sent, list[_Asked]]) -> tuple[_Sent, list[Found]]:
            pages, asked = sent
            return pages, self.receive_lookups(stream, asked)

        def fetch(looked: tuple[_Sent, list[Found]]) -> _Looked:
            pages, found = looked
            return pages, found, self.fetch_candidates(found)

        results: list[list[Match]] = []
        given = list(zip(pages, bodies or [NONE] * len(pages), strict=True))
        with self.stream() as stream:
            for sent, found, held in ahead(_waves(given, LOOKUP_WAVE), [send, receive, fetch]):
                results += self._verified(sent[0], found, held, sent[1])
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

    def send_lookups(
        self,
        stream: Stream,
        pages: list[tuple[npt.NDArray[np.uint32] | None, npt.NDArray[np.uint32]]],
    ) -> list[_Asked]:
        """Send the reads of pages' band and anchor entries, one HMGET a page (its entries
        are read at one instant); for each page, how many band and anchor fields its reply
        has, None when it has no body (no reply comes)."""
        asked: list[_Asked] = []
        commands = []
        for keys, anchors in pages:
            if keys is None:
                asked.append(None)
                continue
            fields = np.frombuffer(lookup_fields(keys, anchors), dtype=np.uint8)
            commands.append(
                packed_hmgets(self._key("bands"), fields.reshape(1, -1, BAND_FIELD.itemsize))
            )
            asked.append((keys.size, anchors.size))
        if commands:
            stream.send_packed(b"".join(commands), len(commands))
        return asked

    def receive_lookups(self, stream: Stream, asked: list[_Asked]) -> list[Found]:
        """What `send_lookups`' reads found, page by page (`dedup.index.redis.lookup`): of
        each entry the `max_candidates` added first (a page seen thousands of times costs
        what one seen a few times does)."""
        answers = iter(stream.receive(sum(counts is not None for counts in asked)))
        most = self._config.max_candidates
        found: list[Found] = []
        try:
            for counts in asked:
                found.append(
                    NOTHING if counts is None else read_entries(next(answers), *counts, most)
                )
        except DamagedError as error:
            raise self._damaged(error.what) from error
        return found

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

    def fetch_candidates(self, candidates: Sequence[Found]) -> HeldPages:
        """The pages of every candidate number of several pages, each fetched once."""
        listed = [found.numbers for found in candidates if found.numbers.size]
        if not listed:
            return self.fetch(np.zeros(0, dtype=np.uint32))
        return self.fetch(np.unique(np.concatenate(listed)))

    def remove(self, doc_ids: list[str]) -> int:
        """Forget pages, each atomically; how many of them were indexed."""
        names = [name_bytes(doc_id) for doc_id in doc_ids]
        chunks = [names[start : start + CHUNK] for start in range(0, len(names), CHUNK)]

        def remove() -> Any:
            with self._redis.pipeline(transaction=False) as pipe:
                for chunk in chunks:
                    self._remove(keys=self._remove_keys, args=chunk, client=pipe)
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
        candidates: Sequence[Found],
        held: HeldPages,
        bodies: list[bytes],
    ) -> list[list[Match]]:
        """Each page's verified matches among the fetched pages of its candidates (with
        the pages' kept ``bodies``, for the slot check)."""
        counts = held.anchor_counts()
        owners, found = held.candidates(
            [entries.candidates(held.numbers, counts) for entries in candidates],
            self._read_bodies,
        )
        return self._matcher.matches_batch(samples, owners, found, bodies)

    def _read_bodies(self, numbers: npt.NDArray[np.uint32]) -> list[str]:
        """The texts of these pages' kept bodies ("" for a page that keeps none, or was
        removed meanwhile): one round trip, for the few copies whose slots are checked."""
        _, (kept,) = self._read_fields([("bodies", numbers.astype(NUMBER))])
        try:
            return [body_text(body) if body else "" for body in kept]
        except ValueError as error:
            raise self._damaged("kept body") from error

    def _check_config(self) -> None:
        wanted = self._config_json
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

    def _made_anew(self, stored: bytes) -> ConfigError:
        return ConfigError(
            f"namespace {self.namespace!r} at {self.url} was emptied and made anew by another "
            f"process with another configuration ({text(stored)}) since this one opened it; "
            "the rest of this batch was not added: use that configuration or another namespace"
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

    def _damaged(self, what: str) -> StorageError:
        return StorageError(
            f"namespace {self.namespace!r} at {self.url} holds a damaged {what} (written by "
            "something else than dedup?); rebuild the index in a new namespace"
        )

    def _key(self, suffix: str) -> str:
        return f"{self.namespace}:{suffix}"


@dataclasses.dataclass(slots=True)
class _Verified:
    """A wave read and verified, for the add script: each page, its matches (None when
    its id is indexed already: it is not sent), its original, and the last page number
    given when its band entries were read."""

    pages: list[NewPage]
    matches: list[list[Match] | None]
    originals: list[str]
    seen: list[int]

    def add(self, page: NewPage, matches: list[Match] | None, original: str, seen: int) -> None:
        self.pages.append(page)
        self.matches.append(matches)
        self.originals.append(original)
        self.seen.append(seen)

    def kept(self) -> list[tuple[NewPage, str, int]]:
        """The pages to send, each with its original and the last number seen for it."""
        return [
            (page, original, seen)
            for page, matches, original, seen in zip(
                self.pages, self.matches, self.originals, self.seen, strict=True
            )
            if matches is not None
        ]

    def results(self, numbers: list[int]) -> list[list[Match] | None]:
        """The answers of the pages up to where the add script stopped: ``numbers`` has
        one per page sent that it handled, 0 for an id another process indexed meanwhile."""
        given = iter(numbers)
        results: list[list[Match] | None] = []
        for matches in self.matches:
            number = 0 if matches is None else next(given, None)
            if number is None:  # the script stopped here: the rest is verified again
                break
            results.append(matches if number else None)
        return results


# A wave of a lookup as sent: its pages' samples and kept bodies.
_Sent = tuple[list[Sample], list[bytes]]
# What a wave of a lookup brings back from Redis, to verify: its pages, what each page's
# entries name, the candidates' records.
_Looked = tuple[_Sent, list[Found], HeldPages]
# What a wave of an add reads before it is verified (`RedisIndex._read`).
_Read = tuple[int, list[int], list[bool], list[Found], HeldPages]
# A page's lookup as sent: how many band and anchor fields its HMGET reads (None: no body).
_Asked = tuple[int, int] | None


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
