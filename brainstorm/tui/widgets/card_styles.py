"""The colours of idea cards, read once per screen from app.tcss.

Textual resolves a widget's component classes every time it styles that widget; with seven on
every card, a session of a few hundred ideas took seconds to open. Cards instead borrow the
styles of this one hidden widget, which declares them all (per kind of card), so styling
stays in app.tcss and costs the same however many cards there are.
"""

from __future__ import annotations

from typing import ClassVar

from textual.style import Style
from textual.widget import Widget

KINDS = ("draft", "accepted", "rejected", "human", "live")
PARTS = ("ref", "source", "title", "meta", "incomplete", "duplicate")


class CardStyles(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *(f"card--{part}" for part in PARTS),
        *(f"card--badge-{kind}" for kind in KINDS),
        *(f"card--body-{kind}" for kind in KINDS),
    }

    DEFAULT_CSS = """
    CardStyles {
        display: none;
    }
    """

    def part(self, name: str, kind: str | None = None) -> Style:
        """The style of one part of a card (`badge` and `body` depend on its kind)."""
        component = f"card--{name}-{kind}" if kind else f"card--{name}"
        return self.get_visual_style(component, partial=True)
