"""Bytes -> text: BOMs, declared charsets, Chinese legacy encodings, mojibake."""

from __future__ import annotations

import codecs
import re

from dedup.errors import DecodeError
from dedup.textops import fold_script

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


# Declared names that mean a superset in practice: pages labelled gb2312 use GBK characters,
# pages labelled big5 use Microsoft's extensions.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "cp950",
    "big-5": "cp950",
    "x-x-big5": "cp950",
    "utf8": "utf-8",
}
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,30})""", re.I
)
# UTF-8 read as Latin-1 or cp1252: "ä¸\xadå\x9b½" for "中国".
_LATIN1_MOJIBAKE = re.compile("[\u00c2-\u00ef][\u0080-\u00bf\u2018-\u203a\u0152-\u0178]")


def normalize_charset(name: str | None) -> str | None:
    """The codec to use for a declared charset, or None when Python does not know it."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def sniff_html_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag within its first 4 KB."""
    match = _META_CHARSET.search(data[:4096])
    return normalize_charset(match.group(1).decode("ascii", "ignore")) if match else None


def decode_bytes(
    data: bytes, path: str | None = None, *, declared: str | None = None
) -> tuple[str, str]:
    """Decode a page: BOM, then a declared charset (HTTP header or <meta>) if it reads
    cleanly, then UTF-8, then GB18030 or Big5 (whichever reads as Chinese), then
    charset-normalizer's guess. Returns the text and the encoding used.

    Raises:
        DecodeError: binary data, or bytes no encoding reads.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise DecodeError(f"invalid {encoding} after its byte-order mark", path) from error
    if b"\x00" in data[:4096]:
        raise DecodeError("binary file (NUL bytes), not a text page", path)
    codec = normalize_charset(declared)
    if codec and (text := _try_decode(data, codec)) is not None:
        return text, codec
    if (text := _try_decode(data, "utf-8")) is not None:
        return text, "utf-8"
    if (text := _decode_mixed(data)) is not None:
        return text, "mixed"
    decoded = [(enc, text) for enc in _LEGACY_ENCODINGS if (text := _try_decode(data, enc))]
    if decoded:
        encoding, text = max(decoded, key=lambda pair: _chinese_score(pair[1]))
        return text, encoding
    return _guess(data, path)


def _decode_mixed(data: bytes) -> str | None:
    """Decode line by line when a page mixes UTF-8 lines with GBK or Big5 ones (pasted
    together from two sources); None unless both kinds are really there."""
    lines = data.split(b"\n")
    utf8 = [line for line in lines if not line.isascii() and _try_decode(line, "utf-8") is not None]
    if len(utf8) < 2 or len(utf8) == sum(not line.isascii() for line in lines):
        return None
    decoded = []
    for line in lines:
        text = _try_decode(line, "utf-8")
        if text is None:
            legacy = [t for enc in _LEGACY_ENCODINGS if (t := _try_decode(line, enc))]
            if not legacy:
                return None
            text = max(legacy, key=_chinese_score)
        decoded.append(text)
    return "\n".join(decoded)


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
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


def repair_mojibake(text: str, *, latin1: bool = True) -> tuple[str, bool]:
    """Undo UTF-8 read as Latin-1/cp1252 where that is what happened.

    Returns the text (repaired when possible) and whether mojibake remains: replacement
    characters or Latin-1 sequences that do not decode back. ``latin1=False`` says that
    the text holds no Latin-1 letter (U+00C0 to U+00FF; `has_latin1_letters`), so no such
    sequence: it is not searched for them.
    """
    broken = _looks_broken(text, latin1=latin1)
    if broken:
        for codec in ("cp1252", "latin-1"):
            try:
                repaired = text.encode(codec).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            return repaired, _looks_broken(repaired)
    return text, broken


def has_latin1_letters(data: bytes, encoding: str) -> bool:
    """Whether the text `data` decodes to (with `encoding`, as `decode_bytes` gives it)
    may hold a Latin-1 letter (U+00C0 to U+00FF): in UTF-8 each begins with the byte C3,
    which nothing else holds, and one search for a byte is a tenth of a search of the
    text for mojibake."""
    return encoding != "utf-8" or b"\xc3" in data


def _looks_broken(text: str, *, latin1: bool = True) -> bool:
    if not text:
        return False
    broken = text.count("\ufffd") + (len(_LATIN1_MOJIBAKE.findall(text)) if latin1 else 0)
    return broken > 3 and broken / len(text) > 0.01
