"""A scan's pages on disk: bodies, fingerprints and signatures in a temporary store.

The scan keeps in memory, per page, only what finds candidates (the anchors, until they are
paired) and where each page is in the files; documents (metadata and bodies), shingle ids,
signatures, anchors and LSH band keys go to files in a temporary folder as chunks arrive
and are read back when verification, banding, a report or the crawler index needs them: a
page at a time, or a band's keys at a time. Memory then grows with the work in flight and a
few numbers a page, not with the documents.

The folder is removed by `PageStore.close`, on failure and interrupt by the scan itself, and
at the latest when the store is garbage collected or the process exits.
"""

from __future__ import annotations

import itertools
import os
import pickle
import shutil
import tempfile
import weakref
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, BinaryIO, TypeVar, overload

import numpy as np
import numpy.typing as npt

from dedup.batch.columns import same_items
from dedup.errors import DedupError
from dedup.fingerprint.shingle import Fingerprint, ShingleIds
from dedup.models import Document
from dedup.readers.files import InputFile, is_url

_Item = TypeVar("_Item")
PREFIX = "dedup-scan-"
# The store's size per input byte, at most: CJK text (3 bytes a character) gives its body
# again in UTF-8 and a 4-byte shingle id per character, plus the signature.
BYTES_PER_INPUT_BYTE = 2.5
# Headroom kept free beyond the estimate (the reports, the system's own needs).
MARGIN = 64 * 1024 * 1024
_CACHED = 512  # fingerprints kept once read back


class StoreSpaceError(DedupError):
    """The temporary folder has too little free space for the scan's store."""


def check_space(
    folder: str | None, input_bytes: int, per_input_byte: float = BYTES_PER_INPUT_BYTE
) -> None:
    """Refuse to start a scan whose store would not fit in `folder` (default: the system's
    temporary folder), estimated from the inputs' size (`per_input_byte` bytes each).

    Raises:
        StoreSpaceError: with a one-line message saying where, how much, and what to do.
    """
    where = folder or tempfile.gettempdir()
    try:
        free = shutil.disk_usage(where).free
    except OSError as error:
        raise StoreSpaceError(
            f"{where}: cannot use this temporary folder ({error.strerror or error}); "
            "choose another with --tmp-dir"
        ) from error
    needed = int(input_bytes * per_input_byte) + MARGIN
    if free < needed:
        raise StoreSpaceError(
            f"{where}: {_megabytes(free)} free, the scan's temporary store needs about "
            f"{_megabytes(needed)} for {_megabytes(input_bytes)} of input; free some space "
            "or choose another folder with --tmp-dir"
        )


def input_bytes(inputs: Sequence[InputFile]) -> int:
    """The inputs' size on disk (files behind a URL count as nothing: their size is not
    known without asking)."""
    total = 0
    for item in inputs:
        if is_url(item.path) and item.source is None:
            continue
        try:
            total += os.stat(item.source or item.path).st_size
        except OSError:
            continue  # reading it will say what is wrong
    return total


def _megabytes(count: int) -> str:
    return f"{count / 1e6:,.0f} MB"


@dataclass(frozen=True, slots=True)
class Rows:
    """Byte strings one after the other (`data`) and each one's length: rows as a store's
    file holds them. Made where the rows are made (a worker process), they cross to the
    store's process as one byte string, and are written as they are."""

    data: bytes
    lengths: list[int]

    @classmethod
    def of(cls, items: Sequence[bytes]) -> Rows:
        return cls(b"".join(items), [len(item) for item in items])

    @classmethod
    def of_arrays(cls, arrays: Sequence[npt.NDArray[Any]]) -> Rows:
        """Each array's values as uint32, a row an array."""
        if not arrays:
            return cls(b"", [])
        data = np.concatenate(arrays).astype(np.uint32, copy=False).tobytes()
        return cls(data, [4 * values.size for values in arrays])

    def __len__(self) -> int:
        return len(self.lengths)


class _Blobs:
    """An append-only file of byte strings, read back by row."""

    def __init__(self, path: str) -> None:
        self._file: BinaryIO = open(path, "w+b")  # noqa: SIM115 - closed by PageStore.close
        self._starts = array("q", [0])
        self._unflushed = False

    def extend(self, items: Sequence[bytes]) -> int:
        """Append byte strings in one write; the row of the first."""
        return self.extend_rows(Rows.of(items))

    def extend_rows(self, rows: Rows) -> int:
        """Append rows in one write; the row of the first."""
        first = len(self._starts) - 1
        self._file.write(rows.data)
        # The last start (the end of the file) is taken off and given back first.
        self._starts.extend(itertools.accumulate(rows.lengths, initial=self._starts.pop()))
        self._unflushed = True
        return first

    def read(self, row: int) -> bytes:
        start = self._starts[row]
        return self.read_part(row, 0, self._starts[row + 1] - start)

    def read_part(self, row: int, offset: int, length: int) -> bytes:
        """`length` bytes of a row's, from `offset` into it."""
        self.flush()
        return os.pread(self._file.fileno(), length, self._starts[row] + offset)

    def flush(self) -> None:
        """Write what is buffered, so that the file holds every row (another process may
        read it)."""
        if self._unflushed:
            self._file.flush()
            self._unflushed = False

    def __len__(self) -> int:
        return len(self._starts) - 1

    @property
    def size(self) -> int:
        return self._starts[-1]

    def close(self) -> None:
        self._file.close()


class Records:
    """Records (fingerprints) as rows of bytes: each field's value one after the other,
    arrays as their raw bytes (their dtype kept once, in the header), other values pickled.
    Every field of `kind` is kept, whatever it holds: none is dropped by a hand-made list."""

    def __init__(self, path: str, kind: type[Any] = Fingerprint) -> None:
        self._blobs = _Blobs(path)
        self._kind = kind
        self._names = self.names(kind)
        self._positional = all(not field.kw_only for field in fields(kind) if field.init)
        self._dtypes: list[np.dtype[Any] | None] | None = None  # None: pickled
        self._lengths = array("q")  # per row, per field: bytes
        self.sizes = array("q")  # per row: the fingerprint's size, asked of every page

    def extend(self, records: Sequence[Any]) -> None:
        """Append records in one write."""
        self.extend_rows(RecordRows.of(records, self._kind))

    def extend_rows(self, rows: RecordRows) -> None:
        """Append records made into rows (`RecordRows.of`) in one write."""
        if rows.dtypes is not None:
            if self._dtypes is None:
                self._dtypes = rows.dtypes
            elif not _same_kinds(rows.dtypes, self._dtypes):
                raise TypeError(
                    f"a fingerprint field changed kind: {rows.dtypes} are not {self._dtypes}"
                )
        self._lengths.extend(rows.field_lengths)
        self.sizes.extend(rows.sizes)
        self._blobs.extend_rows(rows.rows)

    @staticmethod
    def names(kind: type[Any] = Fingerprint) -> tuple[str, ...]:
        """The fields kept: every field a record is made from."""
        return tuple(field.name for field in fields(kind) if field.init)

    def read(self, row: int) -> Any:
        data = self._blobs.read(row)
        width = len(self._names)
        lengths = self._lengths[row * width : (row + 1) * width]
        values: list[Any] = []
        at = 0
        # An array is a view of the row's bytes (not of a copy of its piece), and the record
        # is made from its fields in order: verification reads a record for most pages.
        for dtype, length in zip(self._dtypes or (), lengths, strict=True):
            if dtype is None:
                values.append(pickle.loads(data[at : at + length]))
            else:
                values.append(np.frombuffer(data, dtype, length // dtype.itemsize, at))
            at += length
        if self._positional:
            return self._kind(*values)
        return self._kind(**dict(zip(self._names, values, strict=True)))

    def __len__(self) -> int:
        return len(self._blobs)

    def flush(self) -> None:
        self._blobs.flush()

    @property
    def size(self) -> int:
        return self._blobs.size

    def close(self) -> None:
        self._blobs.close()


@dataclass(frozen=True, slots=True)
class RecordRows:
    """Records (fingerprints) as `Records` writes them: each record's fields' bytes a row
    (`rows`), each field's length (`field_lengths`, record after record), each record's
    size, and the fields' dtypes (None: pickled; all None: no records)."""

    rows: Rows
    field_lengths: list[int]
    sizes: list[int]
    dtypes: list[np.dtype[Any] | None] | None

    @classmethod
    def of(cls, records: Sequence[Any], kind: type[Any] = Fingerprint) -> RecordRows:
        """The rows of records of `kind`: arrays as their raw bytes, other values pickled.

        Raises:
            TypeError: a field holds an array in one record and not in another, or arrays
                of another dtype or shape.
        """
        names = Records.names(kind)
        dtypes: list[np.dtype[Any] | None] | None = None
        parts: list[bytes] = []
        rows: list[int] = []
        for record in records:
            values = [getattr(record, name) for name in names]
            if dtypes is None:
                dtypes = [v.dtype if isinstance(v, np.ndarray) else None for v in values]
            row = [_field_bytes(v, dtype) for v, dtype in zip(values, dtypes, strict=True)]
            parts += row
            rows.append(sum(map(len, row)))
        return cls(
            Rows(b"".join(parts), rows),
            [len(part) for part in parts],
            [getattr(record, "size", 0) for record in records],
            dtypes,
        )


def _same_kinds(
    ours: Sequence[np.dtype[Any] | None], theirs: Sequence[np.dtype[Any] | None]
) -> bool:
    # Not `==` on the lists: a dtype equals None when it is float64 (np.dtype(None)).
    return len(ours) == len(theirs) and all(
        a is b or (a is not None and b is not None and a == b)
        for a, b in zip(ours, theirs, strict=True)
    )


def _field_bytes(value: Any, dtype: np.dtype[Any] | None) -> bytes:
    if dtype is None:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    if not isinstance(value, np.ndarray) or value.dtype != dtype or value.ndim != 1:
        raise TypeError(f"a fingerprint field changed kind: {value!r} is not 1-d {dtype}")
    return value.tobytes()


class BandKeys:
    """LSH band keys (one uint64 per page and band) in a file, read back a band at a time:
    banding sorts one band's keys at a time, so only one band's column need be in memory.

    Each chunk of pages is written band after band, so that a band's keys for the chunk
    are one read."""

    def __init__(self, path: str) -> None:
        self._blobs = _Blobs(path)
        self._rows = array("q")  # pages per chunk written
        self.bands = 0

    def extend(self, keys: npt.NDArray[np.uint64]) -> None:
        """Append the keys of some pages, shape (pages, bands)."""
        if not keys.shape[0]:
            return
        self.bands = keys.shape[1]
        self._blobs.extend([np.ascontiguousarray(keys.T, dtype=np.uint64).tobytes()])
        self._rows.append(keys.shape[0])

    def column(self, band: int) -> npt.NDArray[np.uint64]:
        """Every page's key of one band, in page order."""
        column = np.empty(sum(self._rows), dtype=np.uint64)
        at = 0
        for chunk, rows in enumerate(self._rows):
            column[at : at + rows] = np.frombuffer(
                self._blobs.read_part(chunk, band * rows * 8, rows * 8), dtype=np.uint64
            )
            at += rows
        return column

    def __len__(self) -> int:
        return sum(self._rows)

    @property
    def size(self) -> int:
        return self._blobs.size

    def close(self) -> None:
        self._blobs.close()


class PageStore:
    """The temporary store of one scan: a folder under `folder` (default: the system's
    temporary folder) holding every page's body, and the fingerprint, signature and band
    keys of every page that is clustered."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.path = tempfile.mkdtemp(prefix=PREFIX, dir=folder)
        self._bodies = _Blobs(os.path.join(self.path, "bodies"))
        self._metadata = _Blobs(os.path.join(self.path, "metadata"))
        self._clustered = array("q")  # the document row of each clustered page
        self._fingerprints = Records(os.path.join(self.path, "fingerprints"))
        self._signatures = _Blobs(os.path.join(self.path, "signatures"))
        self._anchors = _Blobs(os.path.join(self.path, "anchors"))
        self._figures = _Blobs(os.path.join(self.path, "figures"))
        self.band_keys = BandKeys(os.path.join(self.path, "bands"))
        self._cache: dict[int, Fingerprint] = {}
        self._remove = weakref.finalize(self, _remove, self.path, os.getpid(), self._closers())

    def _closers(self) -> tuple[Any, ...]:
        return (
            self._bodies,
            self._metadata,
            self._fingerprints,
            self._signatures,
            self._anchors,
            self._figures,
            self.band_keys,
        )

    def add_documents(self, documents: Sequence[Document]) -> range:
        """Spill documents, bodies and metadata; their rows (`document` reads one back)."""
        return self.add_document_rows(DocumentRows.of(documents))

    def add_document_rows(self, documents: DocumentRows) -> range:
        """`add_documents` of documents made into rows (`DocumentRows.of`)."""
        first = self._bodies.extend_rows(documents.bodies)
        self._metadata.extend_rows(documents.metadata)
        return range(first, first + len(documents.bodies))

    def document(self, row: int) -> StoredDocument:
        """The document stored at `row`: its metadata read back, its body when asked for."""
        if self.closed:
            raise DedupError("the scan's result was closed: its documents are gone")
        return StoredDocument.of(pickle.loads(self._metadata.read(row)), self, row)

    def cluster(self, rows: Iterable[int]) -> None:
        """Mark the documents at `rows` as clustered pages, in the order of their pages."""
        self._clustered.extend(rows)

    @property
    def documents(self) -> int:
        """How many documents the store holds."""
        return len(self._metadata)

    def body(self, row: int) -> str:
        """The body of the document stored at `row`."""
        if self.closed:
            raise DedupError("the scan's result was closed: its documents' bodies are gone")
        return self._bodies.read(row).decode("utf-8", "surrogatepass")

    def add_pages(
        self,
        fingerprints: Sequence[Fingerprint],
        signatures: Sequence[npt.NDArray[np.uint32]],
        anchors: Sequence[ShingleIds] = (),
        figures: Sequence[frozenset[str]] = (),
    ) -> None:
        """Spill clustered pages' fingerprints, signatures, anchors and figures (read back
        by position; a scan that does not make its groups' pairs again keeps no anchors,
        one that does not give its figures has them found again from the bodies)."""
        self.add_page_rows(PageRows.of(fingerprints, signatures, anchors, figures))

    def add_page_rows(self, pages: PageRows) -> None:
        """`add_pages` of pages made into rows (`PageRows.of`)."""
        self._fingerprints.extend_rows(pages.fingerprints)
        self._signatures.extend_rows(pages.signatures)
        self._anchors.extend_rows(pages.anchors)
        self._figures.extend_rows(pages.figures)

    def size(self, position: int) -> int:
        """The size of the clustered page at `position`'s fingerprint, without reading it."""
        return self._fingerprints.sizes[position]

    def fingerprint(self, position: int) -> Fingerprint:
        """The fingerprint of the clustered page at `position` (the last few read are kept:
        a cluster's representative is compared with each of its members in turn)."""
        cached = self._cache.get(position)
        if cached is None:
            cached = self._cache[position] = self._fingerprints.read(position)
            if len(self._cache) > _CACHED:
                del self._cache[next(iter(self._cache))]
        return cached

    def signature(self, position: int) -> npt.NDArray[np.uint32]:
        """The signature of the clustered page at `position`."""
        return np.frombuffer(self._signatures.read(position), dtype=np.uint32)

    def anchors(self, position: int) -> ShingleIds:
        """The anchors of the clustered page at `position`."""
        return np.frombuffer(self._anchors.read(position), dtype=np.uint32)

    def figures(self, position: int) -> frozenset[str]:
        """The figures of the clustered page at `position`, as given to `add_pages`."""
        return frozenset(self._figures.read(position).decode("utf-8").split())

    @property
    def has_figures(self) -> bool:
        """Whether every clustered page's figures were given (`add_pages`)."""
        return len(self._figures) == self.pages

    def flush(self) -> None:
        """Write what is buffered: processes forked from here then read every page."""
        for part in (
            self._bodies,
            self._metadata,
            self._fingerprints,
            self._signatures,
            self._anchors,
            self._figures,
        ):
            part.flush()

    @property
    def pages(self) -> int:
        """How many clustered pages the store holds."""
        return len(self._fingerprints)

    @property
    def disk_bytes(self) -> int:
        """Bytes written to the store's files."""
        return sum(part.size for part in self._closers())

    def close(self) -> None:
        """Remove the store's folder (its documents' bodies can then no longer be read)."""
        self._cache.clear()
        self._remove()

    @property
    def closed(self) -> bool:
        return not self._remove.alive


def _remove(path: str, owner: int, files: tuple[Any, ...]) -> None:
    # A forked worker inherits this finalizer: only the process that made the store removes it.
    if os.getpid() != owner:
        return
    for item in files:
        item.close()
    shutil.rmtree(path, ignore_errors=True)


class Stored(Sequence[_Item]):
    """Records of a store by position, each read back when asked for."""

    def __init__(self, count: Callable[[], int], read: Callable[[int], _Item]) -> None:
        self._count = count
        self._read = read

    def __len__(self) -> int:
        return self._count()

    @overload
    def __getitem__(self, index: int) -> _Item: ...
    @overload
    def __getitem__(self, index: slice) -> list[_Item]: ...
    def __getitem__(self, index: int | slice) -> _Item | list[_Item]:
        count = self._count()
        if isinstance(index, slice):
            return [self._read(i) for i in range(*index.indices(count))]
        if not -count <= index < count:
            raise IndexError(index)
        return self._read(index % count)

    def __iter__(self) -> Iterator[_Item]:
        return (self._read(i) for i in range(self._count()))


def stored_fingerprints(store: PageStore) -> Stored[Fingerprint]:
    """The clustered pages' fingerprints, by position, each read when first used."""
    return Stored(lambda: store.pages, lambda row: StoredFingerprint.of(store, row))


def stored_signatures(store: PageStore) -> Stored[npt.NDArray[np.uint32]]:
    """The clustered pages' signatures, by position."""
    return Stored(lambda: store.pages, store.signature)


def stored_anchors(store: PageStore) -> Stored[ShingleIds]:
    """The clustered pages' anchors, by position."""
    return Stored(lambda: store.pages, store.anchors)


def stored_figures(store: PageStore) -> Stored[frozenset[str]] | None:
    """The clustered pages' figures, by position; None when they were not given."""
    return Stored(lambda: store.pages, store.figures) if store.has_figures else None


_FIELDS = tuple(field.name for field in fields(Document) if field.name != "body")
# Setters of Document's own slots, in `_FIELDS` order (bound once: a stored document is
# made each time one is read back).
_SETTERS = tuple(Document.__dict__[name].__set__ for name in _FIELDS)
_METADATA = attrgetter(*_FIELDS)  # a document's fields but its body, as a tuple


@dataclass(frozen=True, slots=True)
class DocumentRows:
    """Documents as the store writes them (`PageStore.add_document_rows`): each body in
    UTF-8 (a lone surrogate kept), each document's other fields pickled."""

    bodies: Rows
    metadata: Rows

    @classmethod
    def of(cls, documents: Sequence[Document]) -> DocumentRows:
        dumps, protocol = pickle.dumps, pickle.HIGHEST_PROTOCOL
        return cls(
            Rows.of([document.body.encode("utf-8", "surrogatepass") for document in documents]),
            Rows.of([dumps(_METADATA(document), protocol) for document in documents]),
        )


@dataclass(frozen=True, slots=True)
class PageRows:
    """Clustered pages as the store writes them (`PageStore.add_page_rows`): fingerprints,
    signatures and anchors as uint32, figures in UTF-8, sorted, a space between two."""

    fingerprints: RecordRows
    signatures: Rows
    anchors: Rows
    figures: Rows

    @classmethod
    def of(
        cls,
        fingerprints: Sequence[Fingerprint],
        signatures: Sequence[npt.NDArray[np.uint32]],
        anchors: Sequence[ShingleIds] = (),
        figures: Sequence[frozenset[str]] = (),
    ) -> PageRows:
        return cls(
            RecordRows.of(fingerprints),
            Rows.of_arrays(signatures),
            Rows.of_arrays(anchors),
            # A figure holds no space (it is digits and a decimal point).
            Rows.of([" ".join(sorted(f)).encode("utf-8") for f in figures]),
        )

    def signature_array(self) -> npt.NDArray[np.uint32]:
        """The signatures, a row a page (a view of their bytes)."""
        values = np.frombuffer(self.signatures.data, dtype=np.uint32)
        pages = len(self.signatures)
        return values.reshape(pages, values.size // pages if pages else 0)

    def anchor_arrays(self) -> list[ShingleIds]:
        """Each page's anchors (views of their bytes)."""
        values = np.frombuffer(self.anchors.data, dtype=np.uint32)
        ends = list(itertools.accumulate(length // 4 for length in self.anchors.lengths))
        return [values[start:end] for start, end in zip([0, *ends], ends, strict=False)]


class StoredDocuments(Sequence[Document]):
    """Documents of a `PageStore` by position, each read back when asked for (a
    `StoredDocument`): every document stored, or with ``clustered`` those marked as
    clustered pages (`PageStore.cluster`), in the order of their pages. Memory holds none of
    them; a scan's result lists its documents so.

    It equals any sequence of the same documents, and pickles as a list of them."""

    def __init__(self, store: PageStore, *, clustered: bool = False) -> None:
        self._store = store
        self._rows: array[int] | None = store._clustered if clustered else None

    def __len__(self) -> int:
        return self._store.documents if self._rows is None else len(self._rows)

    def row(self, index: int) -> int:
        """The store's row of the document at `index`."""
        return index if self._rows is None else self._rows[index]

    @overload
    def __getitem__(self, index: int) -> Document: ...
    @overload
    def __getitem__(self, index: slice) -> list[Document]: ...
    def __getitem__(self, index: int | slice) -> Document | list[Document]:
        count = len(self)
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(count))]
        if not -count <= index < count:
            raise IndexError(index)
        return self._store.document(self.row(index % count))

    def __iter__(self) -> Iterator[Document]:
        return (self[index] for index in range(len(self)))

    def __eq__(self, other: object) -> bool:
        same = same_items(self, other)
        return NotImplemented if same is None else same

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return list, ([self._store.document(self.row(i)).plain() for i in range(len(self))],)

    def __repr__(self) -> str:
        return f"<{len(self)} stored documents>"


class StoredDocument(Document):
    """A Document whose body stays in a `PageStore` until it is read.

    It equals, hashes and pickles as the plain Document it stands for (a copy or a pickle
    is a plain Document, body included), so callers cannot tell them apart while the store
    is open."""

    __slots__ = ("_row", "_store")
    _store: PageStore
    _row: int

    def __new__(cls, *args: Any, **kwargs: Any) -> Document:  # type: ignore[misc]
        # `dataclasses.replace` and the like build a new one: it is a plain Document.
        return Document(*args, **kwargs)

    @classmethod
    def of(cls, values: tuple[Any, ...], store: PageStore, row: int) -> StoredDocument:
        """The document of a store's row, from its fields but the body (`_FIELDS` order)."""
        stored: StoredDocument = _attached(object.__new__(cls), store, row)
        for set_slot, value in zip(_SETTERS, values, strict=True):
            set_slot(stored, value)
        return stored

    @property
    def body(self) -> str:
        return self._store.body(self._row)

    def plain(self) -> Document:
        """The Document this one stands for, body read back."""
        return Document(**{name: getattr(self, name) for name in ("body", *_FIELDS)})

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return self.plain() == (other.plain() if isinstance(other, StoredDocument) else other)

    def __hash__(self) -> int:
        return hash(self.plain())

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _rebuilt, (Document, {f.name: getattr(self, f.name) for f in fields(Document)})

    def __repr__(self) -> str:
        return repr(self.plain())


def _attached(stored: _Item, store: PageStore, row: int) -> _Item:
    """A stored record's link to its row (the frozen classes refuse plain assignment)."""
    object.__setattr__(stored, "_store", store)
    object.__setattr__(stored, "_row", row)
    return stored


def _rebuilt(kind: type[Any], values: dict[str, Any]) -> Any:
    """A plain Document or Fingerprint from its fields (what a stored one pickles as)."""
    return kind(**values)


class StoredFingerprint(Fingerprint):
    """A Fingerprint read from a `PageStore` on first use: its size is known without
    reading (clustering asks every page's, most pages are never compared). Each field reads
    the stored record (see `PageStore.fingerprint`); it pickles as the plain Fingerprint it
    stands for."""

    __slots__ = ("_row", "_store")
    _store: PageStore
    _row: int

    def __new__(cls, *args: Any, **kwargs: Any) -> Fingerprint:  # type: ignore[misc]
        return Fingerprint(*args, **kwargs)  # as for a StoredDocument

    @classmethod
    def of(cls, store: PageStore, row: int) -> StoredFingerprint:
        stored: StoredFingerprint = _attached(object.__new__(cls), store, row)
        return stored

    @property
    def size(self) -> int:
        return self._store.size(self._row)

    def plain(self) -> Fingerprint:
        """The Fingerprint this one stands for."""
        return self._store.fingerprint(self._row)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        plain = self.plain()
        return _rebuilt, (Fingerprint, {name: getattr(plain, name) for name in Records.names()})

    def __repr__(self) -> str:
        return repr(self.plain())


def _read_field(name: str) -> property:
    return property(lambda self: getattr(self.plain(), name), doc=f"The stored {name}.")


for _name in Records.names():
    setattr(StoredFingerprint, _name, _read_field(_name))
