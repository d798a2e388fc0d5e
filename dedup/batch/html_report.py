"""Clusters -> one self-contained HTML page for people to read (the only Jinja2 user).

The page holds everything inline: styles, its script, the data, and the charts the script
draws. The overview (totals, sites, who copies whom) is rendered here; the list of clusters
and each cluster's details are drawn by the page's script from JSON blocks, one block per
cluster, read only when that cluster is opened, so a report of 100,000 pages opens at once.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from dedup.atomic import atomic_writer
from dedup.batch.textdiff import MAX_CHARS, diff_texts
from dedup.models import Cluster, Member, ScanResult, published_instant

# An enormous cluster lists this many members and shows this many copies beside the
# original; the page says how many more there are.
MAX_MEMBERS = 500
MAX_COMPARED = 40
TOP_SITES = 100
TOP_LINKS = 30
NO_SITE = "(no site)"


@dataclass(frozen=True, slots=True)
class SiteRow:
    """One line of the sites table."""

    site: str
    originals: int
    copies: int
    copied_from: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Totals:
    """The overview's counts."""

    files_read: int
    skipped: int
    documents: int
    clusters: int
    in_clusters: int


def render_html(result: ScanResult) -> Iterator[str]:
    """The report page for a scan, in pieces (the same text for the same scan)."""
    clusters = result.duplicate_clusters
    sites = _site_names(clusters)
    site_index = {name: number for number, name in enumerate(sites)}
    script, style = _asset("report.js"), _asset("report.css")
    template = _environment().get_template("report.html.j2")
    return template.generate(
        totals=Totals(
            files_read=result.files_read,
            skipped=len(result.skipped),
            documents=len(result.documents),
            clusters=len(clusters),
            in_clusters=sum(cluster.size for cluster in clusters),
        ),
        site_rows=_site_rows(clusters),
        links=_links(clusters),
        overview={
            "sites": sites,
            "clusters": [_overview_row(cluster, site_index) for cluster in clusters],
        },
        details=((cluster.cluster_id, _details(cluster, site_index)) for cluster in clusters),
        script=Markup(script),
        style=Markup(style),
        csp=_content_policy(script, style),
        top_sites=TOP_SITES,
    )


def write_html(result: ScanResult, destination: str | os.PathLike[str]) -> None:
    """Write the report page atomically (a temporary file renamed into place); the
    temporary file is kept in the scan's store while it is open (``result.store_folder``),
    so a process killed while writing leaves nothing beside the page."""
    with atomic_writer(destination, scratch=result.store_folder) as stream:
        for piece in render_html(result):
            # File names that are not UTF-8 reach here as lone surrogates.
            stream.write(piece.encode("utf-8", "replace"))


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("dedup", "data"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Raw UTF-8 (a third of the size of \\u escapes for Chinese); `tojson` still escapes
    # < > & ' so no text can close the data's <script> block.
    environment.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "separators": (",", ":")}
    return environment


@cache
def _asset(name: str) -> str:
    return resources.files("dedup").joinpath("data", name).read_text(encoding="utf-8")


def _content_policy(script: str, style: str) -> str:
    """Only the page's own script and style may run: no network, no inline handlers, and
    nothing that page text might smuggle in."""

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    return (
        f"default-src 'none'; script-src {digest(script)}; style-src {digest(style)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _site(member: Member) -> str:
    return member.document.site or member.document.site_key or NO_SITE


def _site_names(clusters: Sequence[Cluster]) -> list[str]:
    return sorted({_site(member) for cluster in clusters for member in cluster.members})


def _site_rows(clusters: Sequence[Cluster]) -> list[SiteRow]:
    originals: Counter[str] = Counter()
    copies: Counter[str] = Counter()
    sources: dict[str, Counter[str]] = defaultdict(Counter)
    for cluster in clusters:
        first = _site(_original(cluster))
        originals[first] += 1
        for member in _copies(cluster):
            copies[_site(member)] += 1
            if _site(member) != first:
                sources[_site(member)][first] += 1
    names = sorted(originals.keys() | copies.keys(), key=lambda s: (-originals[s] - copies[s], s))
    return [
        SiteRow(
            site=name,
            originals=originals[name],
            copies=copies[name],
            copied_from=tuple(sorted(sources[name].items(), key=lambda kv: (-kv[1], kv[0]))[:3]),
        )
        for name in names
    ]


def _links(clusters: Sequence[Cluster]) -> list[tuple[str, str, int]]:
    """(copying site, site of the original, copies) for the most frequent pairs."""
    pairs: Counter[tuple[str, str]] = Counter()
    for cluster in clusters:
        first = _site(_original(cluster))
        for member in _copies(cluster):
            if _site(member) != first:
                pairs[(_site(member), first)] += 1
    ranked = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_LINKS]
    return [(copier, source, count) for (copier, source), count in ranked]


def _timestamp(published: str | None) -> int | None:
    """Seconds since the epoch, reading a page's local time as UTC: only the order and the
    gaps between copies matter on a timeline."""
    instant = published_instant(published, "UTC")
    return None if instant is None else int(instant)


def _overview_row(cluster: Cluster, site_index: dict[str, int]) -> list[Any]:
    """[id, size, title, original's site, its published time, distinct sites, seconds from
    first to last copy, sites, relations], the cluster's line in the list."""
    first = _original(cluster)
    times = [t for m in cluster.members if (t := _timestamp(m.document.published)) is not None]
    sites = sorted({site_index[_site(m)] for m in cluster.members})
    return [
        cluster.cluster_id,
        cluster.size,
        first.document.title or first.document.doc_id,
        site_index[_site(first)],
        first.document.published or "",
        len(sites),
        max(times) - min(times) if len(times) > 1 else None,
        sites,
        sorted({m.relation for m in _copies(cluster)}),
    ]


def _original(cluster: Cluster) -> Member:
    """The member published first (the likely original; the centre may be another)."""
    return next((member for member in cluster.members if member.is_original), cluster.members[0])


def _copies(cluster: Cluster) -> list[Member]:
    original = _original(cluster)
    return [member for member in cluster.members if member is not original]


def _details(cluster: Cluster, site_index: dict[str, int]) -> dict[str, Any]:
    """Everything the page shows when a cluster is opened: its members, the original's
    body and each compared copy as edits against it."""
    members = cluster.members[:MAX_MEMBERS]
    original = cluster.members[0].document.body
    copies = [
        _compared(number, original, member)
        for number, member in enumerate(members[1 : MAX_COMPARED + 1], start=1)
    ]
    return {
        "members": [_member_row(member, site_index) for member in members],
        "size": cluster.size,
        "original": original[:MAX_CHARS],
        "copies": copies,
    }


def _member_row(member: Member, site_index: dict[str, int]) -> list[Any]:
    document = member.document
    return [
        site_index[_site(member)],
        document.source or "",
        document.title or "",
        document.published or "",
        _timestamp(document.published),
        member.relation,
        round(member.similarity, 3),
        round(member.containment, 3),
        document.path or document.doc_id,
        document.url or "",
        document.lang or "",
    ]


def _compared(number: int, original: str, member: Member) -> dict[str, Any]:
    """A copy as edits against the original: ``["=", a0, a1]`` a shared passage (with the
    copy's own spelling after it when its script differs, see `_respelled`),
    ``["-", a0, a1]`` only in the original, ``["+", text]`` only in the copy,
    ``["~", a0, a1, text]`` replaced."""
    body = member.document.body
    diff = diff_texts(original, body)
    at = _utf16_offsets(original)
    edits: list[list[Any]] = []
    for edit in diff.edits:
        (a0, a1), (b0, b1) = edit.original, edit.copy
        text = body[b0:b1]
        shared = original[a0:a1]
        a0, a1 = at(a0), at(a1)
        if edit.tag == "equal":
            edits.append(
                ["=", a0, a1] if text == shared else ["=", a0, a1, _respelled(shared, text)]
            )
        elif edit.tag == "delete":
            edits.append(["-", a0, a1])
        elif edit.tag == "insert":
            edits.append(["+", text])
        else:
            edits.append(["~", a0, a1, text])
    return {
        "member": number,
        "edits": edits,
        "numbers": [list(pair) for pair in diff.changed_numbers],
        "truncated": diff.truncated,
    }


def _utf16_offsets(text: str) -> Callable[[int], int]:
    """Character offsets as the page's script counts them (UTF-16 code units): a character
    beyond the Basic Multilingual Plane (rare CJK, emoji) counts twice there."""
    if text.isascii() or max(text) <= "\uffff":
        return lambda offset: offset
    units = [0]
    for char in text:
        units.append(units[-1] + (2 if char > "\uffff" else 1))
    return units.__getitem__


def _respelled(shared: str, text: str) -> str | list[int | str]:
    """A shared passage as the copy spells it, as the characters that differ from the
    original's: ``[2, "發佈", 5, "電"]`` keeps 2 characters, puts 發佈 for the next two, keeps
    5, puts 電 for the next one. A Traditional copy differs in about a character in four, so
    this is about half the size of the copy's text. Passages beyond the Basic Multilingual
    Plane keep the whole text (the page counts their characters differently)."""
    if len(shared) != len(text) or max(shared + text) > "\uffff":
        return text
    runs: list[int | str] = []
    kept = 0
    changed: list[str] = []
    for mine, theirs in zip(shared, text, strict=True):
        if mine == theirs:
            if changed:
                runs.append("".join(changed))
                changed = []
            kept += 1
        else:
            if kept or not runs:
                runs.append(kept)
                kept = 0
            changed.append(theirs)
    if changed:
        runs.append("".join(changed))
    if kept:
        runs.append(kept)
    return runs
