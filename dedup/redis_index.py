"""The shared index: a Deduplicator's pages in Redis, for several crawler processes at once.

Layout under a namespace ``ns`` (every key starts with it):

- ``ns:config``                 the DedupConfig as JSON; processes with another config refuse
- ``ns:doc:<doc_id>``           a hash: shingle ids, numbers, signature (raw little-endian
                                arrays), the page's band set names, when it was added, its
                                original
- ``ns:band:<band>:<key>``      a set of the doc_ids whose signature has that band key
- ``ns:age``                    a sorted set of doc_ids by the time they were added

Adding and removing run as Lua scripts, so a page is either entirely in the index or not
at all, whatever happens to the client or the connection in between. A page is inserted
before it is looked up: two processes adding copies of one article at the same moment
both see the other, so no insert is lost. The scripts touch band sets they are not given
as keys, so a namespace must live on one Redis server (not spread over a Redis Cluster).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.errors import ConfigError, DedupError
from dedup.shingle import Fingerprint


class StorageError(DedupError):
    """The shared index cannot be reached or used (Redis down, refused, misconfigured)."""


_ADD = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 's', ARGV[2], 'n', ARGV[3], 'g', ARGV[4], 'b', ARGV[5],
           't', ARGV[6], 'o', ARGV[7])
for name in string.gmatch(ARGV[5], '%S+') do redis.call('SADD', name, ARGV[1]) end
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
return 1
"""
_CANDIDATES = """
local names = {}
for name in string.gmatch(ARGV[1], '%S+') do names[#names + 1] = name end
return redis.call('SUNION', unpack(names))
"""
_REMOVE = """
local bands = redis.call('HGET', KEYS[1], 'b')
if not bands then return 0 end
for name in string.gmatch(bands, '%S+') do redis.call('SREM', name, ARGV[1]) end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""


@dataclasses.dataclass(frozen=True, slots=True)
class StoredPage:
    """A page as the shared index holds it."""

    fingerprint: Fingerprint
    signature: npt.NDArray[np.uint32] | None
    added: float
    original: str


@dataclasses.dataclass(frozen=True, slots=True)
class NewPage:
    """A page to insert: its fingerprint, signature and band keys (None without a body)."""

    doc_id: str
    fingerprint: Fingerprint
    signature: npt.NDArray[np.uint32] | None
    band_keys: npt.NDArray[np.uint64] | None
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
            # Band set names travel space-separated inside the Lua scripts.
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

    def candidates_many(self, keys_per_page: list[npt.NDArray[np.uint64]]) -> list[set[str]]:
        """For each page, the doc_ids sharing at least one of its band keys; one round trip."""
        names = [self._band_names(keys) for keys in keys_per_page]

        def fetch() -> Any:
            with self._redis.pipeline(transaction=False) as pipe:
                for page_names in names:
                    self._candidates(keys=[], args=[" ".join(page_names)], client=pipe)
                return pipe.execute()

        return [
            {member.decode("utf-8", "surrogatepass") for member in members}
            for members in self._call(fetch)
        ]

    def fetch(self, doc_ids: Iterable[str]) -> dict[str, StoredPage]:
        """The stored pages of these ids (missing ones, removed meanwhile, are left out)."""
        ids = list(doc_ids)
        if not ids:
            return {}

        def fetch() -> Any:
            with self._redis.pipeline(transaction=False) as pipe:
                for doc_id in ids:
                    pipe.hmget(self._doc_key(doc_id), "s", "n", "g", "t", "o")
                return pipe.execute()

        pages = {}
        for doc_id, (shingles, numbers, signature, added, original) in zip(
            ids, self._call(fetch), strict=True
        ):
            if shingles is None:
                continue
            pages[doc_id] = StoredPage(
                Fingerprint(_array(shingles), _array(numbers)),
                _array(signature) if signature else None,
                float(added),
                original.decode("utf-8", "surrogatepass"),
            )
        return pages

    def remove(self, doc_id: str) -> bool:
        keys = [self._doc_key(doc_id), self._key("age")]
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
                        pipe.hstrlen(key, "g")
                        pipe.hget(key, "o")
                    return pipe.execute()

            answers = self._call(fetch)
            with_body += sum(1 for length in answers[0::2] if length)
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
        bands = self._band_names(page.band_keys) if page.band_keys is not None else []
        args: list[bytes | str] = [
            page.doc_id,
            page.fingerprint.shingles.astype("<u4").tobytes(),
            page.fingerprint.numbers.astype("<u4").tobytes(),
            page.signature.astype("<u4").tobytes() if page.signature is not None else b"",
            " ".join(bands),
            repr(page.added),
            page.doc_id,
        ]
        # The band set names go once, as one argument the script splits: a page's 32 band
        # names as separate keys cost more to pack than everything else in the call.
        return [self._doc_key(page.doc_id), self._key("age")], args

    def _key(self, suffix: str) -> str:
        return f"{self.namespace}:{suffix}"

    def _doc_key(self, doc_id: str) -> str:
        return f"{self.namespace}:doc:{doc_id}"

    def _band_names(self, band_keys: npt.NDArray[np.uint64]) -> list[str]:
        return [
            f"{self.namespace}:band:{band}:{key}" for band, key in enumerate(band_keys.tolist())
        ]


def _array(raw: bytes) -> npt.NDArray[np.uint32]:
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)
