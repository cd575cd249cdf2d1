"""A multi-line editor for one idea's text (editing a card, or writing your own idea)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea


class EditIdeaScreen(ModalScreen[str | None]):
    """Dismisses with the new text, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, heading: str, text: str = "", *, placeholder: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.heading = heading
        self.initial = text
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="edit-dialog"):
            yield Label(Content(self.heading), classes="dialog-title")
            yield TextArea(self.initial, soft_wrap=True, id="editor", placeholder=self.placeholder)
            yield Label(
                Content("ctrl+s saves (a new revision; the original is kept) · esc cancels"),
                classes="dialog-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        editor = self.query_one(TextArea)
        editor.focus()
        editor.move_cursor(editor.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()
