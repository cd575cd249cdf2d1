"""Ensembles in the app: one prompt to several models / temperatures at once (`s` or the
palette), streamed concurrently with one group of live cards per source, stored with the
model and options of each source; esc stops them all."""

from __future__ import annotations

import re

from textual.pilot import Pilot
from textual.widgets import Input, SelectionList

from brainstorm.config import Settings
from brainstorm.events import GenerationFailed, IdeaDrafted, PromptSent
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.tui.screens.ensemble import EnsembleScreen
from brainstorm.tui.screens.session import SessionScreen
from tests.fakes import FakeOllama, split_reply
from tests.tui.conftest import (
    MODEL,
    THREE_IDEAS,
    badges,
    fill,
    make_app,
    screen_text,
    settle,
    wait_for,
)
from tests.tui.test_tui_streaming import send, wait_for_redraw_of

OTHER = "qwen3"
TWO_IDEAS = "1. **Plants**: big plants absorb sound.\n2. **Carpets**: soft floors stop footsteps."
LLAMA = f"ollama:{MODEL} @ t=0.9"
QWEN = f"ollama:{OTHER} @ t=0.9"


def flat(text: str) -> str:
    """The screen's text with line breaks and runs of spaces folded (status lines wrap)."""
    return " ".join(text.split())


async def open_empty_session(pilot: Pilot[object], store: SessionStore) -> SessionScreen:
    """Open the (one) session, created empty before the app started."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SessionScreen)
    return screen


async def choose_ensemble(pilot: Pilot[object], temperatures: str) -> None:
    """From the cards (not the prompt box): s, pick the second model, type temperatures."""
    await pilot.press("s")
    assert isinstance(pilot.app.screen, EnsembleScreen)
    models = pilot.app.screen.query_one("#ensemble-models", SelectionList)
    assert models.selected == [MODEL]  # the session's model, picked already
    await pilot.press("down", "space")  # qwen3, from the server's list
    await fill(pilot, "#temperatures", temperatures)


async def test_ensemble_streams_every_source_at_once_and_stores_each(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    ollama.add_model(OTHER, reply=TWO_IDEAS)
    held_after = 8  # both replies are mid-way through their first idea or two
    store.create("Quieter offices", technique="open", default_model=MODEL).close()
    app = make_app(settings)
    async with app.run_test(size=(110, 60)) as pilot:
        screen = await open_empty_session(pilot, store)
        await pilot.press("tab")  # to the cards (none yet): keys reach the screen
        await choose_ensemble(pilot, "0.9")
        assert f"2 sources: {MODEL} @ t=0.9 · {OTHER} @ t=0.9" in screen_text(app)
        await pilot.press("enter")  # in the temperatures box: use it
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        assert f"ensemble, 2 sources: {MODEL} @ t=0.9 · {OTHER} @ t=0.9" in screen_text(app)

        ollama.hold(after=held_after)
        await send(pilot, "go")
        # Both requests are open at the same time, each parked mid-reply.
        assert await ollama.wait_for_held_async(2)
        assert ollama.max_in_flight >= 2
        await wait_for_redraw_of(screen, 2 * held_after)
        await pilot.pause()
        live = {view.source for view in screen.board.live_views}
        assert live == {LLAMA, QWEN}
        text = screen_text(app)
        assert LLAMA in text and QWEN in text  # every live card names its source
        assert "Streaming from 2 sources" in text and "esc stops all" in text

        ollama.release()
        await settle(pilot)
        assert not screen.board.live_views
        cards = [screen.board.view(idea_id) for idea_id in screen.board.ids]
        assert len(cards) == 5
        by_source: dict[str, list[str]] = {}
        for card in cards:
            by_source.setdefault(card.source, []).append(card.text)
        assert sorted(by_source[LLAMA]) == sorted(
            [
                "soundproof booths for calls.",
                "no meetings before noon.",
                "show loud areas on a screen.",
            ]
        )
        assert sorted(by_source[QWEN]) == [
            "big plants absorb sound.",
            "soft floors stop footsteps.",
        ]
        text = screen_text(app)
        assert LLAMA in text and QWEN in text
        assert "5 new DRAFT ideas from 2 of 2 sources" in flat(text)
        # The ensemble stays for the next prompt until it is changed.
        assert "ensemble, 2 sources" in text
        session_id = screen.session.id

    requests = ollama.requests_to("/api/chat")
    assert sorted((r.model, r.options.get("temperature")) for r in requests) == [
        (MODEL, 0.9),
        (OTHER, 0.9),
    ]
    events, _ = read_events(store.path_for(session_id))
    sent = [e for e in events if isinstance(e, PromptSent)]
    assert sorted((e.model, e.options["temperature"], e.prompt) for e in sent) == [
        (MODEL, 0.9, "go"),
        (OTHER, 0.9, "go"),
    ]
    drafted = [e for e in events if isinstance(e, IdeaDrafted)]
    assert sorted((e.model, e.options["temperature"]) for e in drafted) == [
        (MODEL, 0.9),
        (MODEL, 0.9),
        (MODEL, 0.9),
        (OTHER, 0.9),
        (OTHER, 0.9),
    ]
    assert not any(e.incomplete for e in drafted)


async def test_escape_stops_every_source_and_keeps_what_arrived(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    ollama.add_model(OTHER, reply=TWO_IDEAS)
    held_after = 8
    store.create("Quieter offices", technique="open", default_model=MODEL).close()
    app = make_app(settings)
    async with app.run_test(size=(110, 60)) as pilot:
        screen = await open_empty_session(pilot, store)
        await pilot.press("tab")
        await choose_ensemble(pilot, "0.2, 0.7")  # 2 models × 2 temperatures
        await pilot.click("#use")
        await pilot.pause()
        ollama.hold(after=held_after)
        await send(pilot, "go")
        assert await ollama.wait_for_held_async(4)
        assert ollama.max_in_flight >= 4
        await wait_for_redraw_of(screen, 4 * held_after)
        assert screen.generating

        await pilot.press("escape")
        # Every request really stopped: the server saw all four clients leave.
        assert await ollama.wait_for_disconnect_async(4)
        await settle(pilot)
        assert not screen.generating
        assert isinstance(app.screen, SessionScreen)  # esc stopped; it did not leave
        text = flat(screen_text(app))
        assert "Stopped. What arrived was kept as draft(s)" in text and "INCOMPLETE" in text
        session_id = screen.session.id

    events, _ = read_events(store.path_for(session_id))
    failed = [e for e in events if isinstance(e, GenerationFailed)]
    assert len(failed) == 4 and all(e.cancelled for e in failed)
    drafted = [e for e in events if isinstance(e, IdeaDrafted)]
    sources = {(e.model, e.options["temperature"]) for e in drafted}
    assert sources == {(MODEL, 0.2), (MODEL, 0.7), (OTHER, 0.2), (OTHER, 0.7)}
    # Each reply's last idea was cut off: kept, marked incomplete.
    last = {}
    for e in drafted:
        last[e.prompt_id] = e
    assert len(last) == 4 and all(e.incomplete for e in last.values())
    session = store.load(session_id).session
    assert all(
        i.incomplete for i in session.ideas.values() if i.id in {e.idea for e in last.values()}
    )


async def test_a_finished_source_shows_its_cards_while_the_others_stream(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    short = "1. **Plants**: absorb sound."
    ollama.add_model(OTHER, reply=short)
    held_after = 8
    assert len(split_reply(short)) < held_after  # qwen3 finishes; llama3.2 is parked
    store.create("Quieter offices", technique="open", default_model=MODEL).close()
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_empty_session(pilot, store)
        await pilot.press("tab", "s", "down", "space")
        await pilot.click("#use")
        ollama.hold(after=held_after)
        await send(pilot, "go")
        assert await ollama.wait_for_held_async(1)
        await wait_for(pilot, lambda: 1 in screen.board.ids)
        await wait_for_redraw_of(screen, held_after + len(split_reply(short)))
        await pilot.pause()
        assert screen.generating
        stored = screen.board.view(1)
        assert stored.source == f"ollama:{OTHER}" and stored.text == "absorb sound."
        live = screen.board.live_views
        assert live and {view.source for view in live} == {f"ollama:{MODEL}"}
        # The stored card sits above the live cards of the source still streaming.
        assert screen.board.top_of(1) < min(screen.board.live_tops())
        assert badges(screen_text(app))[0] == "#1 DRAFT"

        ollama.release()
        await settle(pilot)
        assert not screen.board.live_views
        assert badges(screen_text(app)) == ["#1 DRAFT", "#2 DRAFT", "#3 DRAFT", "#4 DRAFT"]


async def test_a_failing_source_does_not_stop_the_others(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    ollama.add_model(OTHER, reply=TWO_IDEAS)
    ollama.fail_with(500, "model runner crashed", model=OTHER)
    store.create("Quieter offices", technique="open", default_model=MODEL).close()
    app = make_app(settings)
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_empty_session(pilot, store)
        await pilot.press("tab")
        await choose_ensemble(pilot, "0.9")
        await pilot.click("#use")
        await send(pilot, "go")
        await settle(pilot)
        assert sorted(screen.board.view(i).source for i in screen.board.ids) == [LLAMA] * 3
        text = flat(screen_text(app))
        assert "3 new DRAFT ideas from 1 of 2 sources" in text
        assert f"Failed: {OTHER} @ t=0.9: " in text and "model runner crashed" in text


async def test_ensemble_dialog_checks_its_lists_and_single_model_goes_back(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    ollama.add_model(OTHER, reply=TWO_IDEAS)
    store.create("Quieter offices", technique="open", default_model=MODEL).close()
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_empty_session(pilot, store)
        # From the prompt box, through the command palette.
        await pilot.press("ctrl+p")
        await pilot.press(*"Ensemble")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EnsembleScreen)
        dialog = app.screen
        await fill(pilot, "#temperatures", "0.3, hot")
        assert "Temperatures: 'hot' is not a number" in screen_text(app)
        await pilot.click("#use")
        assert app.screen is dialog  # refused: nothing changes
        dialog.query_one("#temperatures", Input).value = "0.3"
        await fill(pilot, "#seeds", "1, 2")
        flat_text = flat(screen_text(app))
        assert f"2 sources: {MODEL} @ t=0.3, seed 1 · {MODEL} @ t=0.3, seed 2" in flat_text
        await pilot.press("enter")  # in the seeds box: use it (a second click on Use
        await pilot.pause()  # so soon would fall in the button's debounce)
        assert screen.ensemble is not None and len(screen.ensemble.sources()) == 2
        assert "ensemble, 2 sources" in screen_text(app)

        # "Single model" goes back to the session's model alone.
        titles = [c.title for c in app.get_system_commands(screen)]
        assert f"Single model ({MODEL})" in titles
        await pilot.press("tab")  # to the cards area (none yet): focus leaves the prompt
        await pilot.press("s")
        await pilot.click("#single")
        await pilot.pause()
        assert screen.ensemble is None
        text = screen_text(app)
        assert "ensemble," not in text
        assert re.search(rf"Prompts go to {re.escape(MODEL)} alone again", flat(text))


def test_fake_reply_is_long_enough_to_hold() -> None:
    # The hold point must fall inside both replies, or nothing would be left to stop.
    assert len(split_reply(TWO_IDEAS)) > 8 and len(split_reply(THREE_IDEAS)) > 8
