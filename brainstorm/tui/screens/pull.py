"""Offer to pull a missing model, with a progress bar while Ollama downloads it."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, ProgressBar

from brainstorm.llm.base import Backend, BackendError
from brainstorm.textsafe import visible


class PullScreen(ModalScreen[bool]):
    """Dismisses with True once the model is on the server, False when the person gives up."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, model: str, backend: Backend) -> None:
        super().__init__(classes="dialog-screen")
        self.model = model
        self.backend = backend
        self._layer_sizes: dict[str, tuple[int, int]] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="pull-dialog"):
            yield Label(
                Content(
                    visible(f"Model '{self.model}' is not on Ollama at {self.backend.location}")
                ),
                classes="dialog-title",
            )
            yield Label(
                Content("Pull it now? Ollama downloads it once; a stopped pull resumes later."),
                id="pull-status",
            )
            yield ProgressBar(total=None, show_eta=True, id="pull-progress")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Pull", variant="primary", id="pull")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#pull", Button).focus()

    @on(Button.Pressed, "#pull")
    def start_pull(self) -> None:
        self.query_one("#pull", Button).disabled = True
        self.query_one("#pull-status", Label).update(Content("Starting the download…"))
        self._layer_sizes.clear()
        self._pull()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        # Leaving cancels the pull worker with this screen; Ollama keeps what it has.
        self.workers.cancel_group(self, "pull")
        self.dismiss(False)

    @work(exclusive=True, group="pull", exit_on_error=False)
    async def _pull(self) -> None:
        status = self.query_one("#pull-status", Label)
        bar = self.query_one("#pull-progress", ProgressBar)
        try:
            async for step in self.backend.pull(self.model):
                if step.digest and step.total:
                    self._layer_sizes[step.digest] = (step.total, step.completed or 0)
                    total = sum(t for t, _ in self._layer_sizes.values())
                    done = sum(c for _, c in self._layer_sizes.values())
                    bar.update(total=total, progress=done)
                status.update(Content(visible(step.status or "…")))
        except BackendError as error:
            status.update(Content(visible(str(error))))
            button = self.query_one("#pull", Button)
            button.label = "Retry"
            button.disabled = False
            return
        bar.update(total=1, progress=1)
        self.dismiss(True)
