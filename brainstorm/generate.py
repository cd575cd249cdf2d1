"""One prompt to a backend, its reply stored as draft ideas: the flow the CLI, TUI and batches
share.

Every outcome is written to the session log before this returns: a finished reply becomes draft
ideas plus `generation_completed`; a failed, cut or cancelled one keeps whatever text arrived as
drafts marked incomplete, plus `generation_failed` with the reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from brainstorm.ideation import DraftIdea, ideas_from_reply, split_ideas
from brainstorm.llm import resolve_model
from brainstorm.llm.base import Backend, BackendError, ChatRequest, Message
from brainstorm.models import (
    GenerationCompleted,
    GenerationFailed,
    GenerationStats,
    Idea,
    IdeaDrafted,
    PromptSent,
)
from brainstorm.store import SessionWriter


@dataclass
class PromptSpec:
    """What to send, and what to record about it."""

    prompt: str  # what the person asked, as shown in the session history
    messages: list[Message]
    model: str
    technique: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    schema: dict[str, Any] | None = None  # ask for structured output matching this schema
    parent_idea: int | None = None
    follow_up: str | None = None
    batch_key: str | None = None
    hidden: bool = False


@dataclass
class GenerationOutcome:
    prompt_id: str
    text: str
    ideas: list[Idea]
    stats: GenerationStats | None = None
    error: BackendError | None = None
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled


def new_prompt_id() -> str:
    return secrets.token_hex(4)


async def generate(
    writer: SessionWriter,
    backend: Backend,
    spec: PromptSpec,
    *,
    on_delta: Callable[[str], None] | None = None,
) -> GenerationOutcome:
    """Stream one reply and store it. Backend errors are recorded and returned, not raised;
    cancellation is recorded and then re-raised."""
    # Record the model that really writes the reply (the embedded backend has only one).
    spec = dataclasses.replace(spec, model=resolve_model(backend, spec.model))
    prompt_id = new_prompt_id()
    writer.append(
        PromptSent(
            prompt_id=prompt_id,
            prompt=spec.prompt,
            technique=spec.technique,
            model=spec.model,
            backend=backend.name,
            options=spec.options,
            structured=spec.schema is not None,
            parent_idea=spec.parent_idea,
            follow_up=spec.follow_up,
            batch_key=spec.batch_key,
            hidden=spec.hidden,
        )
    )
    request = ChatRequest(
        model=spec.model, messages=spec.messages, options=spec.options, format=spec.schema
    )
    parts: list[str] = []
    stats: GenerationStats | None = None
    try:
        async for chunk in backend.stream_chat(request):
            if chunk.text:
                parts.append(chunk.text)
                if on_delta is not None:
                    on_delta(chunk.text)
            if chunk.done:
                stats = chunk.stats
    except BackendError as error:
        text = "".join(parts)
        reason = error.message
        ideas = _finish(
            writer,
            _partial_drafts(backend, spec, prompt_id, text),
            lambda ids: GenerationFailed(prompt_id=prompt_id, reason=reason, ideas=ids),
        )
        return GenerationOutcome(prompt_id, text, ideas, error=error)
    except (asyncio.CancelledError, KeyboardInterrupt):
        text = "".join(parts)
        _finish(
            writer,
            _partial_drafts(backend, spec, prompt_id, text),
            lambda ids: GenerationFailed(
                prompt_id=prompt_id, reason="cancelled by the user", cancelled=True, ideas=ids
            ),
        )
        raise

    text = "".join(parts)
    drafts = ideas_from_reply(text, structured=spec.schema is not None)
    if not drafts:
        empty = BackendError(
            "The model returned an empty reply.", "Try again, or rephrase the prompt."
        )
        writer.append(GenerationFailed(prompt_id=prompt_id, reason=empty.message))
        return GenerationOutcome(prompt_id, text, [], stats=stats, error=empty)
    ideas = _finish(
        writer,
        _draft_events(backend, spec, prompt_id, drafts, stats, incomplete_last=False),
        lambda ids: GenerationCompleted(prompt_id=prompt_id, ideas=ids, stats=stats),
    )
    return GenerationOutcome(prompt_id, text, ideas, stats=stats)


def _finish(
    writer: SessionWriter,
    drafts: list[IdeaDrafted],
    outcome: Callable[[list[int]], GenerationCompleted | GenerationFailed],
) -> list[Idea]:
    """Store a reply's ideas and its outcome with one durable write."""
    ids = writer.allocate_idea_ids(len(drafts))
    numbered = [
        draft.model_copy(update={"idea": idea_id})
        for draft, idea_id in zip(drafts, ids, strict=True)
    ]
    writer.append_many([*numbered, outcome(ids)])
    return [writer.session.ideas[idea_id] for idea_id in ids]


def _partial_drafts(
    backend: Backend, spec: PromptSpec, prompt_id: str, text: str
) -> list[IdeaDrafted]:
    """What arrived before a failure, its last idea marked incomplete. Half-written JSON cannot
    be split into ideas, so a structured reply is kept whole, as one incomplete idea."""
    if not text.strip():
        return []
    if spec.schema is not None:
        drafts = [DraftIdea(text=text.strip())]
    else:
        drafts = split_ideas(text) or [DraftIdea(text=text.strip())]
    return _draft_events(backend, spec, prompt_id, drafts, None, incomplete_last=True)


def _draft_events(
    backend: Backend,
    spec: PromptSpec,
    prompt_id: str,
    drafts: list[DraftIdea],
    stats: GenerationStats | None,
    *,
    incomplete_last: bool,
) -> list[IdeaDrafted]:
    """Unnumbered draft events (ids are given when they are stored)."""
    return [
        IdeaDrafted(
            idea=0,
            prompt_id=prompt_id,
            title=draft.title,
            text=draft.text,
            model=spec.model,
            backend=backend.name,
            technique=spec.technique,
            options=spec.options,
            stats=stats,
            incomplete=incomplete_last and position == len(drafts) - 1,
            hidden=spec.hidden,
        )
        for position, draft in enumerate(drafts)
    ]
