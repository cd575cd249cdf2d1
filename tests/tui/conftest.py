"""Fixtures for the Textual app tests: a sessions folder, settings pointing at the fake Ollama
server, and helpers that read what the screen shows."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from textual.worker import WorkerCancelled

from brainstorm.config import Settings
from brainstorm.events import IdeaDrafted
from brainstorm.store import SessionStore
from brainstorm.tui.app import BrainstormApp
from brainstorm.tui.screens.session import SessionScreen
from tests.fakes import FakeOllama

MODEL = "llama3.2"

# A reply that splits into three ideas; the fake streams it a word at a time.
THREE_IDEAS = (
    "Here are three ideas:\n"
    "1. **Phone booths**: soundproof booths for calls.\n"
    "2. **Quiet hours**: no meetings before noon.\n"
    "3. **Noise maps**: show loud areas on a screen."
)


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions")


@pytest.fixture
def ollama(fake_ollama: FakeOllama) -> Iterator[FakeOllama]:
    """The fake server with the default model installed and a three-idea reply."""
    fake_ollama.add_model(MODEL, reply=THREE_IDEAS)
    yield fake_ollama
    fake_ollama.release()  # never leave a parked stream behind


@pytest.fixture
def settings(ollama: FakeOllama, store: SessionStore) -> Settings:
    return Settings(sessions_dir=store.root, host=ollama.url, backend="ollama", model=MODEL)


def make_app(settings: Settings) -> BrainstormApp:
    return BrainstormApp(settings)


def screen_text(app: App[object]) -> str:
    """The characters on the terminal now (what a person sees, without colours)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text(styles=False)


def badges(text: str) -> list[str]:
    """The number and status badge of every card on screen, top to bottom."""
    found = re.findall(r"(#\d+) +((?:DRAFT|ACCEPTED|REJECTED|YOURS)[^\n│┃╏║]*?)\s{2,}", text)
    return [f"{ref} {badge.strip()}" for ref, badge in found]


async def fill(pilot: Pilot[object], selector: str, text: str) -> None:
    """Put `text` into the Input or TextArea `selector` of the current screen, as a paste
    would (typing it key by key costs ~20 ms a key in the test harness)."""
    widget = pilot.app.screen.query_one(selector)
    if isinstance(widget, Input):
        widget.focus()
        widget.insert_text_at_cursor(text)
    elif isinstance(widget, TextArea):
        widget.focus()
        widget.insert(text)
    else:
        raise TypeError(f"{selector} is a {type(widget).__name__}, not a text field")
    await pilot.pause()


async def wait_for(pilot: Pilot[object], condition: Callable[[], bool], rounds: int = 500) -> None:
    """Let the app run (pilot.pause: until it is idle, no fixed sleeps) until `condition`
    holds, e.g. until bytes a worker is reading from the fake server have been handled."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("the condition never became true")


async def settle(pilot: Pilot[object]) -> None:
    """Wait until every worker (connection check, session list, generation) has finished
    and the messages they posted are handled. A worker replaced by a newer one of its group
    (the near-duplicate analysis of a big session, after new ideas) counts as finished."""
    for _ in range(2):
        for worker in list(pilot.app.workers):
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()


def session_screen(app: App[object]) -> SessionScreen:
    screen = app.screen
    assert isinstance(screen, SessionScreen), f"expected the session screen, got {screen!r}"
    return screen


def seed_session(store: SessionStore, topic: str = "Quieter open-plan offices") -> str:
    """A session with two model drafts, written through the real store."""
    with store.create(topic, technique="open", default_model=MODEL) as writer:
        writer.append(
            IdeaDrafted(
                idea=1,
                text="Phone booths for calls",
                title="Booths",
                model=MODEL,
                backend="ollama",
                technique="open",
            )
        )
        writer.append(
            IdeaDrafted(
                idea=2,
                text="Quiet hours every morning",
                model=MODEL,
                backend="ollama",
                technique="open",
            )
        )
        return writer.session_id


async def open_first_session(pilot: Pilot[object]) -> SessionScreen:
    await settle(pilot)
    await pilot.press("enter")
    await pilot.pause()
    return session_screen(pilot.app)
