"""Human-first rounds in the app, beyond hiding and revealing (test_tui_rounds.py): the
writing timer (from the new-session form or `t`), which only ever suggests revealing, and the
comparison of the person's ideas with the model's in the figures panel after the reveal."""

from __future__ import annotations

import asyncio
import re

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select

from brainstorm.config import Settings
from brainstorm.events import IdeasRevealed
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.tui import round_timer
from brainstorm.tui.screens.confirm import ConfirmScreen
from brainstorm.tui.screens.session import SessionScreen
from brainstorm.tui.screens.timer import TimerScreen
from tests.fakes import FakeOllama
from tests.tui.conftest import MODEL, badges, fill, make_app, screen_text, session_screen, settle


def seed_human_first(store: SessionStore) -> None:
    store.create("Quieter offices", technique="open", default_model=MODEL, human_first=True).close()


async def open_only_session(pilot: Pilot[object]) -> SessionScreen:
    """Open the one session on the list, once everything on the way has settled."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    return session_screen(pilot.app)


async def next_tick(screen: SessionScreen) -> None:
    """Wait (on the screen's event, no sleeping) for the timer's next tick."""
    screen.round_ticked.clear()
    await asyncio.wait_for(screen.round_ticked.wait(), timeout=5)


async def test_writing_timer_counts_down_and_only_suggests_revealing(
    settings: Settings, store: SessionStore, ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await fill(pilot, "#topic", "Quieter offices")
        timer = app.screen.query_one("#timer", Select)
        assert timer.disabled  # a timer is for human-first sessions only
        app.screen.query_one("#human-first", Checkbox).value = True
        await pilot.pause()
        assert not timer.disabled
        timer.value = 5
        await pilot.click("#create")
        await settle(pilot)
        screen = session_screen(app)
        assert re.search(r"⏱ (5:00|4:5\d) left", screen_text(app))  # at 80x24, in the bar

        # The model's reply arrives hidden while the clock runs.
        await fill(pilot, "#prompt", "go")
        await pilot.press("enter")
        await settle(pilot)
        assert "3 waiting" in screen_text(app)

        # Five minutes later (the timer's clock moved on): time is up, nothing revealed.
        real_now = round_timer.now
        monkeypatch.setattr(round_timer, "now", lambda: real_now() + 301)
        await next_tick(screen)
        await pilot.pause()
        text = screen_text(app)
        assert "⏱ time is up" in text
        assert "Reveal the model's ideas when you are ready (shift+r)" in " ".join(text.split())
        assert not screen.board.ids
        assert not screen.session.revealed and "3 waiting" in text
        session_id = screen.session.id

        # The person reveals when they choose to; the timer is gone with the round.
        await pilot.press("tab", "R")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#confirm")
        await settle(pilot)
        text = screen_text(app)
        assert "⏱" not in text and "Human-first round" not in text
        assert badges(text)[:1] == ["#1 DRAFT"]

    events, _ = read_events(store.path_for(session_id))
    assert sum(isinstance(e, IdeasRevealed) for e in events) == 1  # the person's, only


async def test_timer_key_starts_and_stops_a_timer(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    seed_human_first(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_only_session(pilot)
        assert "⏱" not in screen_text(app)
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Writing timer: start" in titles

        await pilot.press("tab", "t")  # from the cards area: t opens the dialog
        assert isinstance(app.screen, TimerScreen)
        minutes = app.screen.query_one("#minutes", Input)
        assert minutes.value == "5"  # offered
        minutes.clear()
        await fill(pilot, "#minutes", "0")
        await pilot.press("enter")
        assert "a timer runs for more than 0 minutes" in screen_text(app)
        minutes.clear()
        await fill(pilot, "#minutes", "2")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        assert re.search(r"⏱ (2:00|1:5\d) left", screen_text(app))
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Writing timer: change or stop" in titles

        # Leaving the session and coming back keeps the clock running.
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = session_screen(app)
        assert re.search(r"⏱ (2:00|1:5\d) left", screen_text(app))

        await pilot.press("tab", "t")
        assert isinstance(app.screen, TimerScreen)
        assert re.search(r"Running: (2:00|1:5\d) left", screen_text(app))
        await pilot.click("#stop")
        await pilot.pause()
        assert "⏱" not in screen_text(app)
        assert "Writing timer stopped." in screen_text(app)


async def test_comparison_shows_in_the_figures_after_the_reveal(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    seed_human_first(store)
    app = make_app(settings)
    async with app.run_test(size=(100, 50)) as pilot:
        screen = await open_only_session(pilot)
        # Hidden model reply (#1-#3), then two of the person's own ideas, one of which says
        # what the model's #2 says.
        await fill(pilot, "#prompt", "go")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("tab")  # out of the prompt box (no card to go to: all hidden)
        for own in ("Quiet hours: no meetings before noon", "Library rules for the office"):
            await pilot.press("n")
            await fill(pilot, "#editor", own)
            await pilot.press("ctrl+s")
            await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        text = screen_text(app)
        assert "Human-first round" in text
        assert re.search(r"ideas +2 +3", text)
        assert "reveal them (shift+r) to compare" in " ".join(text.split())
        assert "≈" not in text  # nothing hints at the hidden ideas

        await pilot.press("R")
        await pilot.click("#confirm")
        await settle(pilot)
        # Review: accept the model's #1, reject #3.
        screen.board.move_cursor(1)
        screen.board.focus()
        await pilot.press("a")
        screen.board.move_cursor(3)
        await pilot.press("x")
        await settle(pilot)
        text = screen_text(app)
        assert re.search(r" +yours +model", text)
        assert re.search(r"ideas +2 +3", text)
        assert re.search(r"accepted +2 +1", text)
        assert re.search(r"rejected +0 +1", text)
        assert re.search(r"still draft +0 +1", text)
        assert re.search(r"dup\. of yours +1 \(33%\)", text)
        assert "#2 ≈ your #4 (1.00)" in text
        # The cards say it too.
        assert "≈ #4" in text and "≈ #2" in text


async def test_usable_at_80x24_with_timer_ensemble_and_figures(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    """Everything issue 9 adds on screen at once: the round bar with its timer, an ensemble
    on the prompt box, the figures panel; the cards keep room and the panel scrolls."""
    seed_human_first(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_only_session(pilot)
        app.round_timers[screen.session.id] = round_timer.RoundTimer.start(10)
        await pilot.press("tab", "s")
        await fill(pilot, "#temperatures", "0.3, 0.9")
        await pilot.press("enter")
        await pilot.press("n")
        await fill(pilot, "#editor", "Library rules for the office")
        await pilot.press("ctrl+s")
        await pilot.press("m")
        await settle(pilot)
        text = screen_text(app)
        assert re.search(r"⏱ (10:00|9:5\d) left", text)
        assert "ensemble, 2 sources" in text
        assert "Session figures" in text
        for selector in ("#round-bar", "#cards", "#metrics", "#stream-status", "#prompt", "Footer"):
            region = screen.query_one(selector).region
            assert region.height > 0 and region.right <= 80 and region.bottom <= 24, selector
        assert screen.query_one("#cards").region.height >= 8
        # The panel is taller than the screen: it scrolls, from the keyboard too.
        panel = screen.query_one("#metrics")
        assert panel.max_scroll_y > 0
        panel.focus()
        await pilot.press("end")
        await pilot.wait_for_scheduled_animations()  # the scroll is animated
        assert panel.scroll_y == panel.max_scroll_y
        assert "Human-first round" in screen_text(app) and "Diversity" in screen_text(app)

        # The help screen, read page by page (pagedown) at 80x24, names the new keys.
        await pilot.press("f1")
        body = app.screen.query_one("#help-body")
        pages = [screen_text(app)]
        while body.scroll_y < body.max_scroll_y:
            await pilot.press("pagedown")
            await pilot.wait_for_scheduled_animations()
            pages.append(screen_text(app))
        help_text = " ".join(" ".join(pages).split())
        assert "s ensemble: send each prompt to several models" in help_text
        assert "t human-first session: start / stop a writing timer" in help_text
        assert "≈ #3 #7" in help_text
