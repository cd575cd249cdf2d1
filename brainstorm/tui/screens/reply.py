"""The whole reply a card's idea came from, exactly as the model sent it (read-only).

Each line is marked with the idea it went into: the card's own lines stand out, and lines no
idea came from (a lead-in, a rule, a closing remark, the idea being written when the reply
stopped) are marked as such — kept in the reply, on no card. See `brainstorm.replies`.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from brainstorm.presentation import model_label
from brainstorm.replies import Reply
from brainstorm.tui.widgets.card_render import literal

NO_IDEA = "none"
STATUS_WORDS = {
    "completed": "completed",
    "incomplete": "incomplete: cut off by the token limit",
    "failed": "failed",
    "cancelled": "stopped",
    "interrupted": "interrupted: the app or command writing it stopped mid-reply",
    "in_progress": "still arriving",
}


def reply_summary(reply: Reply) -> str:
    """ "ollama:llama3.2 @ t=0.9 · completed · asked: more ideas" """
    record = reply.prompt
    status = STATUS_WORDS.get(record.status, record.status)
    if record.status == "failed" and record.reason:
        status = f"failed: {record.reason}"
    asked = record.prompt or "(no extra instruction)"
    return f"{model_label(record.source, record.options)} · {status} · asked: {asked}"


class ReplyScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,r", "close", "Close"),
    ]

    def __init__(self, reply: Reply, idea_id: int) -> None:
        super().__init__(classes="dialog-screen")
        self.reply = reply
        self.idea_id = idea_id

    def compose(self) -> ComposeResult:
        reply = self.reply
        with Vertical(classes="dialog", id="reply-dialog"):
            yield Label(
                Content(f"The reply idea #{self.idea_id} came from"), classes="dialog-title"
            )
            yield Label(literal(reply_summary(reply)), id="reply-summary")
            with VerticalScroll(id="reply-body"):
                if reply.text is None:
                    yield Static(
                        Content(
                            "This session was recorded before replies were kept: only its"
                            " ideas are known."
                        ),
                        classes="reply-note",
                    )
                elif not reply.lines or not reply.text:
                    yield Static(Content("No text arrived."), classes="reply-note")
                for line in reply.lines:
                    yield self._line(line.text.removesuffix("\r"), line.idea, line.blank)
            yield Label(
                Content(
                    f"#{self.idea_id}: this card's lines · {NO_IDEA}: text no idea came from"
                    " (kept in the reply, on no card) · esc closes"
                ),
                classes="dialog-hint",
            )

    def _line(self, text: str, idea: int | None, blank: bool) -> Static:
        if idea is not None:
            gutter, kind = f"#{idea}", "-this-idea" if idea == self.idea_id else "-other-idea"
        elif blank:
            gutter, kind = "", "-blank"
        else:
            gutter, kind = NO_IDEA, "-no-idea"
        return Static(
            Content(f"{gutter:>5} │ ") + literal(text), classes=f"reply-line {kind}", markup=False
        )

    def on_mount(self) -> None:
        body = self.query_one("#reply-body")
        body.focus()
        own = self.query(".-this-idea")
        if own:
            body.scroll_to_widget(own.first(), animate=False, top=True)

    def action_close(self) -> None:
        self.dismiss(None)
