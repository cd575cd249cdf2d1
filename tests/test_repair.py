"""`brainstorm repair`: a session with a corrupt line opens again, the original bytes are kept,
and the log is replaced by a rename, never rewritten in place (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from brainstorm.events import IdeaDrafted, IdeaStatusChanged, LogRepaired, Note, Status
from brainstorm.repair import RepairImpossible, plan_repair, repair_session
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.store_errors import CorruptSessionFile, SessionLocked
from tests.cli_support import Run, new_session, show_json


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions")


def draft(idea: int, text: str) -> IdeaDrafted:
    return IdeaDrafted(idea=idea, text=text, model="llama3.2", backend="ollama")


def corrupt_session(store: SessionStore) -> tuple[str, Path, bytes]:
    """A session of three ideas (one accepted) with garbage as its 3rd line."""
    with store.create("Quieter offices") as writer:
        writer.append(draft(1, "Phone booths"))
        writer.append(draft(2, "Quiet hours"))
        writer.append(draft(3, "Carpets"))
        writer.append(IdeaStatusChanged(idea=3, status=Status.ACCEPTED))
        session_id, path = writer.session_id, writer.path
    lines = path.read_bytes().splitlines(keepends=True)
    data = b"".join([*lines[:2], b"\x00\x00 disk garbage \xff\n", *lines[2:]])
    path.write_bytes(data)
    return session_id, path, data


def test_repair_round_trip_keeps_the_original_bytes(store: SessionStore) -> None:
    session_id, path, original = corrupt_session(store)
    with pytest.raises(CorruptSessionFile, match=":3: not valid JSON"):
        store.load(session_id)
    inode = path.stat().st_ino
    moment = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)

    report = repair_session(store, session_id, now=moment)

    assert report.repaired
    assert [(d.line, d.problem[:14]) for d in report.dropped] == [(3, "not valid JSON")]
    # The original bytes, untouched, under a new name in the sessions directory.
    assert report.original == path.with_name(f"{path.name}.corrupt-20260301T090000Z")
    assert report.original.read_bytes() == original
    assert report.original.stat().st_ino == inode  # the very file, not a copy
    assert path.stat().st_ino != inode  # the log was replaced by a rename
    # Every other line is kept byte for byte, then the repair is recorded.
    new_lines = path.read_bytes().splitlines(keepends=True)
    assert new_lines[:-1] == [line for n, line in enumerate(original.splitlines(True)) if n != 2]
    events, warnings = read_events(path)
    assert warnings == []
    record = events[-1]
    assert isinstance(record, LogRepaired)
    assert record.original == report.original.name
    assert [d.line for d in record.dropped] == [3]
    assert record.seq == events[-2].seq + 1

    session = store.load(session_id).session
    assert {i: idea.text for i, idea in session.ideas.items()} == {
        1: "Phone booths",
        2: "Quiet hours",
        3: "Carpets",
    }
    assert session.ideas[3].status is Status.ACCEPTED
    assert store.ids() == [session_id]  # the kept original is not listed as a session
    with store.open_writer(session_id) as writer:  # and it can be written again
        writer.append(Note(text="after the repair"))
    assert store.load(session_id).session.notes == ["after the repair"]
    assert report.original.read_bytes() == original

    again = repair_session(store, session_id)
    assert not again.repaired and again.dropped == []


def test_repair_drops_torn_lines_their_records_and_events_about_missing_ideas() -> None:
    created = b'{"seq":1,"at":"2026-01-01T00:00:00Z","type":"session_created","schema":1,'
    created += b'"session_id":"s-0000","topic":"t"}'
    note = b'{"seq":2,"at":"2026-01-01T00:00:01Z","type":"note","text":"kept"}'
    torn = b'{"seq":3,"at":"2026-01'
    record = b'{"seq":4,"at":"2026-01-01T00:00:03Z","type":"torn_line_skipped","line":3}'
    orphan = b'{"seq":5,"at":"2026-01-01T00:00:04Z","type":"idea_status","idea":9,'
    orphan += b'"status":"accepted"}'
    last = b'{"seq":6,"at":"2026-01-01T00:00:05Z","type":"note","te'
    plan = plan_repair(b"\n".join([created, note, torn, record, orphan, last]))
    assert plan.kept == [created, note]
    assert [(d.line, d.problem) for d in plan.dropped] == [
        (3, "a torn line (a write cut off mid-line; recorded at line 4)"),
        (4, "the record of torn line 3, which is left out too"),
        (5, "idea_status: session s-0000 has no idea #9"),
        (6, "a torn last line (a write cut off mid-line)"),
    ]
    assert plan.last_seq == 2


def test_a_log_without_its_first_line_is_left_alone(store: SessionStore) -> None:
    store.root.mkdir(parents=True)
    path = store.root / "headless-0000.jsonl"
    data = b'garbage\n{"seq":2,"at":"2026-01-01T00:00:01Z","type":"note","text":"x"}\n'
    path.write_bytes(data)
    with pytest.raises(RepairImpossible, match="line 1 cannot be read"):
        repair_session(store, "headless-0000")
    assert path.read_bytes() == data
    assert sorted(p.name for p in store.root.iterdir()) == [
        "headless-0000.jsonl",
        "headless-0000.lock",
    ]


def test_repair_is_refused_while_another_process_writes(store: SessionStore) -> None:
    session_id, path, original = corrupt_session(store)
    with store.create("busy") as writer:
        busy = writer.session_id
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, fcntl, os;"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX);"
            "os.write(fd, str(os.getpid()).encode()); print('ready', flush=True);"
            "sys.stdin.read()",
            str(path.with_suffix(".lock")),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
        with pytest.raises(SessionLocked) as caught:
            repair_session(store, session_id)
        assert caught.value.pid == holder.pid
    finally:
        holder.communicate("")
    assert path.read_bytes() == original
    assert not any(".corrupt-" in name for name in os.listdir(store.root))
    assert busy  # an unrelated session was never touched
    assert repair_session(store, session_id).repaired  # once released, it works


# --- the command ------------------------------------------------------------------------------


def test_repair_command_reports_each_line_and_the_session_opens_again(
    run: Run, sessions: Path
) -> None:
    session = new_session(run)
    assert run("ask", session).returncode == 0
    assert run("accept", session, "2").returncode == 0
    path = SessionStore(sessions).path_for(session)
    lines = path.read_bytes().splitlines(keepends=True)
    corrupt = b"".join([*lines[:3], b'{"seq": 4, "type": "idea_drafted"\n', *lines[3:]])
    path.write_bytes(corrupt)

    shown = run("show", session)
    assert shown.returncode == 1 and "Traceback" not in shown.stderr
    assert f"{path}:4: not valid JSON" in shown.stderr
    assert f"brainstorm repair {session}" in shown.stderr

    listed = run("list")
    assert listed.returncode == 0 and f"brainstorm repair {session}" in listed.stderr

    repaired = run("repair", session)
    assert repaired.returncode == 0, repaired.stderr
    assert "left out 1 line:" in repaired.stdout
    assert "line 4: not valid JSON" in repaired.stdout
    kept = sorted(sessions.glob(f"{session}.jsonl.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == corrupt
    assert f"kept, byte for byte, as {kept[0]}" in repaired.stdout

    data = show_json(run, session)
    assert [(i["id"], i["status"]) for i in data["ideas"]] == [
        (1, "draft"),
        (2, "accepted"),
        (3, "draft"),
    ]
    assert run("accept", session, "1").returncode == 0  # writable again

    again = run("repair", session, "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout)["repaired"] is False


def test_repair_command_refuses_a_file_it_cannot_rebuild(run: Run, sessions: Path) -> None:
    sessions.mkdir(parents=True)
    path = sessions / "broken-0000.jsonl"
    path.write_bytes(b"not json at all\n")
    result = run("repair", "broken-0000")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "line 1 cannot be read" in result.stderr and "Nothing was changed" in result.stderr
    assert path.read_bytes() == b"not json at all\n"
