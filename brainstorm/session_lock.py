"""The writer lock beside each session file (``<id>.lock``): flock, so it dies with its
process, holding the writer's pid so others can say who holds it, and so readers can tell
whether a prompt without an outcome still has a live writer.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from brainstorm.store_errors import SessionLocked

LOCK_SUFFIX = ".lock"


def acquire_lock(lock_path: Path, session_id: str) -> int:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_pid(fd)
        os.close(fd)
        raise SessionLocked(session_id, holder) from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def writer_alive(lock_path: Path) -> bool:
    """Whether a live process holds the session's writer. Reads the pid the writer left in
    the lock file (without taking the lock, which would turn a writer starting at that moment
    away); a writer killed mid-reply leaves its pid behind, but no process with it."""
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except OSError:
        return False
    try:
        pid = _read_pid(fd)
    finally:
        os.close(fd)
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _read_pid(fd: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(os.pread(fd, 32, 0).decode().strip() or 0) or None
    return None


def release_lock(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
