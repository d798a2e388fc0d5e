"""Paths and records -> raw pages: walking folders, recognising formats, decoding bytes."""

from dedup.readers.decode import decode_bytes, normalize_charset, repair_mojibake
from dedup.readers.files import InputFile, list_inputs
from dedup.readers.formats import (
    DEFAULT_FIELDS,
    FieldMap,
    RawPage,
    read_pages,
)

__all__ = [
    "DEFAULT_FIELDS",
    "FieldMap",
    "InputFile",
    "RawPage",
    "decode_bytes",
    "list_inputs",
    "normalize_charset",
    "read_pages",
    "repair_mojibake",
]
