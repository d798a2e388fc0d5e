"""The shared index: a Deduplicator's pages in Redis, for several crawler processes at once.

Layout under a namespace ``ns`` (every key starts with it):

- ``ns:config``            the DedupConfig as JSON; processes with another config refuse
- ``ns:doc:<doc_id>``      a hash: the page's number, its shingle sample, shingle count and
                           numbers (raw little-endian arrays), its band fields, when it was
                           added, its original
- ``ns:names``             a hash: page number -> doc_id
- ``ns:seq``               the last page number given
- ``ns:bands``             one hash for every band: ``band:key`` -> the numbers of the
                           pages with that key, space-separated (a hash field costs far
                           less than a set per key, and a page's 32 fields are read or
                           written by one command)
- ``ns:age``               a sorted set of doc_ids by the time they were added

Adding and removing run as Lua scripts, so a page is either entirely in the index or not
at all, whatever happens to the client or the connection in between. A page is inserted
before it is looked up: two processes adding copies of one article at the same moment
both see the other, so no insert is lost. A script touches only the keys it is given, but
a page's keys are not hash-tagged to one slot, so a namespace lives on one Redis server
(not spread over a Redis Cluster).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.errors import ConfigError, DedupError
from dedup.memory_index import HeldPage
from dedup.sketch import Sample


class StorageError(DedupError):
    """The shared index cannot be reached or used (Redis down, refused, misconfigured)."""


# KEYS: the page's hash, the age set, the names hash, the sequence, the bands hash;
# ARGV: doc_id, sample, shingle count, numbers, band fields ("band:key ..."), time, original.
_ADD = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local id = tostring(redis.call('INCR', KEYS[4]))
redis.call('HSET', KEYS[1], 'i', id, 'k', ARGV[2], 'z', ARGV[3], 'n', ARGV[4], 'b', ARGV[5],
           't', ARGV[6], 'o', ARGV[7])
redis.call('HSET', KEYS[3], id, ARGV[1])
local fields = {}
for field in string.gmatch(ARGV[5], '%S+') do fields[#fields + 1] = field end
if #fields > 0 then
  local held = redis.call('HMGET', KEYS[5], unpack(fields))
  local written = {}
  for number, field in ipairs(fields) do
    written[#written + 1] = field
    written[#written + 1] = held[number] and (held[number] .. ' ' .. id) or id
  end
  redis.call('HSET', KEYS[5], unpack(written))
end
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
return 1
"""
# KEYS: the bands hash, the names hash; ARGV: band fields. Returns the doc_ids found.
_CANDIDATES = """
local fields = {}
for field in string.gmatch(ARGV[1], '%S+') do fields[#fields + 1] = field end
if #fields == 0 then return {} end
local ids, seen = {}, {}
for _, held in ipairs(redis.call('HMGET', KEYS[1], unpack(fields))) do
  if held then
    for id in string.gmatch(held, '%S+') do
      if not seen[id] then seen[id] = true; ids[#ids + 1] = id end
    end
  end
end
local names = {}
for start = 1, #ids, 1000 do
  local found = redis.call('HMGET', KEYS[2], unpack(ids, start, math.min(start + 999, #ids)))
  for _, name in ipairs(found) do if name then names[#names + 1] = name end end
end
return names
"""
# KEYS: the page's hash, the age set, the names hash, the bands hash; ARGV: doc_id.
_REMOVE = """
local found = redis.call('HMGET', KEYS[1], 'i', 'b')
if not found[1] then return 0 end
local id = found[1]
local fields = {}
for field in string.gmatch(found[2], '%S+') do fields[#fields + 1] = field end
if #fields > 0 then
  local held = redis.call('HMGET', KEYS[4], unpack(fields))
  local kept, emptied = {}, {}
  for number, field in ipairs(fields) do
    if held[number] then
      local others = {}
      for other in string.gmatch(held[number], '%S+') do
        if other ~= id then others[#others + 1] = other end
      end
      if #others == 0 then
        emptied[#emptied + 1] = field
      else
        kept[#kept + 1] = field
        kept[#kept + 1] = table.concat(others, ' ')
      end
    end
  end
  if #kept > 0 then redis.call('HSET', KEYS[4], unpack(kept)) end
  if #emptied > 0 then redis.call('HDEL', KEYS[4], unpack(emptied)) end
end
redis.call('HDEL', KEYS[3], id)
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""


@dataclasses.dataclass(frozen=True, slots=True)
class NewPage:
    """A page to insert: its sample and band keys (None without a body)."""

    doc_id: str
    sample: Sample
    band_keys: npt.NDArray[np.uint32] | None  # folded (`dedup.banding.fold32`)
    added: float


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
        self._add = self._redis.register_script(_ADD)
        self._remove = self._redis.register_script(_REMOVE)
        self._candidates = self._redis.register_script(_CANDIDATES)
        self._check_config(config)

    # ------------------------------------------------------------------ pages

    def add_many(self, pages: list[NewPage]) -> list[bool]:
        """Insert pages, each atomically, in one round trip; False where an id was there."""

        def insert() -> Any:
            with self._redis.pipeline(transaction=False) as pipe:
                for page in pages:
                    keys, args = self._add_call(page)
                    self._add(keys=keys, args=args, client=pipe)
                return pipe.execute()

        return [bool(done) for done in self._call(insert)]

    def set_originals(self, originals: dict[str, str]) -> None:
        if not originals:
            return

        def write() -> Any:
            with self._redis.pipeline(transaction=False) as pipe:
                for doc_id, original in originals.items():
                    pipe.hset(self._doc_key(doc_id), "o", original)
                return pipe.execute()

        self._call(write)

    def candidates_many(self, keys_per_page: list[npt.NDArray[np.uint32]]) -> list[set[str]]:
        """For each page, the doc_ids sharing at least one of its band keys; one round trip."""
        fields = [_band_fields(keys) for keys in keys_per_page]
        keys = [self._key("bands"), self._key("names")]

        def fetch() -> Any:
            with self._redis.pipeline(transaction=False) as pipe:
                for page_fields in fields:
                    self._candidates(keys=keys, args=[page_fields], client=pipe)
                return pipe.execute()

        return [
            {member.decode("utf-8", "surrogatepass") for member in members}
            for members in self._call(fetch)
        ]

    def fetch(self, doc_ids: Iterable[str]) -> dict[str, HeldPage]:
        """The stored pages of these ids (missing ones, removed meanwhile, are left out)."""
        ids = list(doc_ids)
        if not ids:
            return {}

        def fetch() -> Any:
            with self._redis.pipeline(transaction=False) as pipe:
                for doc_id in ids:
                    pipe.hmget(self._doc_key(doc_id), "k", "z", "n", "o")
                return pipe.execute()

        pages = {}
        for doc_id, (values, size, numbers, original) in zip(ids, self._call(fetch), strict=True):
            if values is None:
                continue
            sample = Sample(_array(values), int(size), _array(numbers))
            pages[doc_id] = HeldPage(doc_id, sample, original.decode("utf-8", "surrogatepass"))
        return pages

    def remove(self, doc_id: str) -> bool:
        keys = [self._doc_key(doc_id), self._key("age"), self._key("names"), self._key("bands")]
        return bool(self._call(lambda: self._remove(keys=keys, args=[doc_id])))

    def older_than(self, cutoff: float) -> list[str]:
        members = self._call(
            lambda: self._redis.zrangebyscore(self._key("age"), "-inf", f"({cutoff}")
        )
        return [member.decode("utf-8", "surrogatepass") for member in members]

    def contains(self, doc_id: str) -> bool:
        return bool(self._call(lambda: self._redis.exists(self._doc_key(doc_id))))

    def count(self) -> int:
        return int(self._call(lambda: self._redis.zcard(self._key("age"))))

    def summary(self) -> tuple[list[float], int, int]:
        """When each page was added, how many have a body, how many distinct originals."""
        listed = self._call(lambda: self._redis.zrange(self._key("age"), 0, -1, withscores=True))
        with_body, originals = 0, set[bytes]()
        for start in range(0, len(listed), 10000):
            batch = [member for member, _ in listed[start : start + 10000]]

            def fetch(batch: list[bytes] = batch) -> Any:
                with self._redis.pipeline(transaction=False) as pipe:
                    for member in batch:
                        key = self._doc_key(member.decode("utf-8", "surrogatepass"))
                        pipe.hget(key, "z")
                        pipe.hget(key, "o")
                    return pipe.execute()

            answers = self._call(fetch)
            with_body += sum(1 for size in answers[0::2] if size and int(size))
            originals.update(original for original in answers[1::2] if original is not None)
        return [float(score) for _, score in listed], with_body, len(originals)

    def ids(self) -> list[str]:
        members = self._call(lambda: self._redis.zrange(self._key("age"), 0, -1))
        return [member.decode("utf-8", "surrogatepass") for member in members]

    # ------------------------------------------------------------------ internals

    def _check_config(self, config: DedupConfig) -> None:
        wanted = json.dumps(dataclasses.asdict(config), sort_keys=True)
        stored = self._call(lambda: self._redis.set(self._key("config"), wanted, nx=True, get=True))
        if stored is not None and stored.decode("utf-8") != wanted:
            raise ConfigError(
                f"namespace {self.namespace!r} at {self.url} holds an index made with another "
                f"configuration ({stored.decode('utf-8')}); "
                "use its configuration or another namespace"
            )

    def _call(self, action: Any) -> Any:
        try:
            return action()
        except self._errors as error:
            raise StorageError(
                f"the shared index at {self.url} cannot be used ({type(error).__name__}: {error}); "
                "check that Redis is running and reachable"
            ) from error

    def _add_call(self, page: NewPage) -> tuple[list[str], list[bytes | str]]:
        sample = page.sample
        keys = [
            self._doc_key(page.doc_id),
            self._key("age"),
            self._key("names"),
            self._key("seq"),
            self._key("bands"),
        ]
        args: list[bytes | str] = [
            page.doc_id,
            sample.values.astype("<u4").tobytes(),
            str(sample.size),
            sample.numbers.astype("<u4").tobytes(),
            _band_fields(page.band_keys) if page.band_keys is not None else "",
            repr(page.added),
            page.doc_id,
        ]
        return keys, args

    def _key(self, suffix: str) -> str:
        return f"{self.namespace}:{suffix}"

    def _doc_key(self, doc_id: str) -> str:
        return f"{self.namespace}:doc:{doc_id}"


def _band_fields(band_keys: npt.NDArray[np.uint32]) -> str:
    """A page's folded band keys as one script argument, "band:key ...": 32 separate
    arguments would cost more to pack than everything else in the call."""
    return " ".join(map(str.__add__, _band_prefixes(band_keys.size), map(str, band_keys.tolist())))


@cache
def _band_prefixes(bands: int) -> list[str]:
    return [f"{band}:" for band in range(bands)]


def _array(raw: bytes) -> npt.NDArray[np.uint32]:
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)
