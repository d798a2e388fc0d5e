"""Every input a crawler produces: HTML, JSON Lines, JSON, WARC, gzip, tar, legacy charsets."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest

import dedup
from dedup import DedupConfig
from dedup.batch.pipeline import extract_file
from dedup.config import RECORD_ROLES
from dedup.models import Skip
from dedup.readers import DEFAULT_FIELDS, InputFile, RawPage, read_pages

from ..conftest import SAMPLES
from ..pages import (
    CHARGING,
    SHORT,
    TEA,
    article,
    div_layout,
    heavy_template,
    ruby_mirror,
    table_layout,
    warc_bytes,
    write,
)


def to_taiwan(text: str) -> str:
    import opencc

    return str(opencc.OpenCC("s2tw").convert(text))


def pages_of(path: Path) -> list[RawPage | Skip]:
    return list(read_pages(InputFile(str(path), path.name)))


def one_document(path: Path, config: DedupConfig | None = None) -> dedup.Document:
    documents, skipped = extract_file(path, config)
    assert len(documents) == 1, skipped
    return documents[0]


def test_every_record_role_has_default_field_names() -> None:
    assert tuple(DEFAULT_FIELDS) == RECORD_ROLES


def test_div_layout_html_gives_the_article_and_its_tagged_metadata(tmp_path: Path) -> None:
    title, paragraphs = article(CHARGING)
    doc = one_document(write(tmp_path / "a.html", div_layout(title, paragraphs)))
    assert doc.body == "\n".join(paragraphs)
    assert (doc.title, doc.published, doc.site, doc.source) == (
        title,
        "2025-03-12T09:30:00+08:00",  # the offset the page's meta tag states
        "江南日报网",
        "江州日报",
    )
    for noise in ("相关阅读", "window.ads", "九游会", "首页", "ICP"):
        assert noise not in doc.body


def test_table_layout_html_in_gbk(tmp_path: Path) -> None:
    title, paragraphs = article(CHARGING)
    path = write(tmp_path / "old.htm", table_layout(title, paragraphs), encoding="gbk")
    (page,) = pages_of(path)
    assert isinstance(page, RawPage) and page.kind == "html" and page.encoding == "gb18030"
    doc = one_document(path)
    assert doc.body.replace("\xa0", "").replace(" ", "") == "\n".join(paragraphs).replace(" ", "")
    assert (doc.title, doc.published, doc.source) == (title, "2025-03-14T10:00", "江州日报")
    assert "会员服务费" not in doc.body and "0571" not in doc.body


def test_ruby_pinyin_is_dropped_and_flagged(tmp_path: Path) -> None:
    title, paragraphs = article(CHARGING)
    doc = one_document(write(tmp_path / "m.shtml", ruby_mirror(title, paragraphs)))
    assert doc.body == "\n".join(paragraphs)
    assert doc.title == title
    assert doc.pinyin_annotated and doc.spam_injected


def test_html_recognised_by_content_without_extension(tmp_path: Path) -> None:
    title, paragraphs = article(TEA)
    (page,) = pages_of(write(tmp_path / "page", div_layout(title, paragraphs)))
    assert isinstance(page, RawPage) and page.kind == "html"


def test_big5_and_gbk_text_pages(tmp_path: Path) -> None:
    text = (
        "雲嶺省春茶出口量同比增長兩成，中歐班列成新通道。"
        "今年一季度，全省春茶出口量達到1.26萬噸，同比增長21.3%。"
    )
    big5 = write(tmp_path / "big5.txt", text, encoding="big5")
    gbk = write(
        tmp_path / "gbk.txt",
        "云岭省春茶出口量同比增长两成，中欧班列成新通道。今年一季度，全省春茶出口量达到1.26万吨。",
        "gbk",
    )
    assert one_document(big5).body == text
    assert one_document(gbk).body.startswith("云岭省春茶出口量")


def test_jsonl_reads_records_and_skips_a_malformed_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    title, paragraphs = article(TEA)
    lines = [
        json.dumps(
            {
                "id": "n1",
                "title": title,
                "text": "\n".join(paragraphs),
                "date": "2025-04-05 11:20",
                "url": "https://news.jnrb.com.cn/a/1.html",
            },
            ensure_ascii=False,
        ),
        '{"id": "n2", "text": "truncated',
        json.dumps(
            {"article_body": "\n".join(paragraphs[:3]), "site": "北川新闻网"}, ensure_ascii=False
        ),
        json.dumps({"html": div_layout(title, paragraphs), "id": 7}, ensure_ascii=False),
    ]
    path = write(tmp_path / "crawl" / "feed.jsonl", "\n".join(lines) + "\n")
    result = dedup.scan([tmp_path / "crawl"], DedupConfig(fields=("text=article_body",)))
    ids = [d.doc_id for d in result.documents]
    assert ids == ["feed.jsonl#n1", "feed.jsonl#3", "feed.jsonl#7"]
    first = result.documents[0]
    assert (first.title, first.published, first.site_key) == (
        title,
        "2025-04-05T11:20",
        "jnrb.com.cn",
    )
    assert result.documents[1].site == "北川新闻网"
    (skip,) = result.skipped
    assert skip == Skip(str(path), "malformed JSON record", skip.detail) and skip.detail.startswith(
        "line 2"
    )
    assert "feed.jsonl (line 2" in caplog.text
    assert len(result.duplicate_clusters) == 1 and result.duplicate_clusters[0].size == 3


def test_json_array_and_record_without_text(tmp_path: Path) -> None:
    _, paragraphs = article(TEA)
    records = [{"content": "\n".join(paragraphs)}, {"url": "https://x.example/1"}]
    path = write(tmp_path / "dump.json", json.dumps(records, ensure_ascii=False))
    pages = pages_of(path)
    assert isinstance(pages[0], RawPage) and pages[0].doc_id == "dump.json#1"
    assert isinstance(pages[1], Skip) and pages[1].reason == "record has no text"
    assert "--field text=NAME" in pages[1].detail


def test_warc_reads_html_responses_and_skips_other_types(tmp_path: Path) -> None:
    title, paragraphs = article(CHARGING)
    other_title, other = article(TEA)
    data = warc_bytes(
        [
            (
                "https://www.jnrb.com.cn/a/1.html",
                "text/html; charset=utf-8",
                div_layout(title, paragraphs),
            ),
            (
                "https://old.hyzx.net/show/9.htm",
                "text/html; charset=gbk",
                table_layout(title, paragraphs),
            ),
            ("https://www.jnrb.com.cn/logo.png", "image/png", "not a page"),
            (
                "https://tw.example.com.tw/n/5",
                "text/html; charset=big5",
                to_taiwan(div_layout(other_title, other)),
            ),
        ],
        gzip=True,
    )
    path = write(tmp_path / "crawl.warc.gz", data)
    documents, skipped = extract_file(path)
    assert [d.doc_id for d in documents] == [
        "https://www.jnrb.com.cn/a/1.html",
        "https://old.hyzx.net/show/9.htm",
        "https://tw.example.com.tw/n/5",
    ]
    assert [d.site_key for d in documents] == ["jnrb.com.cn", "hyzx.net", "example.com.tw"]
    assert [s.reason for s in skipped] == ["not an HTML response"]
    assert "logo.png" in skipped[0].detail
    result = dedup.scan([path])
    assert {m.document.doc_id for m in result.duplicate_clusters[0].members} == {
        "https://www.jnrb.com.cn/a/1.html",
        "https://old.hyzx.net/show/9.htm",
    }


def test_truncated_warc_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    title, paragraphs = article(CHARGING)
    data = warc_bytes([("https://a.example.com/1", "text/html", div_layout(title, paragraphs))] * 2)
    pages = pages_of(write(tmp_path / "cut.warc", data[: len(data) - 300]))
    assert isinstance(pages[0], RawPage)
    assert isinstance(pages[-1], Skip) and pages[-1].reason == "truncated or damaged WARC"


def test_gzipped_folder_of_pages_and_a_tarball(tmp_path: Path) -> None:
    title, paragraphs = article(CHARGING)
    folder = tmp_path / "gz"
    sample_text = (SAMPLES / CHARGING).read_bytes()
    write(folder / "a.html.gz", gzip.compress(div_layout(title, paragraphs).encode()))
    write(folder / "b.txt.gz", gzip.compress(sample_text))
    tar_stream = io.BytesIO()
    with tarfile.open(fileobj=tar_stream, mode="w:gz") as archive:
        for name, data in [("site/c.txt", sample_text), ("site/.hidden.txt", b"x")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    write(folder / "pages.tar.gz", tar_stream.getvalue())
    write(folder / "broken.txt.gz", gzip.compress(b"x" * 1000)[:20])
    result = dedup.scan([folder])
    assert sorted(d.doc_id for d in result.documents) == [
        "a.html.gz",
        "b.txt.gz",
        "pages.tar.gz/site/c.txt",
    ]
    assert len(result.duplicate_clusters) == 1 and result.duplicate_clusters[0].size == 3
    assert [s.reason for s in result.skipped] == ["damaged gzip data"]


def test_same_article_in_text_html_and_warc_templates_clusters(tmp_path: Path) -> None:
    title, paragraphs = article(CHARGING)
    write(tmp_path / "a.html", div_layout(title, paragraphs))
    write(tmp_path / "b.htm", table_layout(title, paragraphs), encoding="gbk")
    write(tmp_path / "c.html", ruby_mirror(title, paragraphs))
    write(tmp_path / "d.txt", (SAMPLES / CHARGING).read_bytes())
    write(
        tmp_path / "e.warc",
        warc_bytes([("https://e.example.com/1", "text/html", heavy_template(title, paragraphs))]),
    )
    result = dedup.scan([tmp_path])
    assert [c.size for c in result.clusters] == [5]


def test_short_articles_in_one_heavy_template_stay_apart(tmp_path: Path) -> None:
    for number, relative in enumerate(SHORT):
        title, paragraphs = article(relative)
        write(tmp_path / f"{number}.html", heavy_template(title, paragraphs))
        write(
            tmp_path / "w" / f"{number}.warc",
            warc_bytes(
                [
                    (
                        f"https://b.example.com/{number}",
                        "text/html",
                        heavy_template(title, paragraphs),
                    )
                ]
            ),
        )
    result = dedup.scan([tmp_path])
    assert len(result.documents) == 6
    groups = sorted(sorted(m.document.doc_id for m in c.members) for c in result.clusters)
    assert groups == sorted(sorted([f"{n}.html", f"https://b.example.com/{n}"]) for n in range(3))


def test_deduplicator_accepts_html_with_a_url() -> None:
    title, paragraphs = article(CHARGING)
    dd = dedup.Deduplicator()
    dd.add("text", (SAMPLES / CHARGING).read_text("utf-8"))
    matches = dd.add("html", div_layout(title, paragraphs), url="https://www.jnrb.com.cn/a/1.html")
    assert [m.doc_id for m in matches] == ["text"] and matches[0].similarity == pytest.approx(1.0)


def test_mojibake_is_repaired_or_flagged(tmp_path: Path) -> None:
    text = (
        "江州市发布充电基础设施三年行动方案，"
        "到2027年底全市将累计建成公共充电桩5万个，快充桩占比不低于60%。"
    )
    garbled = text.encode("utf-8").decode("latin-1")
    repaired = one_document(write(tmp_path / "ok.txt", garbled))
    assert repaired.body == text and not repaired.mojibake
    broken = write(tmp_path / "bad.txt", "\ufffd" * 40 + text)
    result = dedup.scan([broken])
    assert not result.documents and result.skipped[0].reason.startswith("garbled text")


def test_urls_are_read_through_fsspec() -> None:
    fsspec = pytest.importorskip(
        "fsspec", reason="URL inputs need fsspec (pip install 'dedup[dask]')"
    )
    memory = fsspec.filesystem("memory")
    for relative in (
        "jiangnan_daily/2025/0312/charging-plan.txt",
        "cnews_tw/20250312/ev-charging.txt",
    ):
        memory.pipe(f"/crawl/{relative}", (SAMPLES / relative).read_bytes())
    memory.pipe("/crawl/.hidden/x.txt", b"hidden")
    result = dedup.scan(["memory://crawl"], jobs=1)
    assert sorted(d.doc_id for d in result.documents) == [
        "cnews_tw/20250312/ev-charging.txt",
        "jiangnan_daily/2025/0312/charging-plan.txt",
    ]
    assert result.documents[0].path.startswith("memory://")
    assert [c.size for c in result.duplicate_clusters] == [2]
    missing = dedup.scan(["memory://crawl", "memory://nothing-here"], jobs=1)
    assert [s.reason for s in missing.skipped] == ["no such file or folder"]
