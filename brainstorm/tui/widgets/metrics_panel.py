"""Session figures (from `brainstorm.metrics`) with a small bar chart of ideas by status."""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from brainstorm.metrics import SessionMetrics

BAR_WIDTH = 12


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


class MetricsPanel(Widget):
    """Renders `metrics`; the screen recomputes them when the session changes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "metrics--heading",
        "metrics--draft",
        "metrics--accepted",
        "metrics--rejected",
        "metrics--empty",
        "metrics--label",
    }

    metrics: reactive[SessionMetrics | None] = reactive(None)

    def render(self) -> Content:
        m = self.metrics
        if m is None:
            return Content("")
        style = self.get_visual_style
        lines: list[Content] = [
            Content.styled("Session figures", style("metrics--heading")),
            Content(f"{m.ideas} ideas: {m.model_ideas} model, {m.human_ideas} yours"),
            Content(""),
        ]
        biggest = max(m.by_status.values(), default=0) or 1
        for status in ("draft", "accepted", "rejected"):
            count = m.by_status.get(status, 0)
            filled = round(BAR_WIDTH * count / biggest)
            lines.append(
                Content.assemble(
                    (f"{status.upper():<9}", style("metrics--label")),
                    ("█" * filled, style(f"metrics--{status}")),
                    ("░" * (BAR_WIDTH - filled), style("metrics--empty")),
                    f" {count}",
                )
            )
        lines.append(Content(""))
        as_is = (
            f"{m.accepted_as_is}/{m.accepted_model_ideas} ({_percent(m.accepted_as_is_share)})"
            if m.accepted_model_ideas
            else "–"
        )
        figures = [
            ("accepted as-is", as_is),
            ("edited model ideas", str(m.edited_model_ideas)),
            ("revisions", str(m.revisions)),
            ("word edit rate", _percent(m.word_edit_rate)),
            ("char edit rate", _percent(m.char_edit_rate)),
            ("model words kept", _percent(m.model_retention)),
            ("model % of accepted", _percent(m.model_share_of_accepted)),
        ]
        for label, value in figures:
            lines.append(Content.assemble((f"{label:<20}", style("metrics--label")), value))
        return Content("\n").join(lines)
