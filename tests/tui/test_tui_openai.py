"""The app on `--backend openai`: its header names the OpenAI-compatible server (never the
credentials in its URL, nor the API key), replies stream into cards that name their source,
and a server that is down is said in the header like Ollama's."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from brainstorm.config import Settings
from brainstorm.events import IdeaDrafted
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from tests.fakes import free_port
from tests.fakes.openai_server import FakeOpenAI
from tests.tui.conftest import (
    MODEL,
    THREE_IDEAS,
    badges,
    fill,
    make_app,
    open_first_session,
    screen_text,
    seed_session,
    settle,
)

KEY = "sk-tui-secret-41f9"
PASSWORD = "pw-tui-7e3d"


def with_credentials(port: int) -> str:
    return f"http://alice:{PASSWORD}@127.0.0.1:{port}/v1"


def assert_no_secrets(text: str) -> None:
    assert PASSWORD not in text and KEY not in text and "alice" not in text


async def test_openai_backend_streams_into_cards_and_keeps_its_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    store = SessionStore(tmp_path / "sessions")
    session_id = seed_session(store)
    with FakeOpenAI({MODEL: THREE_IDEAS}) as fake:
        port = int(fake.url.split(":")[2].split("/")[0])
        settings = Settings(
            sessions_dir=store.root, host=with_credentials(port), backend="openai", model=MODEL
        )
        app = make_app(settings)
        checking = app.backend_state.describe(MODEL)
        assert checking == f"Connecting to the OpenAI-compatible server at {fake.url}…"
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            text = screen_text(app)
            assert f"OpenAI-compatible server at {fake.url} · model {MODEL}" in " ".join(
                text.split()
            )
            assert_no_secrets(text)

            screen = await open_first_session(pilot)
            await ask(pilot, "for a library")
            await settle(pilot)
            text = screen_text(app)
            assert not screen.generating
            assert badges(text)[-3:] == ["#3 DRAFT", "#4 DRAFT", "#5 DRAFT"]
            assert "show loud areas on a screen." in text
            assert f"openai:{MODEL}" in text
            assert_no_secrets(text)
        # The URL's credentials went as basic auth (in place of the key).
        assert fake.chats() and fake.requests[-1].headers["authorization"].startswith("Basic ")
    events, _ = read_events(store.path_for(session_id))
    drafted = [e for e in events if isinstance(e, IdeaDrafted) and e.backend == "openai"]
    assert [(e.model, e.text) for e in drafted][-1] == (MODEL, "show loud areas on a screen.")
    assert_no_secrets(store.path_for(session_id).read_text())


async def test_openai_server_down_is_said_once_in_the_header(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    seed_session(store)
    port = free_port()
    settings = Settings(
        sessions_dir=store.root, host=with_credentials(port), backend="openai", model=MODEL
    )
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        url = f"http://127.0.0.1:{port}/v1"
        assert f"Cannot reach the OpenAI-compatible server at {url}." in " ".join(text.split())
        assert text.count(url) == 1
        assert_no_secrets(text)


async def ask(pilot: Pilot[object], prompt: str) -> None:
    await fill(pilot, "#prompt", prompt)
    await pilot.press("enter")


async def test_a_model_the_server_does_not_serve_is_named_with_the_ones_it_does(
    tmp_path: Path,
) -> None:
    store = SessionStore(tmp_path / "sessions")
    with FakeOpenAI({"qwen3": THREE_IDEAS, "phi4": THREE_IDEAS}) as fake:
        settings = Settings(sessions_dir=store.root, host=fake.url, backend="openai", model=MODEL)
        app = make_app(settings)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            flat = " ".join(screen_text(app).split())
    assert (
        f"Model '{MODEL}' is not served by the OpenAI-compatible server at {fake.url}"
        " (it serves qwen3, phi4); pick another model for a new session." in flat
    )
    assert "shift+p" not in flat  # nothing to pull on this backend
