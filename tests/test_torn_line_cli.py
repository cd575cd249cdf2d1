"""A line torn by a crash is said once, by the writer that records it; never again, and never
while listing or opening other sessions (issue 13). Through the installed command."""

from __future__ import annotations

from pathlib import Path

from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from tests.cli_support import Run, new_session, show_json


def test_torn_line_warning_appears_once_when_a_writer_records_it(run: Run, sessions: Path) -> None:
    torn = new_session(run, "Crashed mid-write")
    other = new_session(run, "Another topic")
    for session in (torn, other):
        assert run("add", session, "An idea of mine").returncode == 0
    path = SessionStore(sessions).path_for(torn)
    with path.open("ab") as handle:
        handle.write(b'{"seq":3,"at":"2026-01-01T00:00:00Z","type":"idea_add')
    where = f"{path}:3"

    # Readers skip it without a word: the list, the other session, this one.
    for args in (("list",), ("show", other), ("show", torn), ("export", torn)):
        result = run(*args)
        assert result.returncode == 0, result.stderr
        assert "torn" not in result.stderr and where not in result.stderr, args

    # The first writer records it and says so, once.
    recorded = run("add", torn, "After the crash")
    assert recorded.returncode == 0, recorded.stderr
    assert recorded.stderr.count("warning:") == 1
    assert f"{where}: skipped a torn last line" in recorded.stderr
    events, _ = read_events(path)
    assert [e.type for e in events].count("torn_line_skipped") == 1

    # Never again: not for later writers, readers, the list or JSON.
    for args in (("accept", torn, "1"), ("list",), ("show", torn), ("stats", torn)):
        result = run(*args)
        assert result.returncode == 0, result.stderr
        assert "warning" not in result.stderr, (args, result.stderr)
    data = show_json(run, torn)
    assert data["warnings"] == []
    assert [i["text"] for i in data["ideas"]] == ["An idea of mine", "After the crash"]
