"""People's votes and the short list they make (dot voting): each person gives ideas points;
the ranking orders ideas by their points. Ranking comes from people only, never from the
model: language models are unreliable judges of ideas (Si, Yang & Hashimoto).

**What can be voted on and ranked:** every idea a person can see that is not rejected. Drafts
can be voted on (a person may like a draft before editing it); the ranking shows their status,
and breaks ties with accepted ideas first. **Rejected ideas are not rankable**: voting on one
is refused, and an idea rejected after it got votes leaves the ranking. Its votes stay in the
log and count again if the idea is reopened.

**Order:** most points first; ties: accepted ideas (a person's own included) before drafts,
then the lower id (the earlier idea).

Votes are events with their voter (`vote_cast`, `vote_withdrawn`): withdrawing takes back all
of one voter's points on an idea, and both events stay in the history.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from brainstorm.converge_events import VoteCast, VoteWithdrawn
from brainstorm.events import Status
from brainstorm.models import Idea, Session
from brainstorm.review import ReviewError, reviewable
from brainstorm.session_writer import SessionWriter
from brainstorm.textsafe import visible

__all__ = [
    "MAX_NAME",
    "MAX_POINTS",
    "Ranked",
    "VoteError",
    "clean_voter",
    "default_voter",
    "ranking",
    "votable",
    "vote",
    "withdraw",
]

MAX_POINTS = 100
MAX_NAME = 40


class VoteError(ReviewError):
    pass


def clean_voter(name: str) -> str:
    """A voter's name as stored: trimmed, one line, no control characters, at most
    `MAX_NAME` characters."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise VoteError("a voter needs a name")
    if visible(cleaned) != cleaned:
        raise VoteError("a voter's name cannot hold control characters")
    if len(cleaned) > MAX_NAME:
        raise VoteError(f"a voter's name has at most {MAX_NAME} characters")
    return cleaned


def default_voter(configured: str | None) -> str:
    """The voter when none is named: the configured name, else the user's login name."""
    if configured and configured.strip():
        return clean_voter(configured)
    try:
        return clean_voter(getpass.getuser())
    except (OSError, KeyError, VoteError):  # no login name to be had (a bare container)
        raise VoteError("no voter name: none is configured and the login name is unknown") from None


def votable(session: Session, idea_id: int) -> Idea:
    """The idea, if people may vote on it (see the module doc), else a `ReviewError`."""
    idea = reviewable(session, idea_id)
    if idea.status is Status.REJECTED:
        raise VoteError(f"idea #{idea_id} is rejected: rejected ideas are not ranked")
    return idea


def vote(writer: SessionWriter, idea_ids: list[int], voter: str, points: int = 1) -> None:
    """``voter`` gives each idea ``points`` more. Every idea is checked before any vote is
    recorded; all are recorded with one write."""
    voter = clean_voter(voter)
    if not 1 <= points <= MAX_POINTS:
        raise VoteError(f"points are 1 to {MAX_POINTS}, not {points}")
    for idea_id in idea_ids:
        votable(writer.session, idea_id)
    writer.append_many([VoteCast(idea=i, voter=voter, points=points) for i in idea_ids])


def withdraw(writer: SessionWriter, idea_ids: list[int], voter: str) -> dict[int, int]:
    """Take back ``voter``'s points on each idea. Returns the points taken back per idea
    (0, with nothing recorded, where the voter had none)."""
    voter = clean_voter(voter)
    session = writer.session
    for idea_id in idea_ids:
        reviewable(session, idea_id)
    taken = {i: session.votes.get(i, {}).get(voter, 0) for i in idea_ids}
    events = [VoteWithdrawn(idea=i, voter=voter) for i, points in taken.items() if points]
    if events:
        writer.append_many(list(events))
    return taken


@dataclass(frozen=True)
class Ranked:
    """One idea of the ranking: its place (1 = most points), points and who gave them."""

    place: int
    idea: Idea
    votes: int
    voters: dict[str, int]  # name → points, by name


def _rank_key(idea: Idea, points: int) -> tuple[int, int, int]:
    return (-points, 0 if idea.status is Status.ACCEPTED else 1, idea.id)


def ranking(session: Session, *, include_unvoted: bool = False) -> list[Ranked]:
    """The short list: rankable ideas (see the module doc) with votes, most points first (ties:
    accepted before drafts, then id). ``include_unvoted`` adds the ideas with no vote."""
    rows: list[tuple[Idea, int, dict[str, int]]] = []
    for idea in session.visible_ideas():
        if idea.status is Status.REJECTED:
            continue
        voters = session.votes.get(idea.id, {})
        points = sum(voters.values())
        if points or include_unvoted:
            rows.append((idea, points, dict(sorted(voters.items()))))
    rows.sort(key=lambda row: _rank_key(row[0], row[1]))
    return [
        Ranked(place, idea, points, voters)
        for place, (idea, points, voters) in enumerate(rows, start=1)
    ]
