"""The shared index in a real Redis server on loopback (started and stopped by the fixture)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from dedup import ConfigError, DedupConfig, Deduplicator, DuplicateIdError, UnknownIdError
from dedup.errors import StorageError

from ..conftest import REPO, SAMPLES
from ..pages import CHARGING as ORIGINAL
from ..pages import CHARGING_COPY as COPY
from ..pages import CHARGING_CUT as TRUNCATED
from ..pages import sample_text as page
from .conftest import start_redis

pytest.importorskip("redis", reason="the shared index needs the Redis client: pip install redis")


def test_shared_index_answers_like_the_memory_one(redis_url: str) -> None:
    dd = Deduplicator(storage=redis_url, namespace="news")
    assert dd.seen("first", page(ORIGINAL)) is None
    copy = dd.seen("second", page(COPY))
    assert copy is not None and (copy.doc_id, copy.relation, copy.original_id) == (
        "first",
        "duplicate",
        "first",
    )
    cut = dd.query(page(TRUNCATED))
    assert {m.doc_id for m in cut} == {"first", "second"}
    assert {m.relation for m in cut} == {"partial"} and {m.original_id for m in cut} == {"first"}
    assert len(dd) == 2 and "first" in dd and list(dd) == ["first", "second"]
    stats = dd.stats()
    assert (stats.pages, stats.with_body, stats.originals) == (2, 2, 1) and stats.oldest
    with pytest.raises(DuplicateIdError):
        dd.add("first", page(ORIGINAL))
    dd.remove("first")
    with pytest.raises(UnknownIdError):
        dd.remove("first")
    assert [m.doc_id for m in dd.query(page(ORIGINAL))] == ["second"]
    assert dd.expire(before=time.time() + 60) == 1 and len(dd) == 0


def test_two_processes_share_one_namespace(redis_url: str) -> None:
    code = (
        "import sys\n"
        "from dedup import Deduplicator\n"
        "from dedup.readers import decode_bytes\n"
        "dd = Deduplicator(storage=sys.argv[1], namespace='shared')\n"
        "dd.add('from-other-process', decode_bytes(open(sys.argv[2], 'rb').read())[0])\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, redis_url, str(SAMPLES / ORIGINAL)], check=True, cwd=REPO
    )
    dd = Deduplicator(storage=redis_url, namespace="shared")
    assert [m.doc_id for m in dd.add("here", page(COPY))] == ["from-other-process"]
    other = Deduplicator(storage=redis_url, namespace="elsewhere")
    assert other.query(page(COPY)) == [] and len(other) == 0


def test_namespaces_refuse_another_configuration(redis_url: str) -> None:
    Deduplicator(storage=redis_url, namespace="news")
    with pytest.raises(ConfigError, match="another configuration"):
        Deduplicator(DedupConfig(threshold=0.9), storage=redis_url, namespace="news")
    with pytest.raises(ConfigError, match="without spaces"):
        Deduplicator(storage=redis_url, namespace="my news")


def test_redis_going_away_is_a_storage_error_and_leaves_no_half_page(tmp_path: Path) -> None:
    process, url = start_redis(tmp_path)
    dd = Deduplicator(storage=url, namespace="news")
    dd.add("kept", page(ORIGINAL))
    process.terminate()
    process.wait(timeout=10)
    with pytest.raises(StorageError, match="check that Redis is running"):
        dd.add("lost", page(COPY))
    with pytest.raises(StorageError):
        Deduplicator(storage="redis://127.0.0.1:1/0")


def test_redis_going_away_fails_a_batch_of_waves_without_hanging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dedup.index.redis.store.CHUNK", 2)
    monkeypatch.setattr("dedup.index.redis.store.LOOKUP_WAVE", 2)
    process, url = start_redis(tmp_path)
    dd = Deduplicator(storage=url, namespace="news")
    texts = [page(ORIGINAL), page(COPY), page(TRUNCATED)] * 3
    dd.add_many([(f"kept-{n}", text) for n, text in enumerate(texts)])
    process.terminate()
    process.wait(timeout=10)
    started = time.monotonic()
    with pytest.raises(StorageError, match="check that Redis is running"):
        dd.add_many([(f"lost-{n}", text) for n, text in enumerate(texts)])
    with pytest.raises(StorageError, match="check that Redis is running"):
        dd.query_many(texts)
    assert time.monotonic() - started < 30


def test_a_killed_writer_loses_no_page_whose_add_returned(redis_url: str) -> None:
    code = (
        "import sys\n"
        "from dedup import Deduplicator\n"
        "from dedup.readers import decode_bytes\n"
        "dd = Deduplicator(storage=sys.argv[1], namespace='kill')\n"
        "text = decode_bytes(open(sys.argv[2], 'rb').read())[0]\n"
        "for number in range(100000):\n"
        "    dd.add(f'p{number}', text)\n"
        "    print(number, flush=True)\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", code, redis_url, str(SAMPLES / ORIGINAL)],
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    assert writer.stdout is not None
    returned = []
    while len(returned) < 40:
        returned.append(int(writer.stdout.readline()))
    writer.kill()
    writer.wait()
    writer.stdout.close()
    dd = Deduplicator(storage=redis_url, namespace="kill")
    for number in returned:
        assert f"p{number}" in dd
    # Every page in the index is whole: its fingerprint, signature and bands are there.
    assert len(dd.query(page(ORIGINAL))) == len(dd)


def test_cli_index_commands_work_on_a_shared_index(redis_url: str) -> None:
    from click.testing import CliRunner

    from dedup.cli import main

    runner = CliRunner()
    shared = f"{redis_url}#cli"
    added = runner.invoke(main, ["index", "add", shared, str(SAMPLES / "jiangnan_daily")])
    assert added.exit_code == 0, added.stderr
    again = runner.invoke(main, ["index", "add", shared, str(SAMPLES / "jiangnan_daily")])
    assert "0 pages added" in again.stderr
    query = runner.invoke(main, ["index", "query", shared, str(SAMPLES / "cnews_tw")])
    assert query.exit_code == 0 and "duplicate" in query.stdout
    stats = runner.invoke(main, ["index", "stats", shared])
    held = Deduplicator(storage=redis_url, namespace="cli").stats()
    assert held.pages > 0 and held.with_body == held.pages and held.originals <= held.pages
    assert f"pages:        {held.pages} ({held.pages} with an article body)" in stats.stdout
    assert f"groups:       {held.originals} originals" in stats.stdout
    assert len(Deduplicator(storage=redis_url, namespace="dedup")) == 0


@pytest.mark.parametrize("wave", [1000, 2], ids=["one-wave", "waves"])
def test_a_batch_answers_as_pages_added_one_by_one(
    redis_url: str, wave: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With waves of two pages, a batch is added a wave after another (each verified
    # against the batch's earlier pages too), and looked up by the threads of `ahead`,
    # several waves at a time: the answers must not change.
    monkeypatch.setattr("dedup.index.redis.store.CHUNK", wave)
    monkeypatch.setattr("dedup.index.redis.store.LOOKUP_WAVE", wave)
    shared = Deduplicator(storage=redis_url, namespace="batch")
    memory = Deduplicator()
    batch = [("first", page(ORIGINAL)), ("second", page(COPY)), ("cut", page(TRUNCATED))]
    assert shared.add_many(batch) == memory.add_many(batch)
    found = shared.add_many([("later", page(COPY))])[0]
    assert [found] == memory.add_many([("later", page(COPY))])
    assert {m.doc_id for m in found} == {"first", "second", "cut"}
    assert {m.original_id for m in found} == {"first"}
    queried = shared.query_many([page(COPY), "完全無關的一句話。"])
    assert queried == memory.query_many([page(COPY), "完全無關的一句話。"])
    assert [m.doc_id for m in queried[0]] == ["first", "later", "second", "cut"]
    assert queried[1] == []
    with pytest.raises(DuplicateIdError, match="'first'"):
        shared.add_many([("first", page(ORIGINAL)), ("new", page(ORIGINAL))])
    assert "new" in shared and len(shared) == 5


def test_removing_every_page_leaves_no_band_entry_behind(redis_url: str) -> None:
    import numpy as np
    import redis

    shared = Deduplicator(storage=redis_url, namespace="tidy")
    shared.add_many([("a", page(ORIGINAL)), ("b", page(COPY)), ("c", page(TRUNCATED))])
    server = redis.Redis.from_url(redis_url)
    # A band field is the band (2 bytes) and the folded key (4), an anchor field 65535 and
    # the anchor; its value the page numbers.
    assert {int.from_bytes(field[:2], "little") for field in server.hkeys("tidy:bands")} == {
        *range(shared.config.lsh_bands),
        65535,
    }
    shared.remove("b")
    # Pages are numbered as they arrive: a 1, b 2, c 3; no band field may still hold b.
    held = set(np.frombuffer(b"".join(server.hvals("tidy:bands")), dtype="<u4").tolist())
    assert held == {1, 3}
    assert [m.doc_id for m in shared.query(page(COPY))] == ["a", "c"]
    assert shared.expire(before=time.time() + 60) == 2
    assert sorted(server.scan_iter("tidy:*")) == [b"tidy:config", b"tidy:epoch", b"tidy:seq"]


def test_a_namespace_in_another_layout_is_refused(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).set("old:config", '{"threshold": 0.8}')
    with pytest.raises(ConfigError, match="another layout"):
        Deduplicator(storage=redis_url, namespace="old")


def test_a_namespace_of_layout_4_without_kept_bodies_is_refused(redis_url: str) -> None:
    import json

    import redis

    settings = {"layout": 4, **DedupConfig().index_settings()}
    redis.Redis.from_url(redis_url).set("four:config", json.dumps(settings, sort_keys=True))
    with pytest.raises(ConfigError, match=r"another layout.*rebuild it in a new namespace"):
        Deduplicator(storage=redis_url, namespace="four")


def test_a_damaged_kept_body_is_a_storage_error(redis_url: str) -> None:
    import redis

    from ..notices import notice

    shared = Deduplicator(storage=redis_url, namespace="body")
    shared.add("qinglin", notice("青林"))
    redis.Redis.from_url(redis_url).hset("body:bodies", (1).to_bytes(4, "little"), b"\x05")
    with pytest.raises(StorageError, match="damaged kept body"):
        shared.query(notice("石河", day=4, hour=20))


def test_a_damaged_page_record_is_a_storage_error(redis_url: str) -> None:
    import redis

    shared = Deduplicator(storage=redis_url, namespace="damaged")
    shared.add("a", page(ORIGINAL))
    redis.Redis.from_url(redis_url).hset("damaged:pages", (1).to_bytes(4, "little"), b"\x05")
    with pytest.raises(StorageError, match="damaged page record"):
        shared.query(page(COPY))


def test_cached_records_never_answer_for_a_page_removed_elsewhere(redis_url: str) -> None:
    from dedup.index.redis.cache import RecordCache

    here = Deduplicator(storage=redis_url, namespace="cache")
    here.add_many([("a", page(ORIGINAL)), ("b", page(COPY)), ("c", page(TRUNCATED))])
    assert {m.doc_id for m in here.query(page(COPY))} == {"a", "b", "c"}  # records cached
    Deduplicator(storage=redis_url, namespace="cache").remove("b")  # another process
    assert {m.doc_id for m in here.query(page(COPY))} == {"a", "c"}
    # Even asked for by number (as when the removal falls between a lookup and its
    # fetch), b, numbered 2 and cached, is not there any more.
    import numpy as np

    numbers = np.array([1, 2, 3], dtype=np.uint32)
    fetched = here._index.fetch(numbers)  # type: ignore[union-attr]
    owners, candidates = fetched.candidates([numbers])
    assert fetched.numbers.tolist() == [1, 3] and candidates.doc_ids == ["a", "c"]
    assert owners.tolist() == [0, 0] and candidates.originals == ["a", "a"]
    # A cache that must start over every few pages answers the same.
    here._index._cache = RecordCache(limit=2)  # type: ignore[union-attr]
    for _ in range(3):
        assert {m.doc_id for m in here.query(page(COPY))} == {"a", "c"}


def test_a_record_cache_keeps_what_it_was_given_until_full() -> None:
    import numpy as np

    from dedup.fingerprint.sketch import SampleColumns, Samples
    from dedup.index.redis.cache import RecordCache

    def columns(*samples: list[int]) -> SampleColumns:
        lengths = np.array([len(values) for values in samples], dtype=np.int64)
        flat = np.array([v for values in samples for v in values], dtype=np.uint32)
        return SampleColumns(
            flat,
            np.cumsum(lengths),
            flat[:0],
            np.zeros(len(samples), np.int64),
            lengths.astype(np.uint32),
        )

    cache = RecordCache(limit=3)
    cache.add(np.array([4, 9], dtype=np.uint32), columns([1, 2], [3]), ["p4", "p9"])
    cache.add(np.array([12], dtype=np.uint32), columns([5, 6, 7]), ["p12"])
    hit, held, names = cache.held(np.array([3, 9, 12], dtype=np.uint32))
    assert hit.tolist() == [False, True, True] and names == ["p9", "p12"]
    taken: Samples = held.take(np.arange(2))
    assert taken.values.tolist() == [3, 5, 6, 7] and taken.lengths.tolist() == [1, 3]
    cache.add(np.array([20], dtype=np.uint32), columns([8]), ["p20"])  # full: starts over
    hit, _, names = cache.held(np.array([4, 20], dtype=np.uint32))
    assert hit.tolist() == [False, True] and names == ["p20"]


def test_threads_sharing_one_deduplicator_link_every_copy(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    monkeypatch.setattr("dedup.index.redis.store.CHUNK", 2)
    shared = Deduplicator(storage=redis_url, namespace="threads")
    texts = [page(ORIGINAL), page(COPY), page(TRUNCATED)]
    found: dict[str, set[str]] = {}

    def crawl(name: str) -> None:
        batch = [(f"{name}-{n}", text) for n, text in enumerate(texts)]
        for (doc_id, _), matches in zip(batch, shared.add_many(batch), strict=True):
            found[doc_id] = {m.doc_id for m in matches}

    workers = [threading.Thread(target=crawl, args=(f"t{n}",)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(shared) == 12 and len(found) == 12
    for first, first_found in found.items():  # of two copies, the later found the earlier
        for second, second_found in found.items():
            if first != second:
                assert first in second_found or second in first_found


def test_a_namespace_emptied_and_made_anew_is_not_answered_from_cached_records(
    redis_url: str,
) -> None:
    import redis

    here = Deduplicator(storage=redis_url, namespace="anew")
    here.add_many([("a", page(ORIGINAL)), ("b", page(COPY))])
    assert {m.doc_id for m in here.query(page(COPY))} == {"a", "b"}  # a and b cached as 1, 2
    server = redis.Redis.from_url(redis_url)
    server.delete(*server.keys("anew:*"))
    elsewhere = Deduplicator(storage=redis_url, namespace="anew")
    elsewhere.add_many([("x", page(TRUNCATED)), ("y", page(COPY))])  # numbered 1, 2 again
    assert {m.doc_id for m in here.query(page(COPY))} == {"x", "y"}


# What the pages below leave in Redis (every key of the namespace but its random epoch
# token and its config), as layout 5 (originals written with the page, groups, anchor
# fields beside the band fields, and the kept bodies of pages repeating a place name,
# GB18030 compressed) writes it.
# Re-pinned only when the layout changes on purpose (and LAYOUT with it).
LAYOUT_DIGEST = "51fd3b86edc31ed53c0094990a95310987b71609d9ee94425c6efff37e83350a"


def test_the_key_layout_is_the_one_earlier_releases_wrote(redis_url: str) -> None:
    import hashlib

    import redis

    shared = Deduplicator(storage=redis_url, namespace="pin")
    shared.add_many([("a", page(ORIGINAL)), ("b", page(COPY)), ("c", page(TRUNCATED))])
    shared.remove("b")
    server = redis.Redis.from_url(redis_url)
    digest = hashlib.sha256()
    for key in sorted(server.scan_iter("pin:*")):
        if key in (b"pin:epoch", b"pin:config"):
            continue
        kind = server.type(key)
        if kind == b"hash":
            items: list[object] = sorted(server.hgetall(key).items())
        elif kind == b"zset":
            items = [member for member, _ in server.zrange(key, 0, -1, withscores=True)]
        else:
            items = [server.get(key)]
        digest.update(key + repr(items).encode())
    assert digest.hexdigest() == LAYOUT_DIGEST
