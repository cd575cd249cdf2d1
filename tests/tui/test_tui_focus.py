"""Focus: no review decision nobody made. A session opens with the prompt box focused, so typed
letters are a prompt; review keys act only on the cards (tab), on the highlighted card; esc
stops a reply but never moves to the cards; an empty prompt sends nothing."""

from __future__ import annotations

from textual.widgets import Input

from brainstorm.config import Settings
from brainstorm.events import (
    Event,
    GenerationFailed,
    IdeaAdded,
    IdeaRevised,
    IdeaStatusChanged,
    PromptSent,
    ReviewUndone,
    Status,
)
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.tui.screens.session import SessionScreen
from brainstorm.tui.screens.sessions import SessionListScreen
from tests.fakes import FakeOllama
from tests.tui.conftest import (
    THREE_IDEAS,
    badges,
    fill,
    make_app,
    open_first_session,
    screen_text,
    seed_session,
    settle,
)
from tests.tui.test_tui_streaming import chunks_through, wait_for_redraw_of

REVIEW_EVENTS = (IdeaStatusChanged, IdeaRevised, IdeaAdded, ReviewUndone)
# Every review key of the cards and every letter key of the screen is in it: a, e, x, d,
# h, f, c, n, s, t, m, j, k, and shift+r / shift+e / shift+p.
SENTENCE = "Relax: see examples of quiet desks, hush rooms; keep Rules Easy, Plain"


def review_events(store: SessionStore, session_id: str) -> list[Event]:
    events, _ = read_events(store.path_for(session_id))
    return [e for e in events if isinstance(e, REVIEW_EVENTS)]


async def test_a_reopened_session_takes_typed_letters_as_a_prompt(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    session_id = seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        prompt = screen.query_one("#prompt", Input)
        assert screen.focused is prompt
        await pilot.press(*SENTENCE)  # typed key by key, as a person would
        assert app.screen is screen  # no editor, history, ensemble or timer dialog opened
        assert prompt.value == SENTENCE
        assert badges(screen_text(app)) == ["#1 DRAFT", "#2 DRAFT"]
        await pilot.press("enter")
        await settle(pilot)
        assert SENTENCE in ollama.last_request("/api/chat").messages[-1]["content"]
        assert screen.focused is prompt
        shown = badges(screen_text(app))
        assert shown and all(badge.endswith(" DRAFT") for badge in shown)

    assert review_events(store, session_id) == []
    events, _ = read_events(store.path_for(session_id))
    assert [e.prompt for e in events if isinstance(e, PromptSent)] == [SENTENCE]
    session = store.load(session_id).session
    assert [i.status for i in session.ideas.values()] == [Status.DRAFT] * 5


async def test_review_keys_act_only_on_the_cards_on_the_highlighted_card(
    settings: Settings, store: SessionStore
) -> None:
    session_id = seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        lines = screen_text(app).splitlines()
        # The card tab would act on is marked, dimly, while the prompt box has the focus.
        assert any(line.startswith("› ") and "#1 " in line for line in lines)
        assert not any(line.startswith("▶") for line in lines)
        await pilot.press("tab")
        assert screen.board.has_focus and screen.board.cursor_id == 1
        text = screen_text(app)
        head = next(line for line in text.splitlines() if "#1 " in line)
        assert head.startswith("▶ ║")  # a marker and a double frame, not only a shade
        await pilot.press("j", "a")  # the highlight moves; a accepts the highlighted card
        assert badges(screen_text(app)) == ["#1 DRAFT", "#2 ACCEPTED as-is"]
        await pilot.press("slash")  # back to the prompt box: letters are a prompt again
        await pilot.press("x", "a")
        assert screen.query_one("#prompt", Input).value == "xa"
        await pilot.press("shift+tab")  # and to the cards, the highlight where it was
        assert screen.board.has_focus and screen.board.cursor_id == 2
        await pilot.press("tab")
        assert screen.focused is screen.query_one("#prompt")

    events = review_events(store, session_id)
    assert [(e.idea, e.status) for e in events if isinstance(e, IdeaStatusChanged)] == [
        (2, Status.ACCEPTED)
    ]
    assert len(events) == 1


async def test_escape_stops_a_reply_and_never_moves_to_the_cards(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    session_id = seed_session(store)
    held_after = chunks_through(THREE_IDEAS, "meetings ")
    ollama.hold(after=held_after)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        prompt = screen.query_one("#prompt", Input)
        await fill(pilot, "#prompt", "go")
        await pilot.press("enter")
        assert await ollama.wait_for_held_async()
        await wait_for_redraw_of(screen, held_after)
        await pilot.press("escape", "escape")  # both stop: the reply is still ending
        assert await ollama.wait_for_disconnect_async()
        await settle(pilot)
        assert not screen.generating
        assert app.screen is screen and screen.focused is prompt  # stopped; nothing moved
        await pilot.press(*"axe")  # after the stop: still a prompt
        assert prompt.value == "axe"
        assert app.screen is screen

        # Once nothing streams, esc in the prompt box neither leaves nor moves: it says how.
        await pilot.press("escape")
        assert app.screen is screen and screen.focused is prompt
        assert "tab to the cards, then esc" in " ".join(screen_text(app).split())
        await pilot.press("e")
        assert prompt.value == "axee"

        # From the cards, esc goes back to the session list; the unsent prompt is kept.
        await pilot.press("tab", "escape")
        await settle(pilot)
        assert isinstance(app.screen, SessionListScreen)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        prompt = screen.query_one("#prompt", Input)
        assert screen.focused is prompt and prompt.value == "axee"

    assert review_events(store, session_id) == []
    events, _ = read_events(store.path_for(session_id))
    assert [e.cancelled for e in events if isinstance(e, GenerationFailed)] == [True]


async def test_an_empty_prompt_sends_nothing(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    session_id = seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        await pilot.press("enter")
        await fill(pilot, "#prompt", "   ")
        await pilot.press("enter")
        await settle(pilot)
        assert "an empty prompt sends nothing" in " ".join(screen_text(app).split())
        assert not screen.generating
    assert not ollama.requests_to("/api/chat")
    events, _ = read_events(store.path_for(session_id))
    assert not any(isinstance(e, PromptSent) for e in events)


async def test_a_new_session_opens_with_the_prompt_focused(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await fill(pilot, "#topic", "Quiet offices")
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        assert screen.focused is screen.query_one("#prompt")
        await pilot.press(*"ask")
        assert screen.query_one("#prompt", Input).value == "ask"
        assert app.screen is screen
    assert store.load(store.ids()[0]).session.ideas == {}


async def test_tab_reaches_the_figures_so_the_keys_scroll_them_at_80x24(
    settings: Settings, store: SessionStore
) -> None:
    seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        await pilot.press("tab")  # to the cards
        assert screen.focused is screen.board
        await pilot.press("tab")  # figures hidden: back to the prompt box
        assert screen.focused is screen.query_one("#prompt", Input)
        await pilot.press("tab", "m")  # cards, then show the figures
        await settle(pilot)
        figures = screen.figures
        assert figures.display and figures.max_scroll_y > 0  # taller than 24 lines
        await pilot.press("tab")
        assert screen.focused is figures
        await pilot.press("down", "down", "down")
        await settle(pilot)
        assert figures.scroll_y > 0
        assert "Prompt" in screen_text(app).splitlines()[-1]  # the footer says where tab goes
        await pilot.press("tab")
        assert screen.focused is screen.query_one("#prompt", Input)
        assert review_events(store, store.summaries()[0].id) == []
