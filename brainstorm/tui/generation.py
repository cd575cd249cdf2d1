"""The generation lifecycle of one session screen, out of the screen's way.

A `Generation` sends a prompt (or a follow-up) to every source at once, keeps the request
while the connection check runs (a prompt typed in the first second after start-up is not
refused), streams the replies in a worker (`ensemble.run_ensemble`, which every path shares,
watching one `generate.Stop` that esc requests) and keeps the live bookkeeping
(`widgets.live_reply.LiveReplies`). It decides nothing about the screen: it reports by
message, as harlequin's query workers post `QueriesExecuted` / `QueriesCanceled`, and the
screen draws cards, status lines and focus. "Attributes down, messages up."
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from functools import partial

from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from brainstorm.ask import AskRequest, build_follow_up, build_request, choose_technique
from brainstorm.ensemble import run_ensemble
from brainstorm.generate import GenerationOutcome, Stop
from brainstorm.ideation import TechniqueError
from brainstorm.llm.base import Backend, BackendUnavailable, ModelNotFound
from brainstorm.models import Idea
from brainstorm.presentation import model_label
from brainstorm.session_writer import SessionWriter
from brainstorm.sources import Ensemble, Source
from brainstorm.tui.backend_notes import backend_notes
from brainstorm.tui.connection import BackendState
from brainstorm.tui.reply_report import all_unavailable
from brainstorm.tui.screens.ensemble import EnsembleChoices, EnsembleScreen, is_single
from brainstorm.tui.services import Services
from brainstorm.tui.status_line import Level, StatusLine
from brainstorm.tui.widgets.live_reply import (
    STREAM_REFRESH_SECONDS,
    LiveReplies,
    LiveStream,
)


class Generation(Widget):
    """Non-visual (hidden in app.tcss). The screen mounts one, sets `writer` and `ensemble`,
    calls `send_prompt` / `follow_up` / `stop`, and handles the messages below (and
    `StatusLine`: why nothing was sent, a fallback, "Asking…")."""

    generating: reactive[bool] = reactive(False, init=False)

    class Started(Message):
        """A request went out to its sources; `live` fills as the replies stream."""

        def __init__(self, request: AskRequest, live: LiveReplies) -> None:
            super().__init__()
            self.request = request
            self.live = live

    class Progress(Message):
        """New text arrived since the last one (posted at most every STREAM_REFRESH_SECONDS):
        time to redraw the live cards."""

    class SourceDone(Message):
        """One source of several finished and stored its ideas; the others still stream."""

        def __init__(self, outcome: GenerationOutcome, stream: LiveStream | None) -> None:
            super().__init__()
            self.outcome = outcome
            self.stream = stream

    class Finished(Message):
        """Every reply of the request ended (stored, stopped or failed). `outcomes` is one
        per source in source order; empty when the worker itself failed (`error`)."""

        def __init__(
            self,
            outcomes: list[GenerationOutcome],
            live: LiveReplies,
            error: BaseException | None = None,
            notes: list[str] | None = None,
        ) -> None:
            super().__init__()
            self.outcomes = outcomes
            self.live = live
            self.error = error
            #: What the backend has to say, not said before in this app (`backend_notes`).
            self.notes = notes or []

    class EnsembleChanged(Message):
        """Prompts now go to ``ensemble`` (None: the session's model alone)."""

        def __init__(self, ensemble: Ensemble | None) -> None:
            super().__init__()
            self.ensemble = ensemble

    class PullFinished(Message):
        """A pull offered for a missing model ended (pulled, or not)."""

        def __init__(self, model: str, pulled: bool) -> None:
            super().__init__()
            self.model = model
            self.pulled = pulled

    def __init__(self, services: Services, writer: SessionWriter | None, model: str) -> None:
        super().__init__(id="generation")
        self.services = services
        self.writer = writer  # None: a read-only window, which cannot ask
        self.model = model  # the session's model
        #: Where each prompt goes: None is the session's model alone; else every source of
        #: the ensemble (kept until changed, for as long as the screen lives).
        self.ensemble: Ensemble | None = None
        self.live = LiveReplies()  # the replies of the newest request
        self._worker: Worker[list[GenerationOutcome]] | None = None
        self._stop = Stop()
        self._flush_timer: Timer | None = None
        self._queued: Callable[[], None] | None = None
        self._close_when_done = False
        self._sent: tuple[Backend, AskRequest] | None = None  # the newest request

    def on_mount(self) -> None:
        self.services.server.follow_backend_state(self, self._backend_changed)

    # -- where prompts go --------------------------------------------------------------------

    def choose_ensemble(self) -> None:
        """Ask which sources every prompt goes to: models, temperatures, seeds."""
        choices = EnsembleChoices.for_state(self._state, self.model, self.ensemble)
        self.app.push_screen(EnsembleScreen(choices), self.use_ensemble)

    def use_ensemble(self, ensemble: Ensemble | None) -> None:
        """Send every prompt to ``ensemble`` from now on (None: keep the current choice)."""
        if ensemble is None:
            return
        chosen = None if is_single(ensemble, self.model) else ensemble
        self.ensemble = chosen
        self.post_message(self.EnsembleChanged(chosen))
        if chosen is None:
            self._notice(f"Prompts go to {self.model} alone again.")
        else:
            self._notice(
                f"Each prompt now goes to {chosen.describe()} (follow-ups: {self.model}"
                " alone). s changes it."
            )

    # -- sending -----------------------------------------------------------------------------

    def send_prompt(self, text: str) -> None:
        """Ask every source of the ensemble (or the session's model) for ideas on ``text``."""
        if not text.strip():
            self._notice("Type a prompt first: an empty prompt sends nothing.")
            return
        if self._queue_until_connected(partial(self.send_prompt, text)):
            return
        ensemble = self.ensemble
        backend = self._backend_for(list(ensemble.models) if ensemble else None)
        if backend is None or self.writer is None:
            return
        session = self.writer.session
        try:
            technique, note = choose_technique(
                session.technique, self.services.settings.technique, fallback=True
            )
        except TechniqueError as problem:  # even the default one cannot be read
            self._notice(str(problem), "error")
            return
        if note is not None:
            self._notice(note, "warning")
        model = self._state.effective_model(self.model)
        sources = ensemble.sources() if ensemble is not None else [Source(model)]
        request = build_request(
            session, text, technique=technique, backend=backend, sources=sources
        )
        self._start(backend, request)

    def follow_up(self, idea: Idea, kind: str) -> None:
        """A follow-up on one idea goes to the session's model alone, whatever the ensemble."""
        if self._queue_until_connected(partial(self.follow_up, idea, kind)):
            return
        backend = self._backend_for()
        if backend is None or self.writer is None:
            return
        model = self._state.effective_model(self.model)
        request = build_follow_up(self.writer.session, idea, kind, backend=backend, model=model)
        self._start(backend, request)

    @property
    def _state(self) -> BackendState:
        return self.services.server.backend_state

    def _notice(self, text: str, level: Level = "info") -> None:
        self.post_message(StatusLine(text, level))

    def _backend_for(self, models: list[str] | None = None) -> Backend | None:
        """The backend, or None after saying why nothing can be sent. ``models``: the models
        the request needs (default: the session's)."""
        if self.writer is None:
            self._notice("Read-only: this window cannot ask for ideas.", "warning")
            return None
        if self.generating:
            self._notice("A reply is still streaming: esc stops it.", "warning")
            return None
        state = self._state
        backend = self.services.server.backend
        if state.phase == "checking":
            return None  # the caller queues the request until the check ends
        if backend is None or state.phase == "down":
            self._notice(
                "Not sent: the model server is not answering (see the notice at the top;"
                " ctrl+r retries).",
                "error",
            )
            return None
        missing = [m for m in models or [self.model] if state.model_missing(m)]
        if missing:
            if missing[0] == self.model:
                self.offer_pull(self.model)
            else:
                names = ", ".join(f"'{m}'" for m in missing)
                self._notice(
                    f"Not sent: {names} {'is' if len(missing) == 1 else 'are'} not on the"
                    " server. Pull it, or change the ensemble (s).",
                    "warning",
                )
                self.offer_pull(missing[0], known_missing=True)
            return None
        return backend

    def offer_pull(self, model: str, *, known_missing: bool = False) -> None:
        """Offer to pull ``model``; `PullFinished` says how it ended."""

        def done(pulled: bool) -> None:
            self.post_message(self.PullFinished(model, pulled))

        self.services.server.offer_pull(model, known_missing=known_missing, on_done=done)

    def _queue_until_connected(self, send: Callable[[], None]) -> bool:
        """While the connection check runs, keep the request and send it when the check ends."""
        if self._state.phase != "checking" or self.generating:
            return False
        self._queued = send
        self._notice("Connecting to the model server; sending as soon as it answers…")
        return True

    def _backend_changed(self, state: BackendState) -> None:
        send, self._queued = self._queued, None
        if send is not None:
            if state.phase == "checking":
                self._queued = send
            else:
                send()

    # -- streaming ---------------------------------------------------------------------------

    def send(self, backend: Backend, request: AskRequest) -> None:
        """Send a request built elsewhere (`ask.build_request`), as a prompt is sent."""
        self._start(backend, request)

    def _start(self, backend: Backend, request: AskRequest) -> None:
        """Send ``request`` to each of its sources at once and stream the replies."""
        self._sent = (backend, request)
        streams = {
            source: LiveStream(
                model_label(f"{backend.name}:{source.model}", source.options(request.options))
            )
            for source in request.sources
        }
        self._stop = Stop()
        self.live = LiveReplies(streams, hidden=request.hidden, started=time.perf_counter())
        self.generating = True
        self.post_message(self.Started(request, self.live))
        labels = self.live.labels
        if len(labels) == 1:
            self._notice(f"Asking {self.live.source}… (esc stops)")
        else:
            self._notice(
                f"Asking {len(labels)} sources at once ({', '.join(labels)})… (esc stops all)"
            )
        self._flush_timer = self.set_interval(STREAM_REFRESH_SECONDS, self._tick)
        self._worker = self.run_worker(
            partial(self._generate, backend, request),
            group="generate",
            exclusive=True,
            exit_on_error=False,
        )

    async def _generate(self, backend: Backend, request: AskRequest) -> list[GenerationOutcome]:
        assert self.writer is not None
        writer = self.writer
        try:
            return await run_ensemble(
                writer,
                backend,
                request,
                stop=self._stop,
                on_delta=self.live.on_delta,
                on_done=self._member_done,
            )
        finally:
            # The screen went away mid-stream: every reply has now stored its partial text,
            # so the writer can be let go.
            if self._close_when_done:
                writer.close()

    def _member_done(self, outcome: GenerationOutcome) -> None:
        stream = self.live.pop(outcome.source)
        if self.live.streams and self.is_attached:  # the last one: `Finished` redraws all
            self.post_message(self.SourceDone(outcome, stream))

    def _tick(self) -> None:
        if self.live.has_news():
            self.post_message(self.Progress())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker is not self._worker or event.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        live = self.live
        live.stats.finished = time.perf_counter()
        self._worker = None
        live.streams = {}
        self.generating = False
        if event.state is WorkerState.SUCCESS and worker.result:
            outcomes = worker.result
            self._tell_the_server(outcomes)
            notes = (
                self.services.server.first_time(backend_notes(*self._sent)) if self._sent else []
            )
            self.post_message(self.Finished(outcomes, live, notes=notes))
        else:
            error = worker.error if event.state is WorkerState.ERROR else None
            self.post_message(self.Finished([], live, error))

    def _tell_the_server(self, outcomes: list[GenerationOutcome]) -> None:
        """What the replies learnt about the server: gone (every source found it down), or
        without the session's model (offer the pull)."""
        self.services.server.hosts_changed()  # a reply may have set one of several aside
        if any(outcome.cancelled for outcome in outcomes):
            return
        if len(outcomes) > 1:
            unavailable = all_unavailable(outcomes)
            if unavailable is not None:
                self.services.server.backend_failed(unavailable)
            return
        error = outcomes[0].error
        if isinstance(error, BackendUnavailable):
            self.services.server.backend_failed(error)
        elif isinstance(error, ModelNotFound):
            self.offer_pull(self.model, known_missing=True)

    # -- stopping ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._worker.is_finished

    def stop(self) -> bool:
        """Ask the replies in flight to end, keeping what arrived. False: none runs."""
        if self._worker is None or not self.generating:
            return False
        self._stop.request()
        return True

    async def stop_and_wait(self) -> None:
        """Stop a running reply and wait until its partial text is stored."""
        worker = self._worker
        if worker is None or worker.is_finished:
            return
        self._stop.request()
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()

    def release_writer_when_done(self) -> bool:
        """The screen is going: close the writer once a running reply has stored its partial
        text. False when nothing runs (the caller closes it now)."""
        if not self.running:
            return False
        self._close_when_done = True
        return True
