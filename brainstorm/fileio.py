"""Durable file writing, shared by the session store and export: one implementation of an
atomic write (temporary file, fsync, rename) and of a directory fsync.

The store only appends to its logs; it needs `fsync_dir` so that a new session file's name
survives a crash. Export writes whole files with `atomic_write`, so a reader (or a crash) sees
the old file or the whole new one, never a part.

Errors are plain `OSError`s carrying the facts; callers word them for their own readers.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["DirectoryNotWritable", "atomic_write", "fsync_dir"]


class DirectoryNotWritable(OSError):
    """No temporary file could be made next to the target (no permission, no space, …), so
    nothing was written. Carries the ``errno`` and ``strerror`` of the failure and the
    directory as ``filename``."""


def fsync_dir(directory: Path) -> None:
    """Make the directory's entries (a new, renamed or linked name) durable. Raises `OSError`
    where the platform or file system cannot; callers that can do without it suppress that."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, replace: bool) -> None:
    """Write ``data`` to ``path`` atomically: into a temporary file in the same directory,
    flushed and fsynced, then renamed into place, then the directory fsynced where it can be.
    On any failure the temporary file is removed and an existing file is untouched.

    ``replace=False`` never replaces an existing ``path`` (`FileExistsError`), checked again at
    the rename itself (a hard link, which fails if the name is taken) so a file that appears
    meanwhile is not overwritten either. ``replace=True`` replaces the file (or a symlink at
    ``path``), keeping the old file's permissions. A new file gets the usual ``0666 & ~umask``
    (not the temporary file's ``0600``). The directory must exist (`DirectoryNotWritable`
    otherwise, as when the temporary file cannot be made).
    """
    exists = path.exists() or path.is_symlink()
    if exists and not replace:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))
    directory = path.parent
    mode = 0o666 & ~_umask()
    if exists:
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(path.stat().st_mode)
    try:
        fd, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as problem:
        raise DirectoryNotWritable(problem.errno, problem.strerror, str(directory)) from problem
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        if replace:
            os.replace(temp, path)
        else:
            _link_no_clobber(temp, path)
        with contextlib.suppress(OSError):  # not every platform / file system can
            fsync_dir(directory)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _link_no_clobber(temp: Path, path: Path) -> None:
    """Rename ``temp`` to ``path`` unless ``path`` exists, atomically where links exist."""
    try:
        os.link(temp, path)  # FileExistsError if the name is taken
    except OSError as problem:
        if problem.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        # A file system without hard links: check, then rename (a tiny window remains).
        if path.exists() or path.is_symlink():
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        os.replace(temp, path)
        return
    temp.unlink()


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no way to read it without setting it elsewhere
    os.umask(mask)
    return mask
