"""The session event log: round trips, durability, damaged files, locking, names."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from brainstorm import review
from brainstorm.cli.hints import cli_hint
from brainstorm.events import SCHEMA_VERSION, IdeaDrafted, IdeaStatusChanged, Note, Status
from brainstorm.store import SessionStore
from brainstorm.store_errors import (
    CorruptSessionFile,
    InvalidSessionName,
    SessionLocked,
    SessionNotFound,
    StoreError,
)
from brainstorm.summary_cache import cache_path


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions")


def draft(idea: int, text: str) -> IdeaDrafted:
    return IdeaDrafted(idea=idea, text=text, model="llama3.2", backend="ollama", technique="open")


def test_round_trip_replays_every_event(store: SessionStore) -> None:
    with store.create(
        "Quieter open-plan offices", technique="scamper", default_model="m"
    ) as writer:
        writer.append(draft(1, "Phone booths"))
        writer.append(draft(2, "Quiet hours"))
        assert review.edit(writer, 1, "Phone booths with doors")
        assert review.set_status(writer, 1, Status.ACCEPTED)
        assert review.set_status(writer, 2, Status.REJECTED)
        human = review.add(writer, "Noise maps on the wall")
        session_id = writer.session_id
        live = writer.session.model_dump()

    loaded = store.load(session_id)
    assert loaded.warnings == []
    assert loaded.session.model_dump() == live
    one = loaded.session.ideas[1]
    assert (one.original, one.text, one.status) == (
        "Phone booths",
        "Phone booths with doors",
        Status.ACCEPTED,
    )
    assert not one.accepted_as_is and one.revision_count == 1
    assert loaded.session.ideas[human.id].author.value == "human"
    assert loaded.session.technique == "scamper"

    lines = loaded.path.read_text().splitlines()
    first = json.loads(lines[0])
    assert first["type"] == "session_created" and first["schema"] == SCHEMA_VERSION == 2
    assert [json.loads(line)["seq"] for line in lines] == list(range(1, len(lines) + 1))
    assert all("at" in json.loads(line) for line in lines)


def test_unchanged_edit_and_same_status_record_nothing(store: SessionStore) -> None:
    with store.create("topic") as writer:
        writer.append(draft(1, "Same"))
        before = writer.session.last_seq
        assert not review.edit(writer, 1, "  Same  ")
        assert not review.set_status(writer, 1, Status.DRAFT)
        assert writer.session.last_seq == before


def test_each_append_is_written_then_fsynced(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_write, real_fsync = os.write, os.fsync

    def spy_write(fd: int, data: bytes) -> int:
        calls.append("write")
        return real_write(fd, data)

    def spy_fsync(fd: int) -> None:
        calls.append("fsync")
        real_fsync(fd)

    with store.create("topic") as writer:
        monkeypatch.setattr(os, "write", spy_write)
        monkeypatch.setattr(os, "fsync", spy_fsync)
        for n in range(3):
            writer.append(Note(text=f"note {n}"))
        stored = writer.append_many([Note(text="a"), Note(text="b")])  # a reply's ideas + outcome
        session_id = writer.session_id
    monkeypatch.undo()
    assert calls[:8] == ["write", "fsync"] * 4
    assert [event.seq for event in stored] == [5, 6]
    assert store.load(session_id).session.notes == ["note 0", "note 1", "note 2", "a", "b"]


WRITER_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from brainstorm.events import Note
    from brainstorm.store import SessionStore

    store = SessionStore(Path(sys.argv[1]))
    writer = store.open_writer(sys.argv[2])
    while True:
        event = writer.append(Note(text="x" * 3000))
        print(event.seq, flush=True)  # reported only after write + fsync returned
    """
)


def test_writer_killed_mid_append_loses_nothing_reported(store: SessionStore) -> None:
    with store.create("crash test") as writer:
        session_id = writer.session_id
    reported: set[int] = set()
    for _round in range(4):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER_SCRIPT, str(store.root), session_id],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        for _ in range(25):
            reported.add(int(child.stdout.readline()))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        reported.update(int(line) for line in rest.split())
        loaded = store.load(session_id)  # opens: at worst a torn last line is skipped
        seqs = {n for n in range(1, loaded.session.last_seq + 1)}
        assert reported <= seqs
        assert len(loaded.session.notes) >= len(reported)
    store.open_writer(session_id).close()  # the kernel released the dead writer's lock


def test_torn_last_line_is_skipped_and_said_once_by_the_writer_that_records_it(
    store: SessionStore,
) -> None:
    """Issue 13: the warning appears once, when a writer records the torn line; a reader
    (which may be looking at a write still in progress) skips it without a word, before the
    record and after it."""
    with store.create("torn") as writer:
        writer.append(draft(1, "kept"))
        session_id, path = writer.session_id, writer.path
    with path.open("ab") as handle:
        handle.write(b'{"seq":3,"type":"note","te')
    before = path.read_bytes()

    loaded = store.load(session_id)
    assert loaded.session.ideas[1].text == "kept"
    assert loaded.warnings == []

    with store.open_writer(session_id) as writer:
        assert writer.warnings == [
            f"{path}:3: skipped a torn last line left by a writer that stopped mid-write"
            " (now recorded in the log; everything before it is intact)"
        ]
        writer.append(Note(text="after the crash"))
    assert path.read_bytes().startswith(before)  # appended to, never rewritten
    reloaded = store.load(session_id)
    assert reloaded.session.notes == ["after the crash"]
    assert reloaded.warnings == []
    with store.open_writer(session_id) as writer:
        assert writer.warnings == []  # recorded once, said once


def test_garbage_in_the_middle_is_an_error_naming_file_and_line(store: SessionStore) -> None:
    with store.create("garbage") as writer:
        writer.append(draft(1, "one"))
        session_id, path = writer.session_id, writer.path
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + b"this is not json\n" + lines[1])
    original = path.read_bytes()
    with pytest.raises(CorruptSessionFile) as caught:
        store.load(session_id)
    assert str(caught.value).startswith(f"{path}:2: not valid JSON")
    with pytest.raises(CorruptSessionFile):
        store.open_writer(session_id)
    assert path.read_bytes() == original  # never rewritten


def test_valid_json_that_is_not_an_event_is_an_error(store: SessionStore) -> None:
    with store.create("schema") as writer:
        session_id, path = writer.session_id, writer.path
    with path.open("a") as handle:
        handle.write('{"seq": 2, "at": "2026-01-01T00:00:00Z", "type": "idea_status"}\n')
    with pytest.raises(CorruptSessionFile, match=r":2: not a valid event \(idea_status"):
        store.load(session_id)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b'{"seq":1,"at":"2026-01-01T00:00:00Z","type":"note","text":"x"}\n', "first line"),
    ],
)
def test_empty_or_headless_files_are_errors(
    store: SessionStore, content: bytes, message: str
) -> None:
    store.root.mkdir(parents=True)
    (store.root / "broken-0000.jsonl").write_bytes(content)
    with pytest.raises(CorruptSessionFile, match=message):
        store.load("broken-0000")
    (summary,) = store.summaries()  # listing keeps going and reports the bad file
    assert summary.topic == "(unreadable)" and message in summary.warnings[0]


def test_second_writer_is_told_who_holds_the_lock(store: SessionStore) -> None:
    with store.create("busy") as writer:
        session_id = writer.session_id
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from brainstorm.store import SessionStore;"
            "w = SessionStore(Path(sys.argv[1])).open_writer(sys.argv[2]);"
            "print('ready', flush=True); sys.stdin.read()",
            str(store.root),
            session_id,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
        with pytest.raises(SessionLocked) as caught:
            store.open_writer(session_id)
        assert str(caught.value) == (
            f"session {session_id} opened read-only: in use by pid {holder.pid}"
        )
        assert store.load(session_id).session.id == session_id  # reading still works
    finally:
        holder.communicate("")
    with store.open_writer(session_id):  # free again once the holder exits
        pass


def test_lock_within_one_process(store: SessionStore) -> None:
    with (
        store.create("twice") as writer,
        pytest.raises(SessionLocked, match=f"pid {os.getpid()}"),
    ):
        store.open_writer(writer.session_id)


@pytest.mark.parametrize(
    "name", ["../x", "/etc/passwd", "a/b", "..", ".hidden", "UPPER", "", "x" * 200]
)
def test_names_that_leave_the_directory_are_refused(store: SessionStore, name: str) -> None:
    with pytest.raises(InvalidSessionName):
        store.create("topic", name=name)
    with pytest.raises(InvalidSessionName):
        store.load(name)
    assert not store.root.exists() or list(store.root.iterdir()) == []


def test_ids_are_slugs_and_prefixes_resolve(store: SessionStore) -> None:
    with store.create("Café ideas: [bold]ünïcode[/] & more!") as writer:
        session_id = writer.session_id
    assert session_id.startswith("cafe-ideas-bold-unicode-more-")
    assert store.resolve("cafe") == session_id
    with pytest.raises(SessionNotFound, match="no session 'nothing-here'") as missing:
        store.resolve("nothing-here")
    assert "brainstorm list" in (cli_hint(missing.value) or "")  # the CLI's words, not the core's
    with store.create("cafe two"):
        pass
    with pytest.raises(SessionNotFound, match="matches several"):
        store.resolve("cafe")


def test_the_end_of_an_id_resolves_too(store: SessionStore) -> None:
    """The app's session list cuts long ids in the middle and keeps their random end."""
    with store.create("the same long topic, asked twice") as first:
        pass
    with store.create("the same long topic, asked twice") as second:
        pass
    assert store.resolve(first.session_id[-4:]) == first.session_id
    assert store.resolve(second.session_id[-4:]) == second.session_id
    with pytest.raises(SessionNotFound, match="matches several"):
        store.resolve("the-same")


def test_duplicate_name_and_empty_topic_are_refused(store: SessionStore) -> None:
    with store.create("topic", name="mine"):
        pass
    with pytest.raises(StoreError, match="already exists"):
        store.create("topic", name="mine")
    with pytest.raises(StoreError, match="needs a topic"):
        store.create("   ")


def test_listing_keeps_each_summary_beside_its_session_until_the_log_changes(
    store: SessionStore,
) -> None:
    with store.create("Quiet offices") as writer:
        writer.append(draft(1, "a"))
        session_id = writer.session_id
    (first,) = store.summaries()
    kept = cache_path(store.path_for(session_id))
    assert kept.exists() and first.counts["draft"] == 1

    # A summary kept for the log as it is now is used as it is: the log is not read again.
    data = json.loads(kept.read_text())
    data["summary"]["topic"] = "as kept"
    kept.write_text(json.dumps(data))
    assert [s.topic for s in store.summaries()] == ["as kept"]

    # An append changes the log: the summary is read afresh (and kept again).
    with store.open_writer(session_id) as writer:
        writer.append(draft(2, "b"))
    (after,) = store.summaries()
    assert (after.topic, after.counts["draft"]) == ("Quiet offices", 2)
    assert json.loads(kept.read_text())["summary"]["topic"] == "Quiet offices"

    # Deleted or damaged, it is rebuilt; it is never needed.
    for damage in (kept.unlink, lambda: kept.write_bytes(b'{"key": [1, 2')):
        damage()
        assert [(s.topic, s.counts["draft"]) for s in store.summaries()] == [("Quiet offices", 2)]
        assert json.loads(kept.read_text())["summary"]["counts"]["draft"] == 2
    assert store.ids() == [session_id]  # not mistaken for a session


def test_summaries_newest_first_with_counts(store: SessionStore) -> None:
    with store.create("older") as writer:
        writer.append(draft(1, "a"))
    with store.create("newer") as writer:
        writer.append(draft(1, "b"))
        review.set_status(writer, 1, Status.ACCEPTED)
        review.add(writer, "My own idea")  # counted as yours, never as accepted
    topics = [(s.topic, s.counts) for s in store.summaries()]
    assert topics == [
        ("newer", {"draft": 0, "accepted": 1, "rejected": 0, "yours": 1}),
        ("older", {"draft": 1, "accepted": 0, "rejected": 0, "yours": 0}),
    ]


def test_a_writer_keeps_the_session_lists_summary_as_a_replay_would(tmp_path: Path) -> None:
    """After any write through the writer (the app, `ask`, `batch`), listing reads one small
    file per session, and says what replaying the log says."""
    store = SessionStore(tmp_path / "sessions")
    with store.create("Quieter offices", default_model="llama3.2") as writer:
        writer.append(draft(1, "Phone booths"))
        writer.append(draft(2, "Quiet hours"))
        writer.append(IdeaStatusChanged(idea=1, status=Status.ACCEPTED))
    kept = store.kept_summaries()
    assert kept is not None
    assert kept[0].counts == {"draft": 1, "accepted": 1, "rejected": 0, "yours": 0}
    for derived in store.root.glob("*.summary.json"):
        derived.unlink()
    assert store.kept_summaries() is None
    assert store.summaries() == kept
