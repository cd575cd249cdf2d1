"""`brainstorm themes`, `vote`, `rank` and the exhaustion curve of `stats`, through the
installed command against the fake Ollama server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brainstorm.store import SessionStore
from tests.cli_support import Run, new_session
from tests.fakes import FakeOllama, RecordedRequest

IDEAS = [
    "Noise-cancelling headphones for every desk",
    "Noise-cancelling headphones with a busy light",
    "Acoustic panels to absorb noise in meeting rooms",
    "Noise meter that warns when the open space gets loud",
    "Moss walls with plants between the desks",
    "Green plants on every desk to soften sound",
    "A wall of ferns and plants by the entrance",
    "Plants chosen by each team for their corner",
    "Move the coffee machine into the kitchen",
    "Kitchen with a door that closes",
    "Coffee breaks in the kitchen, not at desks",
    "A second coffee kitchen on the top floor",
    "Soft-close cabinets in the kitchen",
]


def ok(run: Run, *args: str) -> Any:
    result = run(*args)
    assert result.returncode == 0, result.stderr
    return result


def as_json(run: Run, *args: str) -> Any:
    return json.loads(ok(run, *args, "--json").stdout)


@pytest.fixture
def session(run: Run) -> str:
    name = new_session(run)
    for text in IDEAS:
        ok(run, "add", name, text)
    return name


def labeller(request: RecordedRequest) -> str:
    prompt = request.messages[-1]["content"]
    if "Give this group a short name" not in prompt:
        return "1. An idea.\n"
    if "kitchen" in prompt.lower():
        return "Coffee corner"
    return "Green corners" if "plants" in prompt.lower() else "**Quiet gear**"


# --- themes -------------------------------------------------------------------------------------


def test_themes_group_every_idea_once_and_store_the_grouping(
    run: Run, session: str, sessions: Path
) -> None:
    data = as_json(run, "themes", session, "--max", "3")
    assert data["stored"] and data["changed"] and data["method"] == "text"
    ids = [i for theme in data["themes"] for i in theme["ideas"]]
    assert sorted(ids) == list(range(1, 14))
    assert all(t["label_author"] == "words" and t["label"] for t in data["themes"])
    assert [t["id"] for t in data["themes"]] == [f"T{t['number']}" for t in data["themes"]]
    again = as_json(run, "themes", session, "--max", "3")
    assert not again["changed"] and again["themes"] == data["themes"]
    log = (sessions / f"{session}.jsonl").read_text().splitlines()
    assert sum('"themes_grouped"' in line for line in log) == 1
    text = ok(run, "themes", session, "--max", "3").stdout
    assert "T1" in text and "characteristic words" in text and IDEAS[0][:30] in text


def test_a_rename_survives_new_ideas(run: Run, session: str) -> None:
    data = as_json(run, "themes", session, "--max", "3")
    theme = next(t for t in data["themes"] if 1 in t["ideas"])
    renamed = as_json(run, "themes", session, "--rename", theme["id"], "Quiet gear", "--by", "ana")
    mine = next(t for t in renamed["themes"] if t["id"] == theme["id"])
    assert (mine["label"], mine["label_author"], mine["labelled_by"]) == (
        "Quiet gear",
        "human",
        "ana",
    )
    ok(run, "add", session, "Noise-cancelling booths for phone calls")
    regrouped = as_json(run, "themes", session, "--max", "3")
    kept = next(t for t in regrouped["themes"] if t["id"] == theme["id"])
    assert kept["label"] == "Quiet gear" and 14 in kept["ideas"]


def test_model_labels_are_drafts_until_accepted(
    run: Run, session: str, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply_for("llama3.2", labeller)
    data = as_json(run, "themes", session, "--max", "3", "--label")
    labels = {t["label"]: t for t in data["themes"]}
    assert {"Quiet gear", "Coffee corner"} <= labels.keys()
    assert all(t["label_status"] == "draft" for t in data["themes"] if not t["other"])
    assert labels["Quiet gear"]["label_model"] == "llama3.2"
    text = ok(run, "themes", session, "--max", "3")
    assert "DRAFT name by the model (llama3.2)" in text.stdout
    accepted = as_json(
        run, "themes", session, "--accept", labels["Quiet gear"]["id"], "--by", "ben"
    )
    done = next(t for t in accepted["themes"] if t["label"] == "Quiet gear")
    assert (done["label_status"], done["labelled_by"]) == ("accepted", "ben")
    # Asking again names only the themes no person chose.
    fake_ollama.clear_records()
    ok(run, "themes", session, "--max", "3", "--label")
    assert len(fake_ollama.requests_to("/api/chat")) == len(data["themes"]) - 1


def test_model_down_keeps_the_themes_and_exits_3(run: Run, session: str) -> None:
    from tests.fakes import unused_url

    result = run("themes", session, "--label", OLLAMA_HOST=unused_url())
    assert result.returncode == 3
    assert "themes not named by the model" in result.stderr
    assert "T1" in result.stdout  # grouped and shown all the same
    assert as_json(run, "themes", session)["stored"]


def test_a_session_open_elsewhere_is_grouped_but_not_stored(
    run: Run, session: str, sessions: Path
) -> None:
    with SessionStore(sessions).open_writer(session):
        result = run("themes", session, "--json")
    assert result.returncode == 0, result.stderr
    assert "not stored" in result.stderr
    assert not json.loads(result.stdout)["stored"]
    assert '"themes_grouped"' not in (sessions / f"{session}.jsonl").read_text()


def test_themes_by_embeddings_and_their_fallback(
    run: Run, session: str, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_model("nomic-embed-text")
    data = as_json(run, "themes", session, "--method", "embeddings")
    assert data["method"] == "embeddings" and data["embedding_model"] == "nomic-embed-text"
    assert sorted(i for t in data["themes"] for i in t["ideas"]) == list(range(1, 14))
    # The vectors are kept beside the session: a new idea needs the model, which is gone.
    fake_ollama.remove_model("nomic-embed-text")
    ok(run, "add", session, "A bike shed by the back door")
    result = run("themes", session, "--method", "auto", "--json")
    assert result.returncode == 0
    fallback = json.loads(result.stdout)
    assert fallback["method"] == "text" and "text similarity used" in fallback["note"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rename", "T9", "x"], "no theme T9"),
        (["--accept", "T1"], "not a model draft"),
        (["--rename", "T1", "   "], "cannot be empty"),
        (["--rename", "nope", "x"], "not a theme id"),
    ],
)
def test_naming_mistakes_are_refused(run: Run, session: str, args: list[str], message: str) -> None:
    ok(run, "themes", session)
    result = run("themes", session, *args)
    assert result.returncode == 1 and message in result.stderr


def test_naming_before_grouping_is_refused(run: Run, session: str) -> None:
    result = run("themes", session, "--rename", "T1", "x")
    assert result.returncode == 1 and "no themes yet" in result.stderr


# --- votes and the short list -------------------------------------------------------------------


def test_votes_from_two_people_make_the_short_list(run: Run, session: str) -> None:
    ok(run, "reopen", session, "3")  # people's ideas start accepted: make one a draft
    ok(run, "vote", session, "3", "5", "--by", "ana")
    ok(run, "vote", session, "5", "9", "--by", "ben", "--points", "2")
    ok(run, "vote", session, "7", "--by", "ben")
    ranked = as_json(run, "rank", session)["ideas"]
    assert [(r["id"], r["votes"]) for r in ranked] == [(5, 3), (9, 2), (7, 1), (3, 1)]
    assert ranked[0]["voters"] == {"ana": 1, "ben": 2}
    assert ranked[3]["status"] == "draft"  # the tie goes to the accepted #7 first
    text = ok(run, "rank", session).stdout
    assert "ana 1, ben 2" in text and "Short list" in text
    undone = ok(run, "vote", session, "5", "8", "--by", "ben", "--undo").stdout
    assert "took back ben's 2 points on #5" in undone and "nothing recorded" in undone
    # #5 keeps ana's point: tied with #7 and #3, accepted and the lowest id, so first of them.
    assert [r["id"] for r in as_json(run, "rank", session)["ideas"]] == [9, 5, 7, 3]
    assert len(as_json(run, "rank", session, "--all")["ideas"]) == 13
    assert len(as_json(run, "rank", session, "--all", "--top", "2")["ideas"]) == 2


def test_the_default_voter_comes_from_the_config(run: Run, session: str, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('voter = "Cleo"\n')
    ok(run, "vote", session, "1")  # the login name
    result = run("vote", session, "1", BRAINSTORM_CONFIG=str(config))
    assert result.returncode == 0 and "Cleo gave #1" in result.stdout
    voters = as_json(run, "rank", session)["ideas"][0]["voters"]
    assert "Cleo" in voters and len(voters) == 2


def test_rejected_ideas_cannot_be_voted_on(run: Run, session: str, sessions: Path) -> None:
    ok(run, "reject", session, "2")
    result = run("vote", session, "1", "2", "--by", "ana")
    assert result.returncode == 1 and "rejected" in result.stderr
    assert "nothing recorded" in result.stderr
    assert '"vote_cast"' not in (sessions / f"{session}.jsonl").read_text()


# --- when to stop asking ------------------------------------------------------------------------


def test_stats_shows_the_exhaustion_curve(run: Run, fake_ollama: FakeOllama) -> None:
    session = new_session(run)
    for _ in range(4):  # the fake answers the same three ideas every time
        ok(run, "ask", session)
    ok(run, "add", session, "Ask the caretaker for keys")
    data = as_json(run, "stats", session)
    curve = data["exhaustion"]
    assert [(r["ideas"], r["new"], r["total_distinct"]) for r in curve["rounds"]] == [
        (3, 3, 3),
        (3, 0, 3),
        (3, 0, 3),
        (3, 0, 3),
    ]
    assert curve["exhausted"] and curve["recent_share"] == 0
    side = data["similarity"]
    assert side["model_ideas"] == 12 and side["human_ideas"] == 1
    assert side["model_mean_similarity"] > 0.3 and side["human_mean_similarity"] is None
    # The verdict wraps at the terminal's width: compare the words, not the line breaks.
    text = " ".join(ok(run, "stats", session).stdout.split())
    assert "recent rounds added almost nothing new" in text
    assert f"brainstorm themes {session}" in text and "0.377" in text


def test_a_session_without_ideas_has_nothing_to_group(run: Run, sessions: Path) -> None:
    name = new_session(run)
    assert "No ideas to group" in ok(run, "themes", name).stdout
    data = as_json(run, "themes", name)
    assert data["themes"] == [] and not data["stored"]
    assert '"themes_grouped"' not in (sessions / f"{name}.jsonl").read_text()
