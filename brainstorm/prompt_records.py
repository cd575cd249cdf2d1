"""What the session knows of each prompt it sent: to whom, what came back, how it ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Outcome = Literal["pending", "completed", "failed", "cancelled", "interrupted"]
PromptStatus = Literal[
    "in_progress", "completed", "incomplete", "failed", "cancelled", "interrupted"
]


class RetriedAttempt(BaseModel):
    """An attempt at a prompt that failed on one of several hosts before the prompt went to
    another (`generation_retried`)."""

    host: str | None
    reason: str
    ideas: list[int] = Field(default_factory=list)  # what it wrote, kept as incomplete drafts
    at: datetime
    # How much of the prompt's reply this attempt wrote: its text is the reply's first
    # `reply_chars` characters (the next attempt's follows).
    reply_chars: int = 0


class PromptRecord(BaseModel):
    """One prompt sent to one source, and what came back.

    ``status``: ``completed`` (the model finished), ``incomplete`` (it finished because it hit
    its token limit — ``done_reason: length`` — so its last idea is cut off), ``failed`` (an
    error ended it; ``reason`` says which), ``cancelled`` (a person or a signal stopped it),
    ``interrupted`` (the process writing it died before the reply ended), ``in_progress``
    (a live writer is still receiving it)."""

    id: str
    prompt: str
    technique: str | None
    model: str
    backend: str
    options: dict[str, Any]
    at: datetime
    structured: bool = False
    hidden: bool = False
    parent_idea: int | None = None
    follow_up: str | None = None
    batch_key: str | None = None
    outcome: Outcome = "pending"
    reason: str | None = None
    done_reason: str | None = None
    ideas: list[int] = Field(default_factory=list)
    # The reply as it arrived, in pieces; None for prompts stored before replies were kept
    # (schema 1), whose text is only known through their ideas.
    reply_parts: list[str] | None = None
    host: str | None = None  # the server that answered (or failed, for the last attempt)
    retries: list[RetriedAttempt] = Field(default_factory=list)  # on another host, first

    @property
    def source(self) -> str:
        """ "ollama:llama3.2": the backend and model the prompt went to."""
        return f"{self.backend}:{self.model}"

    @property
    def reply(self) -> str | None:
        return None if self.reply_parts is None else "".join(self.reply_parts)

    @property
    def status(self) -> PromptStatus:
        if self.outcome == "pending":
            return "in_progress"
        if self.outcome == "completed" and self.done_reason == "length":
            return "incomplete"
        return self.outcome
