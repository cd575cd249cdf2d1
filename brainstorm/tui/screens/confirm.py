"""A yes / no question for actions that cannot be undone (cancel, the safe answer, is focused)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True for the confirming button, False for cancel or esc."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, detail: str, confirm: str, *, cancel: str = "Cancel") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.detail = detail
        self.confirm = confirm
        self.cancel = cancel

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Label(Content(self.question), classes="dialog-title")
            yield Label(Content(self.detail))
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.confirm, variant="warning", compact=True, id="confirm")
                yield Button(self.cancel, compact=True, id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#confirm")
    def _confirmed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancelled(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)
