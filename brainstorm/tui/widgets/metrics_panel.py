"""Session figures (from `brainstorm.metrics`) with a small bar chart of ideas by status, the
session's diversity and near-duplicate groups (`brainstorm.duplicates`), and, for a
human-first session, how the person's ideas compare with the model's (`brainstorm.rounds`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from brainstorm.metrics.session import SessionMetrics
from brainstorm.presentation import group_flag
from brainstorm.textsafe import visible

if TYPE_CHECKING:  # duplicates (NumPy, RapidFuzz) loads when the first report is computed
    from brainstorm.duplicates import DuplicateReport
    from brainstorm.rounds import HumanFirstFigures

BAR_WIDTH = 12
LABEL_WIDTH = 20  # figures: label column, then the value
SIDE_LABEL = 18  # human-first table: label column, then "yours" and "model" (7 each)
GROUPS_SHOWN = 8  # duplicate groups listed; the rest are counted
FIGURES_LEGEND = (
    "words / letters changed: added, cut or replaced, per word (letter) of the final text"
    " (cutting a lot passes 100%). model words kept: the model's words still there, in order."
    " model % of accepted: how much of the accepted text is the model's own words."
)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


class MetricsPanel(Widget):
    """Renders what the screen gives it; the screen recomputes it when the session changes
    (duplicates in a worker, since they can take a while on a large session)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "metrics--heading",
        "metrics--draft",
        "metrics--accepted",
        "metrics--rejected",
        "metrics--empty",
        "metrics--label",
        "metrics--flag",
    }

    metrics: reactive[SessionMetrics | None] = reactive(None)
    duplicates: reactive[DuplicateReport | None] = reactive(None)
    human_first: reactive[HumanFirstFigures | None] = reactive(None)

    def render(self) -> Content:
        m = self.metrics
        if m is None:
            return Content("")
        lines = self._figures(m)
        if self.human_first is not None:
            lines += [Content(""), *self._round(self.human_first)]
        if self.duplicates is not None:
            lines += [Content(""), *self._diversity(self.duplicates)]
        return Content("\n").join(lines)

    def _row(self, label: str, value: str, width: int = LABEL_WIDTH) -> Content:
        return Content.assemble(
            (f"{label:<{width}}", self.get_visual_style("metrics--label")), value
        )

    def _heading(self, text: str) -> Content:
        return Content.styled(text, self.get_visual_style("metrics--heading"))

    def _figures(self, m: SessionMetrics) -> list[Content]:
        style = self.get_visual_style
        lines: list[Content] = [
            self._heading("Session figures"),
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
            ("words changed", _percent(m.word_edit_rate)),
            ("letters changed", _percent(m.char_edit_rate)),
            ("model words kept", _percent(m.model_retention)),
            ("model % of accepted", _percent(m.model_share_of_accepted)),
        ]
        lines += [self._row(label, value) for label, value in figures]
        lines.append(Content.styled(FIGURES_LEGEND, self.get_visual_style("metrics--label")))
        return lines

    def _diversity(self, report: DuplicateReport) -> list[Content]:
        lines = [self._heading("Diversity")]
        distinct = (
            f"{report.distinct}/{report.ideas} ({_percent(report.distinct_share)})"
            if report.ideas
            else "–"
        )
        distance = report.mean_pairwise_distance
        lines.append(self._row("distinct ideas", distinct))
        lines.append(self._row("mean distance", "–" if distance is None else f"{distance:.2f}"))
        method = f"{report.method} similarity ≥ {report.threshold:.2f}"
        if report.method == "embeddings" and report.embedding_model:
            method += f" ({visible(report.embedding_model)})"
        lines.append(Content.styled(method, self.get_visual_style("metrics--label")))
        if report.note:
            lines.append(
                Content.styled(visible(report.note), self.get_visual_style("metrics--label"))
            )
        if not report.groups:
            lines.append(Content("no near-duplicates"))
            return lines
        count = len(report.groups)
        lines.append(Content(f"{count} near-duplicate group{'s' * (count != 1)}:"))
        flag = self.get_visual_style("metrics--flag")
        for group in report.groups[:GROUPS_SHOWN]:
            shown = group_flag(group.ids)  # bounded: a group may hold every idea
            lines.append(Content.assemble((shown, flag), f" (≥ {group.similarity:.2f})"))
        if count > GROUPS_SHOWN:
            lines.append(Content(f"… and {count - GROUPS_SHOWN} more"))
        return lines

    def _side_row(self, label: str, yours: str, model: str) -> Content:
        return Content.assemble(
            (f"{label:<{SIDE_LABEL}}", self.get_visual_style("metrics--label")),
            f"{yours:>7}{model:>7}",
        )

    def _round(self, figures: HumanFirstFigures) -> list[Content]:
        you, model = figures.human, figures.model
        lines = [
            self._heading("Human-first round"),
            self._side_row("", "yours", "model"),
            self._side_row("ideas", str(you.ideas), str(model.ideas)),
        ]
        if not figures.revealed:
            lines.append(
                Content.styled(
                    "The model's ideas are hidden: reveal them (shift+r) to compare.",
                    self.get_visual_style("metrics--label"),
                )
            )
            return lines
        lines += [
            self._side_row("accepted", str(you.accepted), str(model.accepted)),
            self._side_row("rejected", str(you.rejected), str(model.rejected)),
            self._side_row("still draft", str(you.draft), str(model.draft)),
        ]
        revision = figures.model_revision
        if revision is not None and revision.model_ideas:
            lines += [
                self._side_row("edited by you", "", str(revision.edited_model_ideas)),
                self._side_row("words changed", "", _percent(revision.word_edit_rate)),
                self._side_row("accepted as-is", "", str(revision.accepted_as_is)),
            ]
        duplicating = figures.model_duplicating_human
        if duplicating is not None:
            lines.append(
                self._side_row(
                    "dup. of yours",
                    "",
                    f"{duplicating} ({_percent(figures.model_duplicate_share)})",
                )
            )
        flag = self.get_visual_style("metrics--flag")
        for match in (figures.duplicates or [])[:GROUPS_SHOWN]:
            lines.append(
                Content.assemble(
                    (f"#{match.model_idea} ≈ your #{match.human_idea}", flag),
                    f" ({match.similarity:.2f})",
                )
            )
        after = figures.after_reveal
        if after.get("human") or after.get("model"):
            lines.append(
                self._side_row(
                    "after the reveal", str(after.get("human", 0)), str(after.get("model", 0))
                )
            )
            lines.append(
                Content.styled("(not in the comparison)", self.get_visual_style("metrics--label"))
            )
        return lines
