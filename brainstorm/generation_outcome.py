"""What one generation ended with (`GenerationOutcome`), the attempts it retried on another
host (`Retry`), and the `Stop` that ends generations early. Kept apart from `generate` so the
callers that only read outcomes (CLI, app, batch) do not need the recorder."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

from brainstorm.events import GenerationStats
from brainstorm.llm.base import BackendError
from brainstorm.models import Idea
from brainstorm.presentation import model_label
from brainstorm.sources import Source

Outcome = Literal["completed", "failed", "cancelled"]

CANCELLED_REASON = "cancelled by the user"


class Stop:
    """A request to stop the generations that watch it (see `brainstorm.generate`'s docstring)."""

    def __init__(self) -> None:
        self.requested = False
        self._watching: set[asyncio.Task[object]] = set()

    def request(self) -> None:
        """Stop every generation watching this, now and from now on."""
        self.requested = True
        for task in list(self._watching):
            task.cancel()

    def _watch(self, task: asyncio.Task[object]) -> None:
        self._watching.add(task)

    def _forget(self, task: asyncio.Task[object]) -> None:
        self._watching.discard(task)


@dataclass
class GenerationOutcome:
    prompt_id: str | None  # None: stopped before anything was sent
    text: str
    ideas: list[Idea]
    source: Source
    options: dict[str, Any]  # as sent to the model
    stats: GenerationStats | None = None
    error: BackendError | None = None
    cancelled: bool = False
    backend: str = ""  # the backend's name ("ollama", "embedded")
    host: str | None = None  # the server that answered (or failed last); None: none reached
    retries: list[Retry] = field(default_factory=list)  # attempts that failed on another host

    @property
    def source_name(self) -> str:
        """ "ollama:llama3.2": the backend and model this prompt went to."""
        return f"{self.backend}:{self.source.model}" if self.backend else self.source.model

    @property
    def model_that_wrote(self) -> str | None:
        """The model, if it wrote anything (a field called `model` names one that did)."""
        return self.source.model if self.text else None

    @property
    def label(self) -> str:
        """ "llama3.2 @ t=0.9": the source in the words its ideas' cards use."""
        return model_label(self.source.model, self.options)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled

    @property
    def status(self) -> Outcome:
        if self.cancelled:
            return "cancelled"
        return "failed" if self.error is not None else "completed"

    @property
    def incomplete_ideas(self) -> list[Idea]:
        """The ideas marked incomplete (the last one of a reply that was cut or stopped)."""
        return [idea for idea in self.ideas if idea.incomplete]


@dataclass(frozen=True)
class Retry:
    """An attempt that failed on one host before the prompt went to another."""

    host: str | None
    reason: str
    ideas: list[int]  # what it wrote, its last idea kept incomplete
