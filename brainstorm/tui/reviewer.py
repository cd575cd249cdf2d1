"""The person's side of a session screen: what they decide about ideas.

A `Reviewer` runs the card actions (edit, accept, reject, back to draft, history, copy,
follow-up), the person's own ideas and undo (u) through `brainstorm.review`, the same
functions the CLI calls, so both record the same events. It opens the dialogs those need
and reports by message; the screen redraws the cards and moves the highlight. A read-only
window records nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message
from textual.widget import Widget

from brainstorm import review
from brainstorm.events import Status
from brainstorm.models import Idea
from brainstorm.rounds import reveal
from brainstorm.session_writer import SessionWriter
from brainstorm.store_errors import StoreError
from brainstorm.tui.screens.editor import EditedIdea, EditIdeaScreen
from brainstorm.tui.screens.follow_up import FollowUpScreen
from brainstorm.tui.screens.history import HistoryScreen
from brainstorm.tui.status_line import StatusLine

STATUS_OF = {"accept": Status.ACCEPTED, "reject": Status.REJECTED, "draft": Status.DRAFT}
READ_ONLY = "Read-only: changes are disabled in this window."


class Reviewer(Widget):
    """Non-visual (hidden in app.tcss). The screen sets `writer` (None: read-only) and calls
    `request` / `add_idea`; it handles `Changed`, `FollowUpChosen` and `StatusLine`."""

    class Changed(Message):
        """A review event was recorded; `idea_id` is the idea to show (None: none)."""

        def __init__(self, idea_id: int | None) -> None:
            super().__init__()
            self.idea_id = idea_id

    class FollowUpChosen(Message):
        """The person asked the model for a follow-up (`kind`) on one idea."""

        def __init__(self, idea_id: int, kind: str) -> None:
            super().__init__()
            self.idea_id = idea_id
            self.kind = kind

    def __init__(self, writer: SessionWriter | None) -> None:
        super().__init__(id="reviewer")
        self.writer = writer

    def request(self, idea: Idea, action: str) -> None:
        """Run one card action on ``idea``."""
        idea_id = idea.id
        if action == "history":
            self.app.push_screen(HistoryScreen(idea.model_copy(deep=True)))
            return
        if action == "copy":
            self.app.copy_to_clipboard(idea.text)
            self.notify(f"Copied idea #{idea_id} to the clipboard.", markup=False)
            return
        if self.writer is None:
            self.post_message(StatusLine(READ_ONLY, "warning"))
            return
        if action == "edit":
            # The editor shows hidden characters and hands back exact text and title.
            stored = EditedIdea(idea.text, idea.title or "")
            self.app.push_screen(
                EditIdeaScreen(
                    f"Edit idea #{idea_id} (the model's original is kept)",
                    stored.text,
                    title=stored.title,
                ),
                lambda edited: self._save_edit(idea_id, stored, edited),
            )
        elif action in STATUS_OF:
            status = STATUS_OF[action]
            self._record(lambda w: review.set_status(w, idea_id, status), idea_id)
        elif action == "follow_up":
            self.app.push_screen(
                FollowUpScreen(idea_id), lambda kind: self._follow_up(idea_id, kind)
            )

    def _follow_up(self, idea_id: int, kind: str | None) -> None:
        if kind is not None:
            self.post_message(self.FollowUpChosen(idea_id, kind))

    def _record(self, change: Callable[[SessionWriter], object], idea_id: int | None) -> None:
        """Run one review operation on the writer; errors become a status line, not a crash."""
        if self.writer is None:
            return
        try:
            change(self.writer)
        except StoreError as problem:
            self.post_message(StatusLine(str(problem), "error"))
            return
        self.post_message(self.Changed(idea_id))

    def _save_edit(self, idea_id: int, stored: EditedIdea, edited: EditedIdea | None) -> None:
        if edited is None or self.writer is None:
            return
        text = None if edited.text.strip() == stored.text.strip() else edited.text
        title = None if edited.title.strip() == stored.title.strip() else edited.title
        if text is None and title is None:
            self.post_message(StatusLine(f"#{idea_id} unchanged: nothing recorded."))
            return
        self._record(lambda w: review.edit(w, idea_id, text, title), idea_id)

    def undo(self) -> None:
        """Revert the last review decision still standing (`review.undo`: a new event; the
        history shows it). Again, and it walks further back."""
        if self.writer is None:
            self.post_message(StatusLine(READ_ONLY, "warning"))
            return
        session = self.writer.session
        if not session.undoable:
            self.post_message(StatusLine("Nothing to undo: no review decision is left."))
            return
        try:
            undone = review.undo(self.writer)
        except StoreError as problem:
            self.post_message(StatusLine(str(problem), "error"))
            return
        self.post_message(
            StatusLine(f"Undid: {undone.description}. u again undoes the decision before it.")
        )
        shown = undone.idea in self.writer.session.ideas and undone.kind != "added"
        self.post_message(self.Changed(undone.idea if shown else None))

    def reveal(self, *, figures_shown: bool) -> None:
        """Human-first: show the model's hidden ideas, as the person confirmed (recorded; it
        ends the round and cannot be undone)."""
        if self.writer is None:
            return
        try:
            count = reveal(self.writer)
        except StoreError as problem:
            self.post_message(StatusLine(str(problem), "error"))
            return
        figures = "the panel shows" if figures_shown else "m shows"
        self.post_message(
            StatusLine(
                f"Revealed {count} model idea{'s' * (count != 1)}: review them as drafts;"
                f" {figures} how they compare with yours."
            )
        )
        self.post_message(self.Changed(None))

    def add_idea(self) -> None:
        """The person writes an idea of their own (it counts as theirs, not the model's)."""
        if self.writer is None:
            self.post_message(StatusLine(READ_ONLY, "warning"))
            return
        self.app.push_screen(
            EditIdeaScreen("Your own idea (it counts as yours, not the model's)", ""),
            self._save_new_idea,
        )

    def _save_new_idea(self, edited: EditedIdea | None) -> None:
        if edited is None or not edited.text.strip() or self.writer is None:
            return
        try:
            idea = review.add(self.writer, edited.text, edited.title or None)
        except StoreError as problem:
            self.post_message(StatusLine(str(problem), "error"))
            return
        self.post_message(self.Changed(idea.id))
