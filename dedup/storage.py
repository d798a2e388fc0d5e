"""Saved indexes: a versioned JSON header plus raw arrays, checked before anything is trusted.

Layout (all integers little-endian)::

    b"DEDUPIDX"                 8-byte magic
    uint32 header length        at most 1 MiB
    header                      UTF-8 JSON: format, versions, scheme, config, count, arrays
    arrays                      raw bytes, in the order and sizes the header declares

The header states every array's dtype, shape and byte count and a SHA-256 of the payload.
Loading checks the magic, the format version, the header's shape, that the declared sizes
add up to the file's real size (before allocating anything), and the checksum; no code is
ever executed from the file (no pickle).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import os
import struct
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from dedup.atomic import atomic_writer
from dedup.config import DedupConfig
from dedup.errors import ConfigError, IndexFormatError
from dedup.signature import SCHEME

MAGIC = b"DEDUPIDX"
FORMAT = 1
MAX_HEADER = 1 << 20
# dtype and number of dimensions of each array, in file order.
_ARRAYS = {
    "id_bytes": ("|u1", 1),
    "id_offsets": ("<u8", 1),
    "signatures": ("<u4", 2),
    "shingles": ("<u4", 1),
    "shingle_offsets": ("<u8", 1),
    "numbers": ("<u4", 1),
    "number_offsets": ("<u8", 1),
    "added": ("<f8", 1),
    "originals": ("<i8", 1),
}


@dataclass(frozen=True, slots=True)
class IndexData:
    """The persistent state of an index: ids in insertion order, their signatures (one row
    each) and their shingle ids (a flat array cut by offsets)."""

    config: DedupConfig
    doc_ids: list[str]
    signatures: npt.NDArray[np.uint32]
    shingles: npt.NDArray[np.uint32]
    shingle_offsets: npt.NDArray[np.uint64]
    numbers: npt.NDArray[np.uint32]
    number_offsets: npt.NDArray[np.uint64]
    added: npt.NDArray[np.float64]
    originals: npt.NDArray[np.int64]  # row of each page's original, -1 when not indexed


def save_index(data: IndexData, path: str | os.PathLike[str]) -> None:
    """Write an index atomically (temporary file, fsync, rename)."""
    encoded = [doc_id.encode("utf-8", "surrogatepass") for doc_id in data.doc_ids]
    id_offsets = np.zeros(len(encoded) + 1, dtype="<u8")
    np.cumsum([len(e) for e in encoded], out=id_offsets[1:])
    arrays = {
        "id_bytes": np.frombuffer(b"".join(encoded), dtype="|u1"),
        "id_offsets": id_offsets,
        "signatures": np.ascontiguousarray(data.signatures, dtype="<u4"),
        "shingles": np.ascontiguousarray(data.shingles, dtype="<u4"),
        "shingle_offsets": np.ascontiguousarray(data.shingle_offsets, dtype="<u8"),
        "numbers": np.ascontiguousarray(data.numbers, dtype="<u4"),
        "number_offsets": np.ascontiguousarray(data.number_offsets, dtype="<u8"),
        "added": np.ascontiguousarray(data.added, dtype="<f8"),
        "originals": np.ascontiguousarray(data.originals, dtype="<i8"),
    }
    digest = hashlib.sha256()
    for array in arrays.values():
        digest.update(array.tobytes())
    header = {
        "format": FORMAT,
        "dedup_version": _version("dedup"),
        "datasketch_version": _version("datasketch"),
        "scheme": SCHEME,
        "config": dataclasses.asdict(data.config),
        "count": len(data.doc_ids),
        "arrays": {
            name: {"dtype": array.dtype.str, "shape": list(array.shape), "nbytes": array.nbytes}
            for name, array in arrays.items()
        },
        "sha256": digest.hexdigest(),
    }
    blob = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
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


def _version(package: str) -> str:
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
        header = json.loads(blob.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise IndexFormatError(f"{where}: damaged index (header is not JSON)") from error
    if not isinstance(header, dict):
        raise IndexFormatError(f"{where}: damaged index (header is not an object)")
    if header.get("format") != FORMAT:
        raise IndexFormatError(
            f"{where}: index format {header.get('format')!r}; this dedup reads format {FORMAT}. "
            "Rebuild the index with this version"
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
    count = header.get("count")
    if not isinstance(declared, dict) or not isinstance(count, int) or count < 0:
        raise IndexFormatError(f"{where}: damaged index (arrays or count missing)")
    layout = []
    for name, (dtype, ndim) in _ARRAYS.items():
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
    if (
        shapes["id_offsets"] != (count + 1,)
        or shapes["shingle_offsets"] != (count + 1,)
        or shapes["number_offsets"] != (count + 1,)
        or shapes["added"] != (count,)
        or shapes["originals"] != (count,)
        or shapes["signatures"][0] != count
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
    id_offsets, shingle_offsets = arrays["id_offsets"], arrays["shingle_offsets"]
    number_offsets = arrays["number_offsets"]
    if not (
        _monotonic(id_offsets, arrays["id_bytes"].size)
        and _monotonic(shingle_offsets, arrays["shingles"].size)
        and _monotonic(number_offsets, arrays["numbers"].size)
    ):
        raise IndexFormatError(f"{where}: damaged index (offsets out of order)")
    if arrays["signatures"].shape[1:] != (config.num_perm,):
        raise IndexFormatError(f"{where}: damaged index (signature width is not num_perm)")
    raw_ids = arrays["id_bytes"].tobytes()
    try:
        doc_ids = [
            raw_ids[int(start) : int(end)].decode("utf-8", "surrogatepass")
            for start, end in itertools.pairwise(id_offsets)
        ]
    except UnicodeDecodeError as error:
        raise IndexFormatError(f"{where}: damaged index (document ids)") from error
    originals = arrays["originals"].astype(np.int64)
    if originals.size and (originals.min() < -1 or originals.max() >= originals.size):
        raise IndexFormatError(f"{where}: damaged index (originals out of range)")
    if len(set(doc_ids)) != len(doc_ids):
        raise IndexFormatError(f"{where}: damaged index (a document id appears twice)")
    return IndexData(
        config=config,
        doc_ids=doc_ids,
        signatures=arrays["signatures"].astype(np.uint32),
        shingles=arrays["shingles"].astype(np.uint32),
        shingle_offsets=shingle_offsets.astype(np.uint64),
        numbers=arrays["numbers"].astype(np.uint32),
        number_offsets=number_offsets.astype(np.uint64),
        added=arrays["added"].astype(np.float64),
        originals=originals,
    )


def _monotonic(offsets: np.ndarray, total: int) -> bool:
    return bool(
        offsets.size
        and offsets[0] == 0
        and offsets[-1] == total
        and np.all(np.diff(offsets.astype(np.int64)) >= 0)
    )
