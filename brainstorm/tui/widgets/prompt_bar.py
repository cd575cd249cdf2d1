"""The bottom of a session screen: the status line and the prompt box.

The status line says what just happened (a reply streaming, why nothing was sent, what a
finished reply kept); the prompt box's title names the ensemble when prompts go to more than
the session's model. Letters typed in the prompt box are a prompt, never a review key: the
box keeps every printable key, and only tab (or shift+tab) moves to the cards.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label

from brainstorm.sources import Ensemble
from brainstorm.textsafe import visible
from brainstorm.tui.status_line import Level

PLACEHOLDER = "Ask for ideas (enter sends, esc stops)"
READ_ONLY_PLACEHOLDER = "Read-only: this session is open in another window"


class PromptInput(Input):
    """The prompt box; its keys show in the footer while it has the focus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Send"),
        Binding("tab", "screen.focus_cards", "Cards"),
    ]


class PromptBar(Vertical):
    def __init__(self, drafts: dict[str, str], session_id: str) -> None:
        super().__init__()
        self.drafts = drafts  # prompts typed but not sent, by session (kept by the app)
        self.session_id = session_id

    def on_mount(self) -> None:
        self.prompt.value = self.drafts.get(self.session_id, "")

    @on(Input.Changed, "#prompt")
    def _keep(self, event: Input.Changed) -> None:
        """A prompt not sent yet outlives leaving the session, for the next visit."""
        if event.value.strip():
            self.drafts[self.session_id] = event.value
        else:
            self.drafts.pop(self.session_id, None)

    def compose(self) -> ComposeResult:
        yield Label("", id="stream-status")
        yield PromptInput(id="prompt", placeholder=PLACEHOLDER)

    @property
    def prompt(self) -> Input:
        return self.query_one("#prompt", Input)

    def say(self, text: str, level: Level = "info") -> None:
        """Put ``text`` (shown literally) in the status line."""
        label = self.query_one("#stream-status", Label)
        label.update(Content(visible(text)))
        for name in ("info", "warning", "error"):
            label.set_class(level == name, f"-{name}")

    def set_read_only(self, read_only: bool) -> None:
        prompt = self.prompt
        prompt.disabled = read_only
        prompt.placeholder = READ_ONLY_PLACEHOLDER if read_only else PLACEHOLDER

    def show_ensemble(self, ensemble: Ensemble | None) -> None:
        """Name where prompts go when that is not the session's model alone."""
        self.prompt.border_title = (
            Content(visible(f"ensemble, {ensemble.describe()}")) if ensemble is not None else None
        )

    def pull_finished(self, model: str, pulled: bool) -> None:
        """Say how a pull ended (and that a prompt typed before it can go now)."""
        if not pulled:
            self.say(f"'{model}' was not pulled; asking for ideas needs it.", "warning")
            return
        waiting = " Press enter to send your prompt." if self.prompt.value else ""
        self.say(f"Pulled '{model}'.{waiting}")
