"""The card board on a large session: one widget draws only the cards in view (nothing is
mounted per idea), keys move an unmistakable highlight, and every card action still works on
a card far down the list; live cards stream in below the stored ones."""

from __future__ import annotations

from textual.pilot import Pilot

from brainstorm.config import Settings
from brainstorm.events import IdeaDrafted, IdeaRevised, IdeaStatusChanged, PromptSent, Status
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.tui.screens.editor import EditIdeaScreen
from brainstorm.tui.screens.history import HistoryScreen
from brainstorm.tui.screens.session import SessionScreen
from brainstorm.tui.widgets.idea_board import IdeaBoard
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
from tests.tui.test_tui_streaming import wait_for_redraw_of

IDEAS = 2000


def big_session(store: SessionStore, count: int = IDEAS) -> str:
    """``count`` model drafts written in one append, as a batch would."""
    with store.create("A big batch", technique="open", default_model=MODEL) as writer:
        writer.append_many(
            [
                IdeaDrafted(
                    idea=n,
                    text=f"Idea number {n}: " + "quiet rooms and " * (n % 5 + 1) + "plants.",
                    model=MODEL,
                    backend="ollama",
                    technique="open",
                )
                for n in range(1, count + 1)
            ]
        )
        return writer.session_id


async def to_cards(pilot: Pilot[object], screen: SessionScreen) -> IdeaBoard:
    """From the prompt box (where a session opens) to the cards."""
    assert screen.focused is screen.query_one("#prompt")
    await pilot.press("tab")
    assert screen.board.has_focus
    return screen.board


async def test_a_big_session_draws_only_what_is_in_view(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    big_session(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        board = await to_cards(pilot, screen)
        assert len(board.ids) == IDEAS
        # One widget draws every card: the screen holds a few dozen widgets, not thousands.
        assert len(list(screen.query("*"))) < 60
        text = screen_text(app)
        assert "#1 " in text and "Idea number 1:" in text
        assert "#40 " not in text

        await pilot.press("end")
        text = screen_text(app)
        assert board.cursor_id == IDEAS
        assert f"#{IDEAS} " in text and f"Idea number {IDEAS}:" in text
        assert "▶" in text  # the highlighted card is marked, not only shaded
        await pilot.press("k", "k")
        assert board.cursor_id == IDEAS - 2
        assert f"#{IDEAS - 2} " in screen_text(app)

        await pilot.press("home")
        assert board.cursor_id == 1
        await pilot.press("pagedown")
        paged = board.cursor_id
        assert paged is not None and paged > 2
        assert f"#{paged} " in screen_text(app)
        await pilot.press("j")
        assert board.cursor_id == paged + 1


async def test_every_card_action_works_far_down_a_big_session(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    session_id = big_session(store)
    target = IDEAS - 2
    ollama.reply_for(MODEL, "1. Booth risk: people camp in them. Add a time limit.")
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        board = await to_cards(pilot, screen)
        await pilot.press("end", "k", "k")
        assert board.cursor_id == target

        await pilot.press("a")  # accept
        await pilot.pause()
        assert f"#{target}  ACCEPTED as-is" in screen_text(app)

        await pilot.press("e")  # edit
        assert isinstance(app.screen, EditIdeaScreen)
        assert f"Idea number {target}:" in screen_text(app)
        await pilot.press("end")
        await fill(pilot, "#editor", " With doors.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert f"#{target}  ACCEPTED after edits" in screen_text(app)

        await pilot.press("h")  # history
        assert isinstance(app.screen, HistoryScreen)
        text = screen_text(app)
        assert "Revision 1" in text and "With doors." in text
        await pilot.press("escape")

        await pilot.press("f", "down", "down", "enter")  # follow-up: critique
        await settle(pilot)
        await pilot.press("end")
        text = screen_text(app)
        assert f"critique of #{target}" in text and "people camp in them" in text
        assert board.cursor_id == IDEAS + 1

    events, _ = read_events(store.path_for(session_id))
    assert [(e.idea, e.status) for e in events if isinstance(e, IdeaStatusChanged)] == [
        (target, Status.ACCEPTED)
    ]
    revised = [e for e in events if isinstance(e, IdeaRevised)]
    assert [(e.idea, e.text.endswith("With doors.")) for e in revised] == [(target, True)]
    sent = [e for e in events if isinstance(e, PromptSent)]
    assert [(e.follow_up, e.parent_idea) for e in sent] == [("critique", target)]
    assert store.load(session_id).session.ideas[IDEAS + 1].status is Status.DRAFT


async def test_live_cards_stream_in_below_a_big_session(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    big_session(store)
    held_after = 8
    ollama.hold(after=held_after)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        board = await to_cards(pilot, screen)
        await pilot.press("end")
        screen.send_prompt("more")
        assert await ollama.wait_for_held_async()
        await wait_for_redraw_of(screen, held_after)
        await pilot.pause()
        assert board.live_views
        assert board.top_of(IDEAS) < min(board.live_tops())
        text = screen_text(app)
        assert "DRAFT · writing…" in text and "Phone booths" in text  # the view followed
        ollama.release()
        await settle(pilot)
        assert not board.live_views
        assert len(board.ids) == IDEAS + 3
        board.action_last()
        await pilot.pause()
        assert badges(screen_text(app))[-1] == f"#{IDEAS + 3} DRAFT"


async def test_a_click_highlights_the_card(settings: Settings, store: SessionStore) -> None:
    seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        board = screen.board
        board.move_cursor(1)
        await pilot.pause()
        second = board.top_of(2) + 1  # the head line of card #2
        await pilot.click(IdeaBoard, offset=(10, second - board.scroll_offset.y))
        await wait_for(pilot, lambda: board.cursor_id == 2)
        assert board.has_focus
