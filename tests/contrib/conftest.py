"""Fixtures of the crawler-integration tests: samples/ served over HTTP on loopback, the
clusters `dedup scan samples/` reports, and a Redis server of their own."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from ..conftest import REPO, SAMPLES
from ..index.conftest import redis_url  # noqa: F401 - the same fixture: a server of the test's own
from .site import page_ids, serve_folder, site_url

DEDUP = [sys.executable, "-m", "dedup"]


def sample_ids() -> list[str]:
    """The pages of samples/ by the ids `dedup scan samples/` gives them."""
    return page_ids(SAMPLES)


@pytest.fixture(scope="session")
def sample_site() -> Iterator[str]:
    """The base URL of samples/ served on a free loopback port, in a thread."""
    server = serve_folder(SAMPLES)
    yield site_url(server)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def scan_clusters() -> dict[str, int]:
    """The cluster of each page of samples/, as `dedup scan samples/` reports it."""
    completed = subprocess.run(
        [*DEDUP, "scan", "samples/", "--format", "jsonl"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]
    return {row["doc_id"]: int(row["cluster_id"]) for row in rows}
