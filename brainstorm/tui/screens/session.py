"""The workspace for one session: what its keys and its parts' messages do (its layout and
state are `screens.session_layout`).

The screen coordinates; its parts do the work and report by message. Model output goes
through `tui.generation` (send, follow-up, queue until connected, the streaming worker, its
end), the person's decisions through `tui.reviewer` (card actions, own ideas, undo, the
reveal; recorded with `brainstorm.review` / `brainstorm.rounds`), the human-first round's bar
and dialogs through `widgets.round_bar`, near-duplicates through `widgets.figures_panel`. The
cards are `widgets.idea_board`; the palette commands are in `screens.session_commands`.
Typed letters are a prompt until the person moves to the cards (tab): review keys act only
there, on the highlighted card.
"""

from __future__ import annotations

import gc
import time
from typing import ClassVar

from textual import events, on
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.widgets import Input

from brainstorm.export import ExportError, ExportOptions, save_export
from brainstorm.replies import reply_of
from brainstorm.rounds import drafts_hidden, hidden_count
from brainstorm.sources import Ensemble
from brainstorm.textsafe import visible
from brainstorm.tui.generation import Generation
from brainstorm.tui.reply_report import finished_report
from brainstorm.tui.reviewer import Reviewer
from brainstorm.tui.screens.reply import ReplyScreen
from brainstorm.tui.screens.session_commands import session_commands
from brainstorm.tui.screens.session_layout import SessionLayout
from brainstorm.tui.widgets.idea_board import IdeaBoard
from brainstorm.tui.widgets.prompt_bar import PromptBar
from brainstorm.tui.widgets.round_bar import RoundBar


class SessionScreen(SessionLayout):
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
        Binding("T", "converge", "Themes & votes", show=False),
        Binding("ctrl+r", "reload", "Retry/reload", show=False),
    ]

    def on_key(self, event: events.Key) -> None:
        if self.read_only:  # a write key says why it does nothing, once (tui/read_only.py)
            self._read_only_notice.key_pressed(self, event.key)

    # -- review actions (messages up from the cards, done by the reviewer) ------------------

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
        self.reviewer.reveal(figures_shown=self.figures.display)

    def action_timer(self) -> None:
        """Start (or stop) a countdown for writing your own ideas before the reveal."""
        if self.read_only or not drafts_hidden(self.session):
            self._status("The writing timer is for a human-first round before the reveal.")
            return
        self.query_one(RoundBar).choose_timer()

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

    def action_converge(self) -> None:
        """Themes, votes and the ranked short list, on their own screen."""
        from brainstorm.tui.screens.converge import ConvergeScreen

        similarity = self.figures.analysis.similarity  # its vectors, with embeddings
        screen = ConvergeScreen(self.session, self.writer, self.services.settings, similarity)
        self.app.push_screen(screen)

    def action_focus_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        if not prompt.disabled:
            prompt.focus()

    def action_focus_cards(self) -> None:
        """To the cards (tab from the prompt box): review keys act on the highlighted one."""
        self.board.focus()

    def action_focus_after_cards(self) -> None:
        """tab from the cards: to the figures when they are shown (the keys scroll them, at
        80x24 most of them are below the fold), else back to the prompt box."""
        if self.figures.display:
            self.figures.focus()
        else:
            self.action_focus_prompt()

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
        self.board.show_live(message.live)

    @on(Generation.Progress)
    def _stream_progress(self) -> None:
        status = self.board.draw_live(self.generation.live)
        if status is not None:
            self.stream_redrawn.set()
            self._status(status)

    @on(Generation.SourceDone)
    def _source_done(self, message: Generation.SourceDone) -> None:
        """One source of an ensemble finished (stored) while the others still stream."""
        self.board.show_live(self.generation.live)
        self.refresh_cards()

    @on(Generation.Finished)
    def _generation_finished(self, message: Generation.Finished) -> None:
        self.board.show_live(message.live)
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
        text, level = report.text, report.level
        if report.review_from is not None:
            text += self._offer_review(report.review_from, keys=report.review_keys)
        if message.notes:  # what the backend has to say, once per app
            text = " ".join([text, *message.notes])
            level = "error" if level == "error" else "warning"
        self._status(text, level)

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
        # The screen froze the heap with the session in it (session_layout): thaw it, and
        # once this screen is gone, collect it (its widgets hold cycles) and freeze again.
        gc.unfreeze()
        self.app.call_after_refresh(refreeze_heap)

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


def refreeze_heap() -> None:
    """Collect what a closed session screen left, then freeze what is left (as at start-up)."""
    gc.collect()
    gc.freeze()
