"""The new-session form: topic, technique (from prompts/), model (from the server's list),
human-first or not, and for a human-first session an optional writing timer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select

from brainstorm.textsafe import visible
from brainstorm.tui.connection import same_model
from brainstorm.tui.round_timer import TIMER_CHOICES


@dataclass(frozen=True)
class NewSessionRequest:
    topic: str
    technique: str
    model: str
    human_first: bool = False
    timer_minutes: int = 0  # human-first: a writing timer to start (0: none)


@dataclass(frozen=True)
class NewSessionChoices:
    techniques: list[tuple[str, str]]  # (name, one-line description)
    technique: str  # the default
    models: list[str]  # from the server; may be empty when it is down
    model: str  # the default (settings)
    models_note: str = ""  # why the list is short, e.g. "Ollama is not reachable"


class NewSessionScreen(ModalScreen[NewSessionRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, choices: NewSessionChoices) -> None:
        super().__init__(classes="dialog-screen")
        self.choices = choices

    def compose(self) -> ComposeResult:
        c = self.choices
        models = list(c.models)
        default = next((m for m in models if same_model(m, c.model)), None)
        if default is None:
            default = c.model
            models.insert(0, c.model)
        model_options = [
            (Content(visible(m if m in c.models else f"{m} (not on the server)")), m)
            for m in models
        ]
        with Vertical(classes="dialog", id="new-session-dialog"):
            yield Label(Content("New session"), classes="dialog-title")
            yield Label(Content("Topic"), classes="field-label")
            yield Input(placeholder="What do you want ideas about?", compact=True, id="topic")
            yield Label(Content("Technique"), classes="field-label")
            yield Select(
                [(Content(visible(f"{name}: {about}")), name) for name, about in c.techniques],
                value=c.technique if c.technique in dict(c.techniques) else Select.NULL,
                allow_blank=not c.techniques,
                compact=True,
                id="technique",
            )
            yield Label(Content("Model"), classes="field-label")
            yield Select(model_options, value=default, allow_blank=False, compact=True, id="model")
            if c.models_note:
                yield Label(Content(visible(c.models_note)), classes="dialog-hint")
            yield Checkbox(
                "Human-first: write my own ideas before seeing the model's",
                compact=True,
                id="human-first",
            )
            with Horizontal(id="timer-row"):
                yield Label(Content("Writing timer"), id="timer-label")
                yield Select(
                    [(Content(f"{m} minutes" if m else "none"), m) for m in TIMER_CHOICES],
                    value=0,
                    allow_blank=False,
                    compact=True,
                    disabled=True,
                    id="timer",
                )
            yield Label("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create", variant="primary", compact=True, id="create")
                yield Button("Cancel", compact=True, id="cancel")

    def on_mount(self) -> None:
        self.query_one("#topic", Input).focus()

    @on(Checkbox.Changed, "#human-first")
    def _human_first_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#timer", Select).disabled = not event.value

    @on(Input.Submitted, "#topic")
    @on(Button.Pressed, "#create")
    def create(self) -> None:
        topic = self.query_one("#topic", Input).value.strip()
        if not topic:
            self.query_one("#form-error", Label).update(Content("A session needs a topic."))
            self.query_one("#topic", Input).focus()
            return
        technique = self.query_one("#technique", Select).value
        model = self.query_one("#model", Select).value
        human_first = self.query_one("#human-first", Checkbox).value
        timer = self.query_one("#timer", Select).value
        self.dismiss(
            NewSessionRequest(
                topic=topic,
                technique=technique if isinstance(technique, str) else self.choices.technique,
                model=model if isinstance(model, str) else self.choices.model,
                human_first=human_first,
                timer_minutes=timer if human_first and isinstance(timer, int) else 0,
            )
        )

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)
