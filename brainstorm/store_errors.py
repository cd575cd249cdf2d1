"""What can go wrong with session files, worded for the person at the terminal (the CLI maps
these to exit codes and hints; the app words its own)."""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """A problem with session files, worded for the person at the terminal."""


class SessionNotFound(StoreError):
    """No session by that name (``matches`` holds the ids a prefix matched, when several)."""

    def __init__(self, message: str, matches: list[str] | None = None) -> None:
        super().__init__(message)
        self.matches = matches or []


class InvalidSessionName(StoreError):
    pass


class CorruptSessionFile(StoreError):
    def __init__(self, path: Path, line: int, problem: str) -> None:
        self.path = path
        self.line = line
        super().__init__(f"{path}:{line}: {problem}")


class SessionLocked(StoreError):
    def __init__(self, session_id: str, pid: int | None) -> None:
        self.session_id = session_id
        self.pid = pid
        holder = f"pid {pid}" if pid else "another process"
        super().__init__(f"session {session_id} opened read-only: in use by {holder}")
