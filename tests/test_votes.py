"""Votes and the short list (brainstorm/votes.py): what is recorded, the order with its ties,
undo, and which ideas cannot be voted on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from brainstorm import review, votes
from brainstorm.converge_events import VoteCast, VoteWithdrawn
from brainstorm.events import IdeaStatusChanged, Status
from brainstorm.session_log import read_events
from brainstorm.session_writer import SessionWriter
from brainstorm.store import SessionStore
from tests.session_support import draft


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[SessionWriter]:
    with SessionStore(tmp_path).create("quieter offices") as w:
        for text in ("Moss walls", "Quiet hours", "Phone booths", "Desk plants"):
            draft(w, text)
        yield w


def order(writer: SessionWriter, **kwargs: bool) -> list[tuple[int, int]]:
    return [(r.idea.id, r.votes) for r in votes.ranking(writer.session, **kwargs)]


def test_votes_are_events_with_their_voter(writer: SessionWriter) -> None:
    votes.vote(writer, [1, 3], "ana")
    votes.vote(writer, [3], "ben", points=2)
    cast = [e for e in read_events(writer.path)[0] if isinstance(e, VoteCast)]
    assert [(e.idea, e.voter, e.points) for e in cast] == [
        (1, "ana", 1),
        (3, "ana", 1),
        (3, "ben", 2),
    ]
    ranked = votes.ranking(writer.session)
    assert [(r.place, r.idea.id, r.votes, r.voters) for r in ranked] == [
        (1, 3, 3, {"ana": 1, "ben": 2}),
        (2, 1, 1, {"ana": 1}),
    ]


def test_ties_go_to_accepted_ideas_then_the_lower_id(writer: SessionWriter) -> None:
    writer.append(IdeaStatusChanged(idea=4, status=Status.ACCEPTED))
    votes.vote(writer, [2, 4, 3], "ana")
    assert order(writer) == [(4, 1), (2, 1), (3, 1)]
    votes.vote(writer, [3], "ben")
    assert order(writer) == [(3, 2), (4, 1), (2, 1)]
    assert order(writer, include_unvoted=True)[-1] == (1, 0)


def test_a_person_adds_points_and_takes_them_all_back(writer: SessionWriter) -> None:
    votes.vote(writer, [1], "ana")
    votes.vote(writer, [1], "ana", points=3)
    votes.vote(writer, [1], "ben")
    assert writer.session.votes[1] == {"ana": 4, "ben": 1}
    assert votes.withdraw(writer, [1, 2], "ana") == {1: 4, 2: 0}
    assert writer.session.votes[1] == {"ben": 1}
    withdrawn = [e for e in read_events(writer.path)[0] if isinstance(e, VoteWithdrawn)]
    assert [(e.idea, e.voter) for e in withdrawn] == [(1, "ana")]  # nothing for #2
    votes.withdraw(writer, [1], "ben")
    assert 1 not in writer.session.votes and order(writer) == []


def test_rejected_ideas_cannot_be_voted_on_or_ranked(writer: SessionWriter) -> None:
    votes.vote(writer, [2], "ana")
    writer.append(IdeaStatusChanged(idea=2, status=Status.REJECTED))
    assert order(writer) == []  # its votes stay in the log…
    with pytest.raises(votes.VoteError, match="rejected"):
        votes.vote(writer, [1, 2], "ana")
    assert 1 not in writer.session.votes  # checked before anything was recorded
    writer.append(IdeaStatusChanged(idea=2, status=Status.DRAFT))
    assert order(writer) == [(2, 1)]  # …and count again once it is reopened


def test_hidden_and_unknown_ideas_are_refused(tmp_path: Path) -> None:
    with SessionStore(tmp_path).create("t", human_first=True) as writer:
        hidden = draft(writer, "secret", hidden=True)
        with pytest.raises(review.HiddenIdea):
            votes.vote(writer, [hidden], "ana")
        with pytest.raises(review.ReviewError, match="no idea #9"):
            votes.vote(writer, [9], "ana")
        assert votes.ranking(writer.session, include_unvoted=True) == []


@pytest.mark.parametrize("points", [0, -1, votes.MAX_POINTS + 1])
def test_points_are_bounded(writer: SessionWriter, points: int) -> None:
    with pytest.raises(votes.VoteError, match="points"):
        votes.vote(writer, [1], "ana", points=points)


@pytest.mark.parametrize("name", ["", "   ", "evil\x1b[2J", "x" * (votes.MAX_NAME + 1)])
def test_voter_names_are_checked(writer: SessionWriter, name: str) -> None:
    with pytest.raises(votes.VoteError):
        votes.vote(writer, [1], name)


def test_the_default_voter(monkeypatch: pytest.MonkeyPatch) -> None:
    assert votes.default_voter("  Ana  Lee ") == "Ana Lee"
    monkeypatch.setenv("LOGNAME", "ben")
    monkeypatch.setenv("USER", "ben")
    assert votes.default_voter(None) == "ben"
