"""The ensemble dialog: send each prompt to several models, temperatures and seeds at once.

The person picks models from the server's list and types temperatures and seeds as comma
lists; every combination is one source (`brainstorm.sources.Ensemble`, the same
rules as ``brainstorm ask --models --temperatures --seeds``). The session screen keeps the
choice until it is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList

from brainstorm.sources import Ensemble, parse_floats, parse_ints
from brainstorm.textsafe import visible
from brainstorm.tui.connection import BackendState, same_model


def is_single(ensemble: Ensemble, model: str) -> bool:
    """Just ``model`` with its defaults: the same as no ensemble."""
    return (
        len(ensemble.models) == 1
        and same_model(ensemble.models[0], model)
        and not ensemble.varies_options
    )


@dataclass(frozen=True)
class EnsembleChoices:
    models: list[str]  # on the server (may be empty when it is down)
    session_model: str  # the session's own model: what a prompt goes to without an ensemble
    current: Ensemble | None  # the ensemble in use, if any
    note: str = ""  # why the list is short, or what the offline backend does

    @classmethod
    def for_state(
        cls, state: BackendState, session_model: str, current: Ensemble | None
    ) -> EnsembleChoices:
        """The choices the backend offers now, with a note when the list is short."""
        if state.phase == "down":
            note = f"The model list is unavailable: nothing answers at {state.where}."
        elif state.phase == "checking":
            note = "Still asking the server for its models…"
        elif state.fixed_model:
            note = (
                f"The offline model {state.fixed_model} is the only model here: temperatures"
                " and seeds still make an ensemble of it."
            )
        else:
            note = ""
        return cls(
            models=list(state.models), session_model=session_model, current=current, note=note
        )


def _display_name(name: str) -> str:
    """Ollama lists `qwen3:latest`; people (and the session) say `qwen3`."""
    return name.removesuffix(":latest")


def _number(value: float) -> str:
    return f"{value:g}"


class EnsembleScreen(ModalScreen[Ensemble | None]):
    """Dismisses with the ensemble to use, None when cancelled. "Single model" dismisses
    with an ensemble of the session's model alone (the screen treats it as no ensemble)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, choices: EnsembleChoices) -> None:
        super().__init__(classes="dialog-screen")
        self.choices = choices

    def _model_names(self) -> list[str]:
        """The server's models, with the session's model and the current ensemble's first."""
        c = self.choices
        names: list[str] = []

        def add(name: str) -> None:
            if not any(same_model(name, known) for known in names):
                names.append(name)

        add(c.session_model)
        for name in c.current.models if c.current else ():
            add(name)
        for name in c.models:
            add(_display_name(name))
        return names

    def compose(self) -> ComposeResult:
        c = self.choices
        chosen = list(c.current.models) if c.current else [c.session_model]
        selections: list[tuple[Content, str, bool]] = []
        for name in self._model_names():
            on_server = any(same_model(name, m) for m in c.models)
            label = name if on_server or not c.models else f"{name} (not on the server)"
            picked = any(same_model(name, m) for m in chosen)
            selections.append((Content(visible(label)), name, picked))
        temperatures = ", ".join(map(_number, c.current.temperatures)) if c.current else ""
        seeds = ", ".join(map(str, c.current.seeds)) if c.current else ""
        with Vertical(classes="dialog", id="ensemble-dialog"):
            yield Label(Content("Ensemble: each prompt to several sources"), classes="dialog-title")
            yield Label(
                Content(
                    "Every combination of the models, temperatures and seeds below answers each"
                    " prompt, all at once; every card names its source."
                ),
                classes="dialog-hint",
            )
            yield Label(Content("Models (space picks)"), classes="field-label")
            yield SelectionList[str](*selections, compact=True, id="ensemble-models")
            if c.note:
                yield Label(Content(visible(c.note)), classes="dialog-hint")
            yield Label(
                Content("Temperatures, e.g. 0.3, 0.9 (empty: the model's default)"),
                classes="field-label",
            )
            yield Input(temperatures, compact=True, id="temperatures")
            yield Label(Content("Seeds, e.g. 1, 2 (optional)"), classes="field-label")
            yield Input(seeds, compact=True, id="seeds")
            yield Label("", id="ensemble-preview", classes="dialog-hint")
            yield Label("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Use", variant="primary", compact=True, id="use")
                yield Button("Single model", compact=True, id="single")
                yield Button("Cancel", compact=True, id="cancel")

    def on_mount(self) -> None:
        self.query_one("#ensemble-models", SelectionList).focus()
        self._preview()

    def _chosen(self) -> Ensemble:
        """The ensemble the form describes; ValueError (worded for a person) when it is not
        a valid one."""
        picker: SelectionList[str] = self.query_one("#ensemble-models", SelectionList)
        selected = set(picker.selected)
        models = tuple(name for name in self._model_names() if name in selected)
        if not models:
            raise ValueError("Pick at least one model.")
        temperatures_text = self.query_one("#temperatures", Input).value
        seeds_text = self.query_one("#seeds", Input).value
        try:
            temperatures = parse_floats(temperatures_text) if temperatures_text.strip() else []
        except ValueError as problem:
            raise ValueError(f"Temperatures: {problem}") from None
        try:
            seeds = parse_ints(seeds_text) if seeds_text.strip() else []
        except ValueError as problem:
            raise ValueError(f"Seeds: {problem}") from None
        ensemble = Ensemble(models, tuple(temperatures), tuple(seeds))
        ensemble.sources()  # raises for too many combinations
        return ensemble

    @on(SelectionList.SelectedChanged)
    @on(Input.Changed)
    def _preview(self) -> None:
        preview = self.query_one("#ensemble-preview", Label)
        error = self.query_one("#form-error", Label)
        try:
            ensemble = self._chosen()
        except ValueError as problem:
            preview.update("")
            error.update(Content(visible(str(problem))))
            return
        error.update("")
        preview.update(Content(visible(ensemble.describe())))

    @on(Input.Submitted)
    @on(Button.Pressed, "#use")
    def use(self) -> None:
        try:
            ensemble = self._chosen()
        except ValueError as problem:
            self.query_one("#form-error", Label).update(Content(visible(str(problem))))
            return
        self.dismiss(ensemble)

    @on(Button.Pressed, "#single")
    def _single(self) -> None:
        self.dismiss(Ensemble((self.choices.session_model,)))

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)
