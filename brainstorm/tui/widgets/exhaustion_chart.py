"""The exhaustion curve in the figures panel: cumulative distinct ideas round by round as a
small chart (Textual's `Sparkline`), with the plain verdict (`brainstorm.exhaustion`) under it.
A curve that flattens means asking again mostly repeats what is there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Label, Sparkline

if TYPE_CHECKING:
    from brainstorm.exhaustion import Exhaustion

#: The newest rounds drawn (one column each): the panel is 34 columns wide.
ROUNDS_DRAWN = 32


class ExhaustionChart(Vertical):
    """Attributes down: the screen sets ``curve`` whenever the figures are redrawn."""

    curve: reactive[Exhaustion | None] = reactive(None, init=False)

    def compose(self) -> ComposeResult:
        yield Label(Content("When to stop asking"), classes="chart-heading")
        yield Sparkline([], id="exhaustion-spark")
        yield Label("", id="exhaustion-caption", classes="chart-caption")

    def on_mount(self) -> None:
        self._draw()

    def watch_curve(self) -> None:
        self._draw()

    def _draw(self) -> None:
        curve = self.curve
        spark = self.query_one(Sparkline)
        caption = self.query_one("#exhaustion-caption", Label)
        rounds = curve.rounds if curve is not None else []
        spark.display = len(rounds) >= 2
        spark.data = [float(r.total_distinct) for r in rounds[-ROUNDS_DRAWN:]]
        if curve is None:
            caption.update(Content("Counting new ideas per prompt…"))
            return
        if not rounds:
            caption.update(Content("No prompt has brought ideas yet."))
            return
        last = rounds[-1]
        lines = [
            f"distinct ideas over {len(rounds)} prompt{'s' * (len(rounds) != 1)}:"
            f" {last.total_distinct} of {last.total_ideas}",
            curve.verdict(),
        ]
        caption.set_class(curve.exhausted, "-exhausted")
        caption.update(Content("\n".join(lines)))
