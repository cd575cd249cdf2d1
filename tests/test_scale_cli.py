"""The command line on a large session where every idea is a near-duplicate of every other (the
worst case of issue 15): bounded output, a long tail summed up, and the derived index file
written only by a process that may write the session."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
from pathlib import Path

import pytest

from brainstorm.events import IdeaDrafted, IdeaRevised
from brainstorm.store import SessionStore
from tests.cli_support import BRAINSTORM, Run, read_until_closed

IDEAS = 1500


@pytest.fixture
def alike(sessions: Path) -> str:
    with SessionStore(sessions).create(
        "Quieter offices", name="alike", default_model="m"
    ) as writer:
        events: list[IdeaDrafted | IdeaRevised] = []
        for n in range(1, IDEAS + 1):
            text = f"Install quiet phone booths on floor {n} for calls"
            events.append(IdeaDrafted(idea=n, text=text, model="m", backend="ollama"))
            if n % 10 == 0:
                events.append(IdeaRevised(idea=n, text=text + " and meetings"))
        writer.append_many(events)  # type: ignore[arg-type]
        return writer.session_id


def test_all_alike_output_stays_bounded(run: Run, sessions: Path, alike: str) -> None:
    cache = sessions / f"{alike}.dups.npz"
    # While another process holds the session, a reader computes in memory, writes nothing.
    with SessionStore(sessions).open_writer(alike):
        held = run("show", alike, "--json")
    assert held.returncode == 0, held.stderr
    assert not cache.exists()

    shown = run("show", alike, "--json")
    assert shown.returncode == 0, shown.stderr
    assert cache.exists()  # nobody held it: the index is stored for the next command
    data = json.loads(shown.stdout)
    assert len(data["ideas"]) == IDEAS
    for idea in data["ideas"]:
        assert len(idea["duplicates"]) == 3 and idea["near_duplicates"] == IDEAS - 1
        assert idea["duplicate_group"] == 1
    groups = data["duplicates"]["groups"]
    assert [(g["leader"], g["size"]) for g in groups] == [(1, IDEAS)]
    # Linear in the ideas: one listing per group member, three neighbours per idea.
    assert len(shown.stdout) < 1000 * IDEAS
    assert json.loads(held.stdout)["duplicates"] == data["duplicates"]

    text = run("show", alike)
    assert text.returncode == 0
    assert f"+{IDEAS - 4:,}" in text.stdout  # "≈ #a #b #c +1,496"

    table = run("stats", alike)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert len(lines) < 100
    assert f"… and {IDEAS - 50:,} more ideas" in table.stdout
    assert f"#1 ≈ #2 #3 #4 +{IDEAS - 4:,}" in table.stdout  # the group: leader, a few, a count
    every = run("stats", alike, "--all")
    assert every.returncode == 0
    assert f"#{IDEAS} " in every.stdout and "more ideas" not in every.stdout


def test_a_first_long_comparison_shows_progress_on_a_terminal_only(
    run: Run, env: dict[str, str], sessions: Path, alike: str, tmp_path: Path
) -> None:
    # 1,500 ideas and no index: about 1.1 million comparisons, which a terminal hears about
    # (while stdout, here a pipe, gets the JSON alone).
    controller, terminal = pty.openpty()
    out = tmp_path / "show.json"  # a file, not a pipe: nobody reads stdout until the end
    with out.open("wb") as stdout:
        child = subprocess.Popen(
            [BRAINSTORM, "show", alike, "--json"],
            env=env | {"TERM": "xterm", "COLUMNS": "200"},
            stdout=stdout,
            stderr=terminal,
        )
    os.close(terminal)
    screen = read_until_closed(controller)
    child.wait(timeout=60)
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.decode("utf-8", "replace"))
    assert child.returncode == 0, shown
    assert (
        f"Comparing {IDEAS:,} ideas for near-duplicates (first time; kept in {alike}.dups.npz"
        " for next time)" in shown
    )
    assert "%" in shown
    assert len(json.loads(out.read_text(encoding="utf-8"))["ideas"]) == IDEAS

    # Piped, the same first comparison says nothing on stderr (scripts, CI).
    (sessions / f"{alike}.dups.npz").unlink()
    piped = run("show", alike, "--json")
    assert piped.returncode == 0, piped.stderr
    assert "Comparing" not in piped.stderr and piped.stderr.strip() == ""
