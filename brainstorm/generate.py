"""One request to one source, its reply stored as draft ideas: the flow the CLI, the app and
batches share.

The reply is recorded as it arrives, so a crash loses at most the idea being written:
`prompt_sent`, then the reply's text verbatim (`reply_text` events, at least every
`REPLY_FLUSH_SECONDS` while text arrives) and each idea as soon as it is complete (the next one
has started), appended without waiting for the disk (group commit, see `store`). The end of
the reply adds the last ideas and the outcome in one durable write: `generation_completed`
(its stats say `done_reason`: "length" means the token limit cut it, so its last idea is
marked incomplete), or `generation_failed` with the reason, the last idea marked incomplete.
Structured (JSON) replies are stored as text while they stream and split into ideas at the
end. A process killed mid-reply leaves a prompt without an outcome, read as interrupted.

Several Ollama hosts (`llm.pool`): every event names the host that answered. A reply that
fails on one host (unreachable, cut off, a server error) is asked again, once, of another
host that has the model: `generation_retried` records the failure and keeps what the failed
attempt wrote (its text in the reply, its last idea stored incomplete), then the same
prompt's outcome follows. So a prompt still has exactly one outcome, and `--resume` reads it
as before.

Stopping: a person (esc in the app) or a signal (Ctrl-C in `ask` or a batch) asks a `Stop` to
end the generations watching it. Each one closes its stream, records what arrived and *returns*
its outcome, marked cancelled, so the caller learns exactly what was kept. Cancelling the task
itself (the app closing a screen, say) still records the partial reply, then lets the
cancellation go on.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

from brainstorm.ask import AskRequest
from brainstorm.event_base import _Event
from brainstorm.events import (
    GenerationCompleted,
    GenerationFailed,
    GenerationRetried,
    GenerationStats,
    IdeaDrafted,
    PromptSent,
    ReplyText,
)
from brainstorm.generation_outcome import (
    CANCELLED_REASON,
    GenerationOutcome,
    Outcome,
    Retry,
    Stop,
)
from brainstorm.ideation import DraftIdea, IdeaStreamSplitter, PromptEcho, ideas_from_reply
from brainstorm.llm import retry_elsewhere
from brainstorm.llm.base import Backend, BackendError, ChatRequest, Chunk
from brainstorm.session_writer import SessionWriter
from brainstorm.sources import Source

# The outcome types live in `generation_outcome`; callers import them from here too.
__all__ = [
    "CANCELLED_REASON",
    "REPLY_FLUSH_SECONDS",
    "GenerationOutcome",
    "Outcome",
    "Retry",
    "Stop",
    "generate",
    "new_prompt_id",
]

# Reply text waits at most this long before it is appended (it is also appended with each
# idea that completes, and at the end).
REPLY_FLUSH_SECONDS = 0.15


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
        return GenerationOutcome(
            None, "", [], source, options, cancelled=True, backend=backend.name
        )
    prompt_id = new_prompt_id()
    writer.append(
        PromptSent(
            keeps_reply=True,
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
        ),
        durable=False,  # made durable with the reply's outcome (or within SYNC_INTERVAL)
    )
    recorder = _Recorder(writer, backend, request, source, prompt_id, options)
    chat = ChatRequest(
        model=source.model,
        messages=list(request.messages),
        options=options,
        format=request.schema,
    )
    stats: GenerationStats | None = None
    task = asyncio.current_task()
    if stop is not None and task is not None:
        stop._watch(task)
    try:
        while True:
            stream = backend.stream_chat(chat)
            try:
                async for chunk in stream:
                    recorder.host = chunk.host or recorder.host
                    if chunk.text:
                        # Recorded first: an idea a live card shows complete is already written.
                        recorder.feed(chunk.text)
                        if on_delta is not None:
                            on_delta(chunk.text)
                    if chunk.done:
                        stats = chunk.stats
                break
            except BackendError as error:
                recorder.host = error.host or recorder.host
                if recorder.retries or not retry_elsewhere(backend, chat, error):
                    return recorder.failed(error)
                recorder.retried(error)  # once, on another host
            finally:
                await _close(stream)
    except (asyncio.CancelledError, KeyboardInterrupt):
        outcome = recorder.cancelled()
        # Stopped through `stop`: the cancellation was ours to make, so it ends here (unless
        # the task was also cancelled from elsewhere, which goes on).
        if stop is not None and stop.requested and task is not None and task.uncancel() == 0:
            return outcome
        raise
    finally:
        recorder.stop_timer()
        if stop is not None and task is not None:
            stop._forget(task)
    return recorder.completed(stats)


async def _close(stream: AsyncIterator[Chunk]) -> None:
    """Close a reply's stream as soon as reading it ends, however it ends, so the request
    (and, with several hosts, its slot on one) is let go at once, not when collected."""
    close = getattr(stream, "aclose", None)
    if close is not None:
        await close()


class _Recorder:
    """Records one reply as it arrives, and its end, whatever that is (module docstring)."""

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
        # Structured replies are JSON: split into ideas once whole.
        self.splitter = None if request.structured else IdeaStreamSplitter()
        self.parts: list[str] = []
        self.ids: list[int] = []
        self._unwritten: list[str] = []
        self._timer: asyncio.TimerHandle | None = None
        self._failure: Exception | None = None  # a store error met by the timer
        self.host: str | None = None  # the server writing the reply, once known
        self.retries: list[Retry] = []
        self._attempt_from = 0  # where this attempt's ideas start in `ids`

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def feed(self, text: str) -> None:
        self.parts.append(text)
        self._unwritten.append(text)
        drafts = self.splitter.feed(text) if self.splitter is not None else []
        if drafts:
            self._write(drafts)
        elif self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(REPLY_FLUSH_SECONDS, self._flush)

    def stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def completed(self, stats: GenerationStats | None) -> GenerationOutcome:
        if self.splitter is not None:
            drafts = self.splitter.finish()
        else:
            drafts = ideas_from_reply(self.text, structured=True)
        if not drafts and len(self.ids) == self._attempt_from:
            empty = BackendError(
                "The model returned an empty reply."
                if not self.text.strip()
                else "The model's reply held no ideas (its text is kept with the prompt).",
                "Try again, or rephrase the prompt.",
            )
            self._write(
                [], outcome=GenerationFailed(prompt_id=self.prompt_id, reason=empty.message)
            )
            return self._outcome(stats=stats, error=empty)
        cut_off = stats is not None and stats.done_reason == "length"
        self._write(
            drafts,
            incomplete_last=cut_off,
            outcome=GenerationCompleted(prompt_id=self.prompt_id, stats=stats),
        )
        return self._outcome(stats=stats)

    def failed(self, error: BackendError) -> GenerationOutcome:
        self._write(
            self._rest_of_partial(),
            incomplete_last=True,
            outcome=GenerationFailed(prompt_id=self.prompt_id, reason=error.message),
        )
        return self._outcome(error=error)

    def cancelled(self) -> GenerationOutcome:
        self._write(
            self._rest_of_partial(),
            incomplete_last=True,
            outcome=GenerationFailed(
                prompt_id=self.prompt_id, reason=CANCELLED_REASON, cancelled=True
            ),
        )
        return self._outcome(cancelled=True)

    def retried(self, error: BackendError) -> None:
        """The attempt failed on its host and the prompt goes to another: keep what it
        wrote (its last idea incomplete) and say so, then start the next attempt afresh."""
        failed_on = self.host
        self._write(
            self._rest_of_partial(),
            incomplete_last=True,
            outcome=GenerationRetried(
                prompt_id=self.prompt_id, reason=error.message, host=failed_on
            ),
        )
        self.retries.append(Retry(failed_on, error.message, self.ids[self._attempt_from :]))
        self._attempt_from = len(self.ids)
        self.splitter = None if self.request.structured else IdeaStreamSplitter()
        self.parts = []
        self.host = None

    def _flush(self) -> None:
        """The timer: text waiting since `REPLY_FLUSH_SECONDS` is appended."""
        self._timer = None
        try:
            self._write([])
        except Exception as failure:  # raised again by the next write, in the generation
            self._failure = failure

    def _rest_of_partial(self) -> list[DraftIdea]:
        """The ideas of a reply that ended early not stored yet: the one being written when
        it stopped. Half-written JSON cannot be split, so a structured reply is kept whole,
        as one idea; so is plain text the splitter found no idea in."""
        text = self.text.strip()
        if self.splitter is None:
            return [DraftIdea(text=text)] if text else []
        rest = self.splitter.finish()
        if not rest and len(self.ids) == self._attempt_from and text:
            return [DraftIdea(text=text)]
        return rest

    def _write(
        self,
        drafts: list[DraftIdea],
        *,
        incomplete_last: bool = False,
        outcome: GenerationCompleted | GenerationFailed | GenerationRetried | None = None,
    ) -> None:
        """Append the text not written yet, then ``drafts`` as new ideas, then ``outcome``
        (durably, with everything before it) in one write."""
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
        self.stop_timer()
        events: list[_Event] = []
        if self._unwritten:
            events.append(ReplyText(prompt_id=self.prompt_id, text="".join(self._unwritten)))
            self._unwritten = []
        ids = self.writer.allocate_idea_ids(len(drafts))
        events += [
            IdeaDrafted(
                idea=idea_id,
                prompt_id=self.prompt_id,
                title=draft.title,
                text=draft.text,
                model=self.source.model,
                backend=self.backend.name,
                technique=self.request.technique,
                options=self.options,
                incomplete=incomplete_last and position == len(drafts) - 1,
                hidden=self.request.hidden,
                host=self.host,
                echo_of_prompt=self._echo.of(draft) or None,
            )
            for position, (draft, idea_id) in enumerate(zip(drafts, ids, strict=True))
        ]
        self.ids += ids
        if isinstance(outcome, GenerationRetried):  # the failed attempt's ideas
            events.append(outcome.model_copy(update={"ideas": self.ids[self._attempt_from :]}))
        elif outcome is not None:  # every idea of the prompt, and where it was answered
            events.append(outcome.model_copy(update={"ideas": list(self.ids), "host": self.host}))
        if events:
            self.writer.append_many(events, durable=outcome is not None)

    def _outcome(
        self,
        *,
        stats: GenerationStats | None = None,
        error: BackendError | None = None,
        cancelled: bool = False,
    ) -> GenerationOutcome:
        ideas = [self.writer.session.ideas[idea_id] for idea_id in self.ids]
        return GenerationOutcome(
            self.prompt_id,
            self.text,
            ideas,
            self.source,
            self.options,
            stats,
            error=error,
            cancelled=cancelled,
            backend=self.backend.name,
            host=self.host,
            retries=list(self.retries),
        )

    @functools.cached_property
    def _echo(self) -> PromptEcho:
        """The request's messages, to flag drafts that only repeat them (indexed once)."""
        return PromptEcho(self.request.messages)
