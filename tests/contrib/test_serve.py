"""`dedup serve` as a crawler in another language meets it: the command started on a free
loopback port, driven over HTTP with httpx: pages as text and HTML, batches, removal,
stats, bad requests, tokens, size limits, concurrent clients, saving."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the service needs FastAPI: pip install 'dedup[serve]'")
pytest.importorskip("uvicorn", reason="the service needs uvicorn: pip install 'dedup[serve]'")
httpx = pytest.importorskip("httpx", reason="the tests drive the service with httpx")

from dedup import Deduplicator  # noqa: E402

from ..conftest import REPO, SAMPLES  # noqa: E402
from ..index.conftest import free_port  # noqa: E402

TOKEN = "s3cret-token"
RICE = "beichuan_news/a/2025-05-20-rice.txt"
RICE_COPIES = ["hdzk_company/news/2025-rice-variety.txt", "mirror_spam/news/show-1502.txt"]
OTHER = "jiangnan_daily/2025/0308/supercharger.txt"


def sample(relative: str) -> str:
    from dedup.readers.decode import decode_bytes

    return decode_bytes((SAMPLES / relative).read_bytes(), relative)[0]


def as_html(text: str) -> str:
    paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
    return f"<html><head><title>t</title></head><body><article>{paragraphs}</article></body></html>"


def run_dedup(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`dedup ARGS...` run to its end in `folder`."""
    return subprocess.run(
        [sys.executable, "-m", "dedup", *args],
        cwd=folder,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class Service:
    """A `dedup serve` process and a client for it."""

    def __init__(self, process: subprocess.Popen[str], url: str, token: str | None) -> None:
        self.process = process
        self.url = url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=url, headers=headers, timeout=60)

    def stop(self) -> tuple[int, str]:
        """SIGTERM, as a service manager stops it: the exit code and what it said."""
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=60)
        return self.process.returncode, err


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Start `dedup serve INDEX --port P OPTIONS...` and wait until /healthz answers."""
    started: list[Service] = []

    def run(
        index: str, *options: str, token: str | None = None, env: dict[str, str] | None = None
    ) -> Service:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "dedup", "serve", index, "--port", str(port), *options],
            cwd=tmp_path,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        url = f"http://127.0.0.1:{port}"
        service = Service(process, url, token)
        started.append(service)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"dedup serve exited: {process.communicate()[1]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return service
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("dedup serve did not answer /healthz within a minute")

    yield run
    for service in started:
        if service.process.poll() is None:
            service.stop()


def test_curl_style_seen_with_html_finds_the_copy_and_the_file_is_saved_on_shutdown(
    start: Callable[..., Service], tmp_path: Path
) -> None:
    service = start("news.dedup")
    # What `curl -d '{"id": ..., "html": ...}' localhost:8731/seen` sends: a form type.
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    first = service.client.post(
        "/seen",
        content=httpx.Request(
            "POST", "/", json={"id": "a/1", "html": as_html(sample(RICE))}
        ).content,
        headers=form,
    )
    assert first.status_code == 200, first.text
    assert first.json() == {"id": "a/1", "duplicate": False, "match": None, "error": None}
    copy = service.client.post("/seen", json={"id": "b/2", "text": sample(RICE_COPIES[1])})
    answer = copy.json()
    assert answer["duplicate"] is True
    assert answer["match"]["id"] == "a/1" and answer["match"]["original_id"] == "a/1"
    assert answer["match"]["relation"] == "duplicate" and answer["match"]["similarity"] > 0.9
    code, said = service.stop()
    assert code == 0, said
    assert "Traceback" not in said
    assert sorted(Deduplicator.load(tmp_path / "news.dedup")) == ["a/1", "b/2"]


def test_add_query_batches_remove_and_stats(start: Callable[..., Service]) -> None:
    service = start("news.dedup")
    client = service.client
    batch = [
        {"id": "a", "text": sample(RICE)},
        {"id": "b", "text": sample(RICE_COPIES[0]), "url": "https://hdzk.example/2"},
        {"id": "a", "text": sample(OTHER)},  # an id already indexed: an error in its place
        {"id": "c", "text": "首页 | 新闻 | 财经 | 体育"},  # no article body
        {"id": "d", "text": sample(OTHER)},
    ]
    answers = client.post("/add", json=batch).json()
    assert [answer["id"] for answer in answers] == ["a", "b", "a", "c", "d"]
    assert answers[0]["matches"] == [] and answers[4]["matches"] == []
    assert [match["id"] for match in answers[1]["matches"]] == ["a"]
    assert answers[2]["error"]["code"] == "duplicate_id"
    assert answers[3]["error"]["code"] == "no_body"
    # Looking adds nothing; a batch of lookups answers in order, ids echoed.
    looked = client.post(
        "/query", json=[{"text": sample(RICE_COPIES[1]), "id": "q"}, {"text": sample(OTHER)}]
    ).json()
    assert [match["id"] for match in looked[0]["matches"]] == ["a", "b"]
    assert looked[0]["id"] == "q" and [m["id"] for m in looked[1]["matches"]] == ["d"]
    stats = client.get("/stats").json()
    assert (stats["pages"], stats["originals"], stats["index"]) == (3, 2, "news.dedup")
    # Ids are URLs, slashes and all.
    client.post("/seen", json={"id": "https://x.example/a/1?p=2", "text": sample(RICE_COPIES[1])})
    removed = client.delete("/pages/https://x.example/a/1%3Fp=2")
    assert removed.status_code == 200 and removed.json() == {"removed": "https://x.example/a/1?p=2"}
    again = client.delete("/pages/https://x.example/a/1%3Fp=2")
    assert again.status_code == 404 and again.json()["error"]["code"] == "unknown_id"
    assert client.post("/seen", json={"id": "a", "text": sample(RICE)}).status_code == 409


@pytest.mark.parametrize(
    ("body", "status", "code", "says"),
    [
        ({"id": "x"}, 422, "invalid_request", "give the page as text or as html"),
        ({"id": "x", "text": "a", "html": "<p>a</p>"}, 422, "invalid_request", "one of the two"),
        ({"text": "a"}, 422, "invalid_request", "id: Field required"),
        ([{"id": "x", "text": "a"}, {"id": 3, "text": "b"}], 422, "invalid_request", "[1].id"),
        ("not json", 400, "invalid_json", "the body is not JSON"),
        (["a"], 422, "invalid_request", "[0]"),
        (7, 422, "invalid_request", "the body must be a JSON object"),
        ({"id": "x", "text": "首页 | 新闻"}, 422, "no_body", "no article body"),
    ],
    ids=[
        "no-text",
        "text-and-html",
        "no-id",
        "bad-id-in-batch",
        "not-json",
        "not-a-page",
        "a-number",
        "no-body",
    ],
)
def test_a_bad_request_gets_one_json_error_line(
    start: Callable[..., Service], body: object, status: int, code: str, says: str
) -> None:
    service = start("news.dedup")
    if isinstance(body, str):
        answer = service.client.post("/seen", content=body)
    else:
        answer = service.client.post("/seen", json=body)
    assert answer.status_code == status
    error = answer.json()["error"]
    assert error["code"] == code and says in error["message"], error
    assert "\n" not in error["message"] and "Traceback" not in answer.text
    assert "Traceback" not in service.stop()[1]


def test_tokens_sizes_and_unknown_paths(start: Callable[..., Service]) -> None:
    # The token from the environment, as the docs advise; a small size limit.
    service = start(
        "news.dedup", "--max-body-bytes", "20000", token=TOKEN, env={"DEDUP_TOKEN": TOKEN}
    )
    page = {"id": "a", "text": sample(RICE)}
    assert service.client.post("/seen", json=page).status_code == 200
    missing = httpx.post(f"{service.url}/seen", json=page)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in missing.json()["error"]["message"]
    wrong = httpx.post(f"{service.url}/seen", json=page, headers={"Authorization": "Bearer no"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthorized"
    assert httpx.get(f"{service.url}/healthz").json()["status"] == "ok"  # no token needed
    schema = httpx.get(f"{service.url}/openapi.json").json()
    assert {"/seen", "/add", "/query", "/pages/{doc_id}", "/stats", "/healthz"} <= set(
        schema["paths"]
    )
    big = service.client.post("/seen", json={"id": "big", "text": "新闻" * 20000})
    assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"id": "big", "text": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    streamed = service.client.post("/seen", content=chunks())
    assert streamed.status_code == 413
    unknown = service.client.get("/nowhere")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    assert service.client.get("/stats").json()["pages"] == 1


def test_concurrent_clients_each_article_has_one_original(start: Callable[..., Service]) -> None:
    service = start("news.dedup")
    pages = sorted(str(path.relative_to(SAMPLES)) for path in SAMPLES.rglob("*.txt"))
    texts = {doc_id: sample(doc_id) for doc_id in pages}

    def post(doc_id: str) -> dict[str, object]:
        with httpx.Client(base_url=service.url, timeout=60) as client:  # a client each
            return client.post("/seen", json={"id": doc_id, "text": texts[doc_id]}).json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, pages * 1))
    new = {answer["id"] for answer in answers if not answer["duplicate"]}
    copies = {
        answer["id"]: answer["match"]["original_id"] for answer in answers if answer["duplicate"]
    }  # type: ignore[index]
    assert len(new) == 8 and len(copies) == 7  # as `dedup scan samples/`: 3 clusters of 4, 3, 3
    assert set(copies.values()) <= new
    assert service.client.get("/stats").json()["pages"] == 15


def test_a_file_index_is_saved_on_a_timer_and_served_by_one_process_only(
    start: Callable[..., Service], tmp_path: Path
) -> None:
    service = start("news.dedup", "--save-every", "0.01")  # every 0.6 s when it changed
    service.client.post("/seen", json={"id": "a", "text": sample(RICE)})
    deadline = time.monotonic() + 30
    while not (tmp_path / "news.dedup").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(Deduplicator.load(tmp_path / "news.dedup")) == ["a"]
    second = run_dedup(tmp_path, "serve", "news.dedup", "--port", str(free_port()))
    assert second.returncode == 1
    assert "another process writes this index" in second.stderr
    assert "Traceback" not in second.stderr


def test_a_shared_index_in_redis(start: Callable[..., Service], redis_url: str) -> None:
    pytest.importorskip("redis", reason="the shared index needs the Redis client")
    service = start(f"{redis_url}#news")
    service.client.post("/seen", json={"id": "a", "text": sample(RICE)})
    answer = service.client.post("/seen", json={"id": "b", "text": sample(RICE_COPIES[0])})
    assert answer.json()["match"]["original_id"] == "a"
    assert sorted(Deduplicator(storage=redis_url, namespace="news")) == ["a", "b"]


def test_serve_without_the_extra_says_what_to_install(tmp_path: Path) -> None:
    # A fastapi that cannot be imported: the message a user without the extra sees.
    (tmp_path / "fastapi").mkdir()
    (tmp_path / "fastapi" / "__init__.py").write_text("raise ImportError('no fastapi here')\n")
    completed = run_dedup(
        tmp_path, "serve", "news.dedup", env={"PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}"}
    )
    assert completed.returncode == 1
    assert "pip install 'dedup[serve]'" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_the_documented_curl_example_works_as_written(start: Callable[..., Service]) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    page = (REPO / "docs" / "serve.md").read_text(encoding="utf-8")
    example = next(line for line in page.splitlines() if line.startswith("curl -s -d '{"))
    documented = json.loads(page.split(example + "\n# ", 1)[1].splitlines()[0])
    service = start("news.dedup")
    command = [word.replace("localhost:8731", service.url) for word in shlex.split(example)]
    completed = subprocess.run(
        [curl, *command[1:]], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(completed.stdout) == documented
