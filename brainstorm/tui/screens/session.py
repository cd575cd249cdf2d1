"""The workspace for one session: idea cards, a prompt box, live streaming, review actions.

The screen coordinates; the cards only render what they are given and ask for actions by
message. Every change goes through the core (`review`, `generate`, `ensemble`, `rounds`), the
same functions the CLI calls, so both record the same events.

Its parts live elsewhere: the card column (`widgets.idea_board`), replies while they stream
(`widgets.live_reply`), the human-first round bar and writing timer (`widgets.round_bar`),
near-duplicates (`tui.duplicate_analysis`, computed in a worker whenever a text changes), the
status-line summaries of finished replies (`tui.reply_report`) and the palette commands
(`screens.session_commands`). Ensembles send each prompt to several models / temperatures /
seeds at once (`run_ensemble`; one live group of cards per source).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import AwaitMount
from textual.widgets import Footer, Header, Input, Label
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from brainstorm import review
from brainstorm.ask import AskRequest, build_follow_up, build_request, choose_technique
from brainstorm.ensemble import run_ensemble
from brainstorm.export import ExportError, ExportOptions, save_export
from brainstorm.generate import GenerationOutcome, Stop
from brainstorm.ideation import DEFAULT_TECHNIQUE, TechniqueError
from brainstorm.llm.base import Backend, BackendUnavailable, ModelNotFound
from brainstorm.metrics import session_metrics
from brainstorm.models import Idea, Session, Status
from brainstorm.presentation import model_label
from brainstorm.rounds import drafts_hidden, hidden_count, reveal
from brainstorm.sources import Ensemble, Source
from brainstorm.store import SessionLocked, SessionWriter, StoreError
from brainstorm.textsafe import visible
from brainstorm.tui.connection import BackendState
from brainstorm.tui.duplicate_analysis import DuplicateAnalysis
from brainstorm.tui.reply_report import (
    all_hidden,
    all_unavailable,
    ensemble_summary,
    error_summary,
    reply_summary,
    stopped_summary,
)
from brainstorm.tui.round_timer import RoundTimer
from brainstorm.tui.screens.confirm import ConfirmScreen
from brainstorm.tui.screens.editor import EditIdeaScreen
from brainstorm.tui.screens.ensemble import EnsembleChoices, EnsembleScreen, is_single
from brainstorm.tui.screens.follow_up import FollowUpScreen
from brainstorm.tui.screens.history import HistoryScreen
from brainstorm.tui.screens.session_commands import session_commands
from brainstorm.tui.screens.timer import TimerScreen
from brainstorm.tui.widgets.banner import ConnectionBanner
from brainstorm.tui.widgets.card_styles import CardStyles
from brainstorm.tui.widgets.idea_board import IdeaBoard
from brainstorm.tui.widgets.idea_card import IdeaCard
from brainstorm.tui.widgets.live_reply import (
    STREAM_REFRESH_SECONDS,
    LiveReplies,
    LiveStream,
    StreamStats,
)
from brainstorm.tui.widgets.metrics_panel import MetricsPanel
from brainstorm.tui.widgets.round_bar import RoundBar

if TYPE_CHECKING:
    from brainstorm.duplicates import DuplicateReport
    from brainstorm.tui.app import BrainstormApp


class SessionScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", "Stop"),
        Binding("escape", "back", "Back"),
        Binding("n", "add_idea", "Add"),
        Binding("slash", "focus_prompt", "Prompt", show=False),
        Binding("m", "toggle_metrics", "Figures", show=False),
        Binding("E", "export", "Export", show=False),
        Binding("P", "pull_model", "Pull model", show=False),
        Binding("R", "reveal", "Reveal", show=False),
        Binding("s", "ensemble", "Sources", show=False),
        Binding("t", "timer", "Timer", show=False),
        Binding("ctrl+r", "reload", "Retry/reload", show=False),
    ]

    generating: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        session: Session,
        *,
        writer: SessionWriter | None,
        read_only_reason: str | None = None,
    ) -> None:
        super().__init__(classes="session-screen")
        self.writer = writer
        self._loaded = session
        self.read_only_reason = read_only_reason if writer is None else None
        self.live = LiveReplies()  # the replies of the newest send
        self._worker: Worker[list[GenerationOutcome]] | None = None
        self._stop = Stop()  # esc asks it: the replies in flight end, keeping what arrived
        self._flush_timer: Timer | None = None
        #: Where each prompt goes: None is the session's model alone; else every source of
        #: the ensemble (set with `s`; kept until changed, for as long as this screen lives).
        self.ensemble: Ensemble | None = None
        self.analysis = DuplicateAnalysis()  # near-duplicates and human-first figures
        # Set after every tick of the human-first timer: tests wait on it.
        self.round_ticked = asyncio.Event()
        self._close_when_done = False
        self._review_target: int | None = None  # the first card of the newest reply
        self._queued_send: Callable[[], None] | None = None
        self.current_card: int | None = None  # the card last focused (palette commands)
        # Set after every redraw of a streaming reply: tests and benchmarks wait on it.
        self.stream_redrawn = asyncio.Event()

    # -- state -------------------------------------------------------------------------------

    @property
    def stream_stats(self) -> StreamStats:
        """What the newest streamed reply did on screen (read by tests and the benchmark)."""
        return self.live.stats

    @property
    def workspace(self) -> BrainstormApp:
        return cast("BrainstormApp", self.app)

    @property
    def session(self) -> Session:
        return self.writer.session if self.writer is not None else self._loaded

    @property
    def read_only(self) -> bool:
        return self.writer is None

    @property
    def model(self) -> str:
        return self.session.model or self.workspace.settings.model

    def _idea(self, idea_id: int) -> Idea | None:
        return self.session.ideas.get(idea_id)

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner(self.model, id="banner")
        yield Label("", id="readonly-notice")
        yield RoundBar(id="round-bar")
        with Horizontal(id="workspace"):
            yield IdeaBoard(id="cards")
            with VerticalScroll(id="metrics"):  # focusable: the keys scroll it at 80x24
                yield MetricsPanel()
        yield Label("", id="stream-status")
        yield Input(id="prompt", placeholder="Ask for ideas (enter sends, esc stops)")
        yield Footer(compact=True)
        yield CardStyles()

    def on_mount(self) -> None:
        self.watch(self.app, "backend_state", self._backend_changed, init=False)
        self.title = visible(self.session.topic)
        self.sub_title = f"{self.session.id} · {self.session.technique or DEFAULT_TECHNIQUE}"
        self.query_one("#metrics").display = False
        self._show_read_only()
        self.refresh_cards()
        self._show_ensemble()
        cards = list(self.query(IdeaCard))
        drafts = [c for c in cards if c.idea is not None and c.idea.status is Status.DRAFT]
        if drafts:
            drafts[0].focus()
        elif cards:
            cards[-1].focus()
        elif not self.read_only:
            self.query_one("#prompt", Input).focus()

    def _show_round(self) -> None:
        """The human-first notice: how many model ideas wait, hidden, for the reveal."""
        waiting = hidden_count(self.session) if drafts_hidden(self.session) else None
        self.query_one(RoundBar).show(waiting, self.round_timer)
        self.refresh_bindings()

    def _show_read_only(self) -> None:
        notice = self.query_one("#readonly-notice", Label)
        notice.display = self.read_only
        notice.update(Content(visible(self.read_only_reason or "")))
        prompt = self.query_one("#prompt", Input)
        prompt.disabled = self.read_only
        prompt.placeholder = (
            "Read-only: this session is open in another window"
            if self.read_only
            else "Ask for ideas (enter sends, esc stops)"
        )
        self.set_class(self.read_only, "-read-only")
        self.refresh_bindings()

    def refresh_cards(self) -> AwaitMount | None:
        """Bring the cards in line with the session: update changed ones, add new ones.
        Returns the pending mount of new cards (await it before focusing one)."""
        board = self.query_one(IdeaBoard)
        ideas = self.session.visible_ideas()
        mounting = board.sync(
            ideas,
            read_only=self.read_only,
            origin=self._origin,
            duplicates_of=self.analysis.duplicates_of,
        )
        board.show_empty(not ideas and not self.generating)
        self._show_round()
        self._analyse()
        self._update_metrics()
        return mounting

    def _origin(self, idea: Idea) -> str | None:
        """ "critique of #3" for ideas a follow-up produced."""
        record = self.session.prompts.get(idea.prompt_id or "")
        if record is None or record.follow_up is None:
            return None
        return f"{record.follow_up} of #{record.parent_idea}"

    def _metrics_shown(self) -> bool:
        return self.query_one("#metrics").display

    def _update_metrics(self) -> None:
        panel = self.query_one(MetricsPanel)
        if self._metrics_shown():
            panel.metrics = session_metrics(self.session)
            panel.duplicates = self.analysis.report
            panel.human_first = self.analysis.human_first_figures(self.session)

    # -- near-duplicates and the human-first comparison -------------------------------------

    @property
    def duplicates(self) -> DuplicateReport | None:
        """The last near-duplicate report (None until the worker has run)."""
        return self.analysis.report

    def _analyse(self) -> None:
        """Recompute the near-duplicates (in a worker) when a text they depend on changed."""
        if self.analysis.changed(self.session):
            self._find_duplicates()

    @work(exclusive=True, group="duplicates", exit_on_error=False)
    async def _find_duplicates(self) -> None:
        try:
            note = await self.analysis.compute(
                self.session, self.workspace.settings, owner=not self.read_only
            )
        except ValueError as problem:
            self._status(f"Near-duplicates could not be computed: {problem}", "warning")
            return
        if note is not None:
            self.notify(visible(note), title="Near-duplicates", markup=False)
        for card in self.query(IdeaCard):
            card.duplicates = self.analysis.duplicates_of(card.idea_id)
        self._update_metrics()

    def _status(self, text: str, level: str = "info") -> None:
        label = self.query_one("#stream-status", Label)
        label.update(Content(visible(text)))
        for name in ("info", "warning", "error"):
            label.set_class(level == name, f"-{name}")

    # -- review actions (messages up from the cards) ----------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, IdeaCard):
            self.current_card = event.widget.idea_id

    @on(IdeaCard.Requested)
    def _card_request(self, message: IdeaCard.Requested) -> None:
        self.run_card_action(message.idea_id, message.action)

    def run_card_action(self, idea_id: int, action: str) -> None:
        idea = self._idea(idea_id)
        if idea is None:
            return
        if action == "history":
            self.app.push_screen(HistoryScreen(idea.model_copy(deep=True)))
            return
        if action == "copy":
            self.app.copy_to_clipboard(idea.text)
            self.notify(f"Copied idea #{idea_id} to the clipboard.", markup=False)
            return
        if self.writer is None:
            self._status("Read-only: changes are disabled in this window.", "warning")
            return
        if action == "edit":
            shown = visible(idea.text)
            self.app.push_screen(
                EditIdeaScreen(f"Edit idea #{idea_id} (the model's original is kept)", shown),
                lambda text: self._save_edit(idea_id, shown, text),
            )
        elif action in ("accept", "reject", "draft"):
            status = {"accept": Status.ACCEPTED, "reject": Status.REJECTED, "draft": Status.DRAFT}
            self._record(lambda w: review.set_status(w, idea_id, status[action]), idea_id)
        elif action == "follow_up":
            self.app.push_screen(
                FollowUpScreen(idea_id), lambda kind: self.follow_up(idea_id, kind)
            )

    def _record(
        self, change: Callable[[SessionWriter], object], idea_id: int | None = None
    ) -> None:
        """Run one review operation on the writer; errors become a status line, not a crash."""
        if self.writer is None:
            return
        try:
            change(self.writer)
        except StoreError as problem:
            self._status(str(problem), "error")
            return
        self.refresh_cards()
        if idea_id is not None:
            self._focus_card(idea_id)

    def _focus_card(self, idea_id: int) -> None:
        cards = self.query(f"#idea-{idea_id}")
        if cards:
            card = cards.first()
            card.focus(scroll_visible=False)
            # After the next layout, when a just-mounted card has its size.
            self.call_after_refresh(card.scroll_visible, animate=False)

    def _save_edit(self, idea_id: int, shown: str, text: str | None) -> None:
        if text is None or self.writer is None:
            return
        if text.strip() == shown.strip():
            self._status(f"#{idea_id} unchanged: nothing recorded.")
            return
        self._record(lambda w: review.edit(w, idea_id, text), idea_id)

    def action_add_idea(self) -> None:
        if self.writer is None:
            self._status("Read-only: changes are disabled in this window.", "warning")
            return
        self.app.push_screen(
            EditIdeaScreen("Your own idea (it counts as yours, not the model's)", ""),
            self._save_new_idea,
        )

    async def _save_new_idea(self, text: str | None) -> None:
        if text is None or not text.strip() or self.writer is None:
            return
        try:
            idea = review.add(self.writer, text)
        except StoreError as problem:
            self._status(str(problem), "error")
            return
        mounting = self.refresh_cards()
        if mounting is not None:
            await mounting
        self._focus_card(idea.id)

    def action_reveal(self) -> None:
        """Human-first: show the model's hidden ideas (recorded; cannot be undone)."""
        if self.writer is None or not drafts_hidden(self.session):
            return
        count = hidden_count(self.session)
        self.app.push_screen(
            ConfirmScreen(
                "Reveal the model's ideas?",
                f"{count} hidden model idea{'s' * (count != 1)} will show as DRAFT cards. This"
                " ends the human-first round and cannot be undone.",
                "Reveal",
            ),
            self._reveal_confirmed,
        )

    async def _reveal_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed or self.writer is None:
            return
        try:
            count = reveal(self.writer)
        except StoreError as problem:
            self._status(str(problem), "error")
            return
        self.workspace.round_timers.pop(self.session.id, None)  # the round is over
        mounting = self.refresh_cards()
        if mounting is not None:
            await mounting
        figures = "the panel shows" if self._metrics_shown() else "m shows"
        self._status(
            f"Revealed {count} model idea{'s' * (count != 1)}: review them as drafts;"
            f" {figures} how they compare with yours."
        )

    # -- the human-first writing timer -------------------------------------------------------

    @property
    def round_timer(self) -> RoundTimer | None:
        """The writing timer of this session's human-first round, if one was started."""
        return self.workspace.round_timers.get(self.session.id)

    def action_timer(self) -> None:
        """Start (or stop) a countdown for writing your own ideas before the reveal."""
        if self.read_only or not drafts_hidden(self.session):
            self._status("The writing timer is for a human-first round before the reveal.")
            return
        timer = self.round_timer
        running = timer.label() if timer is not None and not timer.done else None
        minutes = timer.minutes if timer is not None else 5
        self.app.push_screen(TimerScreen(minutes, running=running), self._timer_chosen)

    def _timer_chosen(self, minutes: float | None) -> None:
        if minutes is None:
            return
        if minutes <= 0:
            self.workspace.round_timers.pop(self.session.id, None)
            self._status("Writing timer stopped.")
        else:
            self.workspace.round_timers[self.session.id] = RoundTimer.start(minutes)
            self._status(
                f"Writing timer: {minutes:g} min. Reveal the model's ideas whenever you are"
                " ready (shift+r); the timer only reminds you."
            )
        self._show_round()

    @on(RoundBar.TimeUp)
    def _time_up(self) -> None:
        self._status(
            "Time is up. Reveal the model's ideas when you are ready (shift+r); nothing"
            " is revealed without you.",
            "warning",
        )
        self.notify(
            "Time is up: reveal the model's ideas when you are ready (shift+r).",
            title="Writing timer",
            markup=False,
        )

    @on(RoundBar.Ticked)
    def _round_ticked(self) -> None:
        self.round_ticked.set()

    # -- the ensemble ------------------------------------------------------------------------

    def action_ensemble(self) -> None:
        """Choose the sources every prompt goes to: models, temperatures, seeds."""
        if self.read_only:
            self._status("Read-only: this window cannot ask for ideas.", "warning")
            return
        state = self.workspace.backend_state
        choices = EnsembleChoices.for_state(state, self.model, self.ensemble)
        self.app.push_screen(EnsembleScreen(choices), self._ensemble_chosen)

    def _ensemble_chosen(self, ensemble: Ensemble | None) -> None:
        if ensemble is None:
            return
        self.ensemble = None if is_single(ensemble, self.model) else ensemble
        self._show_ensemble()
        if self.ensemble is None:
            self._status(f"Prompts go to {self.model} alone again.")
        else:
            self._status(
                f"Each prompt now goes to {self.ensemble.describe()} (follow-ups: {self.model}"
                " alone). s changes it."
            )

    def action_single_model(self) -> None:
        self._ensemble_chosen(Ensemble((self.model,)))

    def _show_ensemble(self) -> None:
        """The prompt box's title names where prompts go when that is not the session's
        model alone."""
        prompt = self.query_one("#prompt", Input)
        prompt.border_title = (
            Content(visible(f"ensemble, {self.ensemble.describe()}"))
            if self.ensemble is not None
            else None
        )
        self.refresh_bindings()

    def action_toggle_metrics(self) -> None:
        panel = self.query_one("#metrics")
        panel.display = not panel.display
        if not panel.display and panel.has_focus:
            self.action_focus_prompt()
        self._update_metrics()

    def action_focus_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        if not prompt.disabled:
            prompt.focus()

    def action_export(self) -> None:
        self.export_to_file(ExportOptions())

    def export_to_file(self, options: ExportOptions) -> None:
        """Export to a new markdown file in the current directory (`brainstorm.export`, the
        same as `brainstorm export`); never replaces a file. Works read-only too."""
        try:
            path = save_export(self.session, options)
        except (ExportError, OSError) as problem:
            self.notify(visible(f"Export failed: {problem}"), severity="error", markup=False)
            return
        self.notify(visible(f"Exported to {path}"), title="Export", markup=False, timeout=10)

    # -- generation --------------------------------------------------------------------------

    @on(Input.Submitted, "#prompt")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        self.send_prompt(event.value)

    def _backend_for_generation(self, models: list[str] | None = None) -> Backend | None:
        """The backend, or None after saying (in the status line) why nothing can be sent.
        ``models``: the models the request needs (default: the session's)."""
        if self.writer is None:
            self._status("Read-only: this window cannot ask for ideas.", "warning")
            return None
        if self.generating:
            self._status("A reply is still streaming: esc stops it.", "warning")
            return None
        state = self.workspace.backend_state
        backend = self.workspace.backend
        if state.phase == "checking":
            return None  # the caller queues the request until the check ends
        if backend is None or state.phase == "down":
            self._status(
                "Not sent: the model server is not answering (see the notice at the top;"
                " ctrl+r retries).",
                "error",
            )
            return None
        missing = [m for m in models or [self.model] if state.model_missing(m)]
        if missing:
            if missing[0] == self.model:
                self.action_pull_model()
            else:
                names = ", ".join(f"'{m}'" for m in missing)
                self._status(
                    f"Not sent: {names} {'is' if len(missing) == 1 else 'are'} not on the"
                    " server. Pull it, or change the ensemble (s).",
                    "warning",
                )
                self.workspace.offer_pull(
                    missing[0],
                    known_missing=True,
                    on_done=partial(self._pull_finished, missing[0]),
                )
            return None
        return backend

    def _queue_until_connected(self, send: Callable[[], None]) -> bool:
        """While the connection check runs, keep the request and send it when the check ends
        (a prompt typed in the first second after start-up is not refused)."""
        if self.workspace.backend_state.phase != "checking" or self.generating:
            return False
        self._queued_send = send
        self._status("Connecting to the model server; sending as soon as it answers…")
        return True

    def _backend_changed(self, state: BackendState) -> None:
        send, self._queued_send = self._queued_send, None
        if send is not None:
            if state.phase == "checking":
                self._queued_send = send
            else:
                send()

    def send_prompt(self, text: str) -> None:
        if self._queue_until_connected(partial(self.send_prompt, text)):
            return
        ensemble = self.ensemble
        backend = self._backend_for_generation(list(ensemble.models) if ensemble else None)
        if backend is None:
            return
        try:
            technique, note = choose_technique(
                self.session.technique, self.workspace.settings.technique, fallback=True
            )
        except TechniqueError as problem:  # even the default one cannot be read
            self._status(str(problem), "error")
            return
        if note is not None:
            self._status(note, "warning")
        model = self.workspace.backend_state.effective_model(self.model)
        sources = ensemble.sources() if ensemble is not None else [Source(model)]
        request = build_request(
            self.session, text, technique=technique, backend=backend, sources=sources
        )
        self.query_one("#prompt", Input).value = ""
        self.start_generation(backend, request)

    def follow_up(self, idea_id: int, kind: str | None) -> None:
        """A follow-up goes to the session's model alone, whatever the ensemble."""
        idea = self._idea(idea_id)
        if kind is None or idea is None:
            return
        if self._queue_until_connected(partial(self.follow_up, idea_id, kind)):
            return
        backend = self._backend_for_generation()
        if backend is None:
            return
        model = self.workspace.backend_state.effective_model(self.model)
        request = build_follow_up(self.session, idea, kind, backend=backend, model=model)
        self.start_generation(backend, request)

    def start_generation(self, backend: Backend, request: AskRequest) -> None:
        """Send ``request`` to each of its sources at once and stream the replies, one group
        of live cards per source."""
        streams = {
            source: LiveStream(
                model_label(f"{backend.name}:{source.model}", source.options(request.options))
            )
            for source in request.sources
        }
        self._stop = Stop()
        self.live = LiveReplies(streams, hidden=request.hidden, started=time.perf_counter())
        labels = self.live.labels
        self.generating = True
        board = self.query_one(IdeaBoard)
        board.show_empty(False)
        if not self.live.hidden:
            board.add_live(self.live.make_groups())
        if len(labels) == 1:
            self._status(f"Asking {self.live.source}… (esc stops)")
        else:
            self._status(
                f"Asking {len(labels)} sources at once ({', '.join(labels)})… (esc stops all)"
            )
        self._flush_timer = self.set_interval(STREAM_REFRESH_SECONDS, self._flush_stream)
        self._worker = self._generate(backend, request)

    def watch_generating(self) -> None:
        self.set_class(self.generating, "-generating")
        self.refresh_bindings()

    @work(exclusive=True, group="generate", exit_on_error=False)
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
        """One source of an ensemble finished (stored): its cards replace its live ones while
        the others still stream."""
        stream = self.live.pop(outcome.source)
        if len(self.live.streams) == 0 or not self.is_attached:
            return  # the last (or only) one: the end of the worker redraws everything
        if stream is not None and stream.group is not None:
            stream.group.remove()
        self.refresh_cards()

    def _flush_stream(self) -> None:
        """Show what arrived since the last redraw (at most STREAM_REFRESH_SECONDS apart)."""
        board = self.query_one(IdeaBoard)
        follow = board.at_end
        status = self.live.redraw()
        if status is None:
            return
        self.stream_redrawn.set()
        self._status(status)
        if follow and not self.live.hidden:
            board.scroll_end(animate=False)

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker or event.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        ):
            return
        await self._finish_generation(event.worker, event.state)

    async def _finish_generation(
        self, worker: Worker[list[GenerationOutcome]], state: WorkerState
    ) -> None:
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self.stream_stats.finished = time.perf_counter()
        self._worker = None
        self.live.streams = {}
        if not self.is_attached:
            return
        await self.query_one(IdeaBoard).remove_live()
        self.generating = False
        # The stored ideas are rendered from the session, in full, whatever the redraw rate.
        mounting = self.refresh_cards()
        if mounting is not None:
            await mounting
        self.stream_stats.rendered = time.perf_counter()
        self.stream_redrawn.set()
        if state is not WorkerState.SUCCESS or not worker.result:
            if state is WorkerState.ERROR:
                self._status(f"The reply failed unexpectedly: {worker.error}", "error")
            return
        results = worker.result
        if any(outcome.cancelled for outcome in results):
            self._status(stopped_summary(results))
            kept = [idea for outcome in results for idea in outcome.ideas if not idea.hidden]
            if kept:
                self._offer_review(kept[-1].id)
            return
        if len(results) > 1:
            self._report_ensemble(results)
            return
        outcome = results[0]
        if outcome.error is not None:
            self._report_error(outcome)
            return
        summary = reply_summary(outcome, self.live.source)
        if all_hidden(outcome.ideas):
            self._status(summary)
            return
        if outcome.ideas:
            self._offer_review(outcome.ideas[0].id)
        self._status(f"{summary} Review each: {self._review_keys()}.")

    def _review_keys(self) -> str:
        keys = "a accept, e edit, x reject"
        return f"esc, then {keys}" if self._prompt_focused() else keys

    def _report_ensemble(self, results: list[GenerationOutcome]) -> None:
        unavailable = all_unavailable(results)
        if unavailable is not None:
            self.workspace.backend_failed(unavailable)
        summary, level = ensemble_summary(results)
        ideas = [idea for r in results for idea in r.ideas]
        if ideas and not ideas[0].hidden:
            self._offer_review(ideas[0].id)
            summary += f" Review each: {self._review_keys()}."
        self._status(summary, level)

    def _prompt_focused(self) -> bool:
        return self.focused is self.query_one("#prompt", Input)

    def _offer_review(self, idea_id: int) -> None:
        """Bring a new card into view. Focus moves to it only when the person is not typing
        in the prompt box: a letter meant for the next prompt must never accept or reject."""
        self._review_target = idea_id
        if not self._prompt_focused():
            self._focus_card(idea_id)
            return
        cards = self.query(f"#idea-{idea_id}")
        if cards:
            self.call_after_refresh(cards.first().scroll_visible, animate=False)

    def _report_error(self, outcome: GenerationOutcome) -> None:
        error = outcome.error
        self._status(error_summary(outcome), "error")
        if isinstance(error, BackendUnavailable):
            self.workspace.backend_failed(error)
        elif isinstance(error, ModelNotFound):
            self.action_pull_model(known_missing=True)

    def action_stop(self) -> None:
        """Stop the streaming reply: the request is closed; what arrived is kept."""
        if self._worker is not None and self.generating:
            self._status("Stopping…")
            self._stop.request()

    def action_back(self) -> None:
        """From the prompt box: to the cards (the newest reply's first one). Else: leave."""
        if self._prompt_focused():
            cards = list(self.query(IdeaCard))
            chosen = [c for c in cards if c.idea_id == self._review_target] or cards[-1:]
            if chosen:
                self._focus_card(chosen[0].idea_id)
            else:
                self.set_focus(None)  # a second esc leaves; one never does from the prompt
            return
        self.app.pop_screen()

    async def action_leave(self) -> None:
        await self.stop_generation()
        self.app.pop_screen()

    async def stop_generation(self) -> None:
        """Cancel a running reply and wait until its partial text is stored."""
        worker = self._worker
        if worker is None or worker.is_finished:
            return
        self._stop.request()
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()

    def on_unmount(self) -> None:
        if self.writer is None:
            return
        if self._worker is not None and not self._worker.is_finished:
            self._close_when_done = True  # the worker closes it once the partial is stored
        else:
            self.writer.close()

    # -- model pull / reload -----------------------------------------------------------------

    def action_pull_model(self, known_missing: bool = False) -> None:
        self.workspace.offer_pull(
            self.model,
            known_missing=known_missing,
            on_done=partial(self._pull_finished, self.model),
        )

    def _pull_finished(self, model: str, pulled: bool) -> None:
        if pulled:
            waiting = (
                " Press enter to send your prompt."
                if self.query_one("#prompt", Input).value
                else ""
            )
            self._status(f"Pulled '{model}'.{waiting}")
        else:
            self._status(f"'{model}' was not pulled; asking for ideas needs it.", "warning")

    def action_reload(self) -> None:
        """Retry the connection; a read-only window also tries to take over the session."""
        self.workspace.check_backend()
        if self.writer is not None:
            return
        store = self.workspace.store
        try:
            self.writer = store.open_writer(self.session.id)
        except SessionLocked as locked:
            self.read_only_reason = self.workspace.locked_notice(locked)
            try:
                self._loaded = store.load(self.session.id).session
            except StoreError as problem:
                self._status(str(problem), "error")
        except StoreError as problem:
            self._status(str(problem), "error")
        else:
            self.read_only_reason = None
            self._status("This window can now change the session.")
        self._show_read_only()
        self.refresh_cards()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.generating
        if action == "back":
            return not self.generating
        if action in ("add_idea",) and self.read_only:
            return None
        if action == "reveal":
            return drafts_hidden(self.session) and not self.read_only
        if action == "timer":
            return drafts_hidden(self.session) and not self.read_only
        if action == "ensemble":
            return None if self.read_only else True
        if action == "pull_model":
            state = self.workspace.backend_state
            return state.can_pull and state.model_missing(self.model)
        return True

    # -- command palette ---------------------------------------------------------------------

    def palette_commands(self) -> list[SystemCommand]:
        return session_commands(self)
