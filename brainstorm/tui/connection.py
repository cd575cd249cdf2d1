"""What the app knows about its model backend, as one immutable value the widgets render.

The app owns the backend and replaces `BackendState` whenever it learns something (connected,
down, model list changed); the one banner that shows it watches that value. Nothing here talks
to a server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from brainstorm.llm.base import HostStatus

if TYPE_CHECKING:
    from brainstorm.config import Settings

Phase = Literal["checking", "ready", "down"]


def same_model(a: str, b: str) -> bool:
    """Ollama stores `llama3.2` as `llama3.2:latest`: both names mean the same model."""

    def norm(name: str) -> str:
        last = name.rsplit("/", 1)[-1]
        return name if ":" in last else f"{name}:latest"

    return norm(a.strip()) == norm(b.strip())


@dataclass(frozen=True)
class BackendState:
    phase: Phase
    where: str  # the host tried (or the embedded model), for every message
    backend: str = "ollama"  # "ollama", "openai" (an OpenAI-compatible server) or "embedded"
    models: tuple[str, ...] = ()
    message: str = ""  # why it is down, worded for a person
    hint: str | None = None
    reason: str | None = None  # why `auto` chose the offline model
    fixed_model: str | None = None  # a backend with one built-in model writes with that one
    pulling: frozenset[str] = field(default_factory=frozenset)
    # Several Ollama hosts: each one, up or set aside (empty with one server).
    hosts: tuple[HostStatus, ...] = ()

    @property
    def ready(self) -> bool:
        return self.phase == "ready"

    @property
    def can_pull(self) -> bool:
        return self.ready and self.backend == "ollama"

    def effective_model(self, requested: str) -> str:
        return self.fixed_model or requested

    def has_model(self, name: str) -> bool:
        if self.fixed_model:
            return True
        return any(same_model(name, m) for m in self.models)

    def model_missing(self, name: str) -> bool:
        """The server answered, and it does not have `name`."""
        return self.ready and not self.has_model(name)

    def describe(self, model: str) -> str:
        """One line for the banner: where, which model, and what to do when something is off."""
        where = self.where
        server = "the OpenAI-compatible server" if self.backend == "openai" else "Ollama"
        if self.phase == "checking":
            return f"Connecting to {server} at {where}…"
        if self.phase == "down":
            line = self.message
            if where not in line:
                line = f"No model server at {where}. {line}"
            return f"{line.strip()} Browsing, editing and accepting still work; ctrl+r retries."
        if self.backend == "openai":
            if self.model_missing(model):
                served = ", ".join(self.models[:5]) + (", …" if len(self.models) > 5 else "")
                return (
                    f"Model '{model}' is not served by {server} at {where}"
                    + (f" (it serves {served})" if served else "")
                    + "; pick another model for a new session."
                )
            return f"OpenAI-compatible server at {where} · model {model}"
        if self.backend != "ollama":
            line = (
                f"Offline model {self.effective_model(model)}: tiny, its drafts are rough;"
                " review them hard."
            )
            return f"{line} ({self.reason}; ctrl+r retries.)" if self.reason else line
        if self.model_missing(model):
            if model in self.pulling:
                return f"Pulling model '{model}' onto Ollama at {where}…"
            return (
                f"Model '{model}' is not on Ollama at {where}. Press shift+p to pull it"
                " (or pick another model for a new session)."
            )
        if len(self.hosts) > 1:
            return f"Ollama on {self.hosts_line()} · model {model}"
        return f"Ollama at {where} · model {model}"

    def hosts_line(self) -> str:
        """ "2 of 3 hosts up: http://a:11434 ✓, http://b:11434 ✓, http://c:11434 ✗ down" """
        up = sum(1 for h in self.hosts if h.up)
        marks = {True: "✓", False: "✗ down", None: "?"}
        each = ", ".join(f"{h.host} {marks[h.up]}" for h in self.hosts)
        return f"{up} of {len(self.hosts)} hosts up: {each}"

    @property
    def some_host_down(self) -> bool:
        return any(h.up is False for h in self.hosts)

    def level(self, model: str) -> Literal["ok", "warning", "error"]:
        if self.phase == "down":
            return "error"
        if self.phase == "checking" or self.model_missing(model) or self.backend == "embedded":
            return "warning"
        return "warning" if self.some_host_down else "ok"


def initial_state(settings: Settings) -> BackendState:
    """What is known before the first connection check: where it will ask (never with the
    credentials a host URL may carry)."""
    from brainstorm.llm import server_location

    return BackendState(
        "checking",
        where=server_location(settings),
        backend="openai" if settings.backend == "openai" else "ollama",
    )
