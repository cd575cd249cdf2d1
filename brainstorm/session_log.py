"""Reading a session file: its lines as events (`brainstorm.events`), torn lines handled.

A half-written last line (a crash mid-write, or a write still in progress) is skipped; a torn
line the next writer terminated and recorded (`torn_line_skipped`) is skipped too, silently:
the writer said so, once, when it recorded it. Any other bad line is an error naming file and
line (`brainstorm.repair` makes a new log without such lines). The file is never rewritten.
Turning the events into a `Session` is `brainstorm.replay`.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from brainstorm.events import Event, SessionCreated, TornLineSkipped, event_from_json
from brainstorm.store_errors import CorruptSessionFile, SessionNotFound


def read_events(path: Path) -> tuple[list[Event], list[str]]:
    """Parse a session file. Returns the events and warnings for the reader.

    A torn last line is skipped without a warning: to a reader it may be a write still in
    progress, and after a crash the next writer records it and says so (once). Lines a writer
    recorded as torn are skipped silently too: that was said when it was recorded."""
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
            problem = describe_bad_line(raw, error)
            if is_last and not ends_with_newline:
                continue
            bad.append((number, problem))
            continue
        if isinstance(event, TornLineSkipped):
            skipped_by_writer.add(event.line)
        events.append(event)
    for number, problem in bad:
        if number not in skipped_by_writer:
            raise CorruptSessionFile(path, number, problem)
    if not events or not isinstance(events[0], SessionCreated):
        raise CorruptSessionFile(path, 1, "the first line must be a session_created event")
    return events, warnings


def describe_bad_line(raw: bytes, error: ValidationError) -> str:
    try:
        json.loads(raw)
    except ValueError:
        snippet = raw[:40].decode("utf-8", "replace")
        return f"not valid JSON ({snippet!r})"
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    if not where:  # no "type", or one no event has
        return f"not an event ({first['msg']})"
    return f"not a valid event ({where}: {first['msg']})"
