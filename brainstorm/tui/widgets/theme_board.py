"""The converge board: the session's ideas in sections (per theme, one plain list, or the
ranked short list), each card showing its votes, and a vote key.

It is the session's card board (`IdeaBoard`: virtualised on Textual's line API, the same card
drawing, highlight and scrolling) with three differences: a section heading is drawn above the
first card of each section, a card's flag shows its votes ("▲ 3 · ana 1, ben 2") and, in the
ranked view, its number starts with its place ("1. #10"); its keys vote instead of reviewing.

Attributes down, messages up: the screen hands it the sections (`show`); v / shift+v post
`Voted`, and the screen records the vote (`brainstorm.votes`) and calls `votes_changed`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.strip import Strip

from brainstorm.models import Idea
from brainstorm.tui.widgets.card_view import CardView, Near
from brainstorm.tui.widgets.idea_board import MOVE_BINDINGS, IdeaBoard

__all__ = ["Section", "ThemeBoard", "vote_flag"]


def vote_flag(voters: dict[str, int]) -> str:
    """ "▲ 3 · ana 1, ben 2" ("" with no votes)."""
    total = sum(voters.values())
    if not total:
        return ""
    names = ", ".join(f"{name} {points}" for name, points in voters.items())
    return f"▲ {total} · {names}"


def _no_origin(idea: Idea) -> str | None:
    return None


def _no_near(idea_id: int) -> Near:
    return (), 0  # the flag shows votes here, not near-duplicates


@dataclass
class Section:
    """A heading and its ideas, top to bottom. ``draft_label``: the heading names a theme by
    the model's DRAFT name (drawn in the warning colour)."""

    heading: str
    ideas: list[Idea] = field(default_factory=list)
    draft_label: bool = False


class ThemeBoard(IdeaBoard, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "vote(False)", "Vote"),
        Binding("V", "vote(True)", "Take back vote"),
        *MOVE_BINDINGS,
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *IdeaBoard.COMPONENT_CLASSES,
        "theme--heading",
        "theme--heading-draft",
    }

    class Voted(Message):
        """The person gave the highlighted idea a point (``undo``: took theirs back)."""

        def __init__(self, idea_id: int, undo: bool) -> None:
            super().__init__()
            self.idea_id = idea_id
            self.undo = undo

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._headings: dict[int, Section] = {}  # first idea of a section → the section
        self._places: dict[int, int] = {}  # ranked view: idea → place
        self._voters: Callable[[int], dict[str, int]] = lambda idea_id: {}
        self._heading_cache: dict[tuple[int, int], Strip] = {}

    def show(
        self,
        sections: Sequence[Section],
        *,
        voters: Callable[[int], dict[str, int]],
        places: dict[int, int] | None = None,
        read_only: bool,
    ) -> None:
        """Show ``sections`` from the top (a new order: every card is laid out again)."""
        self._voters = voters
        self._places = places or {}
        self._headings = {s.ideas[0].id: s for s in sections if s.ideas}
        self._heading_cache.clear()
        ideas = [idea for section in sections for idea in section.ideas]
        # An empty sync first: the board then lays out the new order from scratch.
        self.sync([], read_only=read_only, origin=_no_origin, near=_no_near)
        self.sync(ideas, read_only=read_only, origin=_no_origin, near=_no_near)
        self.duplicates_changed()  # drawn cards are cached: the flags and places changed
        self.show_empty(not ideas)
        self.scroll_home(animate=False, immediate=True)
        if ideas:
            self.move_cursor(ideas[0].id)

    def votes_changed(self) -> None:
        """Votes were recorded: redraw the cards with their new flags."""
        self.duplicates_changed()

    def view(self, idea_id: int) -> CardView:
        card = super().view(idea_id)
        place = self._places.get(idea_id)
        ref = f"{place}. {card.ref}" if place is not None else card.ref
        return replace(card, ref=ref, flag=vote_flag(self._voters(idea_id)))

    def _strips(self, row: int) -> list[Strip]:
        """A card's lines, with its section's heading above it when it opens a section (the
        board measures rows by their lines, so the heading takes its place in the layout)."""
        strips = super()._strips(row)
        ids = self._ids
        first = ids[row] if row < len(ids) else None
        if first is None or first not in self._headings:
            return strips
        width = self.scrollable_content_region.width
        heading = self._heading_cache.get((first, width))
        if heading is None:
            heading = self._heading_cache[(first, width)] = self._heading(
                self._headings[first], width
            )
        return [heading, *strips]

    def _heading(self, section: Section, width: int) -> Strip:
        base = self.get_visual_style()
        name = "theme--heading-draft" if section.draft_label else "theme--heading"
        text = Content(" " + section.heading).stylize(self.get_visual_style(name, partial=True))
        strip = Strip(text.render_segments(base), text.cell_length)
        return strip.extend_cell_length(width, base.rich_style).crop(0, width)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "vote":
            if self.cursor_id is None:
                return None
            return None if self.read_only else True
        return super().check_action(action, parameters)

    def action_vote(self, undo: bool) -> None:
        if self.cursor_id is not None:
            self.post_message(self.Voted(self.cursor_id, undo))
