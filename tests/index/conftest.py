"""Fixtures of the crawler-index tests: a Redis server of their own, and the backends."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dedup import Deduplicator


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(
    folder: Path, *options: str, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """A redis-server on loopback keeping its files in ``folder`` (no snapshot, no
    append-only file unless ``options`` say so), and its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed: .ci/run must install it")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = port or free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    if _answers(url, seconds=20):
        return process, url
    process.kill()
    pytest.fail("redis-server did not start")


def _answers(url: str, *, seconds: float) -> bool:
    """Whether the server answers PING within `seconds`: a server restarted on an append-only
    file accepts connections but answers LOADING until it has read it back, longer on a
    loaded machine."""
    redis = pytest.importorskip("redis")

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return bool(client.ping())
        except (redis.exceptions.BusyLoadingError, redis.exceptions.ConnectionError):
            time.sleep(0.05)
    return False


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    process, url = start_redis(tmp_path)
    yield url
    process.terminate()
    process.wait(timeout=10)


BACKENDS = ["memory", "redis"]


@pytest.fixture(params=BACKENDS)
def make_index(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., Deduplicator]]:
    """A maker of empty Deduplicators on each backend: in memory, and shared in Redis (a
    server of the test's own, each index in a namespace of its own; skipped where
    redis-server or the client is not installed)."""
    if request.param == "memory":
        yield lambda config=None: Deduplicator(config)
        return
    pytest.importorskip("redis", reason="the shared index needs the Redis client")
    process, url = start_redis(tmp_path)
    made = iter(range(1_000_000))
    yield lambda config=None: Deduplicator(config, storage=url, namespace=f"n{next(made)}")
    process.terminate()
    process.wait(timeout=10)
