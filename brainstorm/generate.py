"""One request to one source, its reply stored as draft ideas: the flow the CLI, the app and
batches share.

Every outcome is written to the session log before `generate` returns: a finished reply
becomes draft ideas plus `generation_completed`; a failed, cut or stopped one keeps whatever
text arrived as drafts marked incomplete, plus `generation_failed` with the reason.

Stopping: a person (esc in the app) or a signal (Ctrl-C in `ask` or a batch) asks a `Stop` to
end the generations watching it. Each one closes its stream, records what arrived and *returns*
its outcome, marked cancelled, so the caller learns exactly what was kept. Cancelling the task
itself (the app closing a screen, say) still records the partial reply, then lets the
cancellation go on.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from brainstorm.ask import AskRequest
from brainstorm.ideation import DraftIdea, ideas_from_reply, split_ideas
from brainstorm.llm.base import Backend, BackendError, ChatRequest
from brainstorm.models import (
    GenerationCompleted,
    GenerationFailed,
    GenerationStats,
    Idea,
    IdeaDrafted,
    PromptSent,
)
from brainstorm.presentation import model_label
from brainstorm.sources import Source
from brainstorm.store import SessionWriter

Outcome = Literal["completed", "failed", "cancelled"]

CANCELLED_REASON = "cancelled by the user"


class Stop:
    """A request to stop the generations that watch it (see the module docstring)."""

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


def new_prompt_id() -> str:
    return secrets.token_hex(4)


async def generate(
    writer: SessionWriter,
    backend: Backend,
    request: AskRequest,
    source: Source | None = None,
    *,
    on_delta: Callable[[str], None] | None = None,
    stop: Stop | None = None,
) -> GenerationOutcome:
    """Stream the reply of ``source`` (default: the request's first) and store it. Backend
    errors are recorded and returned, not raised; so is a stop asked through ``stop``.
    Cancelling the task is recorded, then re-raised."""
    source = source or request.source
    options = source.options(request.options)
    if stop is not None and stop.requested:
        return GenerationOutcome(None, "", [], source, options, cancelled=True)
    prompt_id = new_prompt_id()
    writer.append(
        PromptSent(
            prompt_id=prompt_id,
            prompt=request.prompt,
            technique=request.technique,
            model=source.model,
            backend=backend.name,
            options=options,
            structured=request.structured,
            parent_idea=request.parent_idea,
            follow_up=request.follow_up,
            batch_key=request.batch_key,
            hidden=request.hidden,
        )
    )
    drafting = _Drafting(writer, backend, request, source, prompt_id, options)
    chat = ChatRequest(
        model=source.model,
        messages=list(request.messages),
        options=options,
        format=request.schema,
    )
    parts: list[str] = []
    stats: GenerationStats | None = None
    task = asyncio.current_task()
    if stop is not None and task is not None:
        stop._watch(task)
    try:
        async for chunk in backend.stream_chat(chat):
            if chunk.text:
                parts.append(chunk.text)
                if on_delta is not None:
                    on_delta(chunk.text)
            if chunk.done:
                stats = chunk.stats
    except BackendError as error:
        return drafting.failed("".join(parts), error)
    except (asyncio.CancelledError, KeyboardInterrupt):
        outcome = drafting.cancelled("".join(parts))
        # Stopped through `stop`: the cancellation was ours to make, so it ends here (unless
        # the task was also cancelled from elsewhere, which goes on).
        if stop is not None and stop.requested and task is not None and task.uncancel() == 0:
            return outcome
        raise
    finally:
        if stop is not None and task is not None:
            stop._forget(task)
    return drafting.completed("".join(parts), stats)


class _Drafting:
    """Turns a reply into stored draft events, whatever its end."""

    def __init__(
        self,
        writer: SessionWriter,
        backend: Backend,
        request: AskRequest,
        source: Source,
        prompt_id: str,
        options: dict[str, Any],
    ) -> None:
        self.writer = writer
        self.backend = backend
        self.request = request
        self.source = source
        self.prompt_id = prompt_id
        self.options = options

    def completed(self, text: str, stats: GenerationStats | None) -> GenerationOutcome:
        drafts = ideas_from_reply(text, structured=self.request.structured)
        if not drafts:
            empty = BackendError(
                "The model returned an empty reply.", "Try again, or rephrase the prompt."
            )
            self.writer.append(GenerationFailed(prompt_id=self.prompt_id, reason=empty.message))
            return self._outcome(text, [], stats=stats, error=empty)
        ideas = self._store(
            self._events(drafts, stats, incomplete_last=False),
            lambda ids: GenerationCompleted(prompt_id=self.prompt_id, ideas=ids, stats=stats),
        )
        return self._outcome(text, ideas, stats=stats)

    def failed(self, text: str, error: BackendError) -> GenerationOutcome:
        ideas = self._store(
            self._partial(text),
            lambda ids: GenerationFailed(prompt_id=self.prompt_id, reason=error.message, ideas=ids),
        )
        return self._outcome(text, ideas, error=error)

    def cancelled(self, text: str) -> GenerationOutcome:
        ideas = self._store(
            self._partial(text),
            lambda ids: GenerationFailed(
                prompt_id=self.prompt_id, reason=CANCELLED_REASON, cancelled=True, ideas=ids
            ),
        )
        return self._outcome(text, ideas, cancelled=True)

    def _outcome(
        self,
        text: str,
        ideas: list[Idea],
        *,
        stats: GenerationStats | None = None,
        error: BackendError | None = None,
        cancelled: bool = False,
    ) -> GenerationOutcome:
        return GenerationOutcome(
            self.prompt_id,
            text,
            ideas,
            self.source,
            self.options,
            stats,
            error=error,
            cancelled=cancelled,
        )

    def _store(
        self,
        drafts: list[IdeaDrafted],
        outcome: Callable[[list[int]], GenerationCompleted | GenerationFailed],
    ) -> list[Idea]:
        """Store a reply's ideas and its outcome with one durable write."""
        ids = self.writer.allocate_idea_ids(len(drafts))
        numbered = [
            draft.model_copy(update={"idea": idea_id})
            for draft, idea_id in zip(drafts, ids, strict=True)
        ]
        self.writer.append_many([*numbered, outcome(ids)])
        return [self.writer.session.ideas[idea_id] for idea_id in ids]

    def _partial(self, text: str) -> list[IdeaDrafted]:
        """What arrived before a failure, its last idea marked incomplete. Half-written JSON
        cannot be split into ideas, so a structured reply is kept whole, as one incomplete
        idea."""
        if not text.strip():
            return []
        if self.request.structured:
            drafts = [DraftIdea(text=text.strip())]
        else:
            drafts = split_ideas(text) or [DraftIdea(text=text.strip())]
        return self._events(drafts, None, incomplete_last=True)

    def _events(
        self, drafts: list[DraftIdea], stats: GenerationStats | None, *, incomplete_last: bool
    ) -> list[IdeaDrafted]:
        """Unnumbered draft events (ids are given when they are stored)."""
        return [
            IdeaDrafted(
                idea=0,
                prompt_id=self.prompt_id,
                title=draft.title,
                text=draft.text,
                model=self.source.model,
                backend=self.backend.name,
                technique=self.request.technique,
                options=self.options,
                stats=stats,
                incomplete=incomplete_last and position == len(drafts) - 1,
                hidden=self.request.hidden,
            )
            for position, draft in enumerate(drafts)
        ]
