"""One card's history: the model's original, every revision, a word diff and the figures."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from brainstorm.metrics.diff import word_diff
from brainstorm.metrics.idea import idea_metrics
from brainstorm.models import Author, Idea
from brainstorm.presentation import decision_label, status_label
from brainstorm.textsafe import visible
from brainstorm.tui.widgets.card_render import literal
from brainstorm.tui.widgets.diff_view import DiffView


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def idea_figures(idea: Idea) -> str:
    m = idea_metrics(idea)
    lines = [
        f"status: {status_label(idea)}",
        f"revisions: {m.revisions}",
    ]
    if idea.author is Author.MODEL:
        lines += [
            f"word edit rate: {_percent(m.word_edit_rate)}"
            f" ({m.word_edits} word edits / {m.final_words} final words)",
            f"char edit rate: {_percent(m.char_edit_rate)}",
            f"model words kept: {_percent(m.model_retention)}"
            f" ({m.kept_words} of {m.original_words})",
            f"model share of the text: {_percent(m.model_share)}",
        ]
        if m.title_changed:
            lines.append("title: changed (its words count in the figures with the text's)")
    if m.edit_seconds is not None:
        lines.append(f"first draft to last edit: {m.edit_seconds:.0f} s")
    return "\n".join(lines)


def decisions(idea: Idea) -> Content:
    """Every review decision with its time; an undone one is dimmed, says when it was undone,
    and an undone edit shows the text it had set (the session file keeps it)."""
    lines: list[Content] = []
    for action in idea.actions:
        line = Content(f"{_when(action.at)}  {decision_label(action)}")
        if action.undone_at is not None:
            line = line.stylize("dim") + Content.styled(
                f"  undone {_when(action.undone_at)}", "italic"
            )
            if action.kind == "revised" and action.text:
                line += Content("\n    ") + Content(visible(action.text)).stylize("dim")
        lines.append(line)
    return Content("\n").join(lines)


class HistoryScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,h", "close", "Close"),
    ]

    def __init__(self, idea: Idea) -> None:
        super().__init__(classes="dialog-screen")
        self.idea = idea

    def compose(self) -> ComposeResult:
        idea = self.idea
        with Vertical(classes="dialog", id="history-dialog"):
            yield Label(
                Content(f"History of idea #{idea.id} · {status_label(idea)}"),
                classes="dialog-title",
            )
            with VerticalScroll(id="history-body"):
                if idea.author is Author.MODEL and idea.original is not None:
                    yield Label(
                        literal(f"Original, by {idea.source} · {_when(idea.created_at)}"),
                        classes="section",
                    )
                    if idea.original_title:
                        yield Static(literal(idea.original_title), classes="history-title")
                    yield Static(literal(idea.original), classes="history-text original")
                else:
                    yield Label(
                        Content(f"Written by you · {_when(idea.created_at)}"), classes="section"
                    )
                    if not idea.revisions:
                        yield Static(literal(idea.text), classes="history-text")
                for number, revision in enumerate(idea.revisions, start=1):
                    yield Label(
                        Content(f"Revision {number} · {_when(revision.at)}"), classes="section"
                    )
                    if revision.title_changed:
                        title = revision.title or "(title removed)"
                        yield Static(literal(title), classes="history-title")
                    yield Static(literal(revision.text), classes="history-text")
                if idea.author is Author.MODEL and idea.original is not None:
                    yield Label(
                        Content("Changes, original → current (struck out: removed; marked: added)"),
                        classes="section",
                    )
                    yield DiffView(word_diff(idea.original, idea.text), id="diff")
                yield Label(Content("Figures"), classes="section")
                yield Static(Content(visible(idea_figures(idea))), id="figures")
                if idea.actions:
                    yield Label(Content("Decisions (undone ones marked)"), classes="section")
                    yield Static(decisions(idea), id="decisions", classes="history-text")
            yield Label(Content("esc closes"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#history-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
