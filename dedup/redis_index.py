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
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.errors import ConfigError, DedupError
from dedup.memory_index import Candidates, Column, gathered
from dedup.sketch import Sample, SampleColumns, ranges

LAYOUT = 2  # the version of the layout above; 1 kept a hash per page and decimal band fields
CHUNK = 100  # pages per script call: a call blocks the server for a few milliseconds at most
_FETCHED = 5000  # records per HMGET when fetching candidates
_NUMBER = np.dtype("<u4")
_BAND_FIELD = np.dtype([("band", "<u2"), ("key", "<u4")])  # packed: 6 bytes


class StorageError(DedupError):
    """The shared index cannot be reached or used (Redis down, refused, misconfigured)."""


# KEYS: ids, pages, originals, bands, age, seq.
# ARGV: four per page: doc_id, record, band fields, time added.
# Returns, per page, 0 when its id was indexed already, else {its number, the band entries
# it found (the numbers of earlier pages sharing a band), concatenated}. Copies share most
# of their band entries whole: an entry already found for the page is not repeated.
_ADD = """
local answers = {}
for first = 1, #ARGV, 4 do
  local doc_id, fields = ARGV[first], ARGV[first + 2]
  if redis.call('HEXISTS', KEYS[1], doc_id) == 1 then
    answers[#answers + 1] = 0
  else
    local id = redis.call('INCR', KEYS[6])
    local number = struct.pack('<I4', id)
    redis.call('HSET', KEYS[1], doc_id, number .. fields)
    redis.call('HSET', KEYS[2], number, ARGV[first + 1])
    redis.call('HSET', KEYS[3], number, doc_id)
    redis.call('ZADD', KEYS[5], ARGV[first + 3], doc_id)
    local found = ''
    if #fields > 0 then
      local names = {}
      for start = 1, #fields, 6 do names[#names + 1] = string.sub(fields, start, start + 5) end
      local held = redis.call('HMGET', KEYS[4], unpack(names))
      local written, earlier, seen = {}, {}, {}
      for n, name in ipairs(names) do
        local entry = held[n]
        written[#written + 1] = name
        if entry then
          if not seen[entry] then seen[entry] = true; earlier[#earlier + 1] = entry end
          written[#written + 1] = entry .. number
        else
          written[#written + 1] = number
        end
      end
      redis.call('HSET', KEYS[4], unpack(written))
      found = table.concat(earlier)
    end
    answers[#answers + 1] = {id, found}
  end
end
return answers
"""
# KEYS: ids, pages, originals, bands, age. ARGV: doc_ids.
# Returns how many of them were indexed (and are now removed).
_REMOVE = """
local removed = 0
for _, doc_id in ipairs(ARGV) do
  local held = redis.call('HGET', KEYS[1], doc_id)
  if held then
    removed = removed + 1
    local number, fields = string.sub(held, 1, 4), string.sub(held, 5)
    if #fields > 0 then
      local names = {}
      for start = 1, #fields, 6 do names[#names + 1] = string.sub(fields, start, start + 5) end
      local entries = redis.call('HMGET', KEYS[4], unpack(names))
      local kept, emptied = {}, {}
      for n, name in ipairs(names) do
        local entry = entries[n]
        if entry then
          local others = {}
          for start = 1, #entry, 4 do
            local other = string.sub(entry, start, start + 3)
            if other ~= number then others[#others + 1] = other end
          end
          if #others == 0 then
            emptied[#emptied + 1] = name
          else
            kept[#kept + 1] = name
            kept[#kept + 1] = table.concat(others)
          end
        end
      end
      if #kept > 0 then redis.call('HSET', KEYS[4], unpack(kept)) end
      if #emptied > 0 then redis.call('HDEL', KEYS[4], unpack(emptied)) end
    end
    redis.call('HDEL', KEYS[1], doc_id)
    redis.call('HDEL', KEYS[2], number)
    redis.call('HDEL', KEYS[3], number)
    redis.call('ZREM', KEYS[5], doc_id)
  end
end
return removed
"""


@dataclasses.dataclass(frozen=True, slots=True)
class NewPage:
    """A page to insert: its sample and band keys (None without a body)."""

    doc_id: str
    sample: Sample
    band_keys: npt.NDArray[np.uint32] | None  # folded (`dedup.banding.fold32`)
    added: float


@dataclasses.dataclass(frozen=True, slots=True)
class Added:
    """A page the add script inserted: its number, and the numbers of the pages sharing a
    band with it that were indexed before it (sorted, unique)."""

    number: int
    earlier: npt.NDArray[np.uint32]


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


class RecordCache:
    """The records of pages this process fetched, by number, so that each is fetched and
    decoded once: a record never changes (a page's original, which does, is fetched every
    time, which also tells which pages were removed meanwhile). Holds up to ``limit``
    pages, about 600 bytes each, then starts over. Safe to share between threads."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self.epoch: bytes | None = None  # the namespace's epoch the records belong to
        self._lock = threading.Lock()
        self._clear()

    def restart(self, epoch: bytes | None) -> None:
        """Forget every record: they belong to another epoch of the namespace."""
        with self._lock:
            self._clear()
            self.epoch = epoch

    def held(
        self, numbers: npt.NDArray[np.uint32]
    ) -> tuple[npt.NDArray[np.bool_], SampleColumns, list[str]]:
        """Which of these pages are held, and their samples and doc_ids, in order."""
        with self._lock:
            row_of = self._row_of
            rows = np.fromiter(
                (row_of.get(number, -1) for number in numbers.tolist()), np.int64, numbers.size
            )
            hit = rows >= 0
            rows = rows[hit]
            columns = SampleColumns(
                self._values.view,
                self._value_ends.view,
                self._numbers.view,
                self._number_ends.view,
                self._sizes.view,
            )
            return hit, columns.subset(rows), gathered(self._names, rows.tolist())

    def add(
        self, numbers: npt.NDArray[np.uint32], columns: SampleColumns, names: list[str]
    ) -> None:
        """Hold these pages too."""
        with self._lock:
            if len(self._names) + numbers.size > self.limit:
                self._clear()
            first = len(self._names)
            self._row_of.update(
                zip(numbers.tolist(), range(first, first + numbers.size), strict=True)
            )
            self._names += names
            self._values.extend(columns.values)
            self._value_ends.extend(columns.value_ends + self._values.size - columns.values.size)
            self._numbers.extend(columns.numbers)
            self._number_ends.extend(
                columns.number_ends + self._numbers.size - columns.numbers.size
            )
            self._sizes.extend(columns.sizes)

    def _clear(self) -> None:
        self._row_of: dict[int, int] = {}
        self._names: list[str] = []
        self._values = Column(np.uint32)
        self._value_ends = Column(np.int64)
        self._numbers = Column(np.uint32)
        self._number_ends = Column(np.int64)
        self._sizes = Column(np.uint32)


class RedisIndex:
    """The pages of one namespace in a Redis server."""

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
        self.url = url
        self.namespace = namespace
        try:
            self._redis = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        except ValueError as error:
            raise StorageError(f"{url}: not a Redis URL ({error})") from error
        self._remove = self._redis.register_script(_REMOVE)
        self._cache = RecordCache()
        self._page_keys = [
            self._key(name) for name in ("ids", "pages", "originals", "bands", "age", "seq")
        ]
        self._check_config(config)
        # A token the namespace keeps while it exists: records cached by number are only
        # good while it is the same (`RecordCache`).
        token = os.urandom(8).hex()
        self.call(lambda: self._redis.set(self._key("epoch"), token, nx=True))

    # ------------------------------------------------------------------ pages

    def stream(self) -> Stream:
        """A connection of its own to send a batch's commands ahead on (see `Stream`)."""
        return Stream(self)

    def send_adds(self, stream: Stream, pages: list[NewPage]) -> int:
        """Send the scripts inserting pages, in order; how many replies they will give.
        (EVAL, not EVALSHA: a server that lost its script cache answers every command.)"""
        chunks = [pages[start : start + CHUNK] for start in range(0, len(pages), CHUNK)]
        stream.send(
            [
                ("EVAL", _ADD, len(self._page_keys), *self._page_keys, *_add_args(chunk))
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
                _packed_hmgets(self._key("bands"), _band_field_bytes(np.stack(keys))), len(keys)
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
            [("originals", numbers.astype(_NUMBER)), ("pages", missing.astype(_NUMBER))]
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
            _texts([originals[row] for row in kept.tolist()]),
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
            packed += [_packed_hmgets(self._key(name), chunk[np.newaxis]) for chunk in chunks]
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
            number.to_bytes(4, "little"): original for number, original in originals.items()
        }
        self.call(lambda: self._redis.hset(self._key("originals"), mapping=written))

    def remove_many(self, doc_ids: list[str]) -> int:
        """Forget pages, each atomically; how many of them were indexed."""
        chunks = [doc_ids[start : start + CHUNK] for start in range(0, len(doc_ids), CHUNK)]
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
        return [_text(member) for member in members]

    def contains(self, doc_id: str) -> bool:
        return bool(self.call(lambda: self._redis.hexists(self._key("ids"), doc_id)))

    def count(self) -> int:
        return int(self.call(lambda: self._redis.hlen(self._key("ids"))))

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
        return [_text(doc_id) for _, doc_id in numbered]

    # ------------------------------------------------------------------ internals

    def _check_config(self, config: DedupConfig) -> None:
        wanted = json.dumps({"layout": LAYOUT, **dataclasses.asdict(config)}, sort_keys=True)
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
                f"the shared index at {self.url} cannot be used ({type(error).__name__}: {error}); "
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
        """The samples and doc_ids of page records (see the layout), all at once: records
        are whole words, so the batch is one array of words and each field a gather."""
        sizes = np.fromiter(map(len, records), dtype=np.int64, count=len(records))
        if np.any(sizes % 4) or np.any(sizes < 16):
            raise self._damaged("page record")
        joined = b"".join(records)
        words = np.frombuffer(joined, dtype=_NUMBER).astype(np.uint32, copy=False)
        lengths = sizes // 4
        starts = np.cumsum(lengths) - lengths
        header = words[starts[:, np.newaxis] + np.arange(4)].astype(np.int64)
        counts, number_counts, name_sizes = header[:, 1], header[:, 2], header[:, 3]
        name_starts = starts + 4 + counts + number_counts
        if np.any(name_starts + (name_sizes + 3) // 4 != starts + lengths):
            raise self._damaged("page record")
        try:
            names = [
                joined[start : start + size].decode("utf-8", "surrogatepass")
                for start, size in zip((name_starts * 4).tolist(), name_sizes.tolist(), strict=True)
            ]
        except UnicodeDecodeError as error:
            raise self._damaged("page record") from error
        columns = SampleColumns(
            words[ranges(starts + 4, counts)],
            np.cumsum(counts),
            words[ranges(starts + 4 + counts, number_counts)],
            np.cumsum(number_counts),
            header[:, 0].astype(np.uint32),
        )
        return columns, names

    def _numbers_per_page(self, found: list[bytes]) -> list[npt.NDArray[np.uint32]]:
        """The page numbers in each page's concatenated band entries, sorted and unique:
        one sort for the whole batch, each page's numbers keyed by its row."""
        sizes = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        if np.any(sizes % 4):
            raise self._damaged("band entry")
        numbers = np.frombuffer(b"".join(found), dtype=_NUMBER).astype(np.uint64)
        rows = np.repeat(np.arange(len(found), dtype=np.uint64), sizes // 4)
        keyed = np.unique((rows << np.uint64(32)) | numbers)
        bounds = np.searchsorted(keyed >> np.uint64(32), np.arange(len(found) + 1)).tolist()
        unique = (keyed & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        return [unique[bounds[row] : bounds[row + 1]] for row in range(len(found))]

    def _damaged(self, what: str) -> StorageError:
        return StorageError(
            f"namespace {self.namespace!r} at {self.url} holds a damaged {what} (written by "
            "something else than dedup?); rebuild the index in a new namespace"
        )

    def _key(self, suffix: str) -> str:
        return f"{self.namespace}:{suffix}"


class Stream:
    """A connection of its own, on which one thread sends a batch's commands wave after
    wave while another reads their replies in order.

    Sending does not wait for replies, so the server always has the next wave's commands
    queued, whatever the client is doing meanwhile (waiting for its interpreter lock,
    say); and one connection keeps the waves in order. A failure on either side closes
    the connection, which wakes the other.
    """

    def __init__(self, index: RedisIndex) -> None:
        self._index = index
        self._pool = index._redis.connection_pool
        self._connection: Any = index.call(self._pool.get_connection)
        self._sent = 0  # replies due, counted by the sending thread
        self._received = 0  # counted by the reading thread

    def send(self, commands: list[tuple[Any, ...]]) -> None:
        """Send commands (redis-py packs them); each gives one reply."""
        self._index.call(lambda: self._guarded(lambda: self._send(commands)))

    def send_packed(self, packed: bytes, replies: int) -> None:
        """Send commands already packed in Redis's protocol that give this many replies.
        For reads of thousands of binary fields, packing them one by one through the
        client costs more than the server's work; numpy packs a batch in a few steps."""
        self._index.call(lambda: self._guarded(lambda: self._send_packed([packed], replies)))

    def receive(self, replies: int) -> list[Any]:
        """The next replies, in the order their commands were sent."""

        def read() -> list[Any]:
            answers = [self._connection.read_response() for _ in range(replies)]
            self._received += replies
            return answers

        answers: list[Any] = self._index.call(lambda: self._guarded(read))
        return answers

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._sent != self._received:  # replies left unread: never reuse it
            self._connection.disconnect()
        self._pool.release(self._connection)

    def _send(self, commands: list[tuple[Any, ...]]) -> None:
        self._send_packed(self._connection.pack_commands(commands), len(commands))

    def _send_packed(self, packed: list[bytes], replies: int) -> None:
        self._sent += replies
        self._connection.send_packed_command(packed, check_health=False)

    def _guarded(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except BaseException:
            self._connection.disconnect()
            raise


def ahead(waves: list[Any], stages: list[Callable[[Any], Any]]) -> Iterator[Any]:
    """Each wave through every stage in turn, in order, computed ahead of the caller.

    Each stage runs on every wave in order, in a thread of its own: while the caller
    verifies one wave, the next one's candidates are being fetched, the one after's
    replies read, and later ones sent (`Stream`), so the server's time and the client's
    overlap. When the caller stops early (an error), the waves not started are
    cancelled; those started are finished.
    """
    if len(waves) == 1:
        result = waves[0]
        for stage in stages:
            result = stage(result)
        yield result
        return
    from concurrent.futures import Future, ThreadPoolExecutor  # only batches of waves pay it

    def after(stage: Callable[[Any], Any], earlier: Future[Any]) -> Any:
        return stage(earlier.result())

    pools = [ThreadPoolExecutor(max_workers=1, thread_name_prefix="dedup-redis") for _ in stages]
    futures: list[Future[Any]] = []
    try:
        current = [pools[0].submit(stages[0], wave) for wave in waves]
        futures += current
        for pool, stage in zip(pools[1:], stages[1:], strict=True):
            current = [pool.submit(after, stage, earlier) for earlier in current]
            futures += current
        for future in current:
            yield future.result()
    finally:
        for future in futures:
            future.cancel()
        for pool in pools:
            pool.shutdown(wait=True)


def _add_args(pages: list[NewPage]) -> list[bytes | str]:
    args: list[bytes | str] = []
    for page in pages:
        sample = page.sample
        name = page.doc_id.encode("utf-8", "surrogatepass")
        header = np.array(
            [sample.size, sample.values.size, sample.numbers.size, len(name)], dtype=_NUMBER
        )
        record = b"".join(
            (
                header.tobytes(),
                sample.values.astype(_NUMBER).tobytes(),
                sample.numbers.astype(_NUMBER).tobytes(),
                name,
                bytes(-len(name) % 4),  # whole words: a batch of records is one array
            )
        )
        fields = b"" if page.band_keys is None else _band_fields(page.band_keys)
        args += [page.doc_id, record, fields, repr(page.added)]
    return args


def _band_fields(band_keys: npt.NDArray[np.uint32]) -> bytes:
    """A page's folded band keys as the bands hash's fields, one after the other."""
    return _band_field_bytes(band_keys[np.newaxis]).tobytes()


def _band_field_bytes(band_keys: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    """Pages' band fields (band, uint16; key, uint32): shape (pages, bands, 6)."""
    pages, bands = band_keys.shape
    fields = np.empty((pages, bands), dtype=_BAND_FIELD)
    fields["band"] = np.arange(bands)
    fields["key"] = band_keys
    return fields.view(np.uint8).reshape(pages, bands, _BAND_FIELD.itemsize)


def _packed_hmgets(key: str, fields: npt.NDArray[np.uint8]) -> bytes:
    """HMGET commands in Redis's protocol (RESP), one for each row of ``fields`` (shape:
    commands, fields per command, bytes per field)."""
    commands, count, width = fields.shape
    name = key.encode("utf-8")
    head = np.frombuffer(
        b"*%d\r\n$5\r\nHMGET\r\n$%d\r\n%s\r\n" % (count + 2, len(name), name), np.uint8
    )
    prefix = np.frombuffer(b"$%d\r\n" % width, np.uint8)
    cells = np.empty((commands, count, prefix.size + width + 2), dtype=np.uint8)
    cells[:, :, : prefix.size] = prefix
    cells[:, :, prefix.size : prefix.size + width] = fields
    cells[:, :, -2:] = np.frombuffer(b"\r\n", np.uint8)
    packed = np.empty((commands, head.size + cells[0].size), dtype=np.uint8)
    packed[:, : head.size] = head
    packed[:, head.size :] = cells.reshape(commands, -1)
    return packed.tobytes()


def _texts(raws: list[bytes]) -> list[str]:
    """Decoded, each distinct value once: a page's candidates mostly share one original."""
    decoded = {raw: _text(raw) for raw in set(raws)}
    return [decoded[raw] for raw in raws]


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogatepass")
