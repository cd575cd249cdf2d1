"""A person's decisions (brainstorm/review.py): what each records, when nothing is recorded, and
what is refused — the CLI and the app both go through these."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from brainstorm import review
from brainstorm.events import IdeaAdded, IdeaRevised, IdeaStatusChanged, Status
from brainstorm.models import Author
from brainstorm.session_log import read_events
from brainstorm.session_writer import SessionWriter
from brainstorm.store import SessionStore
from tests.session_support import draft


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[SessionWriter]:
    with SessionStore(tmp_path).create("quieter offices") as w:
        yield w


def events_of(writer: SessionWriter, kind: type) -> list[object]:
    return [e for e in read_events(writer.path)[0] if isinstance(e, kind)]


@pytest.mark.parametrize(("ref", "expected"), [("3", 3), ("#12", 12), (" 7 ", 7)])
def test_idea_refs(ref: str, expected: int) -> None:
    assert review.parse_idea_ref(ref) == expected


@pytest.mark.parametrize("ref", ["", "0", "-1", "x", "#", "1.5"])
def test_bad_idea_refs(ref: str) -> None:
    with pytest.raises(review.ReviewError, match="is not an idea id"):
        review.parse_idea_ref(ref)


def test_an_edit_is_a_revision_and_the_original_stays(writer: SessionWriter) -> None:
    idea_id = draft(writer, "Moss walls")
    assert review.edit(writer, idea_id, "  Moss walls in every meeting room ", title="Moss")
    idea = writer.session.ideas[idea_id]
    assert idea.text == "Moss walls in every meeting room" and idea.original == "Moss walls"
    assert idea.title == "Moss" and idea.revision_count == 1
    assert not review.edit(writer, idea_id, "Moss walls in every meeting room")  # unchanged
    assert len(events_of(writer, IdeaRevised)) == 1
    with pytest.raises(review.ReviewError, match="cannot be empty"):
        review.edit(writer, idea_id, "   ")


def test_status_changes_record_only_real_changes(writer: SessionWriter) -> None:
    idea_id = draft(writer, "Quiet hours")
    assert review.set_status(writer, idea_id, Status.ACCEPTED)
    assert writer.session.ideas[idea_id].accepted_as_is
    assert not review.set_status(writer, idea_id, Status.ACCEPTED)
    assert review.set_status(writer, idea_id, Status.DRAFT)
    assert [e.status for e in events_of(writer, IdeaStatusChanged)] == [  # type: ignore[attr-defined]
        Status.ACCEPTED,
        Status.DRAFT,
    ]


def test_a_persons_idea_is_theirs_from_the_start(writer: SessionWriter) -> None:
    idea = review.add(writer, " Rotate the facilitator ")
    assert idea.author is Author.HUMAN and idea.status is Status.ACCEPTED
    assert idea.text == "Rotate the facilitator" and idea.original is None
    assert len(events_of(writer, IdeaAdded)) == 1
    with pytest.raises(review.ReviewError, match="cannot be empty"):
        review.add(writer, "")


def test_unknown_and_hidden_ideas_are_refused_before_anything_is_recorded(
    tmp_path: Path,
) -> None:
    with SessionStore(tmp_path).create("x", human_first=True) as w:
        hidden = draft(w, "Secret", hidden=True)
        before = len(read_events(w.path)[0])
        with pytest.raises(review.ReviewError, match="has no idea #99"):
            review.set_status(w, 99, Status.ACCEPTED)
        with pytest.raises(review.ReviewError, match="hidden until you reveal"):
            review.edit(w, hidden, "Peeked")
        with pytest.raises(review.ReviewError, match="hidden until you reveal"):
            review.set_status(w, hidden, Status.REJECTED)
        assert len(read_events(w.path)[0]) == before
