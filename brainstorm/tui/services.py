"""What a session screen is given by the app, instead of reaching into it: the settings, the
session store, the model server (backend, its state, retry and pull) and the human-first
writing timers. The app builds one `Services` and hands it to every session screen; tests and
benchmarks can hand it something else that keeps the same promises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from textual.dom import DOMNode

from brainstorm.config import Settings
from brainstorm.llm.base import Backend, BackendError
from brainstorm.store import SessionStore
from brainstorm.store_errors import SessionLocked
from brainstorm.tui.connection import BackendState
from brainstorm.tui.round_timer import RoundTimer


class ModelServer(Protocol):
    """The model backend as the app holds it: connected lazily, re-checked on request."""

    @property
    def backend(self) -> Backend | None:
        """The backend once connected (None before the first check ends, or after it failed
        to start)."""

    @property
    def backend_state(self) -> BackendState:
        """What is known about the backend now."""

    def follow_backend_state(
        self, owner: DOMNode, callback: Callable[[BackendState], None]
    ) -> None:
        """Call ``callback`` with every new state while ``owner`` is mounted."""

    def check_backend(self) -> object:
        """(Re)connect and read the model list, in a worker."""

    def backend_failed(self, error: BackendError) -> None:
        """A request found the server gone: the state turns 'down'."""

    def hosts_changed(self) -> None:
        """With several Ollama hosts: a reply may have set one aside; show which are up."""

    def first_time(self, notes: list[str]) -> list[str]:
        """The ``notes`` not said yet in this app (remembered as said from now on)."""

    def offer_pull(
        self,
        model: str,
        *,
        known_missing: bool = False,
        on_done: Callable[[bool], None] | None = None,
    ) -> None:
        """Offer to pull ``model`` (a dialog with progress); ``on_done(pulled)`` after."""


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: SessionStore
    server: ModelServer
    #: Human-first writing timers by session id: they outlive a visit to the session.
    round_timers: dict[str, RoundTimer]
    #: Prompts typed but not sent, by session id: kept when the person leaves the session.
    prompt_drafts: dict[str, str] = field(default_factory=dict)


def locked_notice(locked: SessionLocked) -> str:
    """The notice of a session another process is writing (this window reads it only)."""
    holder = f"pid {locked.pid}" if locked.pid else "another process"
    return (
        f"READ-ONLY: this session is open in another brainstorm ({holder}). You can read,"
        " copy and see history; close it there, then ctrl+r to edit here."
    )
