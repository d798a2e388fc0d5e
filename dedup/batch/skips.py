"""Why a page is left out of clustering or indexing, and how every skip is logged."""

from __future__ import annotations

import logging

from dedup.fingerprint.shingle import Fingerprint
from dedup.models import INTERNAL_ERROR, Document, Skip

logger = logging.getLogger(__name__)

NO_BODY = "no article body found"
MOJIBAKE = "garbled text (mojibake) that could not be repaired"
ALREADY_INDEXED = "already in the index"


def exclusion(document: Document, fingerprint: Fingerprint) -> str | None:
    """Why a page cannot be clustered or indexed (garbled, or no body), or None."""
    if document.mojibake:
        return MOJIBAKE
    if fingerprint.size == 0:
        return NO_BODY
    return None


def record_of(document: Document) -> str:
    """A skip's detail for a page that is a record of a file (``record 12``), else empty."""
    return document.doc_id.partition("#")[2] and f"record {document.doc_id.partition('#')[2]}"


def log_skip(skip: Skip) -> None:
    """Log a skip as one warning line: where, and why."""
    where = f"{skip.path} ({skip.detail})" if skip.detail else skip.path
    if skip.reason.startswith(INTERNAL_ERROR):
        logger.warning("%s: %s (skipped; please report it with this file)", where, skip.reason)
    else:
        logger.warning("%s: %s (skipped)", where, skip.reason)
