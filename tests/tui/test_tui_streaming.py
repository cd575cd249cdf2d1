"""Streaming: live cards as ideas complete, throttled redraws with the final text in full,
Esc cancelling the request, errors mid-stream, and model text shown literally."""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot

from brainstorm.config import Settings
from brainstorm.events import GenerationFailed, IdeaDrafted, PromptSent
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.tui.screens.session import SessionScreen
from brainstorm.tui.widgets.idea_board import IdeaBoard
from tests.fakes import FakeOllama, split_reply
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


def chunks_through(text: str, marker: str, extra: int = 0) -> int:
    """How many of the fake's chunks it takes to send `text` up to the chunk `marker`."""
    chunks = split_reply(text)
    return chunks.index(marker) + 1 + extra


async def wait_for_redraw_of(screen: SessionScreen, chunks: int) -> None:
    """Wait (on the screen's redraw event, no sleeping) until `chunks` chunks have arrived and
    a redraw has shown them."""
    stats = screen.stream_stats
    while not (
        stats.chunks >= chunks
        and stats.last_redraw is not None
        and stats.last_chunk is not None
        and stats.last_redraw >= stats.last_chunk
    ):
        screen.stream_redrawn.clear()
        await asyncio.wait_for(screen.stream_redrawn.wait(), timeout=5)


async def send(pilot: Pilot[object], prompt: str) -> None:
    await fill(pilot, "#prompt", prompt)
    await pilot.press("enter")


async def stream_until_held(pilot: Pilot[object], ollama: FakeOllama, chunks: int) -> SessionScreen:
    """Open the first session and send a prompt; return once the fake has parked the reply
    after `chunks` chunks and the screen has drawn them."""
    screen = await open_first_session(pilot)
    await send(pilot, "go")
    assert await ollama.wait_for_held_async()
    await wait_for_redraw_of(screen, chunks)
    return screen


async def test_cards_appear_live_as_ideas_complete(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    session_id = store.create("Quieter offices", technique="open", default_model=MODEL)
    session_id.close()
    held_after = chunks_through(THREE_IDEAS, "3. ", extra=1)  # "3. **Noise" has arrived
    ollama.hold(after=held_after)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await stream_until_held(pilot, ollama, held_after)
        await pilot.pause()

        text = screen_text(app)
        assert text.count("DRAFT · arriving") == 2
        assert "soundproof booths for calls." in text and "no meetings before noon." in text
        assert "DRAFT · writing…" in text and "Noise" in text
        assert "esc stops" in text
        # Each idea is stored as it completes (issue 13: a crash loses at most the idea being
        # written); the one still being written is not.
        events, _ = read_events(store.path_for(session_id.session_id))
        stored = [e.title for e in events if isinstance(e, IdeaDrafted)]
        assert stored == ["Phone booths", "Quiet hours"]

        ollama.release()
        await settle(pilot)
        assert not screen.board.live_views
        assert badges(screen_text(app)) == ["#1 DRAFT", "#2 DRAFT", "#3 DRAFT"]
        assert "show loud areas on a screen." in screen_text(app)


async def test_long_fast_reply_is_throttled_but_rendered_in_full(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    ideas = [
        f"{n}. **Idea {n}**: " + " ".join(f"word{n}x{i}" for i in range(20)) + "."
        for n in range(1, 31)
    ]
    reply = "\n".join(ideas)
    ollama.reply_for(MODEL, reply)
    seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_first_session(pilot)
        await send(pilot, "lots")
        await settle(pilot)
        stats = screen.stream_stats
        assert stats.chunks == len(split_reply(reply))
        assert stats.redraws < stats.chunks / 10  # throttled, not one redraw per token
        cards = screen.board.ids
        assert len(cards) == 32
        last = screen.board.view(cards[-1])
        assert last.title == "Idea 30"
        assert last.text.endswith("word30x19.")
        screen.board.scroll_to_end()
        await pilot.pause()
        assert "word30x19." in screen_text(app)


async def test_escape_stops_the_request_and_keeps_the_partial_draft(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    held_after = chunks_through(THREE_IDEAS, "meetings ")  # mid-way through idea 2
    ollama.hold(after=held_after)
    session_id = seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await stream_until_held(pilot, ollama, held_after)
        assert screen.generating
        assert "esc Stop" in screen_text(app)

        await pilot.press("escape")
        # The HTTP request really stopped: the server saw its client leave.
        assert await ollama.wait_for_disconnect_async()
        await settle(pilot)
        assert not screen.generating
        text = screen_text(app)
        assert "Stopped." in text and "INCOMPLETE" in text
        assert isinstance(app.screen, SessionScreen)  # esc stopped; it did not leave

    events, _ = read_events(store.path_for(session_id))
    failed = [e for e in events if isinstance(e, GenerationFailed)]
    assert len(failed) == 1 and failed[0].cancelled
    drafted = [e for e in events if isinstance(e, IdeaDrafted)][2:]
    assert [(d.text, d.incomplete) for d in drafted] == [
        ("soundproof booths for calls.", False),
        ("no meetings", True),
    ]
    assert failed[0].ideas == [3, 4]


async def test_quitting_mid_stream_stores_the_partial_first(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    held_after = chunks_through(THREE_IDEAS, "meetings ")
    ollama.hold(after=held_after)
    session_id = seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await stream_until_held(pilot, ollama, held_after)
        await pilot.press("ctrl+q")
    assert await ollama.wait_for_disconnect_async()
    events, _ = read_events(store.path_for(session_id))
    failed = [e for e in events if isinstance(e, GenerationFailed)]
    assert len(failed) == 1 and failed[0].cancelled
    assert store.load(session_id).session.ideas[4].incomplete
    # The writer let go of the session: another writer can open it now.
    store.open_writer(session_id).close()


async def test_error_mid_stream_keeps_partial_and_says_why(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    ollama.error_mid_stream(after=chunks_through(THREE_IDEAS, "noon.\n"))
    session_id = seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_first_session(pilot)
        await send(pilot, "go")
        await settle(pilot)
        text = " ".join(screen_text(app).split())  # the status line wraps
        assert "reported an error" in text and "unexpected EOF" in text
        # Only #4 was cut off: only #4 is said to be incomplete (issue 14).
        assert "What arrived was kept as #3 and #4 (#4 marked INCOMPLETE)." in text
    session = store.load(session_id).session
    assert [i.incomplete for i in session.ideas.values()] == [False, False, False, True]


async def test_model_text_is_shown_literally(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    hostile = (
        "1. **[bold red]x[/]**: see [link=http://evil.example]here[/link] now.\n"
        "2. Colour: \x1b[31mred\x1b[0m text, a bell\x07 and a title\x1b]0;pwned\x07 change.\n"
        "3. Tail: :smile: and [on blue]end[/]"
    )
    ollama.reply_for(MODEL, hostile)
    every_text_chunk = len(split_reply(hostile))
    ollama.hold(after=every_text_chunk)  # parked before the closing summary line
    store.create("[b]Topic[/b] \x1b[2J", technique="open", default_model=MODEL).close()
    app = make_app(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "[b]Topic[/b] \\x1b[2J" in screen_text(app)  # the session list
        screen = await stream_until_held(pilot, ollama, every_text_chunk)
        await pilot.pause()
        assert "[on blue]end[/]" in screen_text(app)  # while it streams, too
        ollama.release()
        await settle(pilot)

        text = screen_text(app)
        assert "[b]Topic[/b] \\x1b[2J" in text  # the header
        assert "[bold red]x[/]" in text
        assert "see [link=http://evil.example]here[/link] now." in text
        assert (
            "\\x1b[31mred\\x1b[0m text, a bell\\x07 and a title\\x1b]0;pwned\\x07 change." in text
        )
        assert ":smile: and [on blue]end[/]" in text
        # No markup was turned into styles: every style on a card is one of the card's own.
        board = screen.board
        ours = {board.get_visual_style(c, partial=True) for c in IdeaBoard.COMPONENT_CLASSES}
        for idea_id in board.ids:
            for line in board.card_text(idea_id):
                assert all(span.style in ours for span in line.spans)

    # The file keeps the model's exact text; only the display writes control codes out.
    events, _ = read_events(store.path_for(screen.session.id))
    texts = [e.text for e in events if isinstance(e, IdeaDrafted)]
    assert "\x1b[31mred\x1b[0m" in texts[1]
    assert any(isinstance(e, PromptSent) for e in events)
