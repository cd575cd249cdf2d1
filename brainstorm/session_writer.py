"""The one writer of a session: appends events to its file and keeps the replayed state current.

- Every append is one line (or several whole lines) written with a single `write` on an
  O_APPEND descriptor, so lines never interleave, even between concurrent replies.
- Durability: a durable append (the default) is fsynced before it returns, so it survives a
  crash of the process or the machine. A reply's text and ideas are appended as they arrive
  with ``durable=False`` (group commit, `brainstorm.group_commit`): written at once — so a
  killed process loses none of it — and fsynced within `SYNC_INTERVAL` by a background thread,
  or by the next durable append (the reply's outcome), whichever comes first. A power cut loses
  at most that window.
- On opening, it terminates a torn last line and records that it did (`torn_line_skipped`),
  and records prompts whose writer died without an outcome (`generation_interrupted`).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from brainstorm.event_base import _Event
from brainstorm.events import (
    Event,
    GenerationInterrupted,
    SessionCreated,
    TornLineSkipped,
    as_read_back,
    event_to_json,
)
from brainstorm.group_commit import GroupCommit
from brainstorm.models import Session
from brainstorm.replay import apply_event, replay
from brainstorm.session_lock import LOCK_SUFFIX, acquire_lock, release_lock
from brainstorm.session_log import read_events
from brainstorm.store import summarise
from brainstorm.store_errors import StoreError
from brainstorm.summary_cache import write_summary

if TYPE_CHECKING:
    from brainstorm.store import SessionStore

# Group commit: events appended with durable=False reach the disk at most this long after.
SYNC_INTERVAL = 0.15


class SessionWriter:
    """The one writer of a session: appends events and keeps the replayed state current."""

    def __init__(self, store: SessionStore, session_id: str, *, fresh: bool = False) -> None:
        self.store = store
        self.session_id = session_id
        self.path = store.path_for(session_id)
        self._thread_lock = threading.Lock()
        self._lock_fd: int | None = acquire_lock(self.path.with_suffix(LOCK_SUFFIX), session_id)
        self.warnings: list[str] = []
        self._session: Session | None = None
        self._next_reserved = 0
        self._fd: int | None = None
        self._commit: GroupCommit | None = None
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
            self._commit = GroupCommit(self._fd, SYNC_INTERVAL)
            if not fresh:
                events, self.warnings = read_events(self.path)
                self._session = replay(events)
                self._terminate_torn_line()
                self._record_interrupted()
        except BaseException:
            self.close()
            raise

    @property
    def session(self) -> Session:
        if self._session is None:
            raise StoreError(f"session {self.session_id} has no events yet")
        return self._session

    def _terminate_torn_line(self) -> None:
        with self.path.open("rb") as handle:
            data = handle.read()
        if data.endswith(b"\n"):
            return
        torn_line = data.count(b"\n") + 1
        os.write(self._open_fd(), b"\n")
        self.append(TornLineSkipped(line=torn_line))
        # Said here, once: later readers skip the recorded line without a word.
        self.warnings.append(
            f"{self.path}:{torn_line}: skipped a torn last line left by a writer that stopped"
            " mid-write (now recorded in the log; everything before it is intact)"
        )

    def _record_interrupted(self) -> None:
        """Prompts left without an outcome: their writer died (this one holds the lock now)."""
        pending = [p.id for p in self.session.prompts.values() if p.outcome == "pending"]
        if pending:
            self.append_many([GenerationInterrupted(prompt_id=prompt_id) for prompt_id in pending])

    def _open_fd(self) -> int:
        if self._fd is None:
            raise StoreError(f"session {self.session_id} is closed")
        return self._fd

    def append(self, event: _Event, *, durable: bool = True) -> Event:
        """Write one event, then fold it into the state. Returns the stored event. Durable:
        fsynced before returning; else fsynced within `SYNC_INTERVAL` (group commit)."""
        return self.append_many([event], durable=durable)[0]

    def append_many(self, events: list[_Event], *, durable: bool = True) -> list[Event]:
        """Write events as one write (and, when durable, one fsync: fsync is the slow part,
        and it stalls every stream sharing the event loop)."""
        with self._thread_lock:
            seq = self._session.last_seq if self._session else 0
            stored = [
                event.model_copy(update={"seq": seq + n}) for n, event in enumerate(events, 1)
            ]
            lines = [event_to_json(event) for event in stored]
            data = "".join(line + "\n" for line in lines).encode("utf-8")
            fd = self._open_fd()
            written = os.write(fd, data)
            if written != len(data):  # pragma: no cover - a full disk
                raise StoreError(f"{self.path}: short write ({written} of {len(data)} bytes)")
            commit = self._commit
            assert commit is not None
            if durable:
                commit.sync()
            else:
                commit.wrote()
            typed = [as_read_back(event, line) for event, line in zip(stored, lines, strict=True)]
            for event in typed:
                if self._session is None:
                    assert isinstance(event, SessionCreated)
                    self._session = Session.from_created(event)
                else:
                    apply_event(self._session, event)
            return typed

    def sync(self) -> None:
        """Make everything appended so far durable (a no-op when it already is)."""
        if self._commit is not None and self._commit.pending:
            self._commit.sync()

    def allocate_idea_ids(self, count: int) -> list[int]:
        """Idea ids are small integers, stable for the life of the session."""
        with self._thread_lock:
            start = max(self.session.next_idea_id, self._next_reserved)
            self._next_reserved = start + count
            return list(range(start, start + count))

    def close(self) -> None:
        """Make what was written durable, keep the session list's summary of it, then let go
        of the file and the lock."""
        if self._commit is not None:
            self._commit.close()
        with self._thread_lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        if self._lock_fd is not None:
            try:
                self._keep_summary()
            finally:  # a derived file never keeps the session locked
                release_lock(self._lock_fd)
                self._lock_fd = None

    def _keep_summary(self) -> None:
        """The list's summary, from the state this writer kept current: the next listing (and
        the app's first frame) need not replay the log. Still holding the lock, so the log
        cannot change between the `stat` that keys the summary and the state it describes."""
        if self._session is None:
            return
        try:
            stat = self.path.stat()
        except OSError:
            return
        # No warnings: what this writer had to say (a torn line it recorded) was said once,
        # and a reader of the log now says nothing of it either.
        write_summary(self.path, stat, summarise(self._session, []))

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
