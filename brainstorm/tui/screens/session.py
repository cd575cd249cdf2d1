"""The workspace for one session: idea cards, a prompt box, live streaming, review actions.

The screen coordinates; its parts do the work and report by message. Model output goes
through `tui.generation` (send, follow-up, queue until connected, the streaming worker, its
end), the person's decisions through `tui.reviewer` (card actions and own ideas, recorded with
`brainstorm.review`), the human-first round through `widgets.round_bar` (bar, timer, reveal
dialog), near-duplicates through `tui.duplicate_analysis` (in a worker whenever a text
changes). The cards are `widgets.idea_board`; the palette commands are in
`screens.session_commands`. The screen is handed its `Services` (settings, store, model
server, timers) by the app; it never reaches into the app for them.
"""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label

from brainstorm.export import ExportError, ExportOptions, save_export
from brainstorm.ideation import DEFAULT_TECHNIQUE
from brainstorm.models import Idea, Session, Status
from brainstorm.replies import reply_of
from brainstorm.rounds import drafts_hidden, hidden_count, reveal
from brainstorm.sources import Ensemble
from brainstorm.store import SessionWriter, StoreError
from brainstorm.textsafe import visible
from brainstorm.tui.generation import Generation
from brainstorm.tui.read_only import ReadOnlyNotice
from brainstorm.tui.reply_report import finished_report
from brainstorm.tui.reviewer import Reviewer
from brainstorm.tui.round_timer import RoundTimer
from brainstorm.tui.screens.reply import ReplyScreen
from brainstorm.tui.screens.session_commands import session_commands
from brainstorm.tui.services import Services
from brainstorm.tui.session_access import SessionAccess
from brainstorm.tui.status_line import Level, StatusLine
from brainstorm.tui.widgets.banner import ConnectionBanner
from brainstorm.tui.widgets.card_view import Near
from brainstorm.tui.widgets.figures_panel import FiguresPanel
from brainstorm.tui.widgets.idea_board import IdeaBoard
from brainstorm.tui.widgets.live_reply import StreamStats
from brainstorm.tui.widgets.prompt_bar import PromptBar
from brainstorm.tui.widgets.round_bar import RoundBar


class SessionScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", "Stop"),
        Binding("escape", "back", "Back"),
        Binding("escape", "where_is_back", "Back", show=False),
        Binding("n", "add_idea", "Add", show=False),  # the footer has no room at 80 columns
        Binding("slash", "focus_prompt", "Prompt", show=False),
        Binding("m", "toggle_metrics", "Figures", show=False),
        Binding("E", "export", "Export", show=False),
        Binding("P", "pull_model", "Pull model", show=False),
        Binding("R", "reveal", "Reveal", show=False),
        Binding("s", "ensemble", "Sources", show=False),
        Binding("t", "timer", "Timer", show=False),
        Binding("ctrl+r", "reload", "Retry/reload", show=False),
    ]

    def __init__(
        self,
        session: Session,
        *,
        writer: SessionWriter | None,
        services: Services,
        read_only_reason: str | None = None,
    ) -> None:
        super().__init__(classes="session-screen")
        self.services = services
        self.access = SessionAccess(services.store, session, writer, read_only_reason)
        self.model = session.default_model or services.settings.model
        self.generation = Generation(services, writer, self.model)
        self.reviewer = Reviewer(writer)
        # Set after every tick of the human-first timer: tests wait on it.
        self.round_ticked = asyncio.Event()
        # Set after every redraw of a streaming reply: tests and benchmarks wait on it.
        self.stream_redrawn = asyncio.Event()
        self._read_only_notice = ReadOnlyNotice()

    # -- state -------------------------------------------------------------------------------

    @property
    def writer(self) -> SessionWriter | None:
        return self.access.writer

    @property
    def session(self) -> Session:
        return self.access.session

    @property
    def read_only(self) -> bool:
        return self.access.writer is None

    @property
    def generating(self) -> bool:
        return self.generation.generating

    @property
    def stream_stats(self) -> StreamStats:
        """What the newest streamed reply did on screen (read by tests and the benchmark)."""
        return self.generation.live.stats

    @property
    def ensemble(self) -> Ensemble | None:
        return self.generation.ensemble

    @property
    def round_timer(self) -> RoundTimer | None:
        """The writing timer of this session's human-first round, if one was started."""
        return self.services.round_timers.get(self.session.id)

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner(self.model, id="banner")
        yield Label("", id="readonly-notice")
        yield RoundBar(self.services.round_timers, self.session.id, id="round-bar")
        with Horizontal(id="workspace"):
            yield IdeaBoard(id="cards")
            yield FiguresPanel(self.services.settings, id="metrics")
        yield PromptBar()
        yield Footer(compact=True)
        yield self.generation
        yield self.reviewer

    def on_mount(self) -> None:
        self.title = visible(self.session.topic)
        technique = self.session.technique or DEFAULT_TECHNIQUE
        self.sub_title = visible(f"{self.session.id} · {technique}")
        self.query_one("#metrics").display = False
        self._show_read_only()
        self.refresh_cards()
        ideas = self.session.visible_ideas()
        drafts = [idea.id for idea in ideas if idea.status is Status.DRAFT]
        board = self.board
        if ideas:  # the card tab goes to: the first draft, else the newest card
            board.move_cursor(drafts[0] if drafts else ideas[-1].id)
            self.call_after_refresh(board.scroll_to_cursor)  # once the board has its size
        # Nobody decided to review yet: typed letters are a prompt. (A read-only window has
        # no prompt box; its cards take no write key.)
        prompt = self.query_one("#prompt", Input)
        prompt.value = self.services.prompt_drafts.get(self.session.id, "")
        (board if self.read_only else prompt).focus()

    def on_key(self, event: events.Key) -> None:
        if self.read_only:  # a write key says why it does nothing, once (tui/read_only.py)
            self._read_only_notice.key_pressed(self, event.key)

    def _show_round(self) -> None:
        """The human-first notice: how many model ideas wait, hidden, for the reveal."""
        waiting = hidden_count(self.session) if drafts_hidden(self.session) else None
        self.query_one(RoundBar).show(waiting)
        self.refresh_bindings()

    def _show_read_only(self) -> None:
        notice = self.query_one("#readonly-notice", Label)
        notice.display = self.read_only
        notice.update(Content(visible(self.access.reason or "")))
        self.query_one(PromptBar).set_read_only(self.read_only)
        self.set_class(self.read_only, "-read-only")
        self.refresh_bindings()

    @property
    def board(self) -> IdeaBoard:
        return self.query_one(IdeaBoard)

    def refresh_cards(self) -> None:
        """Bring the cards in line with the session: redraw changed ones, add new ones."""
        board = self.board
        ideas = self.session.visible_ideas()
        if self.generating:  # ideas of replies still arriving show as their live cards
            ideas = [idea for idea in ideas if not self._arriving(idea)]
        board.sync(
            ideas,
            read_only=self.read_only,
            origin=self._origin,
            near=self._near,
        )
        board.show_empty(not ideas and not self.generating)
        self._show_round()
        self.figures.follow(self.session, owner=not self.read_only)

    def _near(self, idea_id: int) -> Near:
        analysis = self.figures.analysis
        return analysis.duplicates_of(idea_id), analysis.near_count(idea_id)

    def _arriving(self, idea: Idea) -> bool:
        record = self.session.prompts.get(idea.prompt_id or "")
        return record is not None and record.outcome == "pending"

    def _origin(self, idea: Idea) -> str | None:
        """ "critique of #3" for ideas a follow-up produced."""
        record = self.session.prompts.get(idea.prompt_id or "")
        if record is None or record.follow_up is None:
            return None
        return f"{record.follow_up} of #{record.parent_idea}"

    @property
    def figures(self) -> FiguresPanel:
        return self.query_one(FiguresPanel)

    @on(FiguresPanel.DuplicatesFound)
    def _duplicates_found(self) -> None:
        self.board.duplicates_changed()

    def _status(self, text: str, level: Level = "info") -> None:
        self.query_one(PromptBar).say(text, level)

    @on(StatusLine)
    def _status_line(self, message: StatusLine) -> None:
        self._status(message.text, message.level)

    # -- review actions (messages up from the cards, done by the reviewer) ------------------

    @property
    def current_card(self) -> int | None:
        """The highlighted card (palette commands act on it)."""
        return self.board.cursor_id

    @on(IdeaBoard.Requested)
    def _card_request(self, message: IdeaBoard.Requested) -> None:
        self.run_card_action(message.idea_id, message.action)

    def run_card_action(self, idea_id: int, action: str) -> None:
        idea = self.session.ideas.get(idea_id)
        if idea is None:
            return
        if action == "reply":
            self._show_reply(idea_id)
        else:
            self.reviewer.request(idea, action)

    def _show_reply(self, idea_id: int) -> None:
        reply = reply_of(self.session, idea_id)
        if reply is None:
            self._status(f"Idea #{idea_id} was written by a person: it came from no reply.")
            return
        self.app.push_screen(ReplyScreen(reply, idea_id))

    @on(Reviewer.Changed)
    def _review_recorded(self, message: Reviewer.Changed) -> None:
        """Highlight the card the person just changed or wrote (the focus stays put: a
        palette command from the prompt box leaves the prompt box in charge)."""
        self.refresh_cards()
        if message.idea_id is not None:
            self.board.move_cursor(message.idea_id)

    @on(Reviewer.FollowUpChosen)
    def _follow_up_chosen(self, message: Reviewer.FollowUpChosen) -> None:
        self.follow_up(message.idea_id, message.kind)

    def action_add_idea(self) -> None:
        self.reviewer.add_idea()

    def action_undo(self) -> None:
        """u / ctrl+z on the cards: revert the last review decision (a new event)."""
        self.reviewer.undo()

    # -- the human-first round ---------------------------------------------------------------

    def action_reveal(self) -> None:
        """Human-first: show the model's hidden ideas (recorded; cannot be undone)."""
        if self.writer is not None and drafts_hidden(self.session):
            self.query_one(RoundBar).ask_reveal(hidden_count(self.session))

    @on(RoundBar.RevealConfirmed)
    def _reveal_confirmed(self) -> None:
        if self.writer is None:
            return
        try:
            count = reveal(self.writer)
        except StoreError as problem:
            self._status(str(problem), "error")
            return
        self.query_one(RoundBar).end()
        self.refresh_cards()
        figures = "the panel shows" if self.figures.display else "m shows"
        self._status(
            f"Revealed {count} model idea{'s' * (count != 1)}: review them as drafts;"
            f" {figures} how they compare with yours."
        )

    def action_timer(self) -> None:
        """Start (or stop) a countdown for writing your own ideas before the reveal."""
        if self.read_only or not drafts_hidden(self.session):
            self._status("The writing timer is for a human-first round before the reveal.")
            return
        self.query_one(RoundBar).choose_timer()

    @on(RoundBar.Ticked)
    def _round_ticked(self) -> None:
        self.round_ticked.set()

    # -- the ensemble ------------------------------------------------------------------------

    def action_ensemble(self) -> None:
        """Choose the sources every prompt goes to: models, temperatures, seeds."""
        if self.read_only:
            self._status("Read-only: this window cannot ask for ideas.", "warning")
            return
        self.generation.choose_ensemble()

    def action_single_model(self) -> None:
        self.generation.use_ensemble(Ensemble((self.model,)))

    @on(Generation.EnsembleChanged)
    def _ensemble_changed(self, message: Generation.EnsembleChanged) -> None:
        self.query_one(PromptBar).show_ensemble(message.ensemble)
        self.refresh_bindings()

    def action_toggle_metrics(self) -> None:
        panel = self.figures
        panel.display = not panel.display
        if not panel.display and panel.has_focus:
            self.action_focus_prompt()
        panel.update_figures()

    def action_focus_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        if not prompt.disabled:
            prompt.focus()

    def action_focus_cards(self) -> None:
        """To the cards (tab from the prompt box): review keys act on the highlighted one."""
        self.board.focus()

    def action_export(self) -> None:
        self.export_to_file(ExportOptions())

    def export_to_file(self, options: ExportOptions) -> None:
        """Export to a new markdown file in the export folder (`Settings.export_directory`;
        `brainstorm.export`, the same as `brainstorm export`); never replaces a file. Works
        read-only too."""
        directory = self.services.settings.export_directory()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = save_export(self.session, options, directory)
        except (ExportError, OSError) as problem:
            self.notify(visible(f"Export failed: {problem}"), severity="error", markup=False)
            return
        self.notify(visible(f"Exported to {path}"), title="Export", markup=False, timeout=10)

    # -- generation (done by `self.generation`; these draw what it reports) ------------------

    @on(Input.Submitted, "#prompt")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        self.send_prompt(event.value)

    @on(Input.Changed, "#prompt")
    def _keep_prompt(self, event: Input.Changed) -> None:
        """A prompt not sent yet outlives leaving the session (esc), for the next visit."""
        drafts = self.services.prompt_drafts
        if event.value.strip():
            drafts[self.session.id] = event.value
        else:
            drafts.pop(self.session.id, None)

    def send_prompt(self, text: str) -> None:
        self.generation.send_prompt(text)

    def follow_up(self, idea_id: int, kind: str | None) -> None:
        idea = self.session.ideas.get(idea_id)
        if kind is not None and idea is not None:
            self.generation.follow_up(idea, kind)

    @on(Generation.Started)
    def _generation_started(self, message: Generation.Started) -> None:
        if message.request.follow_up is None:
            self.query_one("#prompt", Input).value = ""
        self.set_class(True, "-generating")
        self.refresh_bindings()
        self.board.start_live(message.live)

    @on(Generation.Progress)
    def _stream_progress(self) -> None:
        status = self.board.draw_live(self.generation.live)
        if status is not None:
            self.stream_redrawn.set()
            self._status(status)

    @on(Generation.SourceDone)
    def _source_done(self, message: Generation.SourceDone) -> None:
        """One source of an ensemble finished (stored) while the others still stream."""
        self.board.drop_live(self.generation.live)
        self.refresh_cards()

    @on(Generation.Finished)
    def _generation_finished(self, message: Generation.Finished) -> None:
        self.board.drop_live(message.live)
        self.set_class(False, "-generating")
        self.refresh_bindings()
        # The stored ideas are rendered from the session, in full, whatever the redraw rate.
        self.refresh_cards()
        stats = message.live.stats
        stats.rendered = time.perf_counter()
        self.stream_redrawn.set()
        if not message.outcomes:
            if message.error is not None:
                self._status(f"The reply failed unexpectedly: {message.error}", "error")
            return
        report = finished_report(message.outcomes, message.live.source)
        text = report.text
        if report.review_from is not None:
            text += self._offer_review(report.review_from, keys=report.review_keys)
        self._status(text, report.level)

    def _prompt_focused(self) -> bool:
        return self.focused is self.query_one("#prompt", Input)

    def _offer_review(self, idea_id: int, *, keys: bool) -> str:
        """Highlight a new card and bring it into view, focus unchanged (tab goes to it from
        the prompt box). While the person reviews on the cards, their highlight stays where
        it is: a key meant for that card must not land on one that just arrived. Returns
        what the status line adds (which keys review it, or where it is)."""
        board = self.board
        if board.has_focus and board.cursor_id is not None:
            return f" New cards from #{idea_id} at the end (end goes there)."
        board.move_cursor(idea_id)
        if not keys:
            return ""
        review = "a accept, e edit, x reject"
        return f" Review each: {'tab, then ' if self._prompt_focused() else ''}{review}."

    def action_stop(self) -> None:
        """Stop the streaming reply: the request is closed; what arrived is kept."""
        if self.generation.stop():
            self._status("Stopping…")

    def action_back(self) -> None:
        """Back to the session list (esc on the cards, when nothing streams)."""
        self.app.pop_screen()

    def action_where_is_back(self) -> None:
        """esc in the prompt box once nothing streams: it neither leaves (a second esc after
        stopping a reply would) nor moves to the cards (letters would then review)."""
        self._status(
            "esc in the prompt box only stops a reply. To leave: tab to the cards, then esc"
            " (a prompt not sent yet is kept)."
        )

    async def action_leave(self) -> None:
        await self.stop_generation()
        self.app.pop_screen()

    async def stop_generation(self) -> None:
        """Cancel a running reply and wait until its partial text is stored."""
        await self.generation.stop_and_wait()

    def on_unmount(self) -> None:
        # A running reply closes the writer once its partial text is stored.
        if self.writer is not None and not self.generation.release_writer_when_done():
            self.writer.close()

    # -- model pull / reload -----------------------------------------------------------------

    def action_pull_model(self) -> None:
        self.generation.offer_pull(self.model)

    @on(Generation.PullFinished)
    def _pull_finished(self, message: Generation.PullFinished) -> None:
        self.query_one(PromptBar).pull_finished(message.model, message.pulled)

    def action_reload(self) -> None:
        """Retry the connection; a read-only window also tries to take over the session."""
        self.services.server.check_backend()
        if not self.read_only:
            return
        said = self.access.take_over()
        if said is not None:
            self._status(*said)
        self.generation.writer = self.reviewer.writer = self.writer
        self._show_read_only()
        self.refresh_cards()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.generating
        if action == "back":
            return not self.generating and not self._prompt_focused()
        if action == "where_is_back":
            return not self.generating and self._prompt_focused()
        if action == "undo":
            return None if self.read_only else True
        if action == "add_idea":
            # Hidden while typing: n is a letter of the prompt there.
            return None if self.read_only else not self._prompt_focused()
        if action in ("reveal", "timer"):
            return drafts_hidden(self.session) and not self.read_only
        if action == "ensemble":
            return None if self.read_only else True
        if action == "pull_model":
            state = self.services.server.backend_state
            return state.can_pull and state.model_missing(self.model)
        return True

    # -- command palette ---------------------------------------------------------------------

    def palette_commands(self) -> list[SystemCommand]:
        return session_commands(self)
