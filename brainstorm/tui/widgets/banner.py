"""The one place that says how the model backend is doing (with the host it tried)."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from brainstorm.textsafe import visible
from brainstorm.tui.connection import BackendState


class ConnectionBanner(Static):
    """Renders a `BackendState` for one model. The app sets `state`; the screen sets `model`."""

    state: reactive[BackendState | None] = reactive(None)
    model: reactive[str] = reactive("")

    def __init__(self, model: str, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.set_reactive(ConnectionBanner.model, model)

    def on_mount(self) -> None:
        self.watch(self.app, "backend_state", self._follow, init=True)

    def _follow(self, state: BackendState) -> None:
        self.state = state

    def watch_state(self) -> None:
        self._show()

    def watch_model(self) -> None:
        self._show()

    def _show(self) -> None:
        state = self.state
        if state is None:
            return
        level = state.level(self.model)
        for name in ("ok", "warning", "error"):
            self.set_class(level == name, f"-{name}")
        # Messages quote server text and model names: never markup.
        self.update(Content(visible(state.describe(self.model))))
