"""What the crawler's index keeps of a page's body: its text, compressed, for the checks
that read bodies.

The copy rule reads two bodies when their shingles call them copies below near-identity
(`dedup.verdict.check_bodies`): one notice formula filled for two districts shares its
whole frame (`check_slots`), and a report that shows one photo of a photo story carries most
of its captions (`check_captions`). The index verifies on samples, so it keeps the text
these checks need, and only of the pages that can fail them: a body that repeats no place
name never names one apart (`dedup.fingerprint.slots.repeats_a_place`), and a body without
a photo credit is no photo story and carries no caption
(`dedup.fingerprint.captions.shows_photos`): a body with neither keeps nothing (about half
of the pages of a week of Chinese news). The others keep their body as extracted, encoded
as GB18030 (two bytes a Chinese character where UTF-8 takes three) and compressed with
zlib: about 45% of the UTF-8 size, 18% less than UTF-8 compressed. A body GB18030 does not
give back whole (a lone surrogate) is kept as UTF-8, and so are the bodies kept before
GB18030 was used: zlib's own first byte tells them from the marked ones. A body is read
back only for a copy the samples accept below near-identity whose other page keeps a body
too. In an index saved before photo credits were read, a photo story that repeats no place
keeps no body: its pairs are judged on their samples alone, as they were.
"""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt

from dedup._arrays import Column
from dedup.fingerprint.captions import shows_photos
from dedup.fingerprint.slots import repeats_a_place

NONE = b""  # what a page that repeats no place name and shows no photo credit keeps
_LEVEL = 6  # zlib's default: level 9 saves a few percent for twice the time
# Before a GB18030 body's zlib stream; a zlib stream of its own begins with 0x78.
_GB18030 = b"\x01"


def kept_body(body: str | None) -> bytes:
    """What the index keeps of a body (``NONE`` for a body it need not read again)."""
    if not body or not (repeats_a_place(body) or shows_photos(body)):
        return NONE
    try:
        encoded = body.encode("gb18030")
    except UnicodeEncodeError:
        encoded = b""
    if encoded and encoded.decode("gb18030") == body:
        return _GB18030 + zlib.compress(encoded, _LEVEL)
    return zlib.compress(body.encode("utf-8", "surrogatepass"), _LEVEL)


def body_text(kept: bytes) -> str:
    """A kept body's text again.

    Raises:
        ValueError: the bytes are not a kept body (a damaged index).
    """
    try:
        if kept.startswith(_GB18030):
            return zlib.decompress(kept[1:]).decode("gb18030")
        return zlib.decompress(kept).decode("utf-8", "surrogatepass")
    except (zlib.error, UnicodeDecodeError) as error:
        raise ValueError("not a kept body") from error


def _text_or_none(kept: bytes) -> str:
    try:
        return body_text(kept) if kept else ""
    except ValueError:
        return ""


class BodyTable:
    """Kept bodies by row, in one flat byte column cut by end offsets: no Python object per
    page."""

    __slots__ = ("_bytes", "_ends")

    def __init__(
        self,
        data: npt.NDArray[np.uint8] | None = None,
        ends: npt.NDArray[np.int64] | None = None,
    ) -> None:
        self._bytes = Column(np.uint8, data)
        self._ends = Column(np.int64, ends)

    def append(self, kept: bytes) -> None:
        """Add one page's kept body as the next row."""
        self._bytes.extend(np.frombuffer(kept, dtype=np.uint8))
        self._ends.append(self._bytes.size)

    def __getitem__(self, row: int) -> bytes:
        ends = self._ends.view
        start = int(ends[row - 1]) if row > 0 else 0
        return self._bytes.view[start : int(ends[row])].tobytes()

    def texts(self, rows: list[int]) -> list[str]:
        """The texts of these rows' kept bodies ("" for a row that keeps none, or whose
        bytes a crafted file damaged: its slots are then not checked, as for a page of an
        index saved before bodies were kept)."""
        return [_text_or_none(self[row]) for row in rows]

    def kept(self, alive: npt.NDArray[np.bool_]) -> BodyTable:
        """A table of the rows where ``alive`` is True, in order."""
        ends = self._ends.view
        lengths = np.diff(ends, prepend=0)
        data = self._bytes.view[np.repeat(alive, lengths)]
        return BodyTable(data, np.cumsum(lengths[alive]))

    def arrays(self) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        """The bytes and each row's end offset (copies), as a file saves them."""
        return self._bytes.view.copy(), self._ends.view.copy()

    @property
    def nbytes(self) -> int:
        return self._bytes.view.nbytes + self._ends.view.nbytes
