"""The app and the record of a reply (issue 13): ideas are on disk while the reply still streams
(a crash of the app loses at most the idea being written), the live cards are not doubled by
stored ones meanwhile, and `r` on a card shows the whole reply it came from, verbatim."""

from __future__ import annotations

from brainstorm import review
from brainstorm.config import Settings
from brainstorm.events import IdeaDrafted, ReplyText
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.tui.screens.reply import ReplyScreen
from brainstorm.tui.screens.session import SessionScreen
from tests.fakes import FakeOllama
from tests.tui.conftest import (
    MODEL,
    THREE_IDEAS,
    make_app,
    screen_text,
    settle,
    wait_for,
)
from tests.tui.test_tui_streaming import chunks_through, stream_until_held

REPLY = THREE_IDEAS + "\n\n---\nThese work because they cost little. Good luck!"


async def test_ideas_are_stored_while_the_reply_streams(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    store.create("Quieter offices", technique="open", default_model=MODEL).close()
    ollama.add_model(MODEL, reply=REPLY)
    held_after = chunks_through(REPLY, "3. ", extra=1)  # ideas 1 and 2 are complete
    ollama.hold(after=held_after)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await stream_until_held(pilot, ollama, held_after)
        # On disk now, before the reply has ended (what a crash of the app would leave).
        path = store.path_for(screen.session.id)
        drafted = [e for e in read_events(path)[0] if isinstance(e, IdeaDrafted)]
        assert [e.title for e in drafted] == ["Phone booths", "Quiet hours"]
        assert not any(e.incomplete for e in drafted)
        # A redraw of the cards meanwhile shows them once: as live cards, not stored ones.
        screen.refresh_cards()
        await pilot.pause()
        assert screen.board.ids == []
        assert len(screen.board.live_views) == 3
        ollama.release()
        await settle(pilot)
        assert screen.board.ids == [1, 2, 3] and not screen.board.live_views
        assert "arriving" not in screen_text(app)
        events = read_events(path)[0]
        assert "".join(e.text for e in events if isinstance(e, ReplyText)) == REPLY


async def test_r_on_a_card_shows_the_whole_reply_it_came_from(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    store.create("Quieter offices", technique="open", default_model=MODEL).close()
    ollama.add_model(MODEL, reply=REPLY)
    app = make_app(settings)
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        prompt = app.screen.query_one("#prompt")
        prompt.focus()
        await pilot.press(*"go", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        await wait_for(pilot, lambda: screen.board.ids == [1, 2, 3])
        screen.board.move_cursor(2)
        screen.board.focus()
        await pilot.pause()
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReplyScreen))
        await pilot.pause()
        text = screen_text(app)
        assert "The reply idea #2 came from" in text
        assert "ollama:llama3.2 · completed · asked: go" in text
        assert "none │ Here are three ideas:" in text
        assert "#2 │ 2. **Quiet hours**: no meetings before noon." in text
        assert "none │ These work because they cost little. Good luck!" in text
        assert "none │ ---" in text
        assert app.screen.query(".-this-idea")  # idea #2's line stands out
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReplyScreen)
        # A person's own idea came from no reply: said so, nothing opens.
        assert screen.writer is not None
        mine = review.add(screen.writer, "Signs asking for quiet")
        screen.run_card_action(mine.id, "reply")
        await pilot.pause()
        assert not isinstance(app.screen, ReplyScreen)
        assert "was written by a person: it came from no reply" in screen_text(app)
