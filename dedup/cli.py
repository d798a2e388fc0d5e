"""The `dedup` command line (the only click user): parses, calls the library, prints."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dedup import __version__
from dedup.config import ANSWER_ONLY_FIELDS, SCAN_ONLY_FIELDS, TOKENIZERS, DedupConfig
from dedup.errors import ConfigError, DedupError, OutputError
from dedup.models import INTERNAL_ERROR, Document, Match, ScanResult, Skip
from dedup.shown import escaped, masked_url

if TYPE_CHECKING:
    from dedup.batch.report import Table
    from dedup.index.deduplicator import Deduplicator
    from dedup.tools.evaluate import Scores

# The library is imported inside each command, when it runs: `dedup --help` and an early
# Ctrl-C do not wait for numpy, the extractors and datasketch to load.

F = TypeVar("F", bound=Callable[..., Any])


class _WarningFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"dedup: {record.levelname.lower()}: {escaped(record.getMessage())}"


def _configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_WarningFormatter())
    logger = logging.getLogger("dedup")
    logger.handlers = [h for h in logger.handlers if isinstance(h, logging.NullHandler)]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dedup")
def main() -> None:
    """Find the syndicated copies of news articles in scraped pages."""


# Options that map one to one onto DedupConfig fields: (field, type, help). The option's
# name is the field's with dashes; its default is the field's default.
_CONFIG_OPTIONS: tuple[tuple[str, Any, str], ...] = (
    ("threshold", float, "Jaccard similarity of two bodies at which they are copies."),
    (
        "containment",
        float,
        "Share of a shorter body found in a longer one that makes it a cut-down copy.",
    ),
    (
        "number_agreement",
        float,
        "Below this share of agreeing distinctive numbers, only near-identical bodies are "
        "copies (keeps templated notes apart).",
    ),
    ("number_slack", float, "How far both bars drop when the bodies' numbers agree."),
    ("num_perm", int, "MinHash permutations."),
    (
        "tokenizer",
        click.Choice(TOKENIZERS),
        "char: one token per CJK character, Latin word or number; jieba: words.",
    ),
    ("ngram", int, "Tokens per shingle."),
    ("seed", int, "MinHash seed."),
    ("bands", int, "LSH bands (default: num-perm / 4, tuned for recall)."),
    ("max_bytes", int, "Largest page, record or archive member read; larger ones are skipped."),
    (
        "page_seconds",
        float,
        "Seconds that reading, or extracting, one page may take; a slower page is skipped "
        "(0: no limit).",
    ),
    (
        "page_memory",
        int,
        "Bytes a worker process may grow by for a page; a page needing more is skipped "
        "(0: no limit).",
    ),
    ("max_age_days", float, "An index forgets pages added longer ago than this (index add)."),
    (
        "sample_size",
        int,
        "Shingles an index keeps per page to verify matches (0: every shingle, exact).",
    ),
    (
        "max_matches",
        int,
        "Matches an index returns per page at most: the best ones, and the original.",
    ),
    (
        "timezone",
        str,
        "Time zone of publication times stated without an offset (IANA name, e.g. UTC).",
    ),
)


def config_options(command: F) -> F:
    """The options that map one to one onto DedupConfig fields."""
    defaults = DedupConfig()
    options = [
        click.option(
            "--" + field.replace("_", "-"),
            field,
            type=kind,
            default=getattr(defaults, field),
            show_default=getattr(defaults, field) is not None,
            help=text,
        )
        for field, kind, text in _CONFIG_OPTIONS
    ]
    options.append(
        click.option(
            "--cross-lingual",
            "cross_lingual",
            is_flag=True,
            help="Also find translated copies (an article and its translation into another "
            "language, relation translation); needs pip install 'dedup[xling]'.",
        )
    )
    options.append(
        click.option(
            "--field",
            "fields",
            multiple=True,
            metavar="ROLE=NAME",
            help="JSON record field holding a role (text, html, url, title, published, site, "
            "id), e.g. --field text=article_body. Repeatable.",
        )
    )
    for option in reversed(options):
        command = option(command)
    return command


follow_links_option = click.option(
    "--follow-links",
    is_flag=True,
    help="Read the files that links inside the folders lead to outside them (skipped by default).",
)
jobs_option = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes reading and signing files (default: every core).",
)
csv_output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    help="Write the report here (default, or -: standard output).",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "csv-raw", "jsonl"]),
    default="csv",
    show_default=True,
    help="Tables as CSV (a cell starting with = + - @, tab or CR gets a leading ' so no "
    "spreadsheet runs it as a formula), CSV with every cell as it is (csv-raw), or JSON Lines "
    "(one object per row, the same fields).",
)
id_prefix_option = click.option(
    "--id-prefix",
    metavar="PREFIX",
    help="Name pages without a URL PREFIX + their path relative to the folder given "
    "(default: their path as given).",
)
index_argument = click.argument(
    "index_path", metavar="INDEX", type=click.Path(dir_okay=False, path_type=str)
)


def _make_config(**fields: Any) -> DedupConfig:
    if fields.get("sample_size") == 0:  # the option's way of saying None: keep every shingle
        fields["sample_size"] = None
    for budget in ("page_seconds", "page_memory"):
        if fields.get(budget) == 0:  # no budget
            fields[budget] = None
    try:
        return DedupConfig(**fields)
    except ConfigError as error:
        raise click.UsageError(str(error)) from error


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    help="Write the report here (default, or -: standard output).",
)
@format_option
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    help="Also write a report to read in a browser here: one self-contained HTML page.",
)
@click.option(
    "--all", "include_singletons", is_flag=True, help="List every document, singletons too."
)
@click.option(
    "--docs-out",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    help="Also write one row per extracted document (every field, body length) here.",
)
@click.option(
    "--skipped-out",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    help="Also write every skipped file or record, with the reason, here.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) if any file or record is skipped.")
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: this machine's cores; dask: a Dask cluster (pip install 'dedup[dask]').",
)
@click.option("--scheduler", metavar="ADDRESS", help="With --engine dask: the scheduler to use.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="With --engine dask and no --scheduler: local worker processes (default: every core).",
)
@click.option(
    "--save-index",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    help="Also save the scanned pages as a crawler index file (see dedup index).",
)
@click.option(
    "--tmp-dir",
    type=click.Path(file_okay=False, exists=True, writable=True, path_type=str),
    default=None,
    help="Keep the scan's temporary store (bodies, shingles; about 2.5x the text read) in "
    "this folder (default: the system's temporary folder); with --engine dask and no "
    "--scheduler, the workers' results too.",
)
@jobs_option
@follow_links_option
@click.option("-v", "--verbose", is_flag=True, help="Also log the time each stage took.")
@config_options
def scan(
    *,
    paths: tuple[str, ...],
    output: str | None,
    html_out: str | None,
    include_singletons: bool,
    docs_out: str | None,
    skipped_out: str | None,
    strict: bool,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    save_index: str | None,
    tmp_dir: str | None,
    jobs: int | None,
    follow_links: bool,
    verbose: bool,
    fmt: str,
    **fields: Any,
) -> None:
    """Cluster the copies of each article among the files under PATHS.

    Reads every file under the given files and folders (hidden ones skipped), separates
    each page's article from its navigation and footers, and writes a CSV with one row per
    document in a cluster of copies. A PATH `-` reads one stream from standard input
    (JSON Lines, JSON, WARC, HTML or text, detected as for a file).
    """
    config = _make_config(**fields)
    _configure_logging(verbose)
    if engine == "dask" and save_index:
        raise click.UsageError("--save-index works with --engine local only")
    if engine == "dask" and "-" in paths:
        raise click.UsageError("standard input (-) works with --engine local only")
    _check_inputs(paths)
    _check_outputs(
        paths,
        {"-o": output, "--docs-out": docs_out, "--skipped-out": skipped_out},
        {"--save-index": save_index, "--html": html_out},
    )
    from dedup.batch import report
    from dedup.batch.pipeline import scan as scan_files

    with _ProgressBar() as progress:
        try:
            if engine == "dask":
                result = _scan_on_dask(paths, config, scheduler, workers, tmp_dir)
            else:
                result = scan_files(
                    paths,
                    config,
                    progress=progress,
                    jobs=jobs,
                    keep_index=bool(save_index),
                    follow_links=follow_links,
                    tmp_dir=tmp_dir,
                )
        except DedupError as error:
            raise click.ClickException(str(error)) from error
    with result:  # its temporary store goes once the reports are written (or fail)
        store = result.store_folder  # where the reports' temporary files are made
        if skipped_out:
            _write(report.skipped_table(result.skipped), skipped_out, "--skipped-out", fmt, store)
        if strict and result.skipped:
            first = result.skipped[0]
            where = f"{first.path} ({first.detail})" if first.detail else first.path
            raise click.ClickException(
                f"--strict: {len(result.skipped)} skipped, the first {where}: {first.reason}; "
                "no report written"
            )
        table = report.clusters_table(result.clusters, include_singletons=include_singletons)
        _write(table, output, "-o", fmt, store)
        if html_out:
            _write_html(result, html_out)
        if docs_out:
            _write(report.documents_table(result), docs_out, "--docs-out", fmt, store)
        if save_index and result.index is not None:
            _save_index(result.index, save_index)
    click.echo(_summary(result, _process_seconds()), err=True)


_IMPORTED = time.perf_counter()


def _process_seconds() -> float:
    """Wall time since this process started, as the user's clock sees it: start-up and
    imports included. From /proc where there is one, else since the CLI was imported."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            # Field 22, counted after the command name (which may hold spaces), in ticks.
            started_ticks = int(stat.read().rpartition(")")[2].split()[19])
        with open("/proc/uptime", encoding="ascii") as uptime:
            since_boot = float(uptime.read().split()[0])
        return max(0.0, since_boot - started_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED


def _write_html(result: ScanResult, target: str) -> None:
    from dedup.batch.html_report import write_html

    try:
        write_html(result, target)
    except OSError as error:
        raise click.ClickException(
            f"cannot write {target}: {error.strerror or error}; choose a writable path with --html"
        ) from error


@main.group()
def index() -> None:
    """A crawler's index file: add pages to it, query it, describe it.

    INDEX is a file written by dedup (dedup index add, dedup scan --save-index, or
    Deduplicator.save), replaced atomically on every change; or a shared index in Redis,
    redis://host:port/db#namespace (namespace "dedup" when omitted).
    """


@index.command(name="add")
@index_argument
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@csv_output_option
@format_option
@id_prefix_option
@jobs_option
@follow_links_option
@config_options
def index_add(
    *,
    index_path: str,
    paths: tuple[str, ...],
    output: str | None,
    fmt: str,
    id_prefix: str | None,
    jobs: int | None,
    follow_links: bool,
    **fields: Any,
) -> None:
    """Add the pages under PATHS to INDEX (created with the given options if it does not
    exist) and print, for each page, the copies of it the index already held.

    A page is named by its URL when it has one, else by its path as given (or --id-prefix
    and its path in the folder), so two folders never share ids. Options that differ from
    an existing index's are refused."""
    _configure_logging(False)
    _check_inputs(paths)
    index_file = None if _is_shared(index_path) else index_path
    _check_outputs(paths, {"-o": output}, {"INDEX": index_file})
    # One writer at a time: another `index add` on this file waits here, so neither
    # replaces the file with a copy that lacks the other's pages.
    with _writing(index_file):
        dedup = _open_index(index_path, fields, create=True)
        _refuse_other_options(index_path, dedup.config, fields)
        results, skipped = _index_files(
            dedup, paths, add=True, jobs=jobs, id_prefix=id_prefix, follow_links=follow_links
        )
        if index_file is not None:
            _save_index(dedup, index_file)
    from dedup.batch import report

    _write(report.matches_table(results), output, "-o", fmt)
    copies = sum(1 for _, matches in results if matches)
    click.echo(
        f"dedup: {_count(len(results), 'page')} added to {masked_url(index_path)} "
        f"({_count(copies, 'copy', 'copies')} of pages it held), {len(skipped)} skipped; "
        f"it holds {_count(len(dedup), 'page')}",
        err=True,
    )


@index.command(name="query")
@index_argument
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@csv_output_option
@format_option
@id_prefix_option
@jobs_option
@follow_links_option
def index_query(
    *,
    index_path: str,
    paths: tuple[str, ...],
    output: str | None,
    fmt: str,
    id_prefix: str | None,
    jobs: int | None,
    follow_links: bool,
) -> None:
    """Print, for each page under PATHS, its near-duplicates in INDEX (CSV); adds nothing."""
    _configure_logging(False)
    _check_inputs(paths)
    _check_outputs(paths, {"-o": output}, {})
    dedup = _open_index(index_path, {}, create=False)
    results, skipped = _index_files(
        dedup, paths, add=False, jobs=jobs, id_prefix=id_prefix, follow_links=follow_links
    )
    from dedup.batch import report

    _write(report.matches_table(results), output, "-o", fmt)
    found = sum(1 for _, matches in results if matches)
    click.echo(
        f"dedup: {_count(len(results), 'page')} looked up, {found} with copies in the index, "
        f"{len(skipped)} skipped",
        err=True,
    )


@index.command(name="stats")
@index_argument
def index_stats(*, index_path: str) -> None:
    """Describe INDEX: pages held, their age, the configuration, the file's size."""
    dedup = _open_index(index_path, {}, create=False)
    stats = dedup.stats()
    lines = [
        f"index:        {masked_url(index_path)}",
        f"pages:        {stats.pages} ({stats.with_body} with an article body)",
        f"groups:       {stats.originals} originals",
    ]
    if not _is_shared(index_path):
        size = Path(index_path).stat().st_size
        lines.append(f"file size:    {size} bytes ({size / max(1, stats.pages):.0f} per page)")
    lines += [
        f"oldest page:  {stats.oldest or '-'}",
        f"newest page:  {stats.newest or '-'}",
        f"config:       {dedup.config}",
    ]
    click.echo("\n".join(lines))


def _is_shared(index_path: str) -> bool:
    return index_path.startswith(("redis://", "rediss://", "unix://"))


def _open_index(index_path: str, fields: dict[str, Any], *, create: bool) -> Deduplicator:
    from dedup.index.deduplicator import Deduplicator

    if _is_shared(index_path):
        url, _, namespace = index_path.partition("#")
        try:
            return Deduplicator(_make_config(**fields), storage=url, namespace=namespace or "dedup")
        except DedupError as error:
            raise click.ClickException(str(error)) from error
    if not Path(index_path).exists():
        if not create:
            raise click.ClickException(
                f"{index_path}: no such index; create it with dedup index add"
            )
        return Deduplicator(_make_config(**fields))
    try:
        return Deduplicator.load(index_path, max_matches=fields.get("max_matches"))
    except DedupError as error:
        raise click.ClickException(str(error)) from error


def _refuse_other_options(index_path: str, config: DedupConfig, fields: dict[str, Any]) -> None:
    """Options given on the command line that differ from an existing index's: refused
    (exit 2), naming each, rather than silently ignored."""
    context = click.get_current_context()
    wanted = _make_config(**fields)
    differ = [
        f"--{name.replace('_', '-')} {getattr(wanted, name)} (the index has "
        f"{getattr(config, name)})"
        for name in fields
        if name not in SCAN_ONLY_FIELDS | ANSWER_ONLY_FIELDS
        and context.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
        and getattr(wanted, name) != getattr(config, name)
    ]
    if differ:
        raise click.UsageError(
            f"{masked_url(index_path)} was built with other options: {', '.join(differ)}; "
            "leave them out to use the index's, or start a new index"
        )


def _index_files(
    dedup: Deduplicator,
    paths: tuple[str, ...],
    *,
    add: bool,
    jobs: int | None,
    id_prefix: str | None,
    follow_links: bool = False,
) -> tuple[list[tuple[str, list[Match]]], list[Skip]]:
    from dedup.batch.pipeline import index_files

    try:
        with _ProgressBar() as progress:
            return index_files(
                dedup,
                paths,
                add=add,
                jobs=jobs,
                progress=progress,
                id_prefix=id_prefix,
                follow_links=follow_links,
            )
    except DedupError as error:
        raise click.ClickException(str(error)) from error


@contextmanager
def _writing(index_path: str | None) -> Iterator[None]:
    """Hold the write lock of an index file (nothing for a shared index)."""
    if index_path is None:
        yield
        return
    from dedup.lock import locked

    try:
        with locked(index_path):
            yield
    except OutputError as error:
        raise click.ClickException(str(error)) from error


def _save_index(dedup: Deduplicator, index_path: str) -> None:
    try:
        dedup.save(index_path)
    except DedupError as error:
        raise click.ClickException(str(error)) from error
    except OSError as error:
        raise click.ClickException(
            f"cannot write the index {index_path}: {error.strerror or error}; "
            "choose a writable path"
        ) from error


def _scan_on_dask(
    paths: tuple[str, ...],
    config: DedupConfig,
    scheduler: str | None,
    workers: int | None,
    tmp_dir: str | None,
) -> ScanResult:
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as error:
        raise click.ClickException("--engine dask needs Dask: pip install 'dedup[dask]'") from error
    from dedup.batch.pipeline import scan_on_dask

    return scan_on_dask(paths, config, scheduler=scheduler, workers=workers, tmp_dir=tmp_dir)


def _write(
    table: Table, target: str | None, option: str, fmt: str = "csv", scratch: str | None = None
) -> None:
    from dedup.batch.report import write_table

    try:
        write_table(table, target if target and target != "-" else sys.stdout, fmt, scratch=scratch)
    except DedupError as error:
        raise click.ClickException(str(error)) from error
    except BrokenPipeError:
        if target and target != "-":
            raise click.ClickException(f"cannot write {target}: broken pipe") from None
        raise  # the reader of standard output left: `run` ends quietly
    except OSError as error:
        raise click.ClickException(
            f"cannot write {target}: {error.strerror or error}; "
            f"choose a writable path with {option}"
        ) from error


@main.command()
@click.argument("target", metavar="FILE[#ID]")
@click.option("--body/--no-body", default=True, show_default=True, help="Print the body too.")
@config_options
def show(*, target: str, body: bool, **fields: Any) -> None:
    """Print what extraction makes of one file, or of one record in it (FILE#ID).

    For each document: its metadata, its flags and the article body that is fingerprinted.
    """
    config = _make_config(**fields)
    _configure_logging(False)
    path, record = _split_target(target)
    _refuse_folder(path, "show")
    documents, skipped = _extract_file(path, config)
    if record is not None:
        documents = [d for d in documents if _record_id(d.doc_id) == record or d.doc_id == record]
        skipped = [skip for skip in skipped if skip.detail == f"record {record}"]
        if not documents and not skipped:
            raise click.ClickException(f"{path} has no record {record!r}; run dedup show {path}")
    for number, document in enumerate(documents):
        if number:
            click.echo()
        click.echo(_describe(document, body=body))
    for skip in skipped:
        where = f"{skip.path} ({skip.detail})" if skip.detail else skip.path
        click.echo(f"{where}: skipped: {skip.reason}", err=True)
    if not documents:
        raise click.ClickException(
            f"{path}: no page extracted ({len(skipped)} skipped)"
            if skipped
            else f"{path} holds no page"
        )


@main.command(name="eval")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--labels",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="CSV with doc_id and cluster columns (a file stem may stand for its doc_id).",
)
@click.option(
    "--worst", default=10, show_default=True, help="How many errors of each kind to list."
)
@jobs_option
@config_options
def evaluate_command(
    *, paths: tuple[str, ...], labels: str, worst: int, jobs: int | None, **fields: Any
) -> None:
    """Scan PATHS and score the clusters against labelled ones.

    Prints pairwise precision, recall and F1, B-cubed precision and recall, the adjusted Rand
    index, the split pairs (pairs the copy rule accepts that ended in two clusters that one
    centre could hold), the pairs kept apart (copies whose clusters no member could centre:
    joining them would chain), and the worst false merges and misses with their similarity
    and containment.
    """
    config = _make_config(**fields)
    _configure_logging(False)
    from dedup.tools.evaluate import evaluate, read_labels

    try:
        truth = read_labels(labels)
        with _ProgressBar() as progress:
            result, scores, false_merges, misses = evaluate(
                paths, truth, config, progress=progress, jobs=jobs
            )
    except DedupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(_scores_text(scores))
    click.echo(f"split pairs {result.split_pairs}")
    click.echo(f"pairs kept apart (joining would chain) {result.kept_apart}")
    for title, rows in (("false merges", false_merges), ("misses", misses)):
        if not rows:
            click.echo(f"\n{title}: none")
            continue
        shown = f"the {worst} of highest similarity" if len(rows) > worst else "highest first"
        click.echo(f"\n{title}: {len(rows)}; {shown}:")
        for left, right, similarity, containment in rows[:worst]:
            click.echo(f"  {similarity:.3f} sim  {containment:.3f} cont  {left}  ~  {right}")
    click.echo(f"\n{len(result.skipped)} skipped while scanning", err=True)


def _scores_text(scores: Scores) -> str:
    return "\n".join(
        [
            f"documents scored: {scores.documents}",
            f"pairwise  precision {scores.pairwise_precision:.4f}  recall "
            f"{scores.pairwise_recall:.4f}  F1 {scores.pairwise_f1:.4f}  "
            f"({_count(scores.true_pairs, 'true pair')}, {scores.predicted_pairs} found)",
            f"B-cubed   precision {scores.bcubed_precision:.4f}  recall {scores.bcubed_recall:.4f}",
            f"ARI       {scores.ari:.4f}",
        ]
    )


@main.command(name="compare")
@click.argument("left", metavar="A[#ID]")
@click.argument("right", metavar="B[#ID]")
@config_options
def compare_command(*, left: str, right: str, **fields: Any) -> None:
    """Explain why two pages are, or are not, copies of one article.

    Shows the exact and estimated similarity, containment both ways, the verdict dedup scan
    would reach, and the longest passages the two bodies share.
    """
    config = _make_config(**fields)
    _configure_logging(False)
    from dedup.tools.compare import compare

    a, b = _one_document(left, config), _one_document(right, config)
    comparison = compare(a, b, config)
    verdict = "copies of one article" if comparison.is_copy else "not copies"
    lines = [
        f"A: {a.doc_id}  {a.title or ''}".rstrip(),
        f"B: {b.doc_id}  {b.title or ''}".rstrip(),
        f"similarity (exact Jaccard of shingles): {comparison.similarity:.3f}",
        f"similarity (MinHash estimate):          {comparison.estimated_similarity:.3f}",
        f"containment of A in B: {comparison.left_in_right:.3f}   of B in A: "
        f"{comparison.right_in_left:.3f}",
        f"number agreement: {_agreement(comparison.number_agreement)}",
        f"numbers only in A: {_numbers(comparison.numbers_only_left)}",
        f"numbers only in B: {_numbers(comparison.numbers_only_right)}",
        f"verdict at threshold {config.threshold} / containment {config.containment}: {verdict}",
        f"decided by: {comparison.rule}",
        *([f"relation of B to A: {comparison.relation}"] if comparison.relation else []),
        "",
        f"longest shared passages ({len(comparison.passages)}):",
    ]
    for number, passage in enumerate(comparison.passages, 1):
        lines.append(f"  {number}. [{len(passage.left)} characters] A: {_one_line(passage.left)}")
        if passage.right != passage.left:
            lines.append(f"     B: {_one_line(passage.right)}")
    if config.cross_lingual:
        lines.extend(_translation_lines(a, b))
    click.echo("\n".join(lines))


def _translation_lines(a: Document, b: Document) -> list[str]:
    from dedup.tools.compare import translation_evidence
    from dedup.xling.encoder import require_encoder

    head = ["", f"languages: A {a.lang or '-'}, B {b.lang or '-'}"]
    if not a.lang or a.lang == b.lang:
        return [*head, "cross-lingual: same language (translations are sought across languages)"]
    try:
        require_encoder()
    except DedupError as error:
        raise click.ClickException(str(error)) from error
    evidence = translation_evidence(a, b)
    verdict = "translations" if evidence.passes else "not translations"
    return [
        *head,
        f"sentences aligned in order: {evidence.aligned} of A's {evidence.sentences_left}, "
        f"B's {evidence.sentences_right}",
        f"cross-lingual similarity (share of the shorter body aligned): {evidence.score:.3f}",
        f"numbers of aligned sentences: {evidence.agreeing} agree, {evidence.differing} differ",
        f"cross-lingual verdict: {verdict} (a scan also requires each to be among the "
        "other's nearest leads)",
    ]


def _agreement(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} of the fewer distinctive numbers"


def _numbers(values: tuple[str, ...], shown: int = 12) -> str:
    more = f" and {len(values) - shown} more" if len(values) > shown else ""
    return (", ".join(values[:shown]) + more) if values else "none"


def _one_line(text: str) -> str:
    return " / ".join(part.strip() for part in text.splitlines() if part.strip())


def _one_document(target: str, config: DedupConfig) -> Document:
    path, record = _split_target(target)
    _refuse_folder(path, "compare")
    documents, skipped = _extract_file(path, config)
    if record is not None:
        documents = [d for d in documents if _record_id(d.doc_id) == record or d.doc_id == record]
    if len(documents) != 1:
        reason = skipped[0].reason if skipped else f"{len(documents)} documents"
        raise click.ClickException(f"{target}: not one document ({reason}); name one as FILE#ID")
    document: Document = documents[0]
    return document


def _extract_file(path: str, config: DedupConfig) -> tuple[list[Document], list[Skip]]:
    from dedup.batch.pipeline import extract_file

    try:
        return extract_file(path, config)
    except DedupError as error:
        raise click.ClickException(str(error)) from error


def _refuse_folder(path: str, command: str) -> None:
    """show and compare read one file: a folder is a mistake in the command (exit 2)."""
    if Path(path).is_dir():
        raise click.UsageError(
            f"{path} is a folder; dedup {command} reads one file: name a file inside it "
            "(dedup scan reads folders)"
        )
    if not Path(path).exists():
        from dedup.readers.files import NOT_FOUND

        raise click.UsageError(f"{path}: {NOT_FOUND}; check the path")


def _split_target(target: str) -> tuple[str, str | None]:
    if Path(target).exists() or "#" not in target:
        return target, None
    path, _, record = target.partition("#")
    return path, record


def _record_id(doc_id: str) -> str:
    return doc_id.partition("#")[2]


def _describe(document: Document, *, body: bool) -> str:
    flags = [
        name
        for name in ("pinyin_annotated", "spam_injected", "mojibake")
        if getattr(document, name)
    ]
    rows = [
        ("doc_id", document.doc_id),
        ("url", document.url),
        ("title", document.title),
        ("published", document.published),
        ("site", document.site),
        ("site_key", document.site_key),
        ("source", document.source),
        ("lang", document.lang),
        ("author", document.author),
        ("editor", document.editor),
        ("reporter", document.reporter),
        ("flags", ", ".join(flags) or "none"),
        ("body", f"{len(document.body)} characters"),
    ]
    text = "\n".join(f"{name + ':':<11}{value if value else '-'}" for name, value in rows)
    return f"{text}\n\n{document.body}" if body and document.body else text


def _check_inputs(paths: tuple[str, ...]) -> None:
    """A path that does not exist is a mistake in the command: exit 2 before any work."""
    from dedup.readers.files import NOT_FOUND, STDIN, is_url

    for path in paths:
        if path != STDIN and not is_url(path) and not Path(path).exists():
            raise click.UsageError(f"{path}: {NOT_FOUND}; check the path")


def _check_outputs(
    paths: tuple[str, ...],
    tables: dict[str, str | None],
    files: dict[str, str | None],
) -> None:
    """Every output location is checked before the first page is read, so a long run is
    not lost to a mistyped path; `tables` may be `-` (standard output), `files` may not.
    No two outputs may name the same file (after links): the last one written would
    silently replace the others."""
    from dedup.atomic import unwritable_reason

    written: dict[str, str] = {}
    for option, target in {**tables, **files}.items():
        if not target or (target == "-" and option in tables):
            continue
        _refuse_output_among_inputs(target, paths)
        reason = unwritable_reason(target)
        if reason:
            raise click.UsageError(
                f"cannot write {option} {target}: {reason}; choose a writable path"
            )
        real = os.path.realpath(target)
        if real in written:
            raise click.UsageError(
                f"{written[real]} and {option} both name {target}; give each output its own file"
            )
        written[real] = option


def _refuse_output_among_inputs(output: str | None, paths: tuple[str, ...]) -> None:
    """An output must not overwrite an input, nor land inside a scanned folder (where the
    next scan would read it, and where dedup promises to write nothing)."""
    if not output:
        return
    target = Path(output).resolve()
    for path in paths:
        if path == "-":
            continue
        root = Path(path).resolve()
        if target == root:
            raise click.UsageError(f"the output {output} is one of the inputs; write it elsewhere")
        if root.is_dir() and target.is_relative_to(root):
            raise click.UsageError(
                f"the output {output} is inside the scanned folder {path}; write it elsewhere"
            )


class _ProgressBar:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""

    def __init__(self) -> None:
        self._bar: Any = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not sys.stderr.isatty():
            return None
        return self._update

    def _update(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="scanning", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _summary(result: ScanResult, seconds: float) -> str:
    clusters = result.duplicate_clusters
    # Every document is in one cluster: those not alone are in clusters of two or more (a
    # closed result's clusters can no longer be made to ask their sizes).
    in_clusters = len(result.documents) - (len(result.clusters) - len(clusters))
    line = (
        f"dedup: {_count(result.files_read, 'file')} read, {len(result.skipped)} skipped; "
        f"{_count(len(result.documents), 'document')}; {_count(len(clusters), 'cluster')} "
        f"holding {_count(in_clusters, 'document')}; {seconds:.2f} s"
    )
    return line + _skip_reasons(result.skipped)


def _skip_reasons(skipped: list[Skip]) -> str:
    """The skips counted by reason, on a line of their own: reasons hold parentheses and
    commas themselves, so they are not nested in the summary."""
    # Internal errors count as one reason: their messages differ page by page.
    reasons = Counter(
        INTERNAL_ERROR if skip.reason.startswith(INTERNAL_ERROR) else skip.reason
        for skip in skipped
    )
    if not reasons:
        return ""
    return "\ndedup: skipped: " + "; ".join(
        f"{n} {reason}" for reason, n in sorted(reasons.items())
    )


def _count(number: int, singular: str, plural: str | None = None) -> str:
    """`1 file`, `2 files`: the noun agrees with its number."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


@main.command()
@index_argument
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on: loopback serves this machine only; 0.0.0.0 every network "
    "(then set a --token).",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8731, show_default=True, help="Port."
)
@click.option(
    "--token",
    envvar="DEDUP_TOKEN",
    show_envvar=True,
    help="Ask every client for 'Authorization: Bearer TOKEN' (/healthz and the schema "
    "excepted). Prefer the environment variable: a command line is visible to other users.",
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(min=1024),
    default=32 * 1024 * 1024,
    show_default=True,
    help="Refuse a request larger than this (413).",
)
@click.option(
    "--save-every",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    metavar="MINUTES",
    help="Save a file index this often when it changed, and on shutdown (0: on shutdown only).",
)
@config_options
def serve(
    *,
    index_path: str,
    host: str,
    port: int,
    token: str | None,
    max_body_bytes: int,
    save_every: float,
    **fields: Any,
) -> None:
    """Serve INDEX over HTTP to crawlers in any language.

    JSON in and out (pip install 'dedup[serve]'): POST /seen, /add and /query with {"id",
    "text" or "html", "url"} or an array of them, DELETE /pages/ID, GET /stats and /healthz;
    the OpenAPI schema at /openapi.json. INDEX is a file (made if missing, saved on shutdown
    and every --save-every minutes) or redis://host:port/db#namespace. Ctrl-C stops it."""
    _configure_logging(False)
    try:
        from dedup.contrib import http
    except ImportError as error:
        raise click.ClickException(
            "dedup serve needs FastAPI and uvicorn: pip install 'dedup[serve]'"
        ) from error
    if not token and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"dedup: warning: serving on {host} with no --token: whoever reaches this port "
            "can read and change the index",
            err=True,
        )
    options = http.ServiceOptions(
        token=token or None, max_body_bytes=max_body_bytes, save_every_minutes=save_every
    )

    def ready(index: Deduplicator) -> None:
        click.echo(
            f"dedup: serving {masked_url(index_path)} ({_count(len(index), 'page')}) on "
            f"http://{host}:{port}{' (token required)' if token else ''}; Ctrl-C stops",
            err=True,
        )

    try:
        http.serve(
            index_path, _given_config(fields), host=host, port=port, options=options, ready=ready
        )
        click.echo("dedup: stopped", err=True)
    except ConfigError as error:
        raise click.UsageError(str(error)) from error
    except DedupError as error:
        raise click.ClickException(str(error)) from error


def _given_config(fields: dict[str, Any]) -> dict[str, Any]:
    """The config options given on the command line (not left at their defaults)."""
    context = click.get_current_context()
    given = {
        name: value
        for name, value in fields.items()
        if context.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
    }
    if given.get("sample_size") == 0:  # the option's way of saying None: keep every shingle
        given["sample_size"] = None
    return given


def _caused_by_interrupt(error: BaseException) -> bool:
    """Whether ``error`` was raised while a Ctrl-C was being handled: a worker pool that the
    interrupt caught half-started fails its shutdown, and that failure is still the user's
    Ctrl-C, not an internal error."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, (KeyboardInterrupt, click.Abort)):
            return True
        seen = seen.__context__
    return False


def run() -> None:
    """Console entry point: exit 0 on success, 2 on bad usage, 1 on failure, 130 when
    interrupted; a one-line message and never a traceback."""
    try:
        code = main(standalone_mode=False)
    except click.ClickException as error:
        # Names from strangers reach the terminal here: no control characters.
        setattr(error, "message", escaped(error.message))  # noqa: B010 - typed Final, not so
        error.show()
        sys.exit(error.exit_code)
    except BrokenPipeError:
        # The reader of our output left (`dedup scan … | head`): nothing to say to anyone.
        # Standard output goes to /dev/null so that Python's last flush is quiet too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)  # 128 + SIGPIPE, as the shell reports a command the pipe ended
    except (KeyboardInterrupt, click.Abort):
        click.echo("dedup: interrupted; no report was written", err=True)
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the last guard before a user sees a traceback
        if _caused_by_interrupt(error):
            click.echo("dedup: interrupted; no report was written", err=True)
            sys.exit(130)
        click.echo(
            f"dedup: internal error: {type(error).__name__}: {error}. "
            "Please report it with the command you ran.",
            err=True,
        )
        sys.exit(1)
    # The work is done: a Ctrl-C from now on must not turn success into an interrupt.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code if isinstance(code, int) else 0)
