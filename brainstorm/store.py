"""The sessions directory: one append-only JSON Lines event log per session (``<id>.jsonl``),
one writer at a time.

- Naming: session ids are plain file names (`validate_session_name`); a reference may be an
  id, a unique start of one or a unique end of one (`SessionStore.resolve`).
- Reading (`SessionStore.load`) parses the file (`brainstorm.session_log`, which handles torn
  lines) and replays its events into a `Session` (`brainstorm.replay`).
- Writing goes through the one `SessionWriter` (`brainstorm.session_writer`: appends, group
  commit). A lock file (`brainstorm.session_lock`: flock, so it dies with its process) admits
  one writer; others open read-only and are told which pid holds it.
- A prompt without an outcome whose writer died reads as interrupted: readers check whether
  the pid in the lock file is alive; the next writer records it (`generation_interrupted`).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from brainstorm.session_lock import LOCK_SUFFIX, acquire_lock, release_lock, writer_alive
from brainstorm.store_errors import InvalidSessionName, SessionLocked, SessionNotFound, StoreError
from brainstorm.summary_cache import read_summary, write_summary

if TYPE_CHECKING:
    from brainstorm.models import Session
    from brainstorm.session_writer import SessionWriter

# The event models, their replay and the writer (pydantic) are imported by the methods that
# read or write a log: listing sessions whose summaries are kept (`summary_cache`) needs none
# of them, so the app's session list is drawn without loading pydantic.

SUFFIX = ".jsonl"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


def slugify(text: str, max_length: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:max_length].rstrip("-")
    return slug or "session"


def new_session_id(topic: str) -> str:
    return f"{slugify(topic)}-{secrets.token_hex(2)}"


def validate_session_name(name: str) -> str:
    """Refuse anything that is not a plain file name inside the sessions directory."""
    if not _ID_RE.fullmatch(name) or ".." in name:
        raise InvalidSessionName(
            f"invalid session name {name!r}: use lower-case letters, digits, '-', '_' and '.'"
            " (no paths)"
        )
    return name


@dataclass
class LoadedSession:
    session: Session
    path: Path
    warnings: list[str] = field(default_factory=list)


@dataclass
class SessionSummary:
    id: str
    topic: str
    created_at: datetime
    updated_at: datetime
    counts: dict[str, int]
    models: list[str]
    warnings: list[str]
    unreadable: bool = False  # the file cannot be read: ``warnings`` says why


class SessionStore:
    """The sessions directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, session_id: str) -> Path:
        return self.root / f"{validate_session_name(session_id)}{SUFFIX}"

    def ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name.removesuffix(SUFFIX) for p in self.root.glob(f"*{SUFFIX}"))

    def resolve(self, ref: str) -> str:
        """A session id from an exact id, a unique start of one or a unique end of one (its
        random last characters: the app's session list shows long ids cut in the middle)."""
        ref = ref.strip()
        validate_session_name(ref)
        ids = self.ids()
        if ref in ids:
            return ref
        matches = [i for i in ids if i.startswith(ref)] or [i for i in ids if i.endswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise SessionNotFound(f"no session {ref!r} in {self.root}")
        raise SessionNotFound(
            f"{ref!r} matches several sessions: {', '.join(matches[:5])}", matches
        )

    def load(self, ref: str) -> LoadedSession:
        from brainstorm.replay import replay
        from brainstorm.session_log import read_events

        session_id = self.resolve(ref)
        path = self.path_for(session_id)
        events, warnings = read_events(path)
        session = replay(events)
        if not writer_alive(path.with_suffix(LOCK_SUFFIX)):
            session.mark_interrupted()
        return LoadedSession(session, path, warnings)

    def kept_summaries(self) -> list[SessionSummary] | None:
        """`summaries()` when every session's summary is kept and current (a `stat` and a small
        read each, no log replayed, no event model loaded); None when any log must be read."""
        result: list[SessionSummary] = []
        for session_id in self.ids():
            path = self.path_for(session_id)
            try:
                kept = read_summary(path, path.stat())
            except OSError:
                return None
            if kept is None:
                return None
            result.append(kept)
        return _newest_first(result)

    def summaries(self) -> list[SessionSummary]:
        """Every readable session, newest activity first. Unreadable files become warnings.
        A session whose log has not changed since it was last listed is not read again
        (`brainstorm.summary_cache`)."""
        result: list[SessionSummary] = []
        for session_id in self.ids():
            path = self.path_for(session_id)
            try:
                stat = path.stat()
            except OSError as error:  # removed meanwhile, or unreadable
                result.append(_broken_summary(session_id, f"{path}: {error.strerror}"))
                continue
            kept = read_summary(path, stat)
            if kept is not None:
                result.append(kept)
                continue
            try:
                loaded = self.load(session_id)
            except StoreError as error:
                result.append(_broken_summary(session_id, str(error)))
                continue
            summary = summarise(loaded.session, loaded.warnings)
            write_summary(path, stat, summary)
            result.append(summary)
        return _newest_first(result)

    def create(
        self,
        topic: str,
        *,
        technique: str | None = None,
        default_model: str | None = None,
        name: str | None = None,
        human_first: bool = False,
    ) -> SessionWriter:
        """Create a new session file and return its (locked) writer. ``default_model`` is the
        model configured for it (recorded as such: it may never write anything)."""
        from brainstorm.events import SessionCreated
        from brainstorm.fileio import fsync_dir
        from brainstorm.session_writer import SessionWriter

        if not topic.strip():
            raise StoreError("a session needs a topic")
        self.root.mkdir(parents=True, exist_ok=True)
        session_id = new_session_id(topic) if name is None else validate_session_name(name)
        path = self.path_for(session_id)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        except FileExistsError:
            raise StoreError(f"a session named {session_id!r} already exists") from None
        os.close(fd)
        writer = SessionWriter(self, session_id, fresh=True)
        writer.append(
            SessionCreated(
                session_id=session_id,
                topic=topic.strip(),
                technique=technique,
                default_model=default_model,
                human_first=human_first,
            )
        )
        fsync_dir(self.root)
        return writer

    def open_writer(self, ref: str) -> SessionWriter:
        from brainstorm.session_writer import SessionWriter

        return SessionWriter(self, self.resolve(ref))

    @contextlib.contextmanager
    def exclusive(self, session_id: str) -> Iterator[Path]:
        """Hold the session's writer lock without opening a writer (for work on the whole
        file, like `brainstorm.repair`): `SessionLocked` while another process writes it."""
        path = self.path_for(session_id)
        fd = acquire_lock(path.with_suffix(LOCK_SUFFIX), session_id)
        try:
            yield path
        finally:
            release_lock(fd)


def summarise(session: Session, warnings: list[str]) -> SessionSummary:
    """What the session list shows of ``session``."""
    return SessionSummary(
        session.id,
        session.topic,
        session.created_at,
        session.updated_at,
        session.count_by_status(),
        sorted(session.models_that_wrote()),
        warnings,
    )


def _newest_first(summaries: list[SessionSummary]) -> list[SessionSummary]:
    return sorted(summaries, key=lambda summary: summary.updated_at, reverse=True)


def _broken_summary(session_id: str, problem: str) -> SessionSummary:
    epoch = datetime.fromtimestamp(0).astimezone()
    return SessionSummary(
        session_id, "(unreadable)", epoch, epoch, {}, [], [problem], unreadable=True
    )


@contextlib.contextmanager
def writer_lock_if_free(store: SessionStore, session_id: str) -> Iterator[bool]:
    """Hold the session's writer lock for the block if no one else does (never waits).
    Yields whether it is held: derived files beside a session (the near-duplicate index) are
    written only by the process that holds it."""
    try:
        fd = acquire_lock(store.path_for(session_id).with_suffix(LOCK_SUFFIX), session_id)
    except (SessionLocked, OSError):  # OSError: a read-only directory
        yield False
        return
    try:
        yield True
    finally:
        release_lock(fd)
