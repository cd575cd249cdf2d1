"""The line-API half of the card board: which cards it holds, their heights (estimated, then
measured as they come into view), drawing the lines on screen from a small cache, and scrolling
by lines. `IdeaBoard` adds what a person does with it (the highlight, keys, mouse, requests).

Like `OptionList` and `DataTable`, it draws only the lines on screen (`render_line`), so a
session of 10,000 ideas opens as fast as one of 50: nothing is mounted per idea. Each card has
a cheap height estimate from the start (`card_render.estimate_height`); the cards that come
into view are drawn, which measures them exactly. Measuring starts at the top of the view and
goes down, so what is on screen never jumps. Drawn cards are kept in a small cache keyed by
what they show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
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
from brainstorm.tui.widgets.card_view import CardView, Near, idea_view

KINDS = ("draft", "accepted", "rejected", "human", "live")
#: The parts of a card app.tcss styles: `IdeaBoard > .card--badge-draft` and so on.
PARTS = (
    *["ref", "source", "title", "meta", "incomplete", "echo", "duplicate", "empty"],
    "frame-cursor",
    *("marker-focused", "marker-blurred"),
    *(f"{part}-{kind}" for part in ("badge", "body", "frame") for kind in KINDS),
)
EMPTY_HINT = "No ideas yet. Type in the prompt box below and press enter, or n to add your own."


class BoardLines(ScrollView):
    """Stored cards then live ones, drawn line by line; ``cursor_id`` is drawn highlighted."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"card--{part}" for part in PARTS}

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
