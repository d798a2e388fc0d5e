"""Saved indexes: a versioned JSON header plus raw arrays, checked before anything is trusted.

Layout (all integers little-endian)::

    b"DEDUPIDX"                 8-byte magic
    uint32 header length        at most 1 MiB
    header                      UTF-8 JSON: format, versions, scheme, config, count, arrays
    arrays                      raw bytes, in the order and sizes the header declares

The header states every array's dtype, shape and byte count and a SHA-256 of the payload.
Loading checks the magic, the format version, the header's shape, that the declared sizes
add up to the file's real size (before allocating anything), the checksum, and that every
offset and reference stays in range; no code is ever executed from the file (no pickle).

Format 4 holds, per page, its shingle sample (`dedup.index.sketches`: bottom-k, and every
anchor of a long page) and shingle count, its distinctive numbers, when it was added, its
original and its kept body (`dedup.index.bodies`: empty for most pages); the LSH band
arrays and the anchor postings (`dedup.index.anchors`) as the index keeps them (sorted),
so loading needs no sort and no per-page work but the ids. Format 3 is format 4 without
the kept bodies: it is read, its pages keeping none (their slots are not checked; pages
added since are). Files of formats 1 (full shingle sets and signatures) and 2 (no anchor
postings: the index would miss the copies they find) are refused with a message to
rebuild them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from dedup import safejson
from dedup.atomic import atomic_writer, output_target, remove_temporaries
from dedup.config import DedupConfig
from dedup.errors import ConfigError, DedupError, IndexFormatError
from dedup.fingerprint.signature import SCHEME
from dedup.lock import locked

MAGIC = b"DEDUPIDX"
FORMAT = 4
# Format 3 is format 4 without these arrays: it is read with no kept bodies.
_WITHOUT_BODIES = 3
_SINCE_FORMAT_4 = ("bodies", "body_offsets")
MAX_HEADER = 1 << 20
# dtype and number of dimensions of each array, in file order.
_ARRAYS = {
    "id_bytes": ("|u1", 1),
    "id_offsets": ("<u8", 1),
    "sizes": ("<u4", 1),
    "samples": ("<u4", 1),
    "sample_offsets": ("<u8", 1),
    "numbers": ("<u4", 1),
    "number_offsets": ("<u8", 1),
    "added": ("<f8", 1),
    "originals": ("<i8", 1),
    "band_keys": ("<u4", 2),
    "band_slots": ("<i4", 2),
    "anchor_keys": ("<u4", 1),
    "anchor_slots": ("<i4", 1),
    "bodies": ("|u1", 1),
    "body_offsets": ("<u8", 1),
}


@dataclass(frozen=True, slots=True)
class IndexData:
    """The persistent state of an index: pages in the order they were added, with their
    samples and numbers (flat arrays cut by offsets), and the band index's rows (one per
    band, sorted by key) with the page row of each key beside them."""

    config: DedupConfig
    doc_ids: list[str]
    extra_names: list[str]  # originals no longer indexed themselves
    sizes: npt.NDArray[np.uint32]
    samples: npt.NDArray[np.uint32]
    sample_offsets: npt.NDArray[np.uint64]
    numbers: npt.NDArray[np.uint32]
    number_offsets: npt.NDArray[np.uint64]
    added: npt.NDArray[np.float64]
    originals: npt.NDArray[np.int64]  # per page: a row of doc_ids followed by extra_names
    band_keys: npt.NDArray[np.uint32]
    band_slots: npt.NDArray[np.int32]
    anchor_keys: npt.NDArray[np.uint32]  # sorted; a page's slot beside each of its anchors
    anchor_slots: npt.NDArray[np.int32]
    bodies: npt.NDArray[np.uint8]  # kept bodies (`dedup.index.bodies`), cut by offsets
    body_offsets: npt.NDArray[np.uint64]


def save_index(data: IndexData, path: str | os.PathLike[str]) -> None:
    """Write an index atomically (temporary file, fsync, rename), holding its write lock
    (`dedup.lock`); the temporary files of writers killed before they finished go.

    Raises:
        OutputError: `path` is a folder, a special file, or in a folder that is missing.
    """
    output_target(path)  # refused before anything is made
    names = [*data.doc_ids, *data.extra_names]
    encoded = [name.encode("utf-8", "surrogatepass") for name in names]
    id_offsets = np.zeros(len(encoded) + 1, dtype="<u8")
    np.cumsum([len(e) for e in encoded], out=id_offsets[1:])
    arrays = {
        "id_bytes": np.frombuffer(b"".join(encoded), dtype="|u1"),
        "id_offsets": id_offsets,
        "sizes": np.ascontiguousarray(data.sizes, dtype="<u4"),
        "samples": np.ascontiguousarray(data.samples, dtype="<u4"),
        "sample_offsets": np.ascontiguousarray(data.sample_offsets, dtype="<u8"),
        "numbers": np.ascontiguousarray(data.numbers, dtype="<u4"),
        "number_offsets": np.ascontiguousarray(data.number_offsets, dtype="<u8"),
        "added": np.ascontiguousarray(data.added, dtype="<f8"),
        "originals": np.ascontiguousarray(data.originals, dtype="<i8"),
        "band_keys": np.ascontiguousarray(data.band_keys, dtype="<u4"),
        "band_slots": np.ascontiguousarray(data.band_slots, dtype="<i4"),
        "anchor_keys": np.ascontiguousarray(data.anchor_keys, dtype="<u4"),
        "anchor_slots": np.ascontiguousarray(data.anchor_slots, dtype="<i4"),
        "bodies": np.ascontiguousarray(data.bodies, dtype="|u1"),
        "body_offsets": np.ascontiguousarray(data.body_offsets, dtype="<u8"),
    }
    digest = hashlib.sha256()
    for array in arrays.values():
        digest.update(array.tobytes())
    header = {
        "format": FORMAT,
        "dedup_version": _version("dedup"),
        "datasketch_version": _version("datasketch"),
        "scheme": SCHEME,
        "config": data.config.index_settings(),
        "count": len(data.doc_ids),
        "extra_names": len(data.extra_names),
        "arrays": {
            name: {"dtype": array.dtype.str, "shape": list(array.shape), "nbytes": array.nbytes}
            for name, array in arrays.items()
        },
        "sha256": digest.hexdigest(),
    }
    blob = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    with locked(path):
        remove_temporaries(path)
        with atomic_writer(path) as stream:
            stream.write(MAGIC + struct.pack("<I", len(blob)) + blob)
            for array in arrays.values():
                stream.write(array.tobytes())


def load_index(path: str | os.PathLike[str]) -> IndexData:
    """Read and check an index file.

    Raises:
        IndexFormatError: not a dedup index, another format version, damaged or truncated,
            or made with an incompatible MinHash scheme.
    """
    where = str(path)
    _clear_leftovers(path)
    try:
        size = Path(path).stat().st_size
        with open(path, "rb") as stream:
            header, payload_start = _read_header(stream, where)
            layout = _check_layout(header, size - payload_start, where)
            arrays = _read_arrays(stream, layout, header["sha256"], where)
    except OSError as error:
        raise IndexFormatError(
            f"{where}: cannot read the index ({error.strerror or error})"
        ) from error
    return _assemble(header, arrays, where)


def _clear_leftovers(path: str | os.PathLike[str]) -> None:
    """Remove what writers killed mid-save left beside the index, when no one is writing
    it now; a folder that cannot be written keeps them (loading needs no write access)."""
    if not os.path.isfile(path):
        return
    try:
        with locked(path, wait=False) as alone:
            if alone:
                remove_temporaries(path)
    except (DedupError, OSError):
        return


def _version(package: str) -> str:
    # Imported here: importlib.metadata (and the email package under it) costs every
    # process that only adds pages a noticeable part of its start-up.
    from importlib.metadata import version

    try:
        return version(package)
    except Exception:  # noqa: BLE001 - a source tree without metadata still saves
        return "unknown"


def _read_header(stream: BinaryIO, where: str) -> tuple[dict[str, Any], int]:
    start = stream.read(len(MAGIC) + 4)
    if len(start) < len(MAGIC) + 4 or not start.startswith(MAGIC):
        raise IndexFormatError(f"{where}: not a dedup index file (no DEDUPIDX signature)")
    (length,) = struct.unpack("<I", start[len(MAGIC) :])
    if length > MAX_HEADER:
        raise IndexFormatError(f"{where}: damaged index (header of {length} bytes declared)")
    blob = stream.read(length)
    if len(blob) != length:
        raise IndexFormatError(f"{where}: truncated index (header cut short)")
    try:
        header = safejson.loads(blob.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise IndexFormatError(f"{where}: damaged index (header is not JSON)") from error
    if not isinstance(header, dict):
        raise IndexFormatError(f"{where}: damaged index (header is not an object)")
    if header.get("format") == 2:
        raise IndexFormatError(
            f"{where}: index format 2, which has no anchor postings (this dedup finds a "
            "page carried inside a longer one through them); rebuild the index with this "
            "version: add its pages again and save"
        )
    if header.get("format") not in (_WITHOUT_BODIES, FORMAT):
        raise IndexFormatError(
            f"{where}: index format {header.get('format')!r}; this dedup reads formats "
            f"{_WITHOUT_BODIES} and {FORMAT}. Rebuild the index with this version"
        )
    if header.get("scheme") != SCHEME:
        raise IndexFormatError(
            f"{where}: signatures use MinHash scheme {header.get('scheme')!r}, not {SCHEME!r}; "
            "rebuild the index"
        )
    saved = str(header.get("datasketch_version", "")).split(".")[0]
    if saved != _version("datasketch").split(".")[0]:
        raise IndexFormatError(
            f"{where}: made with datasketch {header.get('datasketch_version')}, whose "
            f"signatures differ from datasketch {_version('datasketch')}'s; rebuild the index"
        )
    return header, len(MAGIC) + 4 + length


def _check_layout(
    header: dict[str, Any], payload_size: int, where: str
) -> list[tuple[str, str, tuple[int, ...], int]]:
    """The arrays to read, after checking that the declared sizes are consistent with each
    other and with the file, so a crafted header cannot make us allocate more than the file."""
    declared = header.get("arrays")
    count, extra = header.get("count"), header.get("extra_names")
    if (
        not isinstance(declared, dict)
        or not isinstance(count, int)
        or not isinstance(extra, int)
        or count < 0
        or extra < 0
    ):
        raise IndexFormatError(f"{where}: damaged index (arrays or count missing)")
    layout = []
    for name, (dtype, ndim) in _ARRAYS.items():
        if header["format"] == _WITHOUT_BODIES and name in _SINCE_FORMAT_4:
            continue
        spec = declared.get(name)
        if not isinstance(spec, dict) or spec.get("dtype") != dtype:
            raise IndexFormatError(f"{where}: damaged index (array {name} missing or mistyped)")
        shape = spec.get("shape")
        if (
            not isinstance(shape, list)
            or len(shape) != ndim
            or not all(isinstance(n, int) and n >= 0 for n in shape)
        ):
            raise IndexFormatError(f"{where}: damaged index (array {name} has a bad shape)")
        nbytes = int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize
        if nbytes != spec.get("nbytes"):
            raise IndexFormatError(f"{where}: damaged index (array {name} size disagrees)")
        layout.append((name, dtype, tuple(shape), nbytes))
    shapes = {name: shape for name, _, shape, _ in layout}
    shapes.setdefault("body_offsets", (count + 1,))
    if (
        shapes["id_offsets"] != (count + extra + 1,)
        or shapes["sample_offsets"] != (count + 1,)
        or shapes["number_offsets"] != (count + 1,)
        or shapes["body_offsets"] != (count + 1,)
        or shapes["sizes"] != (count,)
        or shapes["added"] != (count,)
        or shapes["originals"] != (count,)
        or shapes["band_keys"] != shapes["band_slots"]
        or shapes["band_keys"][1] > count
        or shapes["anchor_keys"] != shapes["anchor_slots"]
    ):
        raise IndexFormatError(f"{where}: damaged index (array lengths disagree with count)")
    total = sum(nbytes for *_, nbytes in layout)
    if total != payload_size:
        state = "truncated" if payload_size < total else "damaged"
        raise IndexFormatError(
            f"{where}: {state} index (expected {total} bytes of arrays, found {payload_size})"
        )
    return layout


def _read_arrays(
    stream: BinaryIO,
    layout: list[tuple[str, str, tuple[int, ...], int]],
    sha256: object,
    where: str,
) -> dict[str, np.ndarray]:
    digest = hashlib.sha256()
    arrays = {}
    for name, dtype, shape, nbytes in layout:
        raw = stream.read(nbytes)
        if len(raw) != nbytes:
            raise IndexFormatError(f"{where}: truncated index (array {name} cut short)")
        digest.update(raw)
        arrays[name] = np.frombuffer(raw, dtype=dtype).reshape(shape)
    if digest.hexdigest() != sha256:
        raise IndexFormatError(f"{where}: damaged index (checksum mismatch); restore or rebuild it")
    return arrays


def _assemble(header: dict[str, Any], arrays: dict[str, np.ndarray], where: str) -> IndexData:
    try:
        config = DedupConfig(
            **{**header["config"], "fields": tuple(header["config"].get("fields", ()))}
        )
    except (ConfigError, TypeError) as error:
        raise IndexFormatError(f"{where}: damaged index (config: {error})") from error
    id_offsets, sample_offsets = arrays["id_offsets"], arrays["sample_offsets"]
    number_offsets, count = arrays["number_offsets"], header["count"]
    # A format-3 file's pages keep no body.
    bodies = arrays.get("bodies", np.zeros(0, dtype=np.uint8))
    body_offsets = arrays.get("body_offsets", np.zeros(count + 1, dtype=np.uint64))
    if not (
        _monotonic(id_offsets, arrays["id_bytes"].size)
        and _monotonic(sample_offsets, arrays["samples"].size)
        and _monotonic(number_offsets, arrays["numbers"].size)
        and _monotonic(body_offsets, bodies.size)
    ):
        raise IndexFormatError(f"{where}: damaged index (offsets out of order)")
    band_keys, band_slots = arrays["band_keys"], arrays["band_slots"]
    if band_keys.shape[0] != config.lsh_bands:
        raise IndexFormatError(f"{where}: damaged index (band arrays do not match the bands)")
    if band_slots.size and (band_slots.min() < 0 or band_slots.max() >= count):
        raise IndexFormatError(f"{where}: damaged index (band slots out of range)")
    if not bool(np.all(band_keys[:, 1:] >= band_keys[:, :-1])):
        raise IndexFormatError(f"{where}: damaged index (band keys out of order)")
    anchor_keys, anchor_slots = arrays["anchor_keys"], arrays["anchor_slots"]
    if anchor_slots.size and (anchor_slots.min() < 0 or anchor_slots.max() >= count):
        raise IndexFormatError(f"{where}: damaged index (anchor slots out of range)")
    if not bool(np.all(anchor_keys[1:] >= anchor_keys[:-1])):
        raise IndexFormatError(f"{where}: damaged index (anchor keys out of order)")
    if not bool(np.all(np.isfinite(arrays["added"]))):
        raise IndexFormatError(f"{where}: damaged index (a time added is not a number)")
    names = _names(arrays["id_bytes"].tobytes(), id_offsets, where)
    originals = arrays["originals"].astype(np.int64)
    if originals.size and (originals.min() < 0 or originals.max() >= len(names)):
        raise IndexFormatError(f"{where}: damaged index (originals out of range)")
    doc_ids = names[:count]
    if len(set(doc_ids)) != len(doc_ids):
        raise IndexFormatError(f"{where}: damaged index (a document id appears twice)")
    return IndexData(
        config=config,
        doc_ids=doc_ids,
        extra_names=names[count:],
        sizes=arrays["sizes"].astype(np.uint32),
        samples=arrays["samples"].astype(np.uint32),
        sample_offsets=sample_offsets.astype(np.uint64),
        numbers=arrays["numbers"].astype(np.uint32),
        number_offsets=number_offsets.astype(np.uint64),
        added=arrays["added"].astype(np.float64),
        originals=originals,
        band_keys=band_keys.astype(np.uint32),
        band_slots=band_slots.astype(np.int32),
        anchor_keys=anchor_keys.astype(np.uint32),
        anchor_slots=anchor_slots.astype(np.int32),
        bodies=bodies.astype(np.uint8),
        body_offsets=body_offsets.astype(np.uint64),
    )


def _names(raw: bytes, offsets: np.ndarray, where: str) -> list[str]:
    bounds = offsets.astype(np.int64).tolist()
    try:
        return [
            raw[start:end].decode("utf-8", "surrogatepass")
            for start, end in itertools.pairwise(bounds)
        ]
    except UnicodeDecodeError as error:
        raise IndexFormatError(f"{where}: damaged index (document ids)") from error


def _monotonic(offsets: np.ndarray, total: int) -> bool:
    return bool(
        offsets.size
        and offsets[0] == 0
        and offsets[-1] == total
        and np.all(np.diff(offsets.astype(np.int64)) >= 0)
    )
