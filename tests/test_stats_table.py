"""`brainstorm stats` at 80 columns: every idea keeps its number (what `accept 3` takes), and a
large near-duplicate group leaves the idea's words readable (issue 14)."""

from __future__ import annotations

from pathlib import Path

from brainstorm.events import IdeaDrafted
from brainstorm.store import SessionStore
from tests.cli_support import Run

IDEAS = 40


def alike_session(sessions: Path) -> str:
    with SessionStore(sessions).create("Quieter offices", name="alike", default_model="m") as w:
        w.append_many(
            [
                IdeaDrafted(
                    idea=n,
                    text=f"Install quiet phone booths on floor {n} for calls",
                    model="m",
                    backend="ollama",
                )
                for n in range(1, IDEAS + 1)
            ]
        )
        return w.session_id


def test_stats_at_80_columns_numbers_every_idea_and_keeps_its_words(
    run: Run, sessions: Path
) -> None:
    session = alike_session(sessions)
    result = run("stats", session, COLUMNS="80")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines)
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["#", "status"])
    rows = lines[header + 1 : header + 1 + IDEAS]
    assert [row.split()[0] for row in rows] == [f"#{n}" for n in range(1, IDEAS + 1)]
    for row in rows:
        # The words come first and stay readable; the bounded flag follows them.
        words, flag = row.split("  ≈ ")
        assert "Install quiet phone" in words
        assert flag.strip().endswith(f"+{IDEAS - 3}")
