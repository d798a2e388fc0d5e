"""The HTTP service over the crawler's index: JSON in and out, for crawlers in any language.

``dedup serve INDEX`` runs it (``pip install "dedup[serve]"``); docs/serve.md describes the
endpoints. This module is the only one that imports FastAPI, pydantic and uvicorn.

Endpoints run in the server's thread pool (the index is thread-safe, and a Redis index
waits on the network); a guard around the application, before any of it runs, checks the
bearer token, refuses a body over the size limit, and turns any failure into a JSON error,
so a client never sees a traceback.
"""

from __future__ import annotations

import hmac
import logging
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator
from starlette.exceptions import HTTPException

from dedup import __version__
from dedup.errors import (
    DedupError,
    DuplicateIdError,
    InputError,
    OutputError,
    StorageError,
    UnknownIdError,
)
from dedup.index.deduplicator import Deduplicator
from dedup.index.location import is_shared, open_index, save_index
from dedup.models import Match, MatchRelation
from dedup.shown import masked_url

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8731
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024  # DedupConfig.max_bytes: one page of the largest size
# Paths anyone may read: a load balancer's probe, and the schema with its browsable page.
OPEN_PATHS = frozenset({"/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect"})

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceOptions:
    """How the service runs: ``token`` (clients send ``Authorization: Bearer TOKEN``;
    None: no token asked), ``max_body_bytes`` (larger requests get 413), and
    ``save_every_minutes`` (a file index is saved this often when it changed, and on
    shutdown; 0: on shutdown only)."""

    token: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    save_every_minutes: float = 5.0


# ---------------------------------------------------------------------- the JSON shapes


class Page(BaseModel):
    """A page to check or add: its id, and the page as scraped, as ``text`` or ``html``."""

    id: str = Field(min_length=1, description="the page's id in the index: its URL, say")
    text: str | None = Field(default=None, description="the page as text (or HTML: it is detected)")
    html: str | None = Field(default=None, description="the page as HTML (or text: it is detected)")
    url: str | None = Field(default=None, description="its URL, naming the host site (optional)")

    @model_validator(mode="after")
    def _one_page(self) -> Page:
        if (self.text is None) == (self.html is None):
            raise ValueError("give the page as text or as html, one of the two")
        return self

    @property
    def page(self) -> str:
        return self.text if self.text is not None else self.html or ""


class PageQuery(Page):
    """A page to look up: as `Page`, its id optional (echoed in the answer)."""

    id: str = Field(default="", description="echoed in the answer (optional)")


class MatchOut(BaseModel):
    """An indexed page the page asked about copies (see docs/crawler.md)."""

    id: str = Field(description="the indexed page")
    similarity: float = Field(description="Jaccard similarity of the two bodies' shingles")
    containment: float = Field(description="share of the shorter body in the longer one")
    relation: MatchRelation = Field(
        description="how the page asked about relates to it: duplicate, updated (the same "
        "text with changed figures), partial (truncated or an excerpt of it), extended (it "
        "plus a little more), quoted (it inside a piece at least twice its length), "
        "translation (with cross_lingual)"
    )
    original_id: str = Field(description="the first page of that article the index saw")

    @classmethod
    def of(cls, match: Match) -> MatchOut:
        return cls(
            id=match.doc_id,
            similarity=round(match.similarity, 4),
            containment=round(match.containment, 4),
            relation=match.relation,
            original_id=match.original_id or match.doc_id,
        )


class ErrorBody(BaseModel):
    code: str = Field(description="stable: duplicate_id, no_body, invalid_request, ...")
    message: str = Field(description="what is wrong and what to do, in one line")


class ErrorOut(BaseModel):
    """Every error answer: ``{"error": {"code": ..., "message": ...}}``."""

    error: ErrorBody


class Seen(BaseModel):
    """The answer of ``/seen``: is the page a copy of one indexed before (it is indexed
    either way); in a batch, a page that failed has ``error`` instead."""

    id: str
    duplicate: bool = False
    match: MatchOut | None = Field(default=None, description="the best match, if a duplicate")
    error: ErrorBody | None = None


class Matches(BaseModel):
    """The answer of ``/add`` and ``/query``: every near-duplicate, best first."""

    id: str
    matches: list[MatchOut] = Field(default_factory=list)
    error: ErrorBody | None = None


class Stats(BaseModel):
    index: str = Field(description="the index served: a file or a Redis URL (no password)")
    pages: int
    with_body: int
    originals: int = Field(description="groups: pages that are the first of their article")
    oldest: str | None
    newest: str | None


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str = __version__


# ---------------------------------------------------------------------- errors as JSON


class _AnswerError(Exception):
    """An answer that is an error: a status and an `ErrorBody`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorBody(code=code, message=message)


def _failure(error: DedupError) -> _AnswerError:
    """The HTTP status and code of each error dedup raises."""
    if isinstance(error, DuplicateIdError):
        return _AnswerError(409, "duplicate_id", str(error))
    if isinstance(error, UnknownIdError):
        return _AnswerError(404, "unknown_id", str(error))
    if isinstance(error, StorageError):
        return _AnswerError(503, "storage", str(error))
    if isinstance(error, InputError) and "no article body" in error.reason:
        return _AnswerError(422, "no_body", str(error))
    if isinstance(error, InputError):
        return _AnswerError(422, "invalid_page", str(error))
    return _AnswerError(500, "index_error", str(error))


def _error_response(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    body = ErrorOut(error=ErrorBody(code=code, message=message)).model_dump()
    return JSONResponse(body, status_code=status, headers=headers or None)


def _validation_message(error: RequestValidationError) -> tuple[int, str, str]:
    """One line from pydantic's list: where (``[2].text``) and what."""
    problems = list(error.errors())
    if any(problem.get("type") == "json_invalid" for problem in problems):
        return 400, "invalid_json", "the body is not JSON: " + PAGE_SHAPE
    body = getattr(error, "body", None)
    if not isinstance(body, dict | list):
        return 422, "invalid_request", "the body must be " + PAGE_SHAPE
    # A body is one page or an array of pages: keep the complaints of the form sent.
    batch = isinstance(body, list)
    kept = [problem for problem in problems if _of_form(problem.get("loc", ()), batch=batch)]
    parts = []
    for problem in (kept or problems)[:5]:
        where = "".join(
            f"[{step}]" if isinstance(step, int) else f".{step}"
            for step in problem.get("loc", ())[1:]  # [0] is "body"
            if isinstance(step, int) or not any(mark in step for mark in "[(")
        ).lstrip(".")
        message = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    more = f" (and {len(kept or problems) - 5} more)" if len(kept or problems) > 5 else ""
    return 422, "invalid_request", "; ".join(parts) + more


PAGE_SHAPE = 'a JSON object {"id", "text" or "html", "url"}, or an array of them'


def _of_form(loc: Any, *, batch: bool) -> bool:
    """Whether a complaint is about the form sent: the array branch of ``Page |
    list[Page]`` for an array, the object branch for an object."""
    branch = str(loc[1]) if len(loc) > 1 else ""
    return branch.startswith("list[") == batch


# ---------------------------------------------------------------------- the application


class IndexKeeper:
    """The served index, and when a file index was last saved: on a timer when it
    changed, and at shutdown."""

    def __init__(self, index: Deduplicator, location: str | None, every_minutes: float) -> None:
        self.index = index
        self.location = location
        self._every = every_minutes * 60
        self._changes = 0
        self._saved_at = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    @property
    def keeps_a_file(self) -> bool:
        return self.location is not None and not is_shared(self.location)

    def changed(self) -> None:
        with self._lock:
            self._changes += 1

    def start(self) -> None:
        if self.keeps_a_file and self._every > 0:
            self._timer = threading.Thread(target=self._save_on_time, daemon=True)
            self._timer.start()

    def stop(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join()
        self.save()

    def save(self) -> None:
        """Save a file index if it changed since the last save; a failure is logged, and
        the next save tries again."""
        with self._lock:
            changes = self._changes
        if not self.keeps_a_file or changes == self._saved_at:
            return
        try:
            save_index(self.index, self.location)
        except (DedupError, OSError) as error:
            logger.error("dedup: cannot save %s: %s", self.location, error)
            return
        self._saved_at = changes
        logger.info("dedup: saved %d pages to %s", len(self.index), self.location)

    def _save_on_time(self) -> None:
        while not self._stop.wait(self._every):
            self.save()


def make_app(keeper: IndexKeeper, options: ServiceOptions) -> GuardedApp:
    """The ASGI application serving `keeper`'s index, behind the guard (token, size, errors)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        keeper.start()
        try:
            yield
        finally:
            keeper.stop()

    app = FastAPI(
        title="dedup",
        version=__version__,
        summary="Near-duplicate news pages: has this crawler seen this article already?",
        lifespan=lifespan,
        redoc_url=None,
        responses={
            401: {"model": ErrorOut, "description": "no token, or the wrong one"},
            413: {"model": ErrorOut, "description": "the body is over the size limit"},
            422: {"model": ErrorOut, "description": "a malformed request or page"},
        },
    )
    _add_error_handlers(app)
    _add_routes(app, keeper)
    return GuardedApp(app, options)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(_AnswerError)
    async def failed(_: Request, failure: _AnswerError) -> JSONResponse:
        return _error_response(failure.status, failure.body.code, failure.body.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return _error_response(*_validation_message(error))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return _error_response(error.status_code, code, str(error.detail))

    @app.exception_handler(Exception)
    async def internal(_: Request, error: Exception) -> JSONResponse:
        return _error_response(500, "internal_error", _internal_message(error))


def _internal_message(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"internal error: {type(error).__name__}: {text}; please report it"


def _add_routes(app: FastAPI, keeper: IndexKeeper) -> None:
    index = keeper.index

    def asked(call: Callable[[], Any], *, changes: bool = False) -> Any:
        """The index's answer, or its error as an HTTP one."""
        try:
            return call()
        except DedupError as error:
            raise _failure(error) from error
        finally:
            if changes:
                keeper.changed()

    def seen_one(page: Page) -> Seen:
        match = asked(lambda: index.seen(page.id, page.page, url=page.url), changes=True)
        return Seen(id=page.id, duplicate=match is not None, match=_out(match))

    def add_one(page: Page) -> Matches:
        matches = asked(lambda: index.add(page.id, page.page, url=page.url), changes=True)
        return Matches(id=page.id, matches=[MatchOut.of(match) for match in matches])

    def query_one(page: PageQuery) -> Matches:
        matches = asked(lambda: index.query(page.page, url=page.url))
        return Matches(id=page.id, matches=[MatchOut.of(match) for match in matches])

    @app.post("/seen", response_model=Seen | list[Seen], tags=["pages"])
    def seen(pages: Page | list[Page]) -> Seen | list[Seen]:
        """Check and add in one call: is the page a copy of one indexed before? It is
        indexed either way. An array of pages gets an array of answers, in order; a page
        of a batch that fails gets ``error`` and the others go on."""
        if isinstance(pages, list):
            return [_each(seen_one, page, Seen) for page in pages]
        return seen_one(pages)

    @app.post("/add", response_model=Matches | list[Matches], tags=["pages"])
    def add(pages: Page | list[Page]) -> Matches | list[Matches]:
        """Add the page and answer every near-duplicate indexed before it, best first."""
        if isinstance(pages, list):
            return [_each(add_one, page, Matches) for page in pages]
        return add_one(pages)

    @app.post("/query", response_model=Matches | list[Matches], tags=["pages"])
    def query(pages: PageQuery | list[PageQuery]) -> Matches | list[Matches]:
        """Every near-duplicate of the page in the index, best first; adds nothing."""
        if isinstance(pages, list):
            return [_each(query_one, page, Matches) for page in pages]
        return query_one(pages)

    @app.delete("/pages/{doc_id:path}", tags=["pages"])
    def remove(doc_id: str) -> dict[str, str]:
        """Forget a page (its group's next page becomes the original)."""
        asked(lambda: index.remove(doc_id), changes=True)
        return {"removed": doc_id}

    @app.get("/stats", response_model=Stats, tags=["index"])
    def stats() -> Stats:
        """What the index holds."""
        held = asked(index.stats)
        shown = masked_url(keeper.location) if keeper.location else "(memory)"
        return Stats(
            index=shown,
            pages=held.pages,
            with_body=held.with_body,
            originals=held.originals,
            oldest=held.oldest,
            newest=held.newest,
        )

    @app.get("/healthz", response_model=Health, tags=["index"])
    def healthz() -> Health:
        """The service is up (no token needed)."""
        return Health()


def _out(match: Match | None) -> MatchOut | None:
    return MatchOut.of(match) if match is not None else None


def _each(answer: Callable[[Any], Any], page: Page, kind: type[Seen] | type[Matches]) -> Any:
    """One page of a batch: its answer, or its error in its place."""
    try:
        return answer(page)
    except _AnswerError as failure:
        return kind(id=page.id, error=failure.body)


class GuardedApp:
    """Around the application: the token, the size limit, and no traceback ever."""

    def __init__(self, app: FastAPI, options: ServiceOptions) -> None:
        self.app = app
        self.options = options
        self._token = options.token.encode() if options.token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: the keeper starts and stops there
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is None:
            body, refusal = await self._body(scope, receive)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        started = False
        if scope["method"] in ("POST", "PUT", "PATCH"):
            # JSON is all the service reads: `curl -d` sends it as a form, and is obeyed.
            scope = dict(scope)
            scope["headers"] = [
                (name, value) for name, value in scope["headers"] if name != b"content-type"
            ] + [(b"content-type", b"application/json")]

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def watched(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, replay, watched)
        except Exception as error:  # noqa: BLE001 - the last guard before a client sees a trace
            # The application's handler has answered with JSON already (Starlette raises
            # again after answering, for servers to log): one line, not a traceback.
            logger.error("dedup: %s %s: %s", scope["method"], scope["path"], error)
            if not started:
                await _error_response(500, "internal_error", _internal_message(error))(
                    scope, receive, send
                )

    def _refusal(self, scope: Scope) -> JSONResponse | None:
        if self._token is None or scope["path"] in OPEN_PATHS:
            return None
        given = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, token = given.partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self._token):
            return None
        message = (
            "this service asks for a token: send Authorization: Bearer TOKEN"
            if not given
            else "wrong token: send the one the service was started with"
        )
        return _error_response(401, "unauthorized", message, **{"WWW-Authenticate": "Bearer"})

    async def _body(self, scope: Scope, receive: Receive) -> tuple[bytes, JSONResponse | None]:
        """The whole body, read before the application runs, up to the limit."""
        limit = self.options.max_body_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return b"", _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"", _error_response(400, "disconnected", "the client went away")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return b"", _too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), None


def _too_large(limit: int) -> JSONResponse:
    return _error_response(
        413,
        "too_large",
        f"the body is over {limit} bytes: send fewer pages per request, or start the "
        "service with a larger --max-body-bytes",
    )


# ---------------------------------------------------------------------- running it


def serve(
    location: str | None,
    settings: dict[str, object] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    options: ServiceOptions | None = None,
    ready: Callable[[Deduplicator], None] | None = None,
) -> None:
    """Serve the index at `location` (see `dedup.index.location.open_index`; None: in
    memory) until interrupted (Ctrl-C, SIGTERM), then save a file index.

    A file index is this process's alone while it serves: another writer (``dedup serve``
    or ``dedup index add`` on the same file) is refused rather than overwritten.
    ``ready`` is called with the opened index just before the server starts.

    Raises:
        OutputError: another process writes this index file.
        ConfigError, IndexFormatError, StorageError: as `open_index`.
    """
    import uvicorn

    from dedup.lock import locked

    options = options or ServiceOptions()
    alone = location is not None and not is_shared(location)
    with locked(location, wait=False) if alone else nullcontext(True) as held:  # type: ignore[arg-type]
        if held is False:
            raise OutputError(
                f"{location}: another process writes this index (dedup serve or dedup index "
                "add); stop it, or serve another file"
            )
        index = open_index(location, settings)
        keeper = IndexKeeper(index, location, options.save_every_minutes)
        app = make_app(keeper, options)
        if ready is not None:
            ready(index)
        # uvicorn shuts down gracefully on SIGINT and SIGTERM (the keeper saves), then
        # raises the signal again for the handler it found: ours makes that a return.
        previous = signal.signal(signal.SIGTERM, _stopped)
        try:
            uvicorn.run(
                app, host=host, port=port, log_level="warning", access_log=False, lifespan="on"
            )
        except (KeyboardInterrupt, _Stopped):
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)


class _Stopped(Exception):  # noqa: N818 - a signal, not an error
    """SIGTERM, after the graceful shutdown."""


def _stopped(signum: int, frame: object) -> None:
    raise _Stopped
