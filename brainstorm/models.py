"""Session events and the state they replay into.

A session file is an append-only log of the events below (one JSON object per line). The
session's state is never stored: it is what `Session.apply` makes of the events, in order.
That keeps the model's original text and every human revision, forever.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from brainstorm.converge_events import (
    ThemeBoard,
    ThemeLabelAccepted,
    ThemeLabelled,
    ThemesGrouped,
    VoteCast,
    VoteWithdrawn,
    apply_converge,
)

# Re-exported: the store and older callers import them from here.
from brainstorm.event_base import _Event as _Event
from brainstorm.event_base import utc_now as utc_now
from brainstorm.prompt_records import PromptRecord, RetriedAttempt

# 2: replies are kept verbatim (`reply_text`), ideas are appended as each completes, the
# session's configured model is `default_model` (1 called it `model`). Both are read.
SCHEMA_VERSION = 2


class Status(StrEnum):
    DRAFT = "draft"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Author(StrEnum):
    MODEL = "model"
    HUMAN = "human"


class GenerationStats(BaseModel):
    """Timing figures from the backend's final chunk (durations in nanoseconds, as Ollama sends)."""

    model_config = ConfigDict(extra="ignore")

    total_duration: int | None = None
    load_duration: int | None = None
    prompt_eval_count: int | None = None
    prompt_eval_duration: int | None = None
    eval_count: int | None = None
    eval_duration: int | None = None
    done_reason: str | None = None

    @property
    def tokens_per_second(self) -> float | None:
        if not self.eval_count or not self.eval_duration:
            return None
        return self.eval_count / (self.eval_duration / 1e9)


# --- events -----------------------------------------------------------------------------------


class SessionCreated(_Event):
    type: Literal["session_created"] = "session_created"
    schema_version: int = Field(default=SCHEMA_VERSION, alias="schema")
    session_id: str
    topic: str
    technique: str | None = None
    # The model configured when the session was made (not necessarily one that wrote).
    default_model: str | None = Field(
        default=None, validation_alias=AliasChoices("default_model", "model")
    )
    human_first: bool = False


class PromptSent(_Event):
    type: Literal["prompt_sent"] = "prompt_sent"
    prompt_id: str
    prompt: str
    technique: str | None = None
    model: str
    backend: str
    options: dict[str, Any] = Field(default_factory=dict)
    structured: bool = False
    # A follow-up on one idea ("expand", "variations", "critique") names that idea.
    parent_idea: int | None = None
    follow_up: str | None = None
    # Scripted batches mark their prompts so `--resume` can skip what already finished.
    batch_key: str | None = None
    # Human-first rounds keep model ideas hidden until the person reveals them.
    hidden: bool = False
    # The reply follows in `reply_text` events (schema 2); older prompts kept only ideas.
    keeps_reply: bool = False


class ReplyText(_Event):
    """A piece of a reply, as it arrived. A prompt's pieces, joined in file order, are its
    reply exactly as the model sent it (including text that belongs to no idea)."""

    type: Literal["reply_text"] = "reply_text"
    prompt_id: str
    text: str


class IdeaDrafted(_Event):
    """Text the model wrote, appended as soon as the idea is complete (the last one when the
    reply ends). Never changed afterwards: revisions are separate events."""

    type: Literal["idea_drafted"] = "idea_drafted"
    idea: int
    prompt_id: str | None = None
    title: str | None = None
    text: str
    model: str
    backend: str
    technique: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    stats: GenerationStats | None = None
    incomplete: bool = False
    hidden: bool = False
    # The server that wrote it (with several Ollama hosts, the one the reply went to).
    host: str | None = None


class IdeaAdded(_Event):
    """An idea the person wrote themselves."""

    type: Literal["idea_added"] = "idea_added"
    idea: int
    title: str | None = None
    text: str


class IdeaRevised(_Event):
    type: Literal["idea_revised"] = "idea_revised"
    idea: int
    text: str
    title: str | None = None


class IdeaStatusChanged(_Event):
    type: Literal["idea_status"] = "idea_status"
    idea: int
    status: Status


class ReviewUndone(_Event):
    """Reverts one earlier review event (an add, a revision or a status change), named by its
    `seq`. The reverted event stays in the log: an undo is a decision of its own."""

    type: Literal["review_undone"] = "review_undone"
    undoes: int
    idea: int


class GenerationCompleted(_Event):
    type: Literal["generation_completed"] = "generation_completed"
    prompt_id: str
    ideas: list[int] = Field(default_factory=list)
    stats: GenerationStats | None = None
    host: str | None = None  # the server that answered


class GenerationFailed(_Event):
    """A reply that failed or was cut off. Whatever text arrived is kept as incomplete drafts."""

    type: Literal["generation_failed"] = "generation_failed"
    prompt_id: str
    reason: str
    cancelled: bool = False
    ideas: list[int] = Field(default_factory=list)
    host: str | None = None  # the server it failed on (None: none was reached)


class GenerationRetried(_Event):
    """A reply that failed on one of several Ollama hosts and is asked again, once, of
    another; the same prompt's outcome follows. What the failed attempt wrote is kept, as
    incomplete drafts (`ideas`), like any failure's."""

    type: Literal["generation_retried"] = "generation_retried"
    prompt_id: str
    reason: str
    host: str | None = None  # the host that failed
    ideas: list[int] = Field(default_factory=list)


class GenerationInterrupted(_Event):
    """Written by the next writer for a prompt it found without an outcome: the process that
    sent it died mid-reply (killed, crashed, power cut). Its text and ideas up to then stay."""

    type: Literal["generation_interrupted"] = "generation_interrupted"
    prompt_id: str


class IdeasRevealed(_Event):
    type: Literal["ideas_revealed"] = "ideas_revealed"


class Note(_Event):
    type: Literal["note"] = "note"
    text: str


class TornLineSkipped(_Event):
    """Written by the next writer after a crash left a half-written line, so readers can skip it
    knowingly instead of failing on it (the file itself is never rewritten)."""

    type: Literal["torn_line_skipped"] = "torn_line_skipped"
    line: int


Event = Annotated[
    SessionCreated
    | PromptSent
    | ReplyText
    | IdeaDrafted
    | IdeaAdded
    | IdeaRevised
    | IdeaStatusChanged
    | ReviewUndone
    | GenerationCompleted
    | GenerationFailed
    | GenerationInterrupted
    | GenerationRetried
    | IdeasRevealed
    | Note
    | TornLineSkipped
    | ThemesGrouped
    | ThemeLabelled
    | ThemeLabelAccepted
    | VoteCast
    | VoteWithdrawn,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def event_to_json(event: _Event) -> str:
    try:
        return event.model_dump_json(by_alias=True, exclude_none=True)
    except PydanticSerializationError:
        # A lone surrogate (broken UTF-16 from a server, or bytes that were not UTF-8 in a
        # command-line argument) cannot be encoded as UTF-8, but JSON holds it exactly as a
        # \u escape. Everything the model wrote is kept, character for character.
        data = event.model_dump(mode="json", by_alias=True, exclude_none=True)
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def event_from_json(line: bytes) -> Event:
    """One line of a session file as its event (`ValidationError` when it is not one)."""
    try:
        return EVENT_ADAPTER.validate_json(line)
    except ValidationError as refused:
        # pydantic's JSON parser refuses lone-surrogate escapes, which `event_to_json` writes
        # for text that holds one; Python's parser reads them back exactly.
        if not _SURROGATE_ESCAPE.search(line):
            raise
        try:
            data = json.loads(line)
        except ValueError:
            raise refused from None
        return EVENT_ADAPTER.validate_python(data)


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


# --- state ------------------------------------------------------------------------------------


class Revision(BaseModel):
    text: str
    at: datetime


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

    def apply(self, event: Event) -> None:
        """Fold one event into the state. Events arrive in file order."""
        self.last_seq = event.seq
        self.updated_at = event.at
        match event:
            case SessionCreated():
                pass  # only ever first; handled by from_created
            case PromptSent():
                self.prompts[event.prompt_id] = PromptRecord(
                    id=event.prompt_id,
                    prompt=event.prompt,
                    technique=event.technique,
                    model=event.model,
                    backend=event.backend,
                    options=event.options,
                    at=event.at,
                    structured=event.structured,
                    hidden=event.hidden,
                    parent_idea=event.parent_idea,
                    follow_up=event.follow_up,
                    batch_key=event.batch_key,
                    reply_parts=[] if event.keeps_reply else None,
                )
            case ReplyText():
                record = self.prompts.get(event.prompt_id)
                if record is not None and record.reply_parts is not None:
                    record.reply_parts.append(event.text)
            case IdeaDrafted():
                self._record_idea(event.prompt_id, event.idea)
                self.ideas[event.idea] = Idea(
                    id=event.idea,
                    author=Author.MODEL,
                    text=event.text,
                    title=event.title,
                    original=event.text,
                    original_title=event.title,
                    model=event.model,
                    backend=event.backend,
                    technique=event.technique,
                    options=event.options,
                    stats=event.stats,
                    prompt_id=event.prompt_id,
                    host=event.host,
                    incomplete=event.incomplete,
                    # A reply still arriving when the person revealed is shown at once.
                    hidden=event.hidden and not self.revealed,
                    before_reveal=event.hidden,
                    created_at=event.at,
                )
            case IdeaAdded():
                self.ideas[event.idea] = Idea(
                    id=event.idea,
                    author=Author.HUMAN,
                    text=event.text,
                    title=event.title,
                    # The person wrote it, which is already a decision; they may reject it later.
                    status=Status.ACCEPTED,
                    before_reveal=self.human_first and not self.revealed,
                    created_at=event.at,
                )
                self._remember(
                    ReviewAction(seq=event.seq, at=event.at, kind="added", idea=event.idea)
                )
            case IdeaRevised():
                idea = self.idea(event.idea)
                self._remember(
                    ReviewAction(
                        seq=event.seq,
                        at=event.at,
                        kind="revised",
                        idea=idea.id,
                        text=event.text,
                        title=event.title,
                        before_text=idea.text,
                        before_title=idea.title,
                    )
                )
                idea.text = event.text
                if event.title is not None:
                    idea.title = event.title
                idea.revisions.append(Revision(text=event.text, at=event.at))
            case IdeaStatusChanged():
                idea = self.idea(event.idea)
                self._remember(
                    ReviewAction(
                        seq=event.seq,
                        at=event.at,
                        kind="status",
                        idea=idea.id,
                        status=event.status,
                        before_status=idea.status,
                    )
                )
                idea.status = event.status
                idea.status_history.append(StatusChange(status=event.status, at=event.at))
            case ReviewUndone():
                self._revert(event)
            case GenerationCompleted():
                record = self.prompts.get(event.prompt_id)
                if record is not None:
                    record.outcome = "completed"
                    record.ideas = list(event.ideas)
                    record.host = event.host
                    record.done_reason = event.stats.done_reason if event.stats else None
                for idea_id in event.ideas:  # ideas stored while streaming had no figures yet
                    streamed = self.ideas.get(idea_id)
                    if streamed is not None and streamed.stats is None:
                        streamed.stats = event.stats
            case GenerationFailed():
                record = self.prompts.get(event.prompt_id)
                if record is not None:
                    record.outcome = "cancelled" if event.cancelled else "failed"
                    record.reason = event.reason
                    record.ideas = list(event.ideas)
                    record.host = event.host
            case GenerationRetried():
                record = self.prompts.get(event.prompt_id)
                if record is not None:
                    record.retries.append(
                        RetriedAttempt(
                            host=event.host,
                            reason=event.reason,
                            ideas=event.ideas,
                            at=event.at,
                            reply_chars=len(record.reply or ""),
                        )
                    )
            case GenerationInterrupted():
                record = self.prompts.get(event.prompt_id)
                if record is not None and record.outcome == "pending":
                    record.outcome = "interrupted"
            case IdeasRevealed():
                if not self.revealed:
                    self.revealed_at = event.at
                self.revealed = True
                for idea in self.ideas.values():
                    idea.hidden = False
            case Note():
                self.notes.append(event.text)
            case TornLineSkipped():
                pass
            case (
                ThemesGrouped()
                | ThemeLabelled()
                | ThemeLabelAccepted()
                | VoteCast()
                | VoteWithdrawn()
            ):
                apply_converge(self, event)

    def _remember(self, action: ReviewAction) -> None:
        self.ideas[action.idea].actions.append(action)
        self.undoable.append(action)

    def _revert(self, event: ReviewUndone) -> None:
        """Undo one decision. `review.undo` only ever names the last one still standing, so
        the idea's newest revision or status change is the one being reverted. A log naming
        anything else (edited by hand) is ignored rather than misread."""
        action = next((a for a in reversed(self.undoable) if a.seq == event.undoes), None)
        idea = self.ideas.get(action.idea) if action is not None else None
        if action is None or idea is None:
            return
        self.undoable.remove(action)
        action.undone_at = event.at
        if action.kind == "added":
            self.withdrawn[idea.id] = self.ideas.pop(idea.id)
        elif action.kind == "revised":
            idea.text = action.before_text if action.before_text is not None else idea.text
            idea.title = action.before_title
            if idea.revisions:
                idea.revisions.pop()
        elif action.before_status is not None:
            idea.status = action.before_status
            if idea.status_history:
                idea.status_history.pop()

    def _record_idea(self, prompt_id: str | None, idea_id: int) -> None:
        record = self.prompts.get(prompt_id or "")
        if record is not None and idea_id not in record.ideas:
            record.ideas.append(idea_id)


def review_counts(ideas: Iterable[Idea]) -> dict[str, int]:
    """``draft`` / ``accepted`` / ``rejected``: the model's ideas by review status; ``yours``:
    the ideas people wrote, whatever their status (they add up to all the ideas)."""
    counts = {s.value: 0 for s in Status} | {"yours": 0}
    for idea in ideas:
        counts["yours" if idea.author is Author.HUMAN else idea.status.value] += 1
    return counts
