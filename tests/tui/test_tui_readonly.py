"""A session open in another process opens read-only, with a visible notice."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest
from textual.widgets import Input

from brainstorm.config import Settings
from brainstorm.events import Status
from brainstorm.store import SessionStore
from brainstorm.tui.screens.history import HistoryScreen
from tests.tui.conftest import badges, make_app, open_first_session, screen_text, seed_session

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from brainstorm.store import SessionStore

    writer = SessionStore(Path(sys.argv[1])).open_writer(sys.argv[2])
    print("locked", flush=True)
    sys.stdin.read()  # hold the session until the test closes our stdin
    writer.close()
    """
)


@pytest.fixture
def locked_session(store: SessionStore) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    session_id = seed_session(store)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store.root), session_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    yield session_id, holder
    if holder.poll() is None:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)


async def test_locked_session_opens_read_only_then_can_be_taken_over(
    settings: Settings,
    store: SessionStore,
    locked_session: tuple[str, subprocess.Popen[str]],
) -> None:
    session_id, holder = locked_session
    before = store.path_for(session_id).read_bytes()
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        assert screen.read_only
        flat = " ".join(screen_text(app).split())
        assert f"READ-ONLY: this session is open in another brainstorm (pid {holder.pid})" in flat
        assert "Read-only: this session is open in another window" in flat  # the prompt box
        assert screen.query_one("#prompt", Input).disabled

        # Changes are refused; reading, copying and history still work.
        await pilot.press("a", "x", "d", "e", "n")
        assert app.screen is screen
        assert badges(screen_text(app))[:2] == ["#1 DRAFT", "#2 DRAFT"]
        await pilot.press("c")
        assert app.clipboard == "Phone booths for calls"
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        assert store.path_for(session_id).read_bytes() == before

        # ctrl+r while it is still held: still read-only.
        await pilot.press("ctrl+r")
        assert screen.read_only

        # The other process lets go; ctrl+r takes the session over.
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert not screen.read_only
        assert "READ-ONLY" not in screen_text(app)
        await pilot.press("a")
        await pilot.pause()
        assert badges(screen_text(app))[0] == "#1 ACCEPTED as-is"

    assert store.load(session_id).session.ideas[1].status is Status.ACCEPTED
