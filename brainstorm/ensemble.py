"""Diverse ensembles: one request sent to all its sources (models × temperatures × seeds) at
once.

`run_ensemble` sends the request to every source concurrently, each through
`generate.generate` — the same flow as a single prompt, so each reply is stored as DRAFT ideas
with its own `prompt_sent` / `generation_completed` (or `generation_failed`) events, recording
the model and options that wrote it. A request with one source is an ensemble of one: the CLI
and the app use this for every prompt. One `SessionWriter` is shared; its appends are
serialised, so the events of concurrent replies interleave but never mix within a line.

A source that fails does not stop the others: its failure is recorded and returned with the
other outcomes. A `Stop` ends every reply in flight; each is recorded as cancelled with its
partial text kept, and returned like the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from brainstorm.ask import AskRequest
from brainstorm.generate import GenerationOutcome, Stop, generate
from brainstorm.llm.base import Backend
from brainstorm.session_writer import SessionWriter
from brainstorm.sources import Source


async def run_ensemble(
    writer: SessionWriter,
    backend: Backend,
    request: AskRequest,
    *,
    concurrency: int | None = None,
    stop: Stop | None = None,
    on_delta: Callable[[Source, str], None] | None = None,
    on_done: Callable[[GenerationOutcome], None] | None = None,
) -> list[GenerationOutcome]:
    """Send ``request`` to each of its sources at once (at most ``concurrency`` at a time;
    None: all) and store each reply. Returns one outcome per source, in the order of
    ``request.sources``. ``on_delta(source, text)`` sees the streamed text of each reply,
    ``on_done(outcome)`` each stored outcome as it finishes (for live cards)."""
    sources = request.sources
    limit = asyncio.Semaphore(concurrency or len(sources))
    outcomes: dict[Source, GenerationOutcome] = {}

    async def one(source: Source) -> None:
        def delta(text: str) -> None:
            if on_delta is not None:
                on_delta(source, text)

        async with limit:
            outcome = await generate(writer, backend, request, source, on_delta=delta, stop=stop)
        outcomes[source] = outcome
        if on_done is not None:
            on_done(outcome)

    try:
        async with asyncio.TaskGroup() as group:
            for source in sources:
                group.create_task(one(source))
    except BaseExceptionGroup as failures:  # a store error (disk full): the first one
        raise failures.exceptions[0] from None
    return [outcomes[source] for source in sources]
