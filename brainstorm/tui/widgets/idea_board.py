"""The column of idea cards: one focusable, virtualised list on Textual's line API.

Like `OptionList` and `DataTable`, the board draws only the lines on screen (`render_line`),
so a session of 10,000 ideas opens as fast as one of 50: nothing is mounted per idea. Each card
has a cheap height estimate from the start (`card_render.estimate_height`); the cards that
come into view are drawn, which measures them exactly. Measuring starts at the top of the view
and goes down, so what is on screen never jumps. Drawn cards are kept in a small cache keyed
by what they show.

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
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style

from brainstorm.models import Idea
from brainstorm.tui.widgets.board_rows import Rows
from brainstorm.tui.widgets.card_render import (
    Cursor,
    card_lines,
    estimate_height,
    hint_line,
    inner_width,
    render_card,
)
from brainstorm.tui.widgets.card_view import (
    CardView,
    Near,
    card_action_open,
    figures_tooltip,
    idea_view,
    live_views,
    version,
)
from brainstorm.tui.widgets.live_reply import LiveReplies

KINDS = ("draft", "accepted", "rejected", "human", "live")
#: The parts of a card app.tcss styles: `IdeaBoard > .card--badge-draft` and so on.
PARTS = (
    *["ref", "source", "title", "meta", "incomplete", "duplicate", "empty", "frame-cursor"],
    *("marker-focused", "marker-blurred"),
    *(f"{part}-{kind}" for part in ("badge", "body", "frame") for kind in KINDS),
)
EMPTY_HINT = "No ideas yet. Type in the prompt box below and press enter, or n to add your own."


class IdeaBoard(ScrollView, can_focus=True):
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
        Binding("tab", "screen.focus_prompt", "Prompt", show=False),
        Binding("up,k", "cursor(-1)", "Previous", show=False),
        Binding("down,j", "cursor(1)", "Next", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"card--{part}" for part in PARTS}

    class Requested(Message):
        """The person asked for `action` on idea `idea_id`."""

        def __init__(self, idea_id: int, action: str) -> None:
            super().__init__()
            self.idea_id = idea_id
            self.action = action

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.read_only = False
        self.cursor_id: int | None = None
        self._ids: list[int] = []  # the stored cards, top to bottom
        self._row_of: dict[int, int] = {}
        self._ideas: dict[int, Idea] = {}  # the session's own objects (never copied)
        self._versions: dict[int, tuple[object, ...]] = {}
        self._origin: Callable[[Idea], str | None] = lambda idea: None
        self._near: Callable[[int], Near] = lambda idea_id: ((), 0)
        self._live: list[CardView] = []  # cards of replies still streaming, after the stored
        self._rows = Rows()  # stored cards, then live ones: heights and start lines
        self._width = 0
        self._empty = False
        self._cache: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(256)

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

    def _live_height(self, view: CardView) -> int:
        return len(self._draw(view, None, ("live", view)))

    # -- geometry ----------------------------------------------------------------------------

    def _card_width(self) -> int:
        return self.scrollable_content_region.width

    def _update_size(self) -> None:
        rows = self._rows
        height = rows.total if len(rows) else (3 if self._empty else 0)
        size = Size(self._card_width(), height)
        if size != self.virtual_size:
            self.virtual_size = size
            self._scroll_update(size)

    def _changed(self) -> None:
        """Rows or heights changed: a new virtual size, and a redraw."""
        self._update_size()
        self.refresh()

    def _measure(self, row: int) -> list[Strip]:
        """Draw row ``row`` (which measures it); later rows move if its height changed."""
        strips = self._strips(row)
        self._rows.set_height(row, len(strips))
        return strips

    def _measure_view(self) -> None:
        """Measure the rows in view, from the top down (the top row does not move)."""
        top = self.scroll_offset.y
        bottom = top + self.scrollable_content_region.height
        row = self._rows.at(top)
        if row is None:
            return
        line = self._rows.top(row)
        while row < len(self._rows) and line < bottom:
            line += len(self._measure(row))
            row += 1
        self._update_size()

    def on_resize(self, event: events.Resize) -> None:
        width = self._card_width()
        if width and width != self._width:
            self._width = width
            self._cache.clear()
            ideas = self._ideas
            heights = [estimate_height(ideas[i], width) for i in self._ids]
            heights += [self._live_height(view) for view in self._live]
            self._rows.replace_from(0, heights)
            self._changed()
            self.scroll_to_cursor()

    # -- drawing -----------------------------------------------------------------------------

    def _part(self, name: str, kind: str | None) -> Style:
        component = f"card--{name}-{kind}" if kind else f"card--{name}"
        return self.get_visual_style(component, partial=True)

    def _draw(self, view: CardView, cursor: Cursor, key: tuple[object, ...]) -> list[Strip]:
        width = self._card_width()
        cache_key = (*key, width, cursor)
        strips = self._cache.get(cache_key)
        if strips is None:
            meta = {"idea": key[1]} if key[0] == "idea" else None
            base = self.get_visual_style()
            strips = render_card(view, width, base, self._part, cursor=cursor, meta=meta)
            self._cache[cache_key] = strips
        return strips

    def view(self, idea_id: int) -> CardView:
        """What the card of ``idea_id`` shows."""
        idea = self._ideas[idea_id]
        return idea_view(idea, origin=self._origin(idea), near=self._near(idea_id))

    def _strips(self, row: int) -> list[Strip]:
        stored = len(self._ids)
        if row >= stored:
            view = self._live[row - stored]
            return self._draw(view, None, ("live", view))
        idea_id = self._ids[row]
        cursor: Cursor = None
        if idea_id == self.cursor_id:
            cursor = "focused" if self.has_focus else "blurred"
        key = ("idea", idea_id, self._versions[idea_id])
        cached = self._cache.get((*key, self._card_width(), cursor))
        if cached is not None:
            return cached
        return self._draw(self.view(idea_id), cursor, key)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._measure_view()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.get_visual_style().rich_style
        line = self.scroll_offset.y + y
        if not len(self._rows):
            if self._empty and y == 1:
                return hint_line(EMPTY_HINT, width, self.get_visual_style(), self._part)
            return Strip.blank(width, base)
        row = self._rows.at(line)
        if row is None:
            return Strip.blank(width, base)
        strips = self._strips(row)
        offset = line - self._rows.top(row)
        return strips[offset] if 0 <= offset < len(strips) else Strip.blank(width, base)

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

    def scroll_to_cursor(self) -> None:
        """Bring the highlighted card into view (its top, when it is taller than the view)."""
        if self.cursor_id is None or self.cursor_id not in self._row_of:
            return
        row = self._row_of[self.cursor_id]
        self._measure(row)
        top = self._rows.top(row)
        bottom = top + self._rows.height(row) - 1  # without the blank line after it
        self._changed()
        view = self.scrollable_content_region.height
        y = self.scroll_y
        if top < y or view <= 0:
            y = top
        elif bottom > y + view:
            y = min(top, bottom - view)
        if y != self.scroll_y:
            self.scroll_to(y=y, animate=False, immediate=True)

    def scroll_to_end(self) -> None:
        """Scroll to the last line, measuring the rows that will be in view first."""
        view = self.scrollable_content_region.height
        row, seen = len(self._rows) - 1, 0
        while row >= 0 and seen < view:
            seen += len(self._measure(row))
            row -= 1
        self._changed()
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

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

    # -- what it shows (for tests and benchmarks) --------------------------------------------

    @property
    def ids(self) -> list[int]:
        """The stored cards, top to bottom."""
        return list(self._ids)

    @property
    def live_views(self) -> list[CardView]:
        return list(self._live)

    def top_of(self, idea_id: int) -> int:
        """The first line of a stored card."""
        return self._rows.top(self._row_of[idea_id])

    def live_tops(self) -> list[int]:
        return [self._rows.top(len(self._ids) + n) for n in range(len(self._live))]

    def card_text(self, idea_id: int) -> list[Content]:
        """The styled text of a stored card (without its frame)."""
        return card_lines(self.view(idea_id), inner_width(self._card_width()), self._part)
