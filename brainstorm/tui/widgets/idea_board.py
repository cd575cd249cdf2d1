"""The column of idea cards as a person uses it: what the screen gives it (stored ideas, live
replies), the highlighted card, the keys, the mouse, and the requests it posts to the screen.
Drawing and measuring on Textual's line API is `board_lines.BoardLines`.

Keys act on the highlighted card, and only while the board has the focus (tab, from the
prompt box); the highlight is a double frame and a `▶` then (a dim `›` otherwise). Stored
cards come in the order they first appeared, then the live cards of replies still streaming
(one group per source).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message

from brainstorm.models import Idea
from brainstorm.tui.widgets.board_lines import BoardLines
from brainstorm.tui.widgets.card_render import estimate_height
from brainstorm.tui.widgets.card_view import (
    Near,
    card_action_open,
    figures_tooltip,
    live_views,
    version,
)
from brainstorm.tui.widgets.live_reply import LiveReplies

#: Moving the highlight: every board of cards (the themes board too) has these keys.
MOVE_BINDINGS: list[BindingType] = [
    Binding("up,k", "cursor(-1)", "Previous", show=False),
    Binding("down,j", "cursor(1)", "Next", show=False),
    Binding("pageup", "page(-1)", "Page up", show=False),
    Binding("pagedown", "page(1)", "Page down", show=False),
    Binding("home", "first", "First", show=False),
    Binding("end", "last", "Last", show=False),
]


class IdeaBoard(BoardLines, can_focus=True):
    """The session's cards: focusable, one highlighted, keys and clicks acting on it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "request('edit')", "Edit"),
        Binding("a", "request('accept')", "Accept"),
        Binding("x", "request('reject')", "Reject"),
        Binding("d", "request('draft')", "Draft", show=False),
        Binding("h", "request('history')", "History"),
        Binding("r", "request('reply')", "Reply", show=False),  # no room at 80 columns
        Binding("f", "request('follow_up')", "Follow"),
        Binding("c", "request('copy')", "Copy", show=False),
        Binding("u,ctrl+z", "screen.undo", "Undo"),
        Binding("slash", "screen.focus_prompt", "Prompt"),
        Binding("tab", "screen.focus_after_cards", "Next", show=False),
        *MOVE_BINDINGS,
    ]

    class Requested(Message):
        """The person asked for `action` on idea `idea_id`."""

        def __init__(self, idea_id: int, action: str) -> None:
            super().__init__()
            self.idea_id = idea_id
            self.action = action

    # -- what the screen gives it ------------------------------------------------------------

    def sync(
        self,
        ideas: Sequence[Idea],
        *,
        read_only: bool,
        origin: Callable[[Idea], str | None],
        near: Callable[[int], Near],
    ) -> None:
        """Show ``ideas``: cards that changed are redrawn, new ones go after the others."""
        self._origin, self._near = origin, near
        if read_only != self.read_only:
            self.read_only = read_only
            self.refresh_bindings()
        new: list[Idea] = []
        known = changed = 0
        cursor_row = self._row_of.get(self.cursor_id, 0) if self.cursor_id else 0
        versions = self._versions
        for idea in ideas:
            stamp = version(idea)
            old = versions.get(idea.id)
            if old is None:
                new.append(idea)
            else:
                known += 1
                if old != stamp:  # drawn again (and measured) when seen
                    self._ideas[idea.id] = idea
                    changed += 1
            versions[idea.id] = stamp
        if changed:
            self.refresh_bindings()  # e.g. accept is disabled on an accepted card
        if known < len(self._ids):  # a card went away (an undone add): start again
            self._ids, self._row_of, self._ideas = [], {}, {}
            self._rows.replace_from(0, [self._live_height(view) for view in self._live])
            new = list(ideas)
            self._versions = {idea.id: version(idea) for idea in ideas}
        if new:
            start = len(self._ids)
            width = self._card_width()
            for offset, idea in enumerate(new):
                self._row_of[idea.id] = start + offset
                self._ideas[idea.id] = idea
            self._ids.extend(idea.id for idea in new)
            # Before the first layout the width is unknown: on_resize estimates them all.
            estimates = [estimate_height(idea, width) if width else 1 for idea in new]
            self._rows.insert(start, estimates)
        if self.cursor_id not in self._row_of:  # its card went: the one now in its place
            self.cursor_id = self._ids[min(cursor_row, len(self._ids) - 1)] if self._ids else None
        self._changed()

    def duplicates_changed(self) -> None:
        """The near-duplicate flags changed: redraw the cards with their new flags."""
        self._cache.clear()
        self.refresh()

    def show_empty(self, empty: bool) -> None:
        if empty != self._empty:
            self._empty = empty
            self.refresh()

    # -- live cards --------------------------------------------------------------------------

    def show_live(self, live: LiveReplies) -> None:
        """The live cards of ``live`` (a request went out, a source finished, all did): below
        the stored cards, which replace each source's live ones when it finishes."""
        self.show_empty(False)
        self._live = views = live_views(live)
        self._rows.replace_from(len(self._ids), [self._live_height(view) for view in views])
        self._changed()

    def draw_live(self, live: LiveReplies) -> str | None:
        """Show what arrived since the last redraw, following the end when scrolled there.
        Returns the status line to show (None: nothing new)."""
        follow = self.at_end
        status = live.redraw()
        if status is None:
            return None
        if not live.hidden:
            self.show_live(live)
            if follow:
                self.scroll_to_end()
        return status

    def on_focus(self) -> None:
        if self.cursor_id is None and self._ids:
            self.move_cursor(self._ids[0])
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- the highlight -----------------------------------------------------------------------

    @property
    def at_end(self) -> bool:
        """Scrolled to the bottom (a streaming reply keeps it there)."""
        return self.scroll_y >= self.max_scroll_y - 1

    def move_cursor(self, idea_id: int, *, scroll: bool = True) -> None:
        """Highlight the card of ``idea_id`` (and bring it into view)."""
        if idea_id not in self._row_of:
            return
        self.cursor_id = idea_id
        if scroll:
            self.scroll_to_cursor()
        self.refresh()
        self.refresh_bindings()

    def action_cursor(self, step: int) -> None:
        if not self._ids:
            return
        if self.cursor_id is None:
            self.move_cursor(self._ids[0])
            return
        row = self._row_of[self.cursor_id] + step
        self.move_cursor(self._ids[max(0, min(row, len(self._ids) - 1))])

    def action_page(self, step: int) -> None:
        if not self._ids or self.cursor_id is None:
            self.action_cursor(step)
            return
        page = self.scrollable_content_region.height
        line = self._rows.top(self._row_of[self.cursor_id]) + step * page
        row = self._rows.at(max(0, line))
        row = len(self._ids) - 1 if row is None else min(row, len(self._ids) - 1)
        self.move_cursor(self._ids[row])

    def action_first(self) -> None:
        if self._ids:
            self.move_cursor(self._ids[0])

    def action_last(self) -> None:
        if self._ids:
            self.move_cursor(self._ids[-1])

    def on_mouse_move(self, event: events.MouseMove) -> None:
        # The tooltip says what the figures of the card under the pointer mean.
        idea_id = event.style.meta.get("idea")
        idea = self._ideas.get(idea_id) if isinstance(idea_id, int) else None
        tooltip = figures_tooltip(idea) if idea is not None else None
        if tooltip != self.tooltip:
            self.tooltip = tooltip

    async def _on_click(self, event: events.Click) -> None:
        idea_id = event.style.meta.get("idea")
        if isinstance(idea_id, int):
            self.move_cursor(idea_id, scroll=False)

    # -- actions -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "request" and parameters:
            idea = self._ideas.get(self.cursor_id) if self.cursor_id is not None else None
            # Disabled ones stay in the footer, dimmed (a read-only window's notice says why).
            return True if card_action_open(idea, str(parameters[0]), self.read_only) else None
        return True

    def action_request(self, name: str) -> None:
        if self.cursor_id is not None:
            self.post_message(self.Requested(self.cursor_id, name))
