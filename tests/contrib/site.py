"""A folder of pages served as a site on loopback: ``/`` links every ``.txt`` page under it,
and each page is served as it is, in its own encoding, with none declared (as many sites
do). Used by the crawl tests and benchmarks/bench_scrapy.py."""

from __future__ import annotations

import html
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _SiteHandler(SimpleHTTPRequestHandler):
    extensions_map = {".txt": "text/plain"}  # noqa: RUF012 - the base class's name
    links = b""

    def do_GET(self) -> None:
        if self.path != "/":
            super().do_GET()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.links)))
        self.end_headers()
        self.wfile.write(self.links)

    def log_message(self, format: str, *args: object) -> None:
        pass


def page_ids(folder: Path) -> list[str]:
    """The pages under `folder`, by the ids `dedup scan FOLDER` gives them."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*.txt"))


def serve_folder(folder: Path) -> ThreadingHTTPServer:
    """Serve `folder` on a free loopback port from a thread; ``shutdown()`` stops it."""
    links = "".join(
        f'<a href="/{html.escape(doc_id)}">{html.escape(doc_id)}</a><br>\n'
        for doc_id in page_ids(folder)
    )
    handler = type(
        "Handler", (_SiteHandler,), {"links": f"<html><body>{links}</body></html>".encode()}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def site_url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/"
