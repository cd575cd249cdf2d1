"""The session events: what a session file holds, one JSON object per line.

A session file is an append-only log of these events. Nothing here is state: `brainstorm.models`
holds what the events replay into, and `brainstorm.replay` folds them in, in order. The values
events carry (`Status`, `GenerationStats`) live here too, since the state reuses them.

- `event_to_json` / `event_from_json` turn one event into one line and back, lone surrogates
  included (kept as \\u escapes, read back exactly).
- Every event shares `seq` and `at` (`brainstorm.event_base`); the converging half's events
  (themes, votes) are in `brainstorm.converge_events` and are part of the `Event` union here.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from brainstorm.converge_events import (
    ThemeLabelAccepted,
    ThemeLabelled,
    ThemesGrouped,
    VoteCast,
    VoteWithdrawn,
)
from brainstorm.event_base import _Event

# 2: replies are kept verbatim (`reply_text`), ideas are appended as each completes, the
# session's configured model is `default_model` (1 called it `model`). Both are read.
SCHEMA_VERSION = 2


class Status(StrEnum):
    DRAFT = "draft"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


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
    # The text mostly repeats the messages sent (the topic, the format asked for): flagged
    # for the person, never dropped. None (not written) when it does not.
    echo_of_prompt: bool | None = None


class IdeaAdded(_Event):
    """An idea the person wrote themselves."""

    type: Literal["idea_added"] = "idea_added"
    idea: int
    title: str | None = None
    text: str


class IdeaRevised(_Event):
    """A person's new version of an idea: its full text, and its title. ``title`` None keeps
    the title as it was (events written before titles could be edited); "" removes it."""

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


class DroppedLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line: int  # its number in the original file
    problem: str


class LogRepaired(_Event):
    """First event after `brainstorm repair` wrote a new log without the lines that could not
    be read. The original bytes stay in the sessions directory, in the file ``original``."""

    type: Literal["log_repaired"] = "log_repaired"
    original: str
    dropped: list[DroppedLine] = Field(default_factory=list)


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
    | LogRepaired
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


def as_read_back(event: _Event, line: str) -> Event:
    """`event` as a reader gets it from ``line``, its `event_to_json`: the same event, except
    where its text held a surrogate pair as two code points (a UTF-16 pair split across two
    chunks of a stream): JSON reads the pair back as the one character it encodes, and the
    state a writer folds must be the state a reader replays."""
    if _SURROGATE_ESCAPE_TEXT.search(line):
        return event_from_json(line.encode("utf-8"))
    return EVENT_ADAPTER.validate_python(event)


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_TEXT = re.compile(r"\\u[dD][89a-fA-F]")
