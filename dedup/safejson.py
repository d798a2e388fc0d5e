"""JSON parsing that cannot exhaust the stack: nesting is measured before `json.loads`.

Python's parser recurses once per level of nesting, so ``[[[[…`` a hundred thousand deep
raises RecursionError (not ValueError) and would stop whatever read it. The depth is found
first, in a few vectorised passes over the bytes (strings blanked out, then a running sum of
brackets), and a document nested deeper than `MAX_DEPTH` is refused as malformed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

MAX_DEPTH = 200  # real records nest a few levels; Python's own limit is about 1,000 frames
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1


class TooDeepError(ValueError):
    """JSON nested deeper than the limit."""


def nesting_depth(data: bytes | str) -> int:
    """How deep brackets nest in a JSON text (brackets inside strings do not count)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if b"[" not in raw and b"{" not in raw:
        return 0
    bare = _STRING.sub(b'""', raw) if b'"' in raw else raw
    steps = _OPEN[np.frombuffer(bare, dtype=np.uint8)].astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads`, refusing documents nested deeper than `max_depth`.

    Raises:
        ValueError: not JSON, or nested too deep (`TooDeepError`).
        UnicodeDecodeError: bytes that are not UTF-8.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    # Fewer brackets than the limit cannot nest past it: most records stop here.
    if raw.count(b"[") + raw.count(b"{") > max_depth and (depth := nesting_depth(raw)) > max_depth:
        raise TooDeepError(f"nested {depth} levels deep (more than {max_depth})")
    return json.loads(data)
