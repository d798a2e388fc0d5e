"""Atomic writes: the temporary file beside the target or in a scratch folder, and its mode."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from dedup import atomic
from dedup.atomic import atomic_writer, remove_temporaries


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """An output folder holding a previous report (mode 0640) and an empty scratch folder."""
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    out.mkdir()
    scratch.mkdir()
    report = out / "report.csv"
    report.write_text("previous\n")
    report.chmod(0o640)
    return out, scratch


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_temporary_file_is_made_in_the_scratch_folder(folders: tuple[Path, Path]) -> None:
    out, scratch = folders
    with atomic_writer(out / "report.csv", scratch=scratch) as stream:
        stream.write(b"new\n")
        (temporary,) = scratch.glob(".report.csv.*.tmp")
        assert mode(temporary) == 0o640, "made with the previous file's mode"
        assert names(out) == ["report.csv"]
    assert (out / "report.csv").read_text() == "new\n"
    assert mode(out / "report.csv") == 0o640
    assert names(out) == ["report.csv"] and names(scratch) == []


def test_a_new_file_made_in_scratch_gets_the_umask_mode(
    folders: tuple[Path, Path], umask: None
) -> None:
    out, scratch = folders
    os.umask(0o027)
    with atomic_writer(out / "new.csv", scratch=scratch) as stream:
        stream.write(b"x")
    assert mode(out / "new.csv") == 0o640  # 0666 less 027
    assert names(scratch) == []


def test_an_error_while_writing_leaves_both_folders_as_they_were(
    folders: tuple[Path, Path],
) -> None:
    out, scratch = folders
    with pytest.raises(RuntimeError), atomic_writer(out / "report.csv", scratch=scratch) as stream:
        stream.write(b"half")
        raise RuntimeError("interrupted")
    assert (out / "report.csv").read_text() == "previous\n"
    assert names(out) == ["report.csv"] and names(scratch) == []


def test_a_scratch_folder_already_removed_is_passed_over(folders: tuple[Path, Path]) -> None:
    out, scratch = folders
    scratch.rmdir()
    with atomic_writer(out / "report.csv", scratch=scratch) as stream:
        (temporary,) = out.glob(".report.csv.*.tmp")
        stream.write(b"new\n")
    assert not temporary.exists() and not scratch.exists()
    assert names(out) == ["report.csv"]


def test_a_rename_refused_between_mounts_copies_beside_the_target(
    folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bind mount: the same device number, yet rename() fails with EXDEV between mounts.
    out, scratch = folders
    rename = os.replace

    def refused_from_scratch(source: str, target: str | os.PathLike[str]) -> None:
        if Path(source).parent == scratch:
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
        rename(source, target)

    monkeypatch.setattr(atomic.os, "replace", refused_from_scratch)
    with atomic_writer(out / "report.csv", scratch=scratch) as stream:
        stream.write(b"new\n")
    assert (out / "report.csv").read_text() == "new\n"
    assert mode(out / "report.csv") == 0o640
    assert names(out) == ["report.csv"] and names(scratch) == []


def test_leftovers_beside_the_target_are_still_removed(folders: tuple[Path, Path]) -> None:
    out, _ = folders
    (out / ".report.csv.k2j4h5.tmp").write_bytes(b"from an older run")
    assert remove_temporaries(out / "report.csv") == 1
    assert names(out) == ["report.csv"]


def another_group() -> int:
    if os.geteuid() == 0:
        return os.getegid() + 4242
    others = [group for group in os.getgroups() if group != os.getegid()]
    if not others:
        pytest.skip("needs a second group")
    return others[0]


def test_a_report_in_a_set_group_id_folder_gets_the_folders_group(
    folders: tuple[Path, Path],
) -> None:
    out, scratch = folders
    group = another_group()
    os.chown(out, -1, group)
    out.chmod(0o2775)
    with atomic_writer(out / "new.csv", scratch=scratch) as stream:
        stream.write(b"x")
    assert (out / "new.csv").stat().st_gid == group
    assert names(scratch) == []
