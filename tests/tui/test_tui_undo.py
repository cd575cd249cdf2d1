"""Undo in the app: u (or ctrl+z) on the cards reverts the last review decision with a new
event (`review.undo`, as `brainstorm undo`), says what it undid, and walks further back."""

from __future__ import annotations

from brainstorm.config import Settings
from brainstorm.events import ReviewUndone, Status
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.tui.screens.history import HistoryScreen
from tests.tui.conftest import badges, fill, make_app, open_first_session, screen_text, seed_session


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_undo_walks_back_accept_reject_edit_and_add(
    settings: Settings, store: SessionStore
) -> None:
    session_id = seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_first_session(pilot)
        await pilot.press("tab", "a", "j", "x")  # accept #1, reject #2
        await pilot.press("e", "end")
        await fill(pilot, "#editor", " before nine")  # edit #2
        await pilot.press("ctrl+s")
        await pilot.press("n")
        await fill(pilot, "#editor", "Library rules")  # add #3
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert badges(screen_text(app)) == ["#1 ACCEPTED as-is", "#2 REJECTED", "#3 YOURS"]

        await pilot.press("u")
        await pilot.pause()
        assert "Undid: added #3" in flat(screen_text(app))
        assert badges(screen_text(app)) == ["#1 ACCEPTED as-is", "#2 REJECTED"]
        assert 3 not in screen.board.ids and screen.board.cursor_id == 2

        await pilot.press("u")
        await pilot.pause()
        assert "Undid: edit of #2 (back to the model's text)" in flat(screen_text(app))
        assert "Quiet hours every morning before nine" not in screen_text(app)

        await pilot.press("ctrl+z")
        await pilot.pause()
        assert "Undid: rejected #2 (back to DRAFT)" in flat(screen_text(app))
        assert badges(screen_text(app)) == ["#1 ACCEPTED as-is", "#2 DRAFT"]
        assert screen.board.cursor_id == 2  # the highlight follows what was undone

        await pilot.press("u")
        await pilot.pause()
        assert badges(screen_text(app)) == ["#1 DRAFT", "#2 DRAFT"]
        assert screen.board.cursor_id == 1

        await pilot.press("u")
        await pilot.pause()
        assert "Nothing to undo" in flat(screen_text(app))

        # The history shows the undone decision.
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        assert "undone" in screen_text(app)

    events, _ = read_events(store.path_for(session_id))
    assert sum(isinstance(e, ReviewUndone) for e in events) == 4
    session = store.load(session_id).session
    assert [i.status for i in session.ideas.values()] == [Status.DRAFT, Status.DRAFT]
    assert session.ideas[2].text == "Quiet hours every morning"


async def test_undo_is_a_key_of_the_cards_only(settings: Settings, store: SessionStore) -> None:
    session_id = seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        await pilot.press("tab", "a", "slash", "u")  # u in the prompt box is a letter
        assert screen.query_one("#prompt").value == "u"
        assert badges(screen_text(app))[0] == "#1 ACCEPTED as-is"
        await pilot.press("tab")
        assert "u Undo" in screen_text(app).splitlines()[-1]
    events, _ = read_events(store.path_for(session_id))
    assert not any(isinstance(e, ReviewUndone) for e in events)
