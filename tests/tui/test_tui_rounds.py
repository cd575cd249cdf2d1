"""Human-first sessions in the app: model replies stay hidden (even while they stream) until
the person reveals them."""

from __future__ import annotations

from textual.widgets import Checkbox

from brainstorm.config import Settings
from brainstorm.events import IdeaDrafted, IdeasRevealed, PromptSent
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.tui.screens.confirm import ConfirmScreen
from tests.fakes import FakeOllama, split_reply
from tests.tui.conftest import (
    THREE_IDEAS,
    badges,
    fill,
    screen_text,
    session_screen,
    settle,
)
from tests.tui.conftest import make_app as app_for
from tests.tui.test_tui_streaming import wait_for_redraw_of


async def test_human_first_keeps_model_ideas_hidden_until_revealed(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    app = app_for(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await fill(pilot, "#topic", "Quieter offices")
        app.screen.query_one("#human-first", Checkbox).value = True
        await pilot.click("#create")
        await pilot.pause()
        screen = session_screen(app)
        assert screen.session.human_first
        assert "Human-first round" in screen_text(app)

        # Ask while the round runs: the reply streams, but none of it shows.
        held_after = len(split_reply(THREE_IDEAS)) - 2
        ollama.hold(after=held_after)
        await fill(pilot, "#prompt", "go")
        await pilot.press("enter")
        assert await ollama.wait_for_held_async()
        await wait_for_redraw_of(screen, held_after)
        await pilot.pause()
        assert not screen.board.live_views
        text = screen_text(app)
        assert "kept hidden until you reveal" in text
        assert "soundproof" not in text and "meetings" not in text
        ollama.release()
        await settle(pilot)
        assert not screen.board.ids
        assert "3 waiting" in screen_text(app)

        # The person's own idea shows at once.
        await pilot.press("tab", "n")
        await fill(pilot, "#editor", "Library rules for the open office")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert badges(screen_text(app)) == ["#4 YOURS"]

        # Reveal, confirmed in a dialog: the model's ideas become DRAFT cards.
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#confirm")
        await pilot.pause()
        assert badges(screen_text(app)) == ["#4 YOURS", "#1 DRAFT", "#2 DRAFT", "#3 DRAFT"]
        assert "Human-first round" not in screen_text(app)
        session_id = screen.session.id

    events, _ = read_events(store.path_for(session_id))
    assert [e.hidden for e in events if isinstance(e, PromptSent)] == [True]
    assert all(e.hidden for e in events if isinstance(e, IdeaDrafted))
    assert sum(isinstance(e, IdeasRevealed) for e in events) == 1
