"""Session files: an append-only JSON Lines event log per session, one writer at a time.

- Every append is one line (or several whole lines) written with a single `write` on an
  O_APPEND descriptor, so lines never interleave, even between concurrent replies.
- Durability: a durable append (the default) is fsynced before it returns, so it survives a
  crash of the process or the machine. A reply's text and ideas are appended as they arrive
  with ``durable=False`` (group commit): written at once — so a killed process loses none of
  it — and fsynced within `SYNC_INTERVAL` by a background thread, or by the next durable
  append (the reply's outcome), whichever comes first. A power cut loses at most that window.
- Reading replays the events into a `Session`. A half-written last line (a crash mid-write) is
  skipped with a warning naming file and line; any other bad line is an error naming both. The
  file is never rewritten; the next writer terminates the torn line and records that it did.
- A lock file (flock, so it dies with its process) admits one writer; others open read-only and
  are told which pid holds it.
- A prompt without an outcome whose writer died reads as interrupted: readers check whether
  the pid in the lock file is alive; the next writer records it (`generation_interrupted`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from brainstorm.fileio import fsync_dir
from brainstorm.group_commit import GroupCommit
from brainstorm.models import (
    EVENT_ADAPTER,
    Event,
    GenerationInterrupted,
    Session,
    SessionCreated,
    TornLineSkipped,
    _Event,
    event_from_json,
    event_to_json,
)

SUFFIX = ".jsonl"
LOCK_SUFFIX = ".lock"
# Group commit: events appended with durable=False reach the disk at most this long after.
SYNC_INTERVAL = 0.15
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


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


def read_events(path: Path) -> tuple[list[Event], list[str]]:
    """Parse a session file. Returns the events and warnings (a skipped torn last line)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SessionNotFound(f"no session file at {path}") from None
    if not data:
        raise CorruptSessionFile(path, 1, "file is empty (expected a session_created event)")
    lines = data.split(b"\n")
    ends_with_newline = lines[-1] == b""
    if ends_with_newline:
        lines.pop()
    events: list[Event] = []
    warnings: list[str] = []
    skipped_by_writer: set[int] = set()
    bad: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, start=1):
        is_last = number == len(lines)
        try:
            event = event_from_json(raw)
        except ValidationError as error:
            problem = _describe(raw, error)
            if is_last and not ends_with_newline:
                warnings.append(
                    f"{path}:{number}: skipped a torn last line (the writer stopped mid-write)"
                )
                continue
            bad.append((number, problem))
            continue
        if isinstance(event, TornLineSkipped):
            skipped_by_writer.add(event.line)
        events.append(event)
    for number, problem in bad:
        if number in skipped_by_writer:
            warnings.append(f"{path}:{number}: skipped a torn line left by an interrupted write")
            continue
        raise CorruptSessionFile(path, number, problem)
    if not events or not isinstance(events[0], SessionCreated):
        raise CorruptSessionFile(path, 1, "the first line must be a session_created event")
    return events, warnings


def _describe(raw: bytes, error: ValidationError) -> str:
    try:
        json.loads(raw)
    except ValueError:
        snippet = raw[:40].decode("utf-8", "replace")
        return f"not valid JSON ({snippet!r})"
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"not a valid event ({where}: {first['msg']})"


def replay(events: list[Event]) -> Session:
    first = events[0]
    assert isinstance(first, SessionCreated)
    session = Session.from_created(first)
    for event in events[1:]:
        session.apply(event)
    return session


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
        session_id = self.resolve(ref)
        path = self.path_for(session_id)
        events, warnings = read_events(path)
        session = replay(events)
        if not writer_alive(path.with_suffix(LOCK_SUFFIX)):
            session.mark_interrupted()
        return LoadedSession(session, path, warnings)

    def summaries(self) -> list[SessionSummary]:
        """Every readable session, newest activity first. Unreadable files become warnings."""
        result: list[SessionSummary] = []
        for session_id in self.ids():
            try:
                loaded = self.load(session_id)
            except StoreError as error:
                result.append(_broken_summary(session_id, str(error)))
                continue
            s = loaded.session
            models = sorted(s.models_that_wrote())
            result.append(
                SessionSummary(
                    s.id,
                    s.topic,
                    s.created_at,
                    s.updated_at,
                    s.count_by_status(),
                    models,
                    loaded.warnings,
                )
            )
        result.sort(key=lambda summary: summary.updated_at, reverse=True)
        return result

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
        return SessionWriter(self, self.resolve(ref))


def _broken_summary(session_id: str, problem: str) -> SessionSummary:
    epoch = datetime.fromtimestamp(0).astimezone()
    return SessionSummary(session_id, "(unreadable)", epoch, epoch, {}, [], [problem])


class SessionWriter:
    """The one writer of a session: appends events and keeps the replayed state current."""

    def __init__(self, store: SessionStore, session_id: str, *, fresh: bool = False) -> None:
        self.store = store
        self.session_id = session_id
        self.path = store.path_for(session_id)
        self._thread_lock = threading.Lock()
        self._lock_fd: int | None = _acquire_lock(self.path.with_suffix(LOCK_SUFFIX), session_id)
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
            data = "".join(event_to_json(event) + "\n" for event in stored).encode("utf-8")
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
            typed: list[Event] = [EVENT_ADAPTER.validate_python(event) for event in stored]
            for event in typed:
                if self._session is None:
                    assert isinstance(event, SessionCreated)
                    self._session = Session.from_created(event)
                else:
                    self._session.apply(event)
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
        """Make what was written durable, then let go of the file and the lock."""
        if self._commit is not None:
            self._commit.close()
        with self._thread_lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        if self._lock_fd is not None:
            _release_lock(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _acquire_lock(lock_path: Path, session_id: str) -> int:
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


def _release_lock(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


@contextlib.contextmanager
def writer_lock_if_free(store: SessionStore, session_id: str) -> Iterator[bool]:
    """Hold the session's writer lock for the block if no one else does (never waits).
    Yields whether it is held: derived files beside a session (the near-duplicate index) are
    written only by the process that holds it."""
    try:
        fd = _acquire_lock(store.path_for(session_id).with_suffix(LOCK_SUFFIX), session_id)
    except (SessionLocked, OSError):  # OSError: a read-only directory
        yield False
        return
    try:
        yield True
    finally:
        _release_lock(fd)
