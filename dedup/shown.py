"""Text from outside shown safely in messages: control characters escaped, passwords masked.

File names, titles, record ids and URLs come from strangers. Printed as they are, an ESC
sequence can rewrite the terminal, NUL or a carriage return can hide text, and U+202E
(right-to-left override) can make ``evil.exe.txt`` read as something else; a Redis URL can
carry a password. Every message dedup prints passes through `escaped`, and every URL of an
index through `masked_url`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# C0 and C1 controls (tab kept), DEL, and the Unicode bidirectional and invisible format
# characters that change how the rest of a line is displayed.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def escaped(text: str, *, keep_newlines: bool = True) -> str:
    """`text` with every control or display-changing character written as ``\\xNN`` or
    ``\\uNNNN`` (line breaks kept unless ``keep_newlines`` is false)."""
    pattern = _UNSAFE if keep_newlines else re.compile(_UNSAFE.pattern[:-1] + "\n]")
    return pattern.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def masked_url(url: str) -> str:
    """A URL with its password (``redis://user:secret@host``) shown as ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a URL that cannot be parsed>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def masked(text: str, url: str) -> str:
    """`text` (an error message, say) with the password of `url` masked wherever it
    appears, as typed or percent-decoded."""
    try:
        parts = urlsplit(url)
        secret = parts.password
        raw = parts.netloc.rpartition("@")[0].partition(":")[2]
    except ValueError:
        return text
    for value in (raw, secret):
        if value:
            text = text.replace(value, "***")
    return text.replace(url, masked_url(url))
