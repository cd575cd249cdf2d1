"""Writing exports to files: atomically (`brainstorm.fileio.atomic_write`), never replacing a
file unless asked, or into a free name next to older exports (for front ends that pick the
name themselves).

Errors state the facts (`ExportExists` carries the path); how to override them (a flag, a
key) is for each front end to word.
"""

from __future__ import annotations

from pathlib import Path

from brainstorm.export.formats import FORMATS, export_session
from brainstorm.export.selection import ExportFormat, ExportOptions
from brainstorm.fileio import DirectoryNotWritable, atomic_write
from brainstorm.models import Session

__all__ = ["ExportError", "ExportExists", "default_export_path", "save_export", "write_export"]


class ExportError(Exception):
    """An export that cannot be written, worded for the person who asked for it."""


class ExportExists(ExportError):
    """``path`` exists and replacing it was not asked for."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} already exists")


def write_export(path: Path, text: str, *, force: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically: into a temporary file in the same directory,
    flushed and fsynced, then renamed into place. Readers see the old file or the whole new
    one, never a part; on any failure the temporary file is removed and an existing file is
    untouched.

    Without ``force`` an existing ``path`` is never replaced (`ExportExists`), checked again at
    the rename itself so a file that appears meanwhile is not overwritten either. With
    ``force`` the file (or a symlink at ``path``) is replaced, keeping the old file's
    permissions. Returns ``path``.
    """
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"{path} is a directory: give a file name")
    directory = path.parent
    if not directory.is_dir():
        raise ExportError(f"cannot write {path}: no directory {directory}")
    try:
        atomic_write(path, text.encode("utf-8", errors="replace"), replace=force)
    except FileExistsError:
        raise ExportExists(path) from None
    except DirectoryNotWritable as problem:
        raise ExportError(f"cannot write in {directory}: {problem.strerror}") from problem
    except OSError as problem:
        raise ExportError(f"cannot write {path}: {problem.strerror or problem}") from problem
    return path


def default_export_path(
    session: Session, directory: Path | None = None, fmt: ExportFormat = "md"
) -> Path:
    """``DIRECTORY/<session id>.md`` or, when taken, the first free ``<id>-2.md``, ``<id>-3.md``…
    (for front ends that pick the name themselves and must not overwrite). ``directory``
    defaults to the current directory."""
    directory = Path.cwd() if directory is None else directory
    extension = FORMATS[fmt].extension
    candidate = directory / f"{session.id}{extension}"
    number = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = directory / f"{session.id}-{number}{extension}"
        number += 1
    return candidate


def save_export(
    session: Session, options: ExportOptions | None = None, directory: Path | None = None
) -> Path:
    """Export ``session`` into a new file in ``directory`` (default: the current directory),
    named after the session and never replacing a file (see `default_export_path`). Returns
    the absolute path written. This is what the TUI's export key calls."""
    options = options or ExportOptions()
    text = export_session(session, options)
    for _ in range(100):  # another writer may take the free name first; try the next one
        path = default_export_path(session, directory, options.format)
        try:
            return write_export(path, text).absolute()
        except ExportExists:
            continue
    raise ExportError(f"no free file name for {session.id} in {directory or Path.cwd()}")
