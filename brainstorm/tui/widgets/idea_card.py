"""One idea = one card. The screen sets the card's idea; the card asks for actions by message.

Model text is shown literally: it goes in as `Content` (never parsed as markup) after
`textsafe.visible`, so `[bold]` stays text and an ANSI escape shows as `\\x1b[31m`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.style import Style
from textual.widget import Widget

from brainstorm.metrics import idea_metrics
from brainstorm.models import Author, Idea, Status
from brainstorm.presentation import source_label, status_label
from brainstorm.textsafe import visible
from brainstorm.tui.widgets.card_styles import CardStyles

# Actions that change the session (disabled in a read-only session).
WRITE_ACTIONS = frozenset({"edit", "accept", "reject", "draft", "follow_up"})


def literal(text: str) -> Content:
    """Text that is not ours, for display: no markup, control characters written out."""
    return Content(visible(text))


@dataclass(frozen=True)
class CardView:
    """What a card shows, as plain strings (rendered literally)."""

    ref: str
    badge: str
    title: str | None
    text: str
    source: str
    meta: str
    incomplete: bool = False
    flag: str = ""  # near-duplicates, e.g. "≈ #3 #7"


class CardBase(Widget):
    """The shared look: a head line (number, badge, flags, source), title, body, meta line.

    One widget that renders one `Content` (no child widgets), so a session with hundreds of
    ideas opens quickly. Its colours come from the screen's `CardStyles` (see there why).
    """

    view: reactive[CardView] = reactive(CardView("", "", None, "", "", ""), layout=True)
    kind = "draft"  # draft, accepted, rejected, human or live: picks badge and body styles

    def __init__(self, view: CardView, *, id: str | None = None, classes: str = "") -> None:
        super().__init__(id=id, classes=classes)
        self.set_reactive(CardBase.view, view)
        self._styles: CardStyles | None = None

    def show(self, view: CardView) -> None:
        self.view = view

    def _part(self, name: str, kind: str | None = None) -> Style:
        if self._styles is None:
            found = self.screen.query(CardStyles)
            if not found:
                return Style()
            self._styles = found.first()
        return self._styles.part(name, kind)

    def render(self) -> Content:
        view = self.view
        part = self._part
        head = Content.assemble(
            (view.ref, part("ref")), " ", (f" {view.badge} ", part("badge", self.kind))
        )
        if view.incomplete:
            head += Content.assemble(" ", (" INCOMPLETE ", part("incomplete")))
        if view.flag:
            head += Content.assemble(" ", (f" {view.flag} ", part("duplicate")))
        source = literal(view.source).stylize(part("source"))
        gap = self.size.width - head.cell_length - source.cell_length
        head = head + Content(" " * max(1, gap)) + source
        lines = [head]
        if view.title:
            lines.append(literal(view.title).stylize(part("title")))
        lines.append(literal(view.text).stylize(part("body", self.kind)))
        if view.meta:
            lines.append(literal(view.meta).stylize(part("meta")))
        return Content("\n").join(lines)


#: At most this many other ideas are named in a card's near-duplicate flag ("+2" for more).
FLAG_IDS = 4


def duplicate_flag(others: tuple[int, ...]) -> str:
    """ "≈ #3 #7": the other ideas of a card's near-duplicate group ("" when it has none)."""
    if not others:
        return ""
    shown = " ".join(f"#{i}" for i in others[:FLAG_IDS])
    more = len(others) - FLAG_IDS
    return f"≈ {shown} +{more}" if more > 0 else f"≈ {shown}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def card_meta(idea: Idea, origin: str | None = None) -> str:
    """The figures under a card: technique, revisions, and how much the person changed."""
    parts: list[str] = [origin] if origin else []
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
    #: The other ideas of this one's near-duplicate group (set by the screen).
    duplicates: reactive[tuple[int, ...]] = reactive((), init=False)

    class Requested(Message):
        """The person asked for `action` on idea `idea_id`."""

        def __init__(self, idea_id: int, action: str) -> None:
            super().__init__()
            self.idea_id = idea_id
            self.action = action

    def __init__(
        self,
        idea: Idea,
        *,
        read_only: bool = False,
        origin: str | None = None,
        duplicates: tuple[int, ...] = (),
    ) -> None:
        self.origin = origin
        self._duplicates = duplicates  # read by _view_of before the reactive exists
        super().__init__(self._view_of(idea), id=f"idea-{idea.id}", classes="idea-card")
        self.set_reactive(IdeaCard.idea, idea)
        self.set_reactive(IdeaCard.read_only, read_only)
        self.set_reactive(IdeaCard.duplicates, duplicates)
        self.idea_id = idea.id
        self._set_classes(idea)
        self.set_class(bool(duplicates), "-duplicate")

    def watch_idea(self) -> None:
        self._render_idea()

    def watch_read_only(self) -> None:
        self.refresh_bindings()

    def watch_duplicates(self, duplicates: tuple[int, ...]) -> None:
        self._duplicates = duplicates
        self.set_class(bool(duplicates), "-duplicate")
        self._render_idea()

    def _view_of(self, idea: Idea) -> CardView:
        return CardView(
            ref=f"#{idea.id}",
            badge=status_label(idea),
            title=idea.title,
            text=idea.text,
            source=source_label(idea),
            meta=card_meta(idea, self.origin),
            incomplete=idea.incomplete,
            flag=duplicate_flag(self._duplicates),
        )

    def _set_classes(self, idea: Idea) -> None:
        human = idea.author is Author.HUMAN
        self.kind = "human" if human else idea.status.value
        self.set_class(human, "-human")
        for status in Status:
            self.set_class(not human and idea.status is status, f"-{status.value}")
        self.set_class(idea.incomplete, "-incomplete")
        self.set_class(idea.edited, "-edited")
        self.set_class(idea.accepted_as_is, "-as-is")

    def _render_idea(self) -> None:
        idea = self.idea
        if idea is None:
            return
        self._set_classes(idea)
        self.show(self._view_of(idea))
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
        self._source = source
        super().__init__(self._view_for("", None, writing), classes="idea-card live-card -draft")
        self.kind = "live"
        self.set_class(writing, "-writing")

    def _view_for(self, text: str, title: str | None, writing: bool) -> CardView:
        return CardView(
            ref="#…",
            badge="DRAFT · writing…" if writing else "DRAFT · arriving",
            title=title,
            text=text or "…",
            source=self._source,
            meta="",
        )

    def set_text(self, text: str, title: str | None = None, *, writing: bool) -> None:
        self.set_class(writing, "-writing")
        self.show(self._view_for(text, title, writing))
