"""The shared index under concurrent writers, a server killed mid-batch, and a namespace
made anew under a running writer (a real redis-server on loopback)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dedup import ConfigError, DedupConfig, Deduplicator

from ..conftest import REPO
from .conftest import free_port, start_redis

redis = pytest.importorskip("redis", reason="the shared index needs the Redis client")

# A writer process: copies of `articles` made-up articles (each a few hundred random
# characters, a copy differing by a short line naming its site), in an order of its own,
# added in batches.
WRITER = """
import random, sys
from dedup import Deduplicator
from dedup.errors import StorageError

url, name, seed, articles, copies, batch = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])

def article(number):
    rng = random.Random(number)
    return "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(400)) + "。"

pages = [
    (f"w{seed}-a{number}-c{copy}", f"转载自第{seed}{copy}站。" + article(number))
    for number in range(articles)
    for copy in range(copies)
]
random.Random(seed).shuffle(pages)
dd = Deduplicator(storage=url, namespace=name)
try:
    for start in range(0, len(pages), batch):
        dd.add_many(pages[start : start + batch])
except StorageError:
    sys.exit(3)
"""


def _writers(
    url: str, name: str, *, count: int, articles: int, copies: int, batch: int
) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                url,
                name,
                str(seed),
                str(articles),
                str(copies),
                str(batch),
            ],
            cwd=REPO,
            stderr=subprocess.PIPE,
        )
        for seed in range(count)
    ]


def _groups(url: str, name: str) -> dict[str, set[str]]:
    """For each article, the originals its stored pages name; each must be one page of
    that article, the first of it the index took."""
    server = redis.Redis.from_url(url)
    numbered = {
        int.from_bytes(value[:4], "little"): doc_id.decode()
        for doc_id, value in server.hgetall(f"{name}:ids").items()
    }
    originals = {
        numbered[int.from_bytes(number, "little")]: original.decode()
        for number, original in server.hgetall(f"{name}:originals").items()
    }
    groups: dict[str, set[str]] = {}
    first: dict[str, str] = {}
    for number in sorted(numbered):
        doc_id = numbered[number]
        article = doc_id.split("-")[1]
        first.setdefault(article, doc_id)
        groups.setdefault(article, set()).add(originals[doc_id])
    for article, named in groups.items():
        assert named == {first[article]}, f"article {article}: originals {sorted(named)}"
    return groups


def test_concurrent_writers_give_each_article_one_original(redis_url: str) -> None:
    writers = _writers(redis_url, "race", count=4, articles=60, copies=3, batch=15)
    for writer in writers:
        _, errors = writer.communicate(timeout=300)
        assert writer.returncode == 0, errors.decode()
    assert len(_groups(redis_url, "race")) == 60
    dd = Deduplicator(storage=redis_url, namespace="race")
    assert len(dd) == 4 * 60 * 3 and dd.stats().originals == 60


def test_a_server_killed_mid_batch_restarts_with_whole_pages_and_their_originals(
    tmp_path: Path,
) -> None:
    port = free_port()
    durable = ("--appendonly", "yes", "--appendfsync", "always")
    server, url = start_redis(tmp_path, *durable, port=port)
    try:
        [writer] = _writers(url, "aof", count=1, articles=150, copies=4, batch=600)
        client = redis.Redis.from_url(url)
        while client.hlen("aof:ids") < 150:
            time.sleep(0.01)
        os.kill(server.pid, signal.SIGKILL)  # mid-batch: the batch holds 600 pages
        server.wait()
        _, errors = writer.communicate(timeout=60)
        assert writer.returncode == 3, errors.decode()
        server, url = start_redis(tmp_path, *durable, port=port)
        stored = redis.Redis.from_url(url).hlen("aof:ids")
        assert 150 <= stored < 600
        groups = _groups(url, "aof")
        # Four copies of each article: most stored articles have pages naming another.
        assert len(groups) < stored
    finally:
        server.kill()
        server.wait()


def test_a_writer_refuses_a_namespace_made_anew_with_another_configuration(
    redis_url: str,
) -> None:
    text = "".join(chr(0x4E00 + number * 7 % 3000) for number in range(300))
    running = Deduplicator(storage=redis_url, namespace="anew")
    running.add("before", text)
    server = redis.Redis.from_url(redis_url)
    server.delete(*server.keys("anew:*"))
    running.add("emptied", text)  # nobody made it anew: this writer does, with its config
    with pytest.raises(ConfigError, match="another configuration"):
        Deduplicator(DedupConfig(threshold=0.9), storage=redis_url, namespace="anew")
    server.delete(*server.keys("anew:*"))
    other = Deduplicator(DedupConfig(threshold=0.9), storage=redis_url, namespace="anew")
    other.add("theirs", text)
    with pytest.raises(ConfigError, match="made anew by another process"):
        running.add("after", text)
    assert "after" not in other and len(other) == 1
