"""Running a planned batch: its prompts concurrently, each through `generate`.

Every prompt goes through `generate.generate`, exactly as in interactive use, so its reply is
stored as draft ideas with the same events; nothing here ever marks an idea reviewed.

Concurrency: up to N prompts in flight (an asyncio semaphore), one backend, one
`SessionWriter` per session shared by every task of this process (its appends are
serialised). With several Ollama hosts the backend is a `llm.pool.HostPool`, which also keeps
each host within its own limit and sends each prompt to the least busy host that has its
model; a prompt whose host fails is retried once on another (see `generate`).

A `Stop` (the CLI asks it on SIGINT / SIGTERM) ends the prompts in flight —
each is recorded as cancelled, keeping the text that arrived as incomplete drafts, and
reported like any other result — and starts no more. Everything recorded before is already
fsynced, so even a SIGKILL loses nothing finished.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from brainstorm.batch.plan import BatchPlan, PlannedPrompt
from brainstorm.generate import GenerationOutcome, Outcome, Stop, generate
from brainstorm.llm.base import Backend, BackendError, is_setup_error

Status = Outcome


@dataclass(frozen=True)
class PromptResult:
    prompt: PlannedPrompt
    outcome: GenerationOutcome
    seconds: float

    @property
    def status(self) -> Status:
        return self.outcome.status

    @property
    def prompt_id(self) -> str | None:
        return self.outcome.prompt_id

    @property
    def idea_ids(self) -> list[int]:
        return [idea.id for idea in self.outcome.ideas]

    @property
    def error(self) -> BackendError | None:
        return self.outcome.error

    @property
    def reason(self) -> str | None:
        """Why it did not complete, in a sentence (None when it did)."""
        if self.outcome.cancelled:
            return "cancelled"
        return self.outcome.error.message if self.outcome.error else None

    @property
    def session_id(self) -> str:
        return self.prompt.session_id

    def as_json(self) -> dict[str, Any]:
        entry = self.prompt.entry
        return {
            "index": self.prompt.index,
            "where": self.prompt.where,
            "batch_key": self.prompt.key,
            "prompt": entry.prompt,
            "topic": entry.topic,
            # Who answered: "ollama:llama3.2"; `model` only when it wrote something.
            "source": self.outcome.source_name,
            "model": self.outcome.model_that_wrote,
            # The ensemble member this prompt is ("llama3.2 @ t=0.9"); None outside ensembles.
            "member": self.prompt.member,
            "technique": self.prompt.technique.name,
            "session": self.session_id,
            "prompt_id": self.prompt_id,
            "status": self.status,
            "done_reason": self.outcome.stats.done_reason if self.outcome.stats else None,
            "ideas": self.idea_ids,
            "error": self.reason,
            "seconds": round(self.seconds, 3),
            # The server that answered (or failed last), never with credentials; with
            # several hosts, an attempt that failed on another one first is in `retries`.
            "host": self.outcome.host,
            "retries": [
                {"host": retry.host, "error": retry.reason, "ideas": retry.ideas}
                for retry in self.outcome.retries
            ],
        }


@dataclass
class BatchReport:
    results: list[PromptResult]
    skipped: int
    not_started: int
    stopped: bool  # a `Stop` ended the batch early
    elapsed: float

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def nothing_could_run(self) -> bool:
        """Every prompt failed because the server or its models were not there."""
        return bool(self.results) and all(
            r.error is not None and is_setup_error(r.error) for r in self.results
        )


class BatchProgress:
    """Hooks for showing a batch's progress; override what you need. Called on the event
    loop's thread, in order; an exception raised here stops the batch."""

    def batch_started(self, plan: BatchPlan) -> None:
        """Sessions are open, nothing is sent yet."""

    def prompt_started(self, prompt: PlannedPrompt) -> None:
        """A prompt got a concurrency slot and is about to be sent."""

    def prompt_finished(self, result: PromptResult) -> None:
        """A prompt's outcome is stored (fsynced) in its session."""


async def run_batch(
    plan: BatchPlan,
    backend: Backend | None,
    *,
    concurrency: int = 4,
    progress: BatchProgress | None = None,
    stop: Stop | None = None,
) -> BatchReport:
    """Run every prompt not skipped, at most `concurrency` at a time. `plan.create_sessions()`
    must have been called. `backend` may be None when nothing is left to run. Backend errors
    become failed results; a store error (disk full) stops the batch and is raised."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if backend is None and plan.to_run:
        raise ValueError("a backend is needed: some prompts have not completed")
    progress = progress or BatchProgress()
    stop = stop or Stop()
    todo = plan.to_run
    results: list[PromptResult] = []
    semaphore = asyncio.Semaphore(concurrency)
    started = time.perf_counter()

    async def one(planned: PlannedPrompt) -> None:
        async with semaphore:
            if stop.requested:
                return
            writer = planned.target.writer
            assert writer is not None and planned.request is not None and backend is not None
            progress.prompt_started(planned)
            began = time.perf_counter()
            outcome = await generate(writer, backend, planned.request, stop=stop)
            result = PromptResult(planned, outcome, time.perf_counter() - began)
            results.append(result)
            progress.prompt_finished(result)

    progress.batch_started(plan)
    try:
        async with asyncio.TaskGroup() as group:
            for planned in todo:
                group.create_task(one(planned))
    except BaseExceptionGroup as failures:  # a store or progress error: the first one
        raise failures.exceptions[0] from None
    return BatchReport(
        results=results,
        skipped=len(plan.skipped),
        not_started=len(todo) - len(results),
        stopped=stop.requested,
        elapsed=time.perf_counter() - started,
    )
