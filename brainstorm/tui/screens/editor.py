"""A multi-line editor for one idea's title and text (editing a card, or writing your own
idea). The title is the person's to revise too: a new title alone is a revision.

Invisible and direction-changing characters in the text are shown as escapes (`<U+202E>`,
`\\x1b`; `textsafe.editable`), with a notice saying how many there are: the person sees them
and decides. An escape left in place saves as its original character, a deleted one removes
it, and one the person types stays the text they typed (`EditableText.restore`); saving
without touching anything saves exactly the stored text.

`esc` with typed changes asks before throwing them away; the hint names Textual's TextArea
keys a newcomer looks for (f7 selects all; ctrl+a is "start of line" there, as in a shell)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, TextArea

from brainstorm.textsafe import editable
from brainstorm.tui.screens.confirm import ConfirmScreen

HINT = (
    "ctrl+s saves (a new revision; the original is kept) · tab: title / text · esc cancels"
    " · f7 selects all · ctrl+z undoes typing"
)


@dataclass(frozen=True)
class EditedIdea:
    text: str
    title: str  # "" when the title field was left empty


class EditIdeaScreen(ModalScreen[EditedIdea | None]):
    """Takes the stored text and title; dismisses with the text and title to store, or None
    when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self, heading: str, text: str = "", *, title: str = "", placeholder: str = ""
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.heading = heading
        self.prepared = editable(text)
        self.initial = self.prepared.shown  # what the text area starts with
        self.prepared_title = editable(title)
        self.initial_title = self.prepared_title.shown
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="edit-dialog"):
            yield Label(Content(self.heading), classes="dialog-title")
            if count := self.prepared.count + self.prepared_title.count:
                where = {
                    (True, False): "The title holds",
                    (True, True): "The title and text hold",
                }.get((self.prepared_title.count > 0, self.prepared.count > 0), "This text holds")
                yield Label(
                    Content(
                        f"{where} {count} invisible or direction-changing"
                        f" character{'s' * (count != 1)}, shown as <U+…> or \\x… escapes. Leave"
                        " an escape to keep its character, delete it to remove the character;"
                        " an escape you type yourself stays text."
                    ),
                    id="hidden-notice",
                )
            yield Label(Content("Title"), classes="field-label")
            yield Input(
                self.initial_title,
                placeholder="A short title (optional)",
                compact=True,
                id="title-input",
            )
            yield Label(Content("Text"), classes="field-label")
            yield TextArea(self.initial, soft_wrap=True, id="editor", placeholder=self.placeholder)
            yield Label(Content(HINT), classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        editor = self.query_one(TextArea)
        editor.focus()
        editor.move_cursor(editor.document.end)

    def action_save(self) -> None:
        title = self.prepared_title.restore(self.query_one("#title-input", Input).value)
        self.dismiss(EditedIdea(self.prepared.restore(self.query_one(TextArea).text), title))

    def dirty(self) -> bool:
        """Typed changes that cancelling would throw away."""
        return (
            self.query_one(TextArea).text != self.initial
            or self.query_one("#title-input", Input).value != self.initial_title
        )

    @on(Input.Submitted, "#title-input")
    def _title_done(self) -> None:
        self.query_one(TextArea).focus()

    def action_cancel(self) -> None:
        if not self.dirty():
            self.dismiss(None)
            return
        self.app.push_screen(
            ConfirmScreen(
                "Discard your changes?",
                "What you typed here is not saved. Keep editing (esc) or discard it.",
                "Discard",
                cancel="Keep editing",
            ),
            self._discard_if_confirmed,
        )

    def _discard_if_confirmed(self, discard: bool | None) -> None:
        if discard:
            self.dismiss(None)
        else:
            self.query_one(TextArea).focus()

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()
