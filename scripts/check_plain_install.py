"""Install dedup as a user would and use it on every input format; exit 1 on any failure.

A fresh virtualenv with the pip it comes with (no upgrade: users do not upgrade either),
then ``pip install .`` with no extras. In it: ``dedup scan --strict`` on a folder holding one
page in each input format the README lists, ``dedup show`` on the HTML page, and
``Deduplicator().add`` on HTML. Any ``internal error`` fails the check, so a dependency that
the plain install forgets shows up here and not on a user's machine.

Usage: python3 scripts/check_plain_install.py [--venv DIR]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Pages written for this check: three short news items, different enough not to cluster.
PARAGRAPHS = (
    "本市今年新建的城市绿道已经全部开放，沿途设置了休息点和自行车租赁站。"
    "市园林部门表示，绿道串联起十二个社区公园，居民步行十分钟即可到达。"
    "据统计，开放首周共有八万人次前来游览，周末的客流量是平日的三倍。",
    "秋收时节，县里的农业合作社引进了新型烘干设备，稻谷收割后当天就能完成烘干。"
    "合作社负责人介绍，过去遇上连续阴雨，稻谷容易发霉，每年损失近一成。"
    "今年全县的粮食产量预计比去年增加百分之六，农户收入随之提高。",
    "区图书馆推出夜间阅读服务，每周五和周六开放到晚上十点。"
    "馆方在阅览室增加了两百个座位，并为上班族提供手机预约借书。"
    "试运行一个月以来，夜间到馆读者超过五千人次，其中青年读者占六成。",
)


def article(number: int) -> list[str]:
    """The paragraphs of one article: its own lead, then the shared items in turn."""
    lead = f"第{number}号报道：记者今天从有关部门获悉以下消息。"
    return [lead, *(PARAGRAPHS[(number + i) % len(PARAGRAPHS)] for i in range(3))]


def html_page(number: int, charset: str = "utf-8") -> str:
    body = "".join(f"<p>{p}</p>" for p in article(number))
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>新闻 {number}</title>'
        '</head><body><nav><a href="/">首页</a> | <a href="/news">新闻</a></nav>'
        f"<article><h1>新闻 {number}</h1>{body}</article>"
        "<footer>版权所有 本站</footer></body></html>"
    )


def warc_record(url: str, html: str) -> bytes:
    payload = html.encode("utf-8")
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + f"Content-Length: {len(payload)}\r\n\r\n".encode()
        + payload
    )
    headers = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        f"WARC-Target-URI: {url}\r\nWARC-Date: 2025-03-01T08:00:00Z\r\n"
        "WARC-Record-ID: <urn:uuid:3f0a6c1e-0000-4000-8000-000000000001>\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    )
    return headers.encode() + http + b"\r\n\r\n"


def write_pages(folder: Path) -> None:
    """One page in each input format, each a different article."""
    folder.mkdir(parents=True)
    (folder / "plain.txt").write_text("\n".join(article(1)), "utf-8")
    (folder / "page.html").write_text(html_page(2), "utf-8")
    (folder / "page-gbk.html").write_bytes(html_page(3, "gbk").encode("gbk"))
    records = [{"id": "a", "text": "\n".join(article(4))}, {"id": "b", "html": html_page(5)}]
    (folder / "records.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8"
    )
    (folder / "records.json").write_text(
        json.dumps([{"id": "c", "text": "\n".join(article(6))}], ensure_ascii=False), "utf-8"
    )
    (folder / "crawl.warc").write_bytes(warc_record("https://news.example/7", html_page(7)))
    (folder / "zipped.txt.gz").write_bytes(gzip.compress("\n".join(article(8)).encode()))
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        data = html_page(9).encode("utf-8")
        member = tarfile.TarInfo("site/a.html")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    (folder / "archive.tar.gz").write_bytes(archive.getvalue())


DEDUPLICATOR_ON_HTML = """
import sys
from dedup import Deduplicator
page = open(sys.argv[1], encoding="utf-8").read()
dd = Deduplicator()
assert dd.add("first", page) == [], "an empty index found a match"
matches = dd.add("second", page, url="https://mirror.example/2")
assert [m.doc_id for m in matches] == ["first"], matches
print("Deduplicator.add on HTML: the copy was found")
"""


def run(command: list[str], what: str) -> str:
    print(f"check_plain_install: {what}", flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    if done.returncode != 0 or "internal error" in output:
        sys.exit(f"check_plain_install: {what} failed (exit {done.returncode}):\n{output}")
    return output


def check(venv: Path, work: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    print(run([str(bin_dir / "pip"), "--version"], "the virtualenv's own pip").strip())
    # The pip the virtualenv came with, and its progress shown: this is what users run.
    subprocess.run([str(bin_dir / "pip"), "install", str(REPO)], check=True)
    pages = work / "pages"
    write_pages(pages)
    summary = run(
        [str(bin_dir / "dedup"), "scan", str(pages), "--strict", "-o", str(work / "out.csv")],
        "dedup scan of every input format",
    )
    print(summary.strip())
    run([str(bin_dir / "dedup"), "show", str(pages / "page.html")], "dedup show on HTML")
    print(
        run(
            [str(bin_dir / "python"), "-c", DEDUPLICATOR_ON_HTML, str(pages / "page.html")],
            "Deduplicator().add on HTML",
        ).strip()
    )
    print("check_plain_install: a plain install reads every input format")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, help="where to create the virtualenv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dedup-plain-") as tmp:
        check(args.venv or Path(tmp) / "venv", Path(tmp))


if __name__ == "__main__":
    main()
