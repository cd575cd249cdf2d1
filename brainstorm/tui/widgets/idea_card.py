"""One idea = one card. The screen sets the card's idea; the card asks for actions by message.

Model text is shown literally: it goes in as `Content` (never parsed as markup) after
`textsafe.visible`, so `[bold]` stays text and an ANSI escape shows as `\\x1b[31m`.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Label, Static

from brainstorm.metrics import idea_metrics
from brainstorm.models import Author, Idea, Status
from brainstorm.presentation import status_label
from brainstorm.textsafe import visible

# Actions that change the session (disabled in a read-only session).
WRITE_ACTIONS = frozenset({"edit", "accept", "reject", "draft", "follow_up"})


def literal(text: str) -> Content:
    """Text that is not ours, for display: no markup, control characters written out."""
    return Content(visible(text))


class CardBase(Vertical):
    """The shared look: a head line (badge, flags, number, source), title, body, meta line."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="card-head"):
            yield Label(classes="ref")
            yield Label(classes="badge")
            yield Label("INCOMPLETE", classes="incomplete")
            yield Label(classes="source")
        yield Static(classes="title", markup=False)
        yield Static(classes="body", markup=False)
        yield Label(classes="meta", markup=False)

    def show(
        self, *, ref: str, badge: str, title: str | None, text: str, source: str, meta: str
    ) -> None:
        self.query_one(".ref", Label).update(Content(ref))
        self.query_one(".badge", Label).update(Content(f" {badge} "))
        self.query_one(".source", Label).update(literal(source))
        title_widget = self.query_one(".title", Static)
        title_widget.display = bool(title)
        title_widget.update(literal(title or ""))
        self.query_one(".body", Static).update(literal(text))
        meta_widget = self.query_one(".meta", Label)
        meta_widget.display = bool(meta)
        meta_widget.update(literal(meta))


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def card_meta(idea: Idea) -> str:
    """The figures under a card: technique, revisions, and how much the person changed."""
    parts: list[str] = []
    if idea.technique:
        parts.append(idea.technique)
    if idea.author is Author.MODEL and idea.revisions:
        m = idea_metrics(idea)
        count = idea.revision_count
        parts.append(f"{count} revision{'s' * (count != 1)}")
        parts.append(f"word edits {_percent(m.word_edit_rate)}")
        parts.append(f"model kept {_percent(m.model_retention)}")
    elif idea.revisions:
        parts.append(f"{idea.revision_count} revision{'s' * (idea.revision_count != 1)}")
    if idea.incomplete:
        parts.append("cut off before the reply finished")
    return " · ".join(parts)


class IdeaCard(CardBase, can_focus=True):
    """A stored idea. Keys act on the focused card; the screen does the work."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "request('edit')", "Edit"),
        Binding("a", "request('accept')", "Accept"),
        Binding("x", "request('reject')", "Reject"),
        Binding("d", "request('draft')", "Draft"),
        Binding("h", "request('history')", "History"),
        Binding("f", "request('follow_up')", "Follow"),
        Binding("c", "request('copy')", "Copy", show=False),
        Binding("up,k", "focus_sibling(-1)", "Previous", show=False),
        Binding("down,j", "focus_sibling(1)", "Next", show=False),
    ]

    idea: reactive[Idea | None] = reactive(None, init=False)
    read_only: reactive[bool] = reactive(False, init=False)

    class Requested(Message):
        """The person asked for `action` on idea `idea_id`."""

        def __init__(self, idea_id: int, action: str) -> None:
            super().__init__()
            self.idea_id = idea_id
            self.action = action

    def __init__(self, idea: Idea, *, read_only: bool = False) -> None:
        super().__init__(id=f"idea-{idea.id}", classes="idea-card")
        self.set_reactive(IdeaCard.idea, idea)
        self.set_reactive(IdeaCard.read_only, read_only)
        self.idea_id = idea.id

    def on_mount(self) -> None:
        self._render_idea()

    def watch_idea(self) -> None:
        self._render_idea()

    def watch_read_only(self) -> None:
        self.refresh_bindings()

    def _render_idea(self) -> None:
        idea = self.idea
        if idea is None:
            return
        human = idea.author is Author.HUMAN
        self.set_class(human, "-human")
        for status in Status:
            self.set_class(not human and idea.status is status, f"-{status.value}")
        self.set_class(idea.incomplete, "-incomplete")
        self.set_class(idea.edited, "-edited")
        self.set_class(idea.accepted_as_is, "-as-is")
        self.show(
            ref=f"#{idea.id}",
            badge=status_label(idea),
            title=idea.title,
            text=idea.text,
            source="you" if human else idea.source,
            meta=card_meta(idea),
        )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "request" and parameters:
            name = str(parameters[0])
            if self.read_only and name in WRITE_ACTIONS:
                return None  # shown, but disabled: the notice says why
            idea = self.idea
            if idea is not None:
                if name == "accept" and idea.status is Status.ACCEPTED:
                    return None
                if name == "reject" and idea.status is Status.REJECTED:
                    return None
                if name == "draft" and idea.status is Status.DRAFT:
                    return None
        return True

    def action_request(self, name: str) -> None:
        self.post_message(self.Requested(self.idea_id, name))

    def action_focus_sibling(self, step: int) -> None:
        if step < 0:
            self.screen.focus_previous(IdeaCard)
        else:
            self.screen.focus_next(IdeaCard)


class LiveCard(CardBase):
    """An idea still arriving from the model (not stored yet). Always a DRAFT."""

    def __init__(self, *, writing: bool, source: str) -> None:
        super().__init__(classes="idea-card live-card -draft")
        self._writing = writing
        self._source = source
        self._text = ""
        self._title: str | None = None

    def on_mount(self) -> None:
        self._render_live()

    def set_text(self, text: str, title: str | None = None, *, writing: bool) -> None:
        if (text, title, writing) == (self._text, self._title, self._writing):
            return
        self._text, self._title, self._writing = text, title, writing
        if self.is_mounted:
            self._render_live()

    def _render_live(self) -> None:
        self.set_class(self._writing, "-writing")
        self.show(
            ref="#…",
            badge="DRAFT · writing…" if self._writing else "DRAFT · arriving",
            title=self._title,
            text=self._text or "…",
            source=self._source,
            meta="",
        )
