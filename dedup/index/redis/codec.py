"""The shared index's binary codec: page records, band fields, and packed HMGET commands.

The byte layouts are those of `dedup.index.redis.store`'s docstring: numbers are 4 bytes,
little-endian; a page record is its header words, sample values, number ids and padded
doc_id; a band field is (band, uint16; folded key, uint32), an anchor field (`ANCHOR`,
uint16; anchor, uint32): both kinds live in one hash.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from dedup._arrays import ranges
from dedup.fingerprint.sketch import Sample, SampleColumns

NUMBER = np.dtype("<u4")
BAND_FIELD = np.dtype([("band", "<u2"), ("key", "<u4")])  # packed: 6 bytes
# The band number of anchor fields: no configuration has that many bands.
ANCHOR = 0xFFFF


class DamagedError(ValueError):
    """Bytes that are not what dedup writes (the caller says where they came from)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@dataclasses.dataclass(frozen=True, slots=True)
class NewPage:
    """A page to insert: its sample, band keys (None without a body) and anchors."""

    doc_id: str
    sample: Sample
    band_keys: npt.NDArray[np.uint32] | None  # folded (`dedup.fingerprint.bands.fold32`)
    anchors: npt.NDArray[np.uint32]  # mixed ids (`dedup.index.anchors`); none without a body
    added: float
    body: bytes = b""  # kept (`dedup.index.bodies`): empty for most pages


@dataclasses.dataclass(frozen=True, slots=True)
class Added:
    """A page the add script inserted: its number, and the numbers of the pages sharing a
    band with it that were indexed before it (sorted, unique)."""

    number: int
    earlier: npt.NDArray[np.uint32]


def decode_records(records: list[bytes]) -> tuple[SampleColumns, list[str]]:
    """The samples and doc_ids of page records (see the layout), all at once: records
    are whole words, so the batch is one array of words and each field a gather."""
    sizes = np.fromiter(map(len, records), dtype=np.int64, count=len(records))
    if np.any(sizes % 4) or np.any(sizes < 16):
        raise DamagedError("page record")
    joined = b"".join(records)
    words = np.frombuffer(joined, dtype=NUMBER).astype(np.uint32, copy=False)
    lengths = sizes // 4
    starts = np.cumsum(lengths) - lengths
    header = words[starts[:, np.newaxis] + np.arange(4)].astype(np.int64)
    counts, number_counts, name_sizes = header[:, 1], header[:, 2], header[:, 3]
    name_starts = starts + 4 + counts + number_counts
    if np.any(name_starts + (name_sizes + 3) // 4 != starts + lengths):
        raise DamagedError("page record")
    try:
        names = [
            joined[start : start + size].decode("utf-8", "surrogatepass")
            for start, size in zip((name_starts * 4).tolist(), name_sizes.tolist(), strict=True)
        ]
    except UnicodeDecodeError as error:
        raise DamagedError("page record") from error
    columns = SampleColumns(
        words[ranges(starts + 4, counts)],
        np.cumsum(counts),
        words[ranges(starts + 4 + counts, number_counts)],
        np.cumsum(number_counts),
        header[:, 0].astype(np.uint32),
    )
    return columns, names


# What `add_args` gives for each page, in order: doc_id, record, band and anchor fields,
# time added, kept body.
ADD_ARGS = 5


def add_args(pages: list[NewPage]) -> list[bytes | str]:
    args: list[bytes | str] = []
    for page in pages:
        sample = page.sample
        name = page.doc_id.encode("utf-8", "surrogatepass")
        header = np.array(
            [sample.size, sample.values.size, sample.numbers.size, len(name)], dtype=NUMBER
        )
        record = b"".join(
            (
                header.tobytes(),
                sample.values.astype(NUMBER).tobytes(),
                sample.numbers.astype(NUMBER).tobytes(),
                name,
                bytes(-len(name) % 4),  # whole words: a batch of records is one array
            )
        )
        fields = b"" if page.band_keys is None else lookup_fields(page.band_keys, page.anchors)
        # repr(added), not the time as a str: a str would fail on a surrogate.
        args += [name, record, fields, repr(page.added), page.body]
    return args


def band_fields(band_keys: npt.NDArray[np.uint32]) -> bytes:
    """A page's folded band keys as the bands hash's fields, one after the other."""
    return band_field_bytes(band_keys[np.newaxis]).tobytes()


def lookup_fields(band_keys: npt.NDArray[np.uint32], anchors: npt.NDArray[np.uint32]) -> bytes:
    """A page's band fields, then its anchor fields: what a lookup reads and an add writes."""
    fields = np.empty(anchors.size, dtype=BAND_FIELD)
    fields["band"] = ANCHOR
    fields["key"] = anchors
    return band_fields(band_keys) + fields.tobytes()


def band_field_bytes(band_keys: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    """Pages' band fields (band, uint16; key, uint32): shape (pages, bands, 6)."""
    pages, bands = band_keys.shape
    fields = np.empty((pages, bands), dtype=BAND_FIELD)
    fields["band"] = np.arange(bands)
    fields["key"] = band_keys
    return fields.view(np.uint8).reshape(pages, bands, BAND_FIELD.itemsize)


def packed_hmgets(key: str, fields: npt.NDArray[np.uint8]) -> bytes:
    """HMGET commands in Redis's protocol (RESP), one for each row of ``fields`` (shape:
    commands, fields per command, bytes per field)."""
    commands, count, width = fields.shape
    name = key.encode("utf-8")
    head = np.frombuffer(
        b"*%d\r\n$5\r\nHMGET\r\n$%d\r\n%s\r\n" % (count + 2, len(name), name), np.uint8
    )
    prefix = np.frombuffer(b"$%d\r\n" % width, np.uint8)
    cells = np.empty((commands, count, prefix.size + width + 2), dtype=np.uint8)
    cells[:, :, : prefix.size] = prefix
    cells[:, :, prefix.size : prefix.size + width] = fields
    cells[:, :, -2:] = np.frombuffer(b"\r\n", np.uint8)
    packed = np.empty((commands, head.size + cells[0].size), dtype=np.uint8)
    packed[:, : head.size] = head
    packed[:, head.size :] = cells.reshape(commands, -1)
    return packed.tobytes()


def texts(raws: list[bytes]) -> list[str]:
    """Decoded, each distinct value once: a page's candidates mostly share one original."""
    decoded = {raw: text(raw) for raw in set(raws)}
    return [decoded[raw] for raw in raws]


def name_bytes(doc_id: str) -> bytes:
    """A doc_id as Redis keeps it: UTF-8, with the surrogates that stand for a file name's
    undecodable bytes kept (a plain encode would fail on them)."""
    return doc_id.encode("utf-8", "surrogatepass")


def text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogatepass")
