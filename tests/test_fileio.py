"""Durable file writing shared by the store and export: atomic writes and directory fsync."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from brainstorm import fileio
from brainstorm.fileio import DirectoryNotWritable, atomic_write, fsync_dir


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_a_new_file_gets_the_data_and_the_usual_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write(target, b"hello\n", replace=False)
    assert target.read_bytes() == b"hello\n"
    assert stat.S_IMODE(target.stat().st_mode) & 0o644 == 0o644  # not mkstemp's 0600
    assert names(tmp_path) == ["out.txt"]


def test_without_replace_an_existing_file_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"theirs\n")
    with pytest.raises(FileExistsError):
        atomic_write(target, b"ours\n", replace=False)
    assert target.read_bytes() == b"theirs\n"
    assert names(tmp_path) == ["out.txt"]


def test_replace_keeps_the_old_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"old\n")
    target.chmod(0o600)
    atomic_write(target, b"new\n", replace=True)
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert names(tmp_path) == ["out.txt"]


def test_a_missing_directory_is_reported_with_its_name(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(DirectoryNotWritable) as caught:
        atomic_write(missing / "out.txt", b"x", replace=False)
    assert caught.value.errno == errno.ENOENT
    assert caught.value.filename == str(missing)
    assert names(tmp_path) == []


def test_without_hard_links_the_file_is_still_written_and_never_clobbered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some file systems (FAT, some network mounts) refuse hard links: check, then rename."""

    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "out.txt"
    atomic_write(target, b"first\n", replace=False)
    assert target.read_bytes() == b"first\n"
    with pytest.raises(FileExistsError):
        atomic_write(target, b"second\n", replace=False)
    assert target.read_bytes() == b"first\n"
    assert names(tmp_path) == ["out.txt"]


def test_a_directory_that_cannot_be_fsynced_does_not_fail_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported(directory: Path) -> None:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(fileio, "fsync_dir", unsupported)
    target = tmp_path / "out.txt"
    atomic_write(target, b"kept\n", replace=False)
    assert target.read_bytes() == b"kept\n"


def test_fsync_dir_raises_where_it_cannot(tmp_path: Path) -> None:
    """The store relies on this: a new session's name that cannot be made durable is an
    error there, not a silent risk."""
    fsync_dir(tmp_path)  # a real directory: no error
    with pytest.raises(FileNotFoundError):
        fsync_dir(tmp_path / "missing")
