from __future__ import annotations

import subprocess
import sys


def test_import_dedup_stays_light() -> None:
    code = (
        "import sys, dedup\n"
        "heavy = {'pandas', 'click', 'jieba', 'pypinyin', 'datasketch', 'scipy'}\n"
        "heavy &= set(sys.modules)\n"
        "print(','.join(sorted(heavy)))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == ""


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
