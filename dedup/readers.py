"""Paths -> raw pages: walking folders, reading files and decoding their bytes."""

from __future__ import annotations

import codecs
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dedup.errors import DecodeError, InputError
from dedup.textops import fold_script

logger = logging.getLogger(__name__)

# The most frequent characters of Chinese news text, in Simplified form. Decoding a page
# with the wrong one of GB18030 and Big5 gives valid but rare characters, so the share of
# frequent ones tells the right decoding apart.
_FREQUENT = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能"
    "下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量"
    "都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各"
    "重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代"
    "想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接"
    "知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北"
    "造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打"
    "白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今"
    "集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近"
    "矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写"
    "存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听"
    "该铁价严企网服务"
)
_CJK_LOW, _CJK_HIGH = "\u4e00", "\u9fff"
# gb2312 and gbk pages are read as gb18030 (a superset); big5 as cp950 (Microsoft's superset).
_LEGACY_ENCODINGS = ("gb18030", "cp950")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to read: ``path`` as the user would write it, ``doc_id`` relative to its root."""

    path: str
    doc_id: str


@dataclass(frozen=True, slots=True)
class RawPage:
    """A decoded page, not yet extracted."""

    doc_id: str
    path: str
    text: str
    encoding: str


def list_inputs(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[InputFile], list[str]]:
    """Every regular file under the given paths, recursively, hidden ones skipped, sorted;
    and the given paths that do not exist.

    ``doc_id`` is the path relative to the folder given (``/`` separators), or the file's
    name when a file is given directly; where two roots would give the same id, the path as
    given is used instead.
    """
    found: list[InputFile] = []
    missing: list[str] = []
    for root in map(Path, paths):
        if root.is_file() or root.is_dir():
            found.extend(_walk(root))
        else:
            missing.append(str(root))
    counts: dict[str, int] = {}
    for item in found:
        counts[item.doc_id] = counts.get(item.doc_id, 0) + 1
    unique = [
        item if counts[item.doc_id] == 1 else InputFile(item.path, Path(item.path).as_posix())
        for item in found
    ]
    return unique, missing


def _walk(root: Path) -> Iterator[InputFile]:
    if root.is_file():
        yield InputFile(str(root), root.name)
        return
    # Sorted walk without following directory links: deterministic, and no symlink loops.
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder, name)
            if path.is_file():
                yield InputFile(str(path), path.relative_to(root).as_posix())


def read_page(item: InputFile) -> RawPage:
    """Read and decode one file; raises `InputError` with the reason when it cannot."""
    try:
        data = Path(item.path).read_bytes()
    except OSError as error:
        raise InputError(f"cannot read file ({error.strerror or error})", item.path) from error
    if not data.strip():
        raise InputError("empty file", item.path)
    text, encoding = decode_bytes(data, item.path)
    return RawPage(doc_id=item.doc_id, path=item.path, text=text, encoding=encoding)


def decode_bytes(data: bytes, path: str | None = None) -> tuple[str, str]:
    """Decode a page: BOM, then UTF-8, then GB18030 or Big5 (whichever reads as Chinese),
    then charset-normalizer's guess. Returns the text and the encoding used."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise DecodeError(f"invalid {encoding} after its byte-order mark", path) from error
    if b"\x00" in data[:4096]:
        raise DecodeError("binary file (NUL bytes), not a text page", path)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    decoded = [(enc, text) for enc in _LEGACY_ENCODINGS if (text := _try_decode(data, enc))]
    if decoded:
        encoding, text = max(decoded, key=lambda pair: _chinese_score(pair[1]))
        return text, encoding
    return _guess(data, path)


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _chinese_score(text: str) -> float:
    cjk = [char for char in text if _CJK_LOW <= char <= _CJK_HIGH]
    if not cjk:
        return 0.0
    return sum(char in _FREQUENT for char in fold_script("".join(cjk))) / len(cjk)


def _guess(data: bytes, path: str | None) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise DecodeError(
            "not valid UTF-8, GB18030 or Big5 and no other encoding fits; "
            "re-save the file as UTF-8",
            path,
        )
    return str(best), best.encoding
