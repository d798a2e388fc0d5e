"""Files -> raw pages: text, HTML, JSON Lines and JSON arrays, WARC, gzip and tar archives.

A format is recognised by its extension and, failing that, by its first bytes. A file may
hold many pages (records); each bad record is skipped with its own reason, and the rest of
the file is still read.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any, BinaryIO, Literal

from dedup import safejson
from dedup.errors import InputError
from dedup.models import Skip
from dedup.readers.decode import (
    decode_bytes,
    has_latin1_letters,
    normalize_charset,
    repair_mojibake,
    sniff_html_charset,
)
from dedup.readers.files import InputFile, open_input, read_start

PageKind = Literal["text", "html"]
HTML_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml", ".php", ".asp", ".aspx", ".jsp"})
JSONL_SUFFIXES = (".jsonl", ".ndjson")
TEXT_SUFFIXES = (".txt", ".text", ".md")
# Record field names recognised by default, per role, in order of preference.
DEFAULT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "text": ("text", "content", "body"),
    "html": ("html", "raw_html"),
    "url": ("url", "link", "target_uri"),
    "title": ("title", "headline"),
    "published": ("published", "date", "pub_date", "publish_time"),
    "site": ("site", "site_name", "domain"),
    "id": ("id", "doc_id", "_id"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_HTML_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<div", b"<title")


@dataclass(frozen=True, slots=True)
class RawPage:
    """A decoded page or record, not yet extracted, with what its container states."""

    doc_id: str
    path: str
    text: str
    kind: PageKind
    encoding: str
    url: str | None = None
    title: str | None = None
    published: str | None = None
    site: str | None = None
    mojibake: bool = False


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Which record fields hold each role; ``overrides`` come first (``--field text=body``)."""

    overrides: Mapping[str, str] = field(default_factory=dict)

    def names(self, role: str) -> tuple[str, ...]:
        first = self.overrides.get(role)
        return ((first,) if first else ()) + DEFAULT_FIELDS[role]

    def get(self, record: Mapping[str, Any], role: str) -> str | None:
        for name in self.names(role):
            value = record.get(name)
            if value is not None and not isinstance(value, dict | list) and str(value).strip():
                return str(value)
        return None


DEFAULT_MAX_BYTES = 32 * 1024 * 1024
# File signatures of common binary formats, to name what was found instead of a page.
_BINARY_SIGNATURES = (
    (b"%PDF-", "PDF document"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "ZIP archive or Office document"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
    (b"\xd0\xcf\x11\xe0", "Office document"),
    (b"RIFF", "media file"),
    (b"\x1a\x45\xdf\xa3", "media file"),
    (b"7z\xbc\xaf", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
)
_BINARY_STARTS = tuple(signature for signature, _ in _BINARY_SIGNATURES)


def read_pages(
    item: InputFile, fields: FieldMap | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[RawPage | Skip]:
    """Every page in one file, or a Skip for each part that cannot be read.

    WARC, JSON Lines and tar files are streamed, so their size is not limited; a single page,
    record or member larger than `max_bytes` is skipped. A record whose id (its ``id``
    field, its WARC target URI, its member name) was already given by an earlier record of
    the file is skipped: one doc_id names one page.
    """
    first: set[str] = set()
    for page in _file_pages(item, fields, max_bytes=max_bytes):
        if isinstance(page, RawPage):
            if page.doc_id in first:
                where = page.doc_id.rpartition("#")[2] if "#" in page.doc_id else page.doc_id
                yield Skip(item.path, DUPLICATE_ID, f"{where}: keep one record per id")
                continue
            first.add(page.doc_id)
        yield page


DUPLICATE_ID = "record id seen earlier in the file"


def _file_pages(
    item: InputFile, fields: FieldMap | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[RawPage | Skip]:
    if item.source is not None:
        # Read where the bytes are; name what the user named in pages and skips.
        inner = InputFile(item.source, item.doc_id)
        for found in _file_pages(inner, fields, max_bytes=max_bytes):
            yield replace(found, path=item.path)
        return
    fields = fields or FieldMap()
    name = _name(item.doc_id)
    lower = name.lower()
    streamed: str | None = None  # known once the file's start is read

    def read_whole(head: bytes, size: int) -> bool:
        nonlocal streamed
        streamed = _streamed_format(lower, head)
        return size <= max_bytes and streamed is None

    try:
        # A page (or a small container) is read whole, in the same opening.
        head, size, data = read_start(item.path, 512, read_whole)
    except OSError as error:
        yield Skip(item.path, f"cannot read file ({error.strerror or error})")
        return
    try:
        if streamed == "warc":
            yield from _warc_file(item.path, max_bytes)
        elif streamed == "tar":
            yield from _tar_file(item.path, item.doc_id, fields, max_bytes)
        elif streamed == "jsonl":
            gzipped = head.startswith(_GZIP_MAGIC)
            yield from _json_lines_file(item.path, item.doc_id, gzipped, fields, max_bytes)
        elif data is None:
            yield Skip(item.path, TOO_LARGE, f"{size} bytes > {max_bytes}; raise --max-bytes")
        else:
            yield from _dispatch(
                data, item.path, item.doc_id, name, fields=fields, max_bytes=max_bytes
            )
    except OSError as error:  # the file vanished or became unreadable while being read
        yield Skip(item.path, f"cannot read file ({error.strerror or error})")


def _streamed_format(lower_name: str, head: bytes) -> str | None:
    """The formats read as a stream, record by record (their size is not limited)."""
    if lower_name.endswith((".warc", ".warc.gz")) or head.startswith(b"WARC/"):
        return "warc"
    if lower_name.endswith((".tar", ".tar.gz", ".tgz")) or _is_tar(head):
        return "tar"
    if lower_name.removesuffix(".gz").endswith(JSONL_SUFFIXES) or (
        not _suffix(lower_name) and _first_is_object_line(head)
    ):
        return "jsonl"
    return None


def _name(path: str) -> str:
    """``PurePosixPath(path).name``, without building a path object per file."""
    return path.rstrip("/").rpartition("/")[2]


def _suffix(path: str) -> str:
    """``PurePosixPath(path).suffix``, without building a path object per file."""
    name = _name(path)
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


TOO_LARGE = "larger than the size limit"
DAMAGED_GZIP = "damaged gzip data"


def _dispatch(
    data: bytes, path: str, doc_id: str, name: str, *, fields: FieldMap, max_bytes: int
) -> Iterator[RawPage | Skip]:
    lower = name.lower()
    suffix = _suffix(lower)
    if not data or data.isspace():
        yield Skip(path, "empty file", _member(doc_id))
    elif lower.endswith((".warc", ".warc.gz")) or data.startswith(b"WARC/"):
        yield from _warc(io.BytesIO(data), path, max_bytes)
    elif lower.endswith((".tar", ".tar.gz", ".tgz")) or _is_tar(data):
        yield from _tar(io.BytesIO(data), path, doc_id, fields, max_bytes)
    elif data.startswith(_GZIP_MAGIC):
        inner = _gunzip(data, max_bytes)
        if isinstance(inner, str):
            yield Skip(path, inner, _member(doc_id))
        else:
            inner_name = name[:-3] if lower.endswith(".gz") else name
            yield from _dispatch(
                inner, path, doc_id, inner_name, fields=fields, max_bytes=max_bytes
            )
    elif binary := _binary_kind(data):
        yield Skip(path, f"binary file ({binary}), not a page", _member(doc_id))
    elif lower.endswith(JSONL_SUFFIXES) or (
        (suffix == ".json" or not suffix) and _first_is_object_line(data)
    ):
        yield from _json_lines(data.splitlines(), path, doc_id, fields, max_bytes)
    elif lower.endswith(".json") or (not lower.endswith(TEXT_SUFFIXES) and _parses_as_json(data)):
        yield from _json_document(data, path, doc_id, fields)
    else:
        kind: PageKind = "html" if _is_html(suffix, data) else "text"
        yield _page(data, path, doc_id, kind)


def _member(doc_id: str) -> str:
    """The archive member a doc_id names, for skip messages ("" for a plain file)."""
    return doc_id.split("/", 1)[1] if ".tar" in doc_id.split("/", 1)[0] and "/" in doc_id else ""


def _binary_kind(data: bytes) -> str | None:
    if not data.startswith(_BINARY_STARTS):  # most pages: one test, not one a signature
        return None
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            return kind
    return None


def _page(
    data: bytes,
    path: str,
    doc_id: str,
    kind: PageKind,
    *,
    charset: str | None = None,
    url: str | None = None,
) -> RawPage | Skip:
    declared = charset or (sniff_html_charset(data) if kind == "html" else None)
    try:
        text, encoding = decode_bytes(data, path, declared=declared)
    except InputError as error:
        return Skip(path, error.reason, url or "")
    text, broken = repair_mojibake(text, latin1=has_latin1_letters(data, encoding))
    return RawPage(doc_id, path, text, kind, encoding, url=url, mojibake=broken)


def _is_html(suffix: str, data: bytes) -> bool:
    """Whether a page is HTML, by its name's suffix (lower case) or its first bytes."""
    if suffix in HTML_SUFFIXES:
        return True
    head = data[:1024].lstrip().lower()
    return head.startswith(b"<") and any(marker in head for marker in _HTML_SNIFF)


def _is_tar(data: bytes) -> bool:
    return len(data) > 262 and data[257:262] == b"ustar"


def _gunzip(data: bytes, max_bytes: int) -> bytes | str:
    """The decompressed data, or the reason it cannot be had. Decompression stops at the
    size limit, so a gzip bomb costs no more than a large page."""
    inflater = zlib.decompressobj(wbits=47)
    try:
        inner = inflater.decompress(data, max_bytes + 1)
    except zlib.error:
        return DAMAGED_GZIP
    if len(inner) > max_bytes:
        return TOO_LARGE
    if not inflater.eof:
        return DAMAGED_GZIP  # the stream stops before its end marker: truncated
    return inner


def _parses_as_json(data: bytes) -> bool:
    if data.lstrip()[:1] not in (b"[", b"{"):
        return False
    try:
        safejson.loads(data)
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def _first_is_object_line(data: bytes) -> bool:
    first = data.lstrip().split(b"\n", 1)[0]
    try:
        return isinstance(safejson.loads(first), dict) and b"\n" in data.strip()
    except ValueError:
        return False


def _json_lines_file(
    path: str, doc_id: str, gzipped: bool, fields: FieldMap, max_bytes: int
) -> Iterator[RawPage | Skip]:
    try:
        with open_input(path) as raw, gzip.open(raw) if gzipped else raw as stream:
            yield from _json_lines(
                _bounded_lines(stream, max_bytes), path, doc_id, fields, max_bytes
            )
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        yield Skip(path, DAMAGED_GZIP, _short(error))


def _bounded_lines(stream: BinaryIO | gzip.GzipFile, max_bytes: int) -> Iterator[bytes | int]:
    """The lines of a stream, none read whole past the size limit: a longer line is
    passed over in pieces and given as its length instead."""
    while line := stream.readline(max_bytes + 1):
        if len(line) <= max_bytes or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        while piece := stream.readline(1 << 20):
            size += len(piece)
            if piece.endswith(b"\n"):
                break
        yield size


def _json_lines(
    lines: Iterable[bytes | int], path: str, doc_id: str, fields: FieldMap, max_bytes: int
) -> Iterator[RawPage | Skip]:
    for number, line in enumerate(lines, 1):
        if isinstance(line, int):
            yield Skip(path, TOO_LARGE, f"line {number}: {line} bytes; raise --max-bytes")
            continue
        if not line.strip():
            continue
        if len(line) > max_bytes:
            yield Skip(path, TOO_LARGE, f"line {number}: {len(line)} bytes; raise --max-bytes")
            continue
        try:
            record = safejson.loads(line)
        except (ValueError, UnicodeDecodeError) as error:
            yield Skip(path, "malformed JSON record", f"line {number}: {_short(error)}")
            continue
        yield _record(
            record, path, doc_id, position=str(number), where=f"line {number}", fields=fields
        )


def _json_document(
    data: bytes, path: str, doc_id: str, fields: FieldMap
) -> Iterator[RawPage | Skip]:
    try:
        document = safejson.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        yield Skip(path, "malformed JSON", _short(error))
        return
    records = document if isinstance(document, list) else _records_in(document)
    for number, record in enumerate(records, 1):
        yield _record(
            record, path, doc_id, position=str(number), where=f"record {number}", fields=fields
        )


def _records_in(document: Any) -> list[Any]:
    if isinstance(document, dict):
        for key in ("data", "items", "records", "articles", "documents", "results"):
            if isinstance(document.get(key), list):
                return list(document[key])
        return [document]
    return [document]


def _record(
    record: Any, path: str, doc_id: str, *, position: str, where: str, fields: FieldMap
) -> RawPage | Skip:
    if not isinstance(record, dict):
        return Skip(path, "record is not a JSON object", where)
    record_id = fields.get(record, "id") or position
    html, text = fields.get(record, "html"), fields.get(record, "text")
    if html is None and text is None:
        names = ", ".join(fields.names("text") + fields.names("html"))
        return Skip(
            path, "record has no text", f"{where}: none of {names}; map one with --field text=NAME"
        )
    return RawPage(
        doc_id=f"{doc_id}#{record_id}",
        path=path,
        text=html if html is not None else (text or ""),
        kind="html" if html is not None else "text",
        encoding="utf-8",
        url=fields.get(record, "url"),
        title=fields.get(record, "title"),
        published=fields.get(record, "published"),
        site=fields.get(record, "site"),
    )


def _warc_file(path: str, max_bytes: int) -> Iterator[RawPage | Skip]:
    with open_input(path) as stream:
        yield from _warc(stream, path, max_bytes)


def _warc(stream: BinaryIO, path: str, max_bytes: int) -> Iterator[RawPage | Skip]:
    """The pages of a WARC. A record is given only once the next one is found where its
    Content-Length said it ends: a record whose declared length is short (its content runs
    on) is skipped, not kept cut."""
    from warcio.exceptions import ArchiveLoadFailed

    records = _quiet_records(stream)
    held: tuple[str, RawPage | Skip] | None = None
    held_errors = 0
    try:
        for record in records:
            errors = records.err_count
            if held is not None:
                yield _checked_record(held, path, cut_short=errors > held_errors)
            held, held_errors = _warc_record(record, path, max_bytes), errors
            if held is not None and isinstance(held[1], Skip) and held[1].detail.endswith(_CUT):
                yield held[1]  # the file ends inside this record
                return
        if held is not None:
            yield _checked_record(held, path, cut_short=records.err_count > held_errors)
    # warcio raises AttributeError on some truncated gzip members.
    except (ArchiveLoadFailed, OSError, EOFError, zlib.error, ValueError, AttributeError) as error:
        if held is not None:
            yield _checked_record(held, path, cut_short=records.err_count > held_errors)
        yield Skip(path, "truncated or damaged WARC", _short(error))


_CUT = ": record cut short"


def _warc_record(record: Any, path: str, max_bytes: int) -> tuple[str, RawPage | Skip] | None:
    """A response record's page (or why it is skipped), with its URL; None for the records
    that are not responses."""
    if record.rec_type != "response":
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    content_type = record.http_headers.get_header("Content-Type") if record.http_headers else ""
    mime, _, params = (content_type or "").partition(";")
    if mime.strip().lower() not in {"text/html", "application/xhtml+xml"}:
        return url, Skip(path, "not an HTML response", f"{url} ({mime.strip() or 'no type'})")
    if record.length and record.length > max_bytes:
        return url, Skip(path, TOO_LARGE, f"{url}: {record.length} bytes; raise --max-bytes")
    # The payload is decompressed (Content-Encoding: gzip) as it is read: read one byte
    # past the limit, never the whole of a bomb.
    payload = record.content_stream().read(max_bytes + 1)
    if len(payload) > max_bytes:
        return url, Skip(path, TOO_LARGE, f"{url}: payload over {max_bytes} bytes decompressed")
    if getattr(record.raw_stream, "limit", 0) > 0:
        # The record ends before its declared length: the file was cut short.
        return url, Skip(path, "truncated or damaged WARC", f"{url}{_CUT}")
    return url, _page(payload, path, url, "html", charset=_charset_param(params), url=url)


def _checked_record(
    held: tuple[str, RawPage | Skip], path: str, *, cut_short: bool
) -> RawPage | Skip:
    url, page = held
    if cut_short:
        return Skip(path, "truncated or damaged WARC", f"{url}: shorter than its Content-Length")
    return page


def _quiet_records(stream: BinaryIO) -> Any:
    """warcio's iterator over the records of a WARC, silenced: it writes a record that runs
    past its Content-Length, raw bytes and all, to standard error; it still counts it
    (``err_count``), which is what `_warc` uses."""
    from warcio.archiveiterator import ArchiveIterator

    class Quiet(ArchiveIterator):  # type: ignore[misc]
        INC_RECORD = ""

    return Quiet(stream)


def _charset_param(params: str) -> str | None:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return normalize_charset(value)
    return None


def _tar_file(path: str, doc_id: str, fields: FieldMap, max_bytes: int) -> Iterator[RawPage | Skip]:
    with open_input(path) as stream:
        yield from _tar(stream, path, doc_id, fields, max_bytes)


def _tar(
    stream: BinaryIO, path: str, doc_id: str, fields: FieldMap, max_bytes: int
) -> Iterator[RawPage | Skip]:
    try:
        archive = tarfile.open(fileobj=stream, mode="r:*")  # noqa: SIM115 - closed below
        members = sorted((m for m in archive.getmembers() if m.isfile()), key=lambda m: m.name)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        yield Skip(path, "truncated or damaged archive", _short(error))
        return
    with archive:
        yield from _tar_members(archive, members, path, doc_id, fields=fields, max_bytes=max_bytes)


def _tar_members(
    archive: tarfile.TarFile,
    members: list[tarfile.TarInfo],
    path: str,
    doc_id: str,
    *,
    fields: FieldMap,
    max_bytes: int,
) -> Iterator[RawPage | Skip]:
    for member in members:
        parts = PurePosixPath(member.name).parts
        if any(part.startswith(".") for part in parts):
            continue
        if member.size > max_bytes:
            yield Skip(path, TOO_LARGE, f"{member.name}: {member.size} bytes; raise --max-bytes")
            continue
        try:
            extracted = archive.extractfile(member)
            content = extracted.read() if extracted else b""
        except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
            yield Skip(path, "truncated or damaged archive", f"{member.name}: {_short(error)}")
            continue
        inner_id = f"{doc_id}/{member.name}"
        yield from _dispatch(content, path, inner_id, parts[-1], fields=fields, max_bytes=max_bytes)


def _short(error: BaseException) -> str:
    return str(error).splitlines()[0][:160] if str(error) else type(error).__name__
