"""The human-first writing timer dialog: start a countdown (minutes), or stop the one running."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from brainstorm.tui.round_timer import parse_minutes

#: What the dialog returns to stop the running timer (None: cancelled, > 0: start, minutes).
STOP = 0.0


class TimerScreen(ModalScreen[float | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, minutes: float, *, running: str | None = None) -> None:
        """``minutes``: the value offered; ``running``: the time left of the timer that runs
        (it can then be stopped or replaced)."""
        super().__init__(classes="dialog-screen")
        self.minutes = minutes
        self.running = running

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="timer-dialog"):
            yield Label(Content("Writing timer"), classes="dialog-title")
            yield Label(
                Content(
                    "A countdown while you write your own ideas. When it ends you are reminded"
                    " to reveal the model's ideas; they are never revealed without you."
                ),
                classes="dialog-hint",
            )
            if self.running is not None:
                yield Label(Content(f"Running: {self.running} left."), id="timer-running")
            yield Label(Content("Minutes"), classes="field-label")
            yield Input(f"{self.minutes:g}", compact=True, id="minutes")
            yield Label("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start", variant="primary", compact=True, id="start")
                if self.running is not None:
                    yield Button("Stop timer", compact=True, id="stop")
                yield Button("Cancel", compact=True, id="cancel")

    def on_mount(self) -> None:
        self.query_one("#minutes", Input).focus()

    @on(Input.Submitted, "#minutes")
    @on(Button.Pressed, "#start")
    def start(self) -> None:
        try:
            minutes = parse_minutes(self.query_one("#minutes", Input).value)
        except ValueError as problem:
            self.query_one("#form-error", Label).update(Content(str(problem)))
            return
        self.dismiss(minutes)

    @on(Button.Pressed, "#stop")
    def _stop(self) -> None:
        self.dismiss(STOP)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)
