"""Pick a follow-up for one card: expand it, ask for variations, or a critique."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

FOLLOW_UP_CHOICES: tuple[tuple[str, str], ...] = (
    ("expand", "Expand: develop this idea in more detail"),
    ("variations", "Variations: several different takes on it"),
    ("critique", "Critique: weaknesses, risks and how to fix them"),
)


class FollowUpScreen(ModalScreen[str | None]):
    """Dismisses with a follow-up kind ("expand", "variations", "critique") or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, idea_id: int) -> None:
        super().__init__(classes="dialog-screen")
        self.idea_id = idea_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="follow-up-dialog"):
            yield Label(Content(f"Follow-up on idea #{self.idea_id}"), classes="dialog-title")
            yield OptionList(
                *[Option(Content(label), id=kind) for kind, label in FOLLOW_UP_CHOICES],
                id="follow-ups",
            )
            yield Label(
                Content("enter asks the model · the replies arrive as new DRAFT cards"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
