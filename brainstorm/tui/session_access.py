"""Whether this window may change a session: it holds the session's one writer, or reads a
copy because another process writes it (and may take it over once that process let go)."""

from __future__ import annotations

from brainstorm.models import Session
from brainstorm.session_writer import SessionWriter
from brainstorm.store import SessionStore
from brainstorm.store_errors import SessionLocked, StoreError
from brainstorm.tui.services import locked_notice
from brainstorm.tui.status_line import Level


class SessionAccess:
    def __init__(
        self,
        store: SessionStore,
        session: Session,
        writer: SessionWriter | None,
        read_only_reason: str | None = None,
    ) -> None:
        self.store = store
        self.writer = writer
        self._loaded = session
        #: Why this window only reads (None while it holds the writer).
        self.reason = read_only_reason if writer is None else None

    @property
    def session(self) -> Session:
        return self.writer.session if self.writer is not None else self._loaded

    @property
    def read_only(self) -> bool:
        return self.writer is None

    def take_over(self) -> tuple[str, Level] | None:
        """A read-only window tries to become the writer (re-reading the session while it
        cannot). Returns what to say in the status line; None when it was the writer."""
        if self.writer is not None:
            return None
        session_id = self._loaded.id
        try:
            self.writer = self.store.open_writer(session_id)
        except SessionLocked as locked:
            self.reason = locked_notice(locked)
            try:
                self._loaded = self.store.load(session_id).session
            except StoreError as problem:
                return str(problem), "error"
            return None
        except StoreError as problem:
            return str(problem), "error"
        self.reason = None
        return "This window can now change the session.", "info"
