"""`brainstorm stats` and `brainstorm history` through the installed command."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli_support import Run, new_session

ORIGINAL_1 = "A shared calendar for neighbours to lend each other tools."
EDITED_1 = "A shared calendar for neighbours to lend tools."


@pytest.fixture
def reviewed(run: Run) -> str:
    session = new_session(run)
    assert run("ask", session).returncode == 0
    assert run("edit", session, "1", "--text", EDITED_1).returncode == 0
    assert run("accept", session, "1", "2").returncode == 0
    assert run("reject", session, "3").returncode == 0
    assert run("add", session, "Ask the caretaker for keys").returncode == 0
    return session


def stats_json(run: Run, *args: str) -> Any:
    result = run("stats", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_stats_for_one_session(run: Run, reviewed: str) -> None:
    data = stats_json(run, reviewed)
    ideas = {i["id"]: i for i in data["ideas"]}
    # "each other" deleted: 2 word edits over 8 final words; 8 of 10 model words kept.
    assert ideas[1]["word_edit_rate"] == pytest.approx(2 / 8)
    assert ideas[1]["model_retention"] == pytest.approx(8 / 10)
    assert ideas[1]["model_share"] == pytest.approx(1.0)
    assert (ideas[1]["revisions"], ideas[1]["accepted_as_is"]) == (1, False)
    assert (ideas[2]["word_edit_rate"], ideas[2]["accepted_as_is"]) == (0.0, True)
    assert ideas[4]["author"] == "human" and ideas[4]["word_edit_rate"] is None
    session = data["session"]
    assert session["id"] == reviewed
    assert session["by_status"] == {"draft": 0, "accepted": 2, "rejected": 1, "yours": 1}
    assert (session["model_ideas"], session["human_ideas"]) == (3, 1)
    assert session["accepted_as_is_share"] == pytest.approx(1 / 2)
    assert session["human_words_in_accepted"] == 5  # the person's own idea
    shown = run("show", reviewed, "--json").stdout
    assert json.loads(shown)["ideas"][0]["metrics"]["word_edit_rate"] == pytest.approx(0.25)

    table = run("stats", reviewed)
    assert table.returncode == 0 and "word edit rate" in table.stdout
    assert "ACCEPTED after edits" in table.stdout and "25%" in table.stdout


def test_stats_across_sessions_by_model_and_technique(run: Run, reviewed: str) -> None:
    other = new_session(run, "Second topic")
    assert run("new", "x", "--technique", "scamper").returncode == 0
    assert run("ask", other, "-t", "scamper").returncode == 0
    data = stats_json(run, "--all")
    assert data["overall"]["ideas"] == 7
    assert set(data["by_model"]) == {"llama3.2", "(human)"}
    assert data["by_model"]["llama3.2"]["ideas"] == 6
    assert set(data["by_technique"]) == {"open", "scamper"}
    assert data["by_technique"]["scamper"]["ideas"] == 3
    assert {s["id"] for s in data["sessions"]} >= {reviewed, other}
    assert "By technique" in run("stats", "--all").stdout


def test_stats_usage(run: Run) -> None:
    usage = run("stats")
    assert usage.returncode == 2 and "give a SESSION, or --all" in usage.stderr
    # With a SESSION, --all lists every row (the session must still exist).
    missing = run("stats", "x", "--all")
    assert missing.returncode == 1 and "no session 'x'" in missing.stderr


def test_history_shows_original_revisions_and_diff(run: Run, reviewed: str) -> None:
    plain = run("history", reviewed, "1")
    assert plain.returncode == 0, plain.stderr
    assert ORIGINAL_1 in plain.stdout and "revision 1" in plain.stdout
    assert "A shared calendar for neighbours to lend [-each other-] tools." in plain.stdout
    assert "\x1b[" not in plain.stdout  # not a terminal: no colour

    coloured = run("history", reviewed, "1", "--color")
    assert "\x1b[" in coloured.stdout and "each other" in coloured.stdout

    unchanged = run("history", reviewed, "2")
    assert "(unchanged)" in unchanged.stdout
    human = run("history", reviewed, "4")
    assert "no model original" in human.stdout
    assert run("history", reviewed, "9").returncode == 1


def test_embeddings_asked_for_explicitly_and_unavailable_is_an_error(
    run: Run, reviewed: str
) -> None:
    """Issue 13: a fallback is for `auto` only. The fake server has no embedding model."""
    result = run("stats", reviewed, "--duplicates", "embeddings")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "embedding model 'nomic-embed-text'" in result.stderr
    assert "brainstorm models pull nomic-embed-text" in result.stderr
    assert result.stdout == ""

    other = run("stats", reviewed, "--duplicates", "embeddings", BRAINSTORM_EMBEDDING_MODEL="mxe")
    assert other.returncode == 1 and "embedding model 'mxe'" in other.stderr

    auto = run("stats", reviewed, "--duplicates", "auto", "--json")
    assert auto.returncode == 0, auto.stderr
    assert json.loads(auto.stdout)["duplicates"]["method"] == "text"
