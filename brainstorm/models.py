"""The state a session's events replay into: its ideas (with their revisions, status changes
and review history), its prompts, notes, themes and votes.

The state is never stored: it is what `brainstorm.replay` makes of the events
(`brainstorm.events`), in order. That keeps the model's original text and every human
revision, forever.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from brainstorm.converge_events import ThemeBoard
from brainstorm.events import GenerationStats, SessionCreated, Status
from brainstorm.prompt_records import PromptRecord


class Author(StrEnum):
    MODEL = "model"
    HUMAN = "human"


class Revision(BaseModel):
    text: str
    at: datetime
    title: str | None = None  # the title after this revision
    title_changed: bool = False  # whether this revision changed the title


class StatusChange(BaseModel):
    status: Status
    at: datetime


class ReviewAction(BaseModel):
    """One review decision on an idea as its history tells it, and what undoing it restores."""

    seq: int
    at: datetime
    kind: Literal["added", "revised", "status"]
    idea: int
    text: str | None = None  # a revision's new text
    title: str | None = None  # a revision's new title (None: title unchanged)
    status: Status | None = None  # the status set
    before_text: str | None = None
    before_title: str | None = None
    before_status: Status | None = None
    undone_at: datetime | None = None


class Idea(BaseModel):
    id: int
    author: Author
    text: str
    title: str | None = None
    original: str | None = None  # the model's text; None for ideas a person wrote
    original_title: str | None = None
    status: Status = Status.DRAFT
    model: str | None = None
    backend: str | None = None
    technique: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    stats: GenerationStats | None = None
    prompt_id: str | None = None
    host: str | None = None  # the server that wrote it
    incomplete: bool = False
    hidden: bool = False
    echo_of_prompt: bool = False  # a model draft that mostly repeats its prompt
    # Written in a human-first round before the reveal: a model idea whose prompt was sent
    # hidden, or an idea the person added while the model's were still hidden. Unlike `hidden`
    # it stays set after the reveal, so the round's figures can tell the two sides apart.
    before_reveal: bool = False
    created_at: datetime
    revisions: list[Revision] = Field(default_factory=list)
    status_history: list[StatusChange] = Field(default_factory=list)
    # Every review decision, undone ones included (marked), for the history views; `revisions`
    # and `status_history` above hold only what still stands, so figures follow the undo.
    actions: list[ReviewAction] = Field(default_factory=list)

    @property
    def revision_count(self) -> int:
        return len(self.revisions)

    @property
    def edited(self) -> bool:
        return bool(self.revisions)

    @property
    def accepted_as_is(self) -> bool:
        """A model draft accepted without any edit."""
        return self.author is Author.MODEL and self.status is Status.ACCEPTED and not self.revisions

    @property
    def source(self) -> str:
        """Who wrote the first text: the backend/model for model ideas, 'you' for human ones."""
        if self.author is Author.HUMAN:
            return "human"
        return f"{self.backend}:{self.model}" if self.backend else (self.model or "model")


class Session(BaseModel):
    id: str
    topic: str
    technique: str | None = None
    default_model: str | None = None  # configured when it was made; see `models_that_wrote`
    human_first: bool = False
    created_at: datetime
    updated_at: datetime
    ideas: dict[int, Idea] = Field(default_factory=dict)
    prompts: dict[str, PromptRecord] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    last_seq: int = 0
    revealed: bool = True
    revealed_at: datetime | None = None
    # Review decisions not undone, oldest first: `review.undo` reverts the last one.
    undoable: list[ReviewAction] = Field(default_factory=list)
    # A person's ideas whose adding was undone: gone from every view, but their ids stay taken.
    withdrawn: dict[int, Idea] = Field(default_factory=dict)
    # The latest grouping into themes and its labels (`brainstorm.themes`), if any.
    themes: ThemeBoard | None = None
    # People's votes: idea id → voter → points (`brainstorm.votes`).
    votes: dict[int, dict[str, int]] = Field(default_factory=dict)

    @classmethod
    def from_created(cls, event: SessionCreated) -> Session:
        return cls(
            id=event.session_id,
            topic=event.topic,
            technique=event.technique,
            default_model=event.default_model,
            human_first=event.human_first,
            created_at=event.at,
            updated_at=event.at,
            last_seq=event.seq,
            revealed=not event.human_first,
        )

    @property
    def next_idea_id(self) -> int:
        return max(max(self.ideas, default=0), max(self.withdrawn, default=0)) + 1

    def visible_ideas(self) -> list[Idea]:
        return [i for i in self.ideas.values() if not i.hidden or self.revealed]

    def count_by_status(self) -> dict[str, int]:
        """Review counts as every view shows them: ``draft``, ``accepted`` and ``rejected``
        count the model's ideas by status; ``yours`` counts the ideas people wrote (a person's
        own idea is never counted as "accepted")."""
        return review_counts(self.ideas.values())

    def models_that_wrote(self) -> list[str]:
        """The models that wrote something here (an idea, or reply text), first idea first."""
        ideas = sorted(self.ideas.values(), key=lambda i: i.id)
        named = [*(i.model for i in ideas), *(p.model for p in self.prompts.values() if p.reply)]
        return list(dict.fromkeys(name for name in named if name))

    def mark_interrupted(self) -> None:
        """Read with no live writer: prompts still waiting for an outcome never get one."""
        for record in self.prompts.values():
            if record.outcome == "pending":
                record.outcome = "interrupted"

    def idea(self, idea_id: int) -> Idea:
        try:
            return self.ideas[idea_id]
        except KeyError:
            raise KeyError(f"session {self.id} has no idea #{idea_id}") from None


def review_counts(ideas: Iterable[Idea]) -> dict[str, int]:
    """``draft`` / ``accepted`` / ``rejected``: the model's ideas by review status; ``yours``:
    the ideas people wrote, whatever their status (they add up to all the ideas)."""
    counts = {s.value: 0 for s in Status} | {"yours": 0}
    for idea in ideas:
        counts["yours" if idea.author is Author.HUMAN else idea.status.value] += 1
    return counts
