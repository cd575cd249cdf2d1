"""The model server down or missing the model: the app opens, says so in one place (with the
host it tried), keeps browsing and reviewing working, and offers a pull with progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import ProgressBar

from brainstorm.config import Settings
from brainstorm.events import Status
from brainstorm.store import SessionStore
from brainstorm.tui.connection import BackendState
from brainstorm.tui.screens.pull import PullScreen
from brainstorm.tui.screens.sessions import SessionListScreen
from brainstorm.tui.widgets.banner import ConnectionBanner
from tests.fakes import FakeOllama
from tests.tui.conftest import (
    MODEL,
    badges,
    fill,
    make_app,
    open_first_session,
    screen_text,
    seed_session,
    settle,
    wait_for,
)


async def test_ollama_down_app_opens_says_so_once_and_reviewing_works(
    dead_ollama_url: str, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "sessions")
    session_id = seed_session(store)
    settings = Settings(
        sessions_dir=store.root, host=dead_ollama_url, backend="ollama", model=MODEL
    )
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        flat = " ".join(text.split())
        assert f"Cannot reach Ollama at {dead_ollama_url}." in flat
        assert "Browsing, editing and accepting still work" in flat
        assert text.count(dead_ollama_url) == 1  # one place, not a toast per screen
        assert "Quieter open-plan offices" in text  # the list still works

        # The new-session form still opens, and says why the model list is short.
        await pilot.press("n")
        assert "nothing answers at" in " ".join(screen_text(app).split())
        await pilot.press("escape")

        screen = await open_first_session(pilot)
        assert screen.query_one(ConnectionBanner).has_class("-error")
        await pilot.press("tab", "a")  # to the cards; accept #1
        await pilot.press("down", "e")
        await pilot.press("end")
        await fill(pilot, "#editor", " before nine")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert badges(screen_text(app))[:2] == ["#1 ACCEPTED as-is", "#2 DRAFT (edited)"]

        # Asking for ideas explains itself instead of failing.
        await fill(pilot, "#prompt", "more")
        await pilot.press("enter")
        text = screen_text(app)
        assert "Not sent: the model server is not answering" in " ".join(text.split())
        assert text.count(dead_ollama_url) == 1  # still only in the notice at the top
        assert screen.query_one("#prompt").value == "more"  # nothing typed is lost

        await pilot.press("tab", "escape")  # back to the list (the unsent prompt is kept)
        await settle(pilot)
        assert isinstance(app.screen, SessionListScreen)
        await open_first_session(pilot)
        assert app.screen.query_one("#prompt").value == "more"
        await pilot.press("tab", "escape")
        await settle(pilot)

    ideas = store.load(session_id).session.ideas
    assert ideas[1].status is Status.ACCEPTED
    assert ideas[2].text == "Quiet hours every morning before nine"


async def test_server_comes_back_after_retry(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    fake_ollama.add_model(MODEL)
    store = SessionStore(tmp_path / "sessions")
    fake_ollama.fail_with(500, "runner crashed", path="/api/tags", times=1)
    settings = Settings(
        sessions_dir=store.root, host=fake_ollama.url, backend="ollama", model=MODEL
    )
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "runner crashed" in screen_text(app)
        assert app.backend_state.phase == "down"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.backend_state.phase == "ready"
        assert f"Ollama at {fake_ollama.url} · model {MODEL}" in screen_text(app)


async def test_missing_model_offers_a_pull_with_progress(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.add_pullable(MODEL, reply="1. Pulled: it works.")
    store = SessionStore(tmp_path / "sessions")
    session_id = seed_session(store)
    settings = Settings(
        sessions_dir=store.root, host=fake_ollama.url, backend="ollama", model=MODEL
    )
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        flat = " ".join(screen_text(app).split())
        assert f"Model '{MODEL}' is not on Ollama at {fake_ollama.url}. Press shift+p" in flat

        await open_first_session(pilot)
        await fill(pilot, "#prompt", "go")
        await pilot.press("enter")  # sending offers the pull
        assert isinstance(app.screen, PullScreen)
        assert f"Model '{MODEL}' is not on Ollama" in screen_text(app)

        # Park the download after the first layer is half done (lines 0-2 sent).
        fake_ollama.hold(after=3, path="/api/pull")
        await pilot.press("enter")  # the focused Pull button
        assert await fake_ollama.wait_for_held_async()
        bar = app.screen.query_one(ProgressBar)
        await wait_for(pilot, lambda: bar.progress > 0)
        assert bar.total is not None and 0 < bar.progress < bar.total
        assert "pulling" in screen_text(app)

        fake_ollama.release()
        await settle(pilot)
        assert not isinstance(app.screen, PullScreen)
        assert fake_ollama.installed(MODEL)
        assert app.backend_state.has_model(MODEL)
        assert f"Pulled '{MODEL}'. Press enter to send your prompt." in screen_text(app)

        # The prompt was kept: send it now.
        await pilot.press("enter")
        await settle(pilot)
        assert "it works." in screen_text(app)
    assert len(store.load(session_id).session.ideas) == 3


async def test_prompt_sent_while_connecting_waits_for_the_server(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    session_id = seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first_session(pilot)
        # A connection check is under way (as right after start-up, or after ctrl+r).
        app.backend_state = BackendState("checking", where=ollama.url)
        await fill(pilot, "#prompt", "early")
        await pilot.press("enter")
        assert "sending as soon as it answers" in screen_text(app)
        assert not ollama.requests_to("/api/chat")
        app.check_backend()
        await settle(pilot)
        assert "early" in ollama.last_request("/api/chat").messages[-1]["content"]
        assert "3 new DRAFT ideas" in screen_text(app)
    assert len(store.load(session_id).session.ideas) == 5


async def test_auto_falls_back_to_the_offline_model_and_says_so(
    dead_ollama_url: str, tmp_path: Path
) -> None:
    from brainstorm.llm import embedded_available

    if not embedded_available():
        pytest.skip("the embedded extra is not installed")
    settings = Settings(
        sessions_dir=tmp_path / "sessions", host=dead_ollama_url, backend="auto", model=MODEL
    )
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        flat = " ".join(screen_text(app).split())
        assert "Offline model smollm2" in flat and "drafts are rough" in flat
        assert f"(Ollama did not answer at {dead_ollama_url}; ctrl+r retries.)" in flat
        assert app.backend_state.ready and app.backend_state.backend == "embedded"
