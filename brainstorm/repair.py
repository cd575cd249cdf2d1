"""Repairing a session log that cannot be read: a new log without the bad lines.

One corrupt line in the middle of a session file (a disk error, a hand edit, a half-copied
file) makes the whole session unreadable, because replaying past it could record decisions
nobody made. `repair_session` is the way back, taken only when a person asks for it:

- every line is checked as the reader checks it; the lines that cannot be read (not JSON, not
  an event, a torn line, an event about an idea the log never drafted) are left out, each
  reported by number with the reason;
- the new log holds the other lines byte for byte, then a `log_repaired` event naming the
  dropped lines and the file that keeps the original;
- the original bytes stay in the sessions directory as ``<id>.jsonl.corrupt-<UTC time>`` (a
  hard link to the very file, so not one byte is copied or changed), and the new log is
  written to a temporary file and renamed over the old name: the store still never rewrites
  a file in place;
- it runs under the session's writer lock, so it is refused while another process writes.

A log whose first line (``session_created``) is unreadable cannot be repaired: without it the
topic and the session's settings are unknown. Nothing is changed then.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from brainstorm.events import (
    EVENT_ADAPTER,
    DroppedLine,
    Event,
    LogRepaired,
    SessionCreated,
    TornLineSkipped,
    event_from_json,
    event_to_json,
)
from brainstorm.fileio import atomic_write, fsync_dir
from brainstorm.models import Session
from brainstorm.replay import apply_event
from brainstorm.session_log import describe_bad_line
from brainstorm.store import SessionStore
from brainstorm.store_errors import StoreError

__all__ = ["RepairImpossible", "RepairPlan", "RepairReport", "plan_repair", "repair_session"]

CORRUPT_MARK = ".corrupt-"


class RepairImpossible(StoreError):
    """The log cannot be repaired (its first line is unreadable); nothing was changed."""


@dataclass
class RepairPlan:
    """What a repair keeps and drops, decided from the file's bytes alone."""

    kept: list[bytes] = field(default_factory=list)  # raw lines, without their newline
    dropped: list[DroppedLine] = field(default_factory=list)
    last_seq: int = 0
    session: Session | None = None  # the state the kept lines replay into


@dataclass
class RepairReport:
    session_id: str
    path: Path
    dropped: list[DroppedLine]
    original: Path | None  # where the original bytes are kept; None: nothing to repair
    session: Session | None

    @property
    def repaired(self) -> bool:
        return self.original is not None


def plan_repair(data: bytes) -> RepairPlan:
    """Which lines of a session file to keep. Pure: reads nothing but ``data``."""
    lines = data.split(b"\n")
    ends_with_newline = lines[-1] == b""
    if ends_with_newline:
        lines.pop()
    parsed: list[tuple[int, bytes, Event | None, str]] = []
    torn_records: dict[int, int] = {}  # torn line number -> line of the event recording it
    for number, raw in enumerate(lines, start=1):
        try:
            event: Event | None = event_from_json(raw)
            problem = ""
        except ValidationError as error:
            event, problem = None, describe_bad_line(raw, error)
            if number == len(lines) and not ends_with_newline:
                problem = "a torn last line (a write cut off mid-line)"
        if isinstance(event, TornLineSkipped):
            torn_records[event.line] = number
        parsed.append((number, raw, event, problem))

    plan = RepairPlan()
    first = parsed[0][2] if parsed else None
    if not isinstance(first, SessionCreated):
        problem = parsed[0][3] if parsed and parsed[0][3] else "not a session_created event"
        raise RepairImpossible(
            f"line 1 cannot be read ({problem}): it holds the session's topic and settings,"
            " so the session cannot be rebuilt without it. Nothing was changed"
        )
    session = Session.from_created(first)
    for number, raw, event, problem in parsed:
        if event is None:
            if number in torn_records:
                where = torn_records[number]
                problem = f"a torn line (a write cut off mid-line; recorded at line {where})"
            plan.dropped.append(DroppedLine(line=number, problem=problem))
            continue
        if isinstance(event, TornLineSkipped):
            # It excuses a line by its number in this file; the new log renumbers the lines
            # and holds no torn line, so the record goes with the line it excused.
            plan.dropped.append(
                DroppedLine(
                    line=number,
                    problem=f"the record of torn line {event.line}, which is left out too",
                )
            )
            continue
        if number > 1:
            try:
                apply_event(session, event)
            except KeyError as missing:
                plan.dropped.append(
                    DroppedLine(line=number, problem=f"{event.type}: {missing.args[0]}")
                )
                continue
        plan.kept.append(raw)
        plan.last_seq = max(plan.last_seq, event.seq)
    plan.session = session
    return plan


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _keep_original(path: Path, moment: datetime) -> Path:
    """A second name for the original file in the same directory (a hard link: the bytes are
    neither copied nor changed), or a copy where links are not supported."""
    stamp = _utc_stamp(moment)
    for attempt in range(100):
        suffix = f"{CORRUPT_MARK}{stamp}" + (f"-{attempt}" if attempt else "")
        backup = path.with_name(path.name + suffix)
        try:
            os.link(path, backup)
        except FileExistsError:
            continue
        except OSError as problem:
            if problem.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            if backup.exists():
                continue
            shutil.copy2(path, backup)
        with contextlib.suppress(OSError):
            fsync_dir(path.parent)
        return backup
    raise StoreError(f"cannot name a copy of {path}: too many repairs this second")


def repair_session(store: SessionStore, ref: str, *, now: datetime | None = None) -> RepairReport:
    """Repair the session ``ref`` (see the module docstring). Nothing is written when every
    line reads (the report's ``original`` is None then). Raises `SessionLocked` while another
    process writes the session, `RepairImpossible` when line 1 is unreadable."""
    session_id = store.resolve(ref)
    with store.exclusive(session_id) as path:
        try:
            data = path.read_bytes()
        except OSError as problem:
            raise StoreError(f"cannot read {path}: {problem.strerror}") from None
        if not data:
            raise RepairImpossible(f"{path} is empty: there is no session to rebuild")
        plan = plan_repair(data)
        if not plan.dropped:
            return RepairReport(session_id, path, [], None, plan.session)
        moment = now or datetime.now(UTC)
        original = _keep_original(path, moment)
        record = LogRepaired(
            seq=plan.last_seq + 1, at=moment, original=original.name, dropped=plan.dropped
        )
        new_log = b"".join(raw + b"\n" for raw in plan.kept)
        new_log += (event_to_json(record) + "\n").encode("utf-8")
        atomic_write(path, new_log, replace=True)
        assert plan.session is not None
        apply_event(plan.session, EVENT_ADAPTER.validate_python(record))
        return RepairReport(session_id, path, plan.dropped, original, plan.session)
