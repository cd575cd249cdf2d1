"""Undo (brainstorm/review.py `undo`): each review decision is reverted by a new event, the
log keeps what was undone, repeated undo walks back, and a reopened session replays the same
state — figures and exports included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from brainstorm import review
from brainstorm.events import IdeaDrafted, IdeaStatusChanged, ReviewUndone, Status
from brainstorm.export.formats import export_session
from brainstorm.metrics.session import session_metrics
from brainstorm.replay import replay
from brainstorm.session_log import read_events
from brainstorm.session_writer import SessionWriter
from brainstorm.store import SessionStore
from tests.cli_support import Run, new_session, show_json


def draft(writer: SessionWriter, text: str, title: str | None = None) -> int:
    (idea_id,) = writer.allocate_idea_ids(1)
    writer.append(
        IdeaDrafted(idea=idea_id, text=text, title=title, model="llama3.2", backend="ollama")
    )
    return idea_id


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[SessionWriter]:
    with SessionStore(tmp_path).create("quieter offices") as w:
        yield w


def replayed(writer: SessionWriter) -> object:
    """The state a reader of the file gets (it must match the writer's own)."""
    return replay(read_events(writer.path)[0]).model_dump()


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Status.ACCEPTED, "accepted #1 (back to DRAFT)"),
        (Status.REJECTED, "rejected #1 (back to DRAFT)"),
    ],
)
def test_undo_a_status_change(writer: SessionWriter, status: Status, words: str) -> None:
    idea_id = draft(writer, "Quiet hours")
    review.set_status(writer, idea_id, status)
    undone = review.undo(writer)
    assert undone.description == words and undone.idea == idea_id
    idea = writer.session.ideas[idea_id]
    assert idea.status is Status.DRAFT and idea.status_history == []
    assert not idea.accepted_as_is
    # The decision and its undo are both in the log.
    events = read_events(writer.path)[0]
    changed = [e for e in events if isinstance(e, IdeaStatusChanged)]
    undos = [e for e in events if isinstance(e, ReviewUndone)]
    assert len(changed) == 1 and [u.undoes for u in undos] == [changed[0].seq]
    assert replayed(writer) == writer.session.model_dump()


def test_undo_a_reopen(writer: SessionWriter) -> None:
    idea_id = draft(writer, "Quiet hours")
    review.set_status(writer, idea_id, Status.ACCEPTED)
    review.set_status(writer, idea_id, Status.DRAFT)
    assert review.undo(writer).description == "reopened #1 (back to ACCEPTED)"
    assert writer.session.ideas[idea_id].status is Status.ACCEPTED
    assert writer.session.ideas[idea_id].accepted_as_is


def test_undo_an_edit_restores_text_title_and_figures(writer: SessionWriter) -> None:
    idea_id = draft(writer, "Moss walls", title="Moss")
    before = session_metrics(writer.session)
    review.edit(writer, idea_id, "Moss walls in every meeting room", title="Green walls")
    review.edit(writer, idea_id, "Moss walls in every room, watered weekly")
    assert review.undo(writer).description == "edit of #1 (back to revision 1)"
    idea = writer.session.ideas[idea_id]
    assert idea.text == "Moss walls in every meeting room" and idea.title == "Green walls"
    assert review.undo(writer).description == "edit of #1 (back to the model's text)"
    assert idea.text == "Moss walls" and idea.title == "Moss" and idea.revisions == []
    assert idea.original == "Moss walls"
    assert session_metrics(writer.session) == before
    assert replayed(writer) == writer.session.model_dump()


def test_undo_a_title_edit(writer: SessionWriter) -> None:
    idea_id = draft(writer, "Moss walls", title="Moss")
    review.edit(writer, idea_id, "Moss walls", title="Living walls")
    assert review.undo(writer).description == 'title edit of #1 (back to "Moss")'
    assert writer.session.ideas[idea_id].title == "Moss"


def test_undo_an_added_idea_removes_it_but_the_log_keeps_it(writer: SessionWriter) -> None:
    kept = draft(writer, "Quiet hours")
    added = review.add(writer, "Rotate the facilitator")
    assert review.undo(writer).description == (
        f"added #{added.id} (removed from the session; its file keeps it)"
    )
    session = writer.session
    assert list(session.ideas) == [kept] and session.count_by_status()["accepted"] == 0
    assert "Rotate the facilitator" in writer.path.read_text()
    # Its id is never given to another idea, and it cannot be reviewed any more.
    assert review.add(writer, "Standing desks").id == added.id + 1
    with pytest.raises(review.ReviewError, match=r"removed from session .* by an undo"):
        review.set_status(writer, added.id, Status.REJECTED)
    markdown = export_session(writer.session)
    assert "Rotate the facilitator" not in markdown and "Standing desks" in markdown
    assert replayed(writer) == writer.session.model_dump()


def test_repeated_undo_walks_back_across_ideas_then_stops(writer: SessionWriter) -> None:
    one, two = draft(writer, "Quiet hours"), draft(writer, "Moss walls")
    review.set_status(writer, one, Status.ACCEPTED)
    review.edit(writer, two, "Moss walls everywhere")
    review.set_status(writer, two, Status.REJECTED)
    added = review.add(writer, "Phone booths")
    words = [review.undo(writer).description for _ in range(4)]
    assert words == [
        f"added #{added.id} (removed from the session; its file keeps it)",
        "rejected #2 (back to DRAFT)",
        "edit of #2 (back to the model's text)",
        "accepted #1 (back to DRAFT)",
    ]
    assert [i.status for i in writer.session.ideas.values()] == [Status.DRAFT, Status.DRAFT]
    seq = writer.session.last_seq
    with pytest.raises(review.ReviewError, match="nothing to undo"):
        review.undo(writer)
    assert writer.session.last_seq == seq  # refused: nothing recorded
    assert replayed(writer) == writer.session.model_dump()


def test_a_decision_after_an_undo_is_undone_first(writer: SessionWriter) -> None:
    idea_id = draft(writer, "Quiet hours")
    review.set_status(writer, idea_id, Status.ACCEPTED)
    review.undo(writer)
    review.set_status(writer, idea_id, Status.REJECTED)
    assert review.undo(writer).description == "rejected #1 (back to DRAFT)"
    with pytest.raises(review.ReviewError, match="nothing to undo"):
        review.undo(writer)


def test_history_keeps_undone_decisions_marked(writer: SessionWriter) -> None:
    idea_id = draft(writer, "Quiet hours")
    review.set_status(writer, idea_id, Status.ACCEPTED)
    review.edit(writer, idea_id, "Quiet hours after lunch")
    review.undo(writer)
    actions = writer.session.ideas[idea_id].actions
    assert [(a.kind, a.undone_at is not None) for a in actions] == [
        ("status", False),
        ("revised", True),
    ]
    assert actions[1].text == "Quiet hours after lunch"


def test_an_undo_naming_no_standing_decision_is_ignored_on_replay(tmp_path: Path) -> None:
    """A log edited by hand (or an undo repeated) must not revert the wrong thing."""
    with SessionStore(tmp_path).create("x") as w:
        idea_id = draft(w, "Quiet hours")
        review.set_status(w, idea_id, Status.ACCEPTED)
        accepted_seq = w.session.last_seq
        w.append(ReviewUndone(undoes=1, idea=idea_id))  # seq 1 is session_created
        w.append(ReviewUndone(undoes=accepted_seq, idea=idea_id))
        w.append(ReviewUndone(undoes=accepted_seq, idea=idea_id))
        w.append(ReviewUndone(undoes=999, idea=42))
        assert w.session.ideas[idea_id].status is Status.DRAFT
        assert replayed(w) == w.session.model_dump()


# --- the command line ---------------------------------------------------------------------------


def test_cli_undo_walks_back_and_history_shows_it(run: Run, sessions: Path) -> None:
    session = new_session(run)
    assert run("ask", session).returncode == 0
    assert run("accept", session, "3").returncode == 0
    assert run("edit", session, "1", "--text", "A tool library").returncode == 0
    assert run("reject", session, "2").returncode == 0
    assert run("add", session, "Ask the caretaker").returncode == 0

    steps = [run("undo", session) for _ in range(4)]
    assert [s.returncode for s in steps] == [0, 0, 0, 0], steps[0].stderr
    assert [s.stdout.strip() for s in steps] == [
        "Undid: added #4 (removed from the session; its file keeps it)",
        "Undid: rejected #2 (back to DRAFT)",
        "Undid: edit of #1 (back to the model's text)",
        "Undid: accepted #3 (back to DRAFT)",
    ]
    ideas = show_json(run, session)["ideas"]
    assert [(i["id"], i["status"], i["revisions"]) for i in ideas] == [
        (1, "draft", 0),
        (2, "draft", 0),
        (3, "draft", 0),
    ]
    stats = json.loads(run("stats", session, "--json").stdout)["session"]
    assert stats["by_status"] == {"draft": 3, "accepted": 0, "rejected": 0, "yours": 0}

    history = run("history", session, "1")
    assert history.returncode == 0, history.stderr
    assert "(unchanged)" in history.stdout
    decisions = history.stdout.split("\ndecisions\n", 1)[1]
    assert "edited (undone " in decisions and "    A tool library" in decisions

    nothing = run("undo", session)
    assert nothing.returncode == 1 and nothing.stdout == ""
    assert f"nothing to undo in session {session}" in nothing.stderr
    log = SessionStore(sessions).path_for(session).read_text()
    assert log.count('"type":"review_undone"') == 4


def test_cli_undone_add_cannot_be_reviewed(run: Run) -> None:
    session = new_session(run)
    assert run("add", session, "Ask the caretaker").returncode == 0
    assert run("undo", session).returncode == 0
    refused = run("accept", session, "1")
    assert refused.returncode == 1 and "removed from session" in refused.stderr
