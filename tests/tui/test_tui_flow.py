"""The main path through the app: new session, stream, review, reopen."""

from __future__ import annotations

from textual.widgets import Input

from brainstorm.config import Settings
from brainstorm.events import IdeaRevised, IdeaStatusChanged, PromptSent, Status
from brainstorm.models import Author
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.tui.screens.editor import EditIdeaScreen
from brainstorm.tui.screens.history import HistoryScreen
from brainstorm.tui.screens.sessions import SessionListScreen
from brainstorm.tui.widgets.diff_view import DiffView
from tests.fakes import FakeOllama
from tests.tui.conftest import (
    MODEL,
    badges,
    fill,
    make_app,
    open_first_session,
    screen_text,
    seed_session,
    session_screen,
    settle,
)


async def test_new_session_streams_drafts_and_reviews_survive_reopening(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert "No sessions yet" in screen_text(app)

        # New session: topic, technique and model from the form.
        await pilot.press("n")
        await pilot.press(*"Quiet")  # typed for real, the rest pasted
        await fill(pilot, "#topic", "er offices")
        await pilot.press("enter")
        await pilot.pause()
        screen = session_screen(app)
        assert screen.session.topic == "Quieter offices"
        assert screen.session.technique == "open"
        assert screen.session.default_model == f"{MODEL}:latest"  # the server's own name for it

        # Send a prompt: the reply streams into three DRAFT cards.
        await fill(pilot, "#prompt", "for a library")
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert badges(text) == ["#1 DRAFT", "#2 DRAFT", "#3 DRAFT"]
        assert "Phone booths" in text and "soundproof booths for calls." in text
        chat = ollama.last_request("/api/chat")
        assert "for a library" in chat.messages[-1]["content"]

        # The prompt box keeps the focus: a letter typed for the next prompt must not
        # accept or reject a card.
        await pilot.press("a")
        assert screen.query_one("#prompt", Input).value == "a"
        assert screen.session.ideas[1].status is Status.DRAFT
        await pilot.press("backspace")
        assert "Review each: tab, then a accept" in " ".join(screen_text(app).split())

        # Tab goes to the cards, on the first new card. Accept it, reject the next, edit the
        # third.
        await pilot.press("tab")
        await pilot.press("a")
        await pilot.press("down", "x")
        await pilot.press("down", "e")
        assert isinstance(app.screen, EditIdeaScreen)
        await pilot.press("end")
        await fill(pilot, "#editor", " Start with the reading room.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert badges(screen_text(app)) == ["#1 ACCEPTED as-is", "#2 REJECTED", "#3 DRAFT (edited)"]
        session_id = screen.session.id

        # Back to the list: it shows the counts by status.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SessionListScreen)
        row = next(line for line in screen_text(app).splitlines() if "Quieter offices" in line)
        assert row.split()[-6:-3] == ["1", "1", "1"]  # draft, accepted, rejected; yours, date

    # What was saved, read back from the file by the store.
    session = store.load(session_id).session
    ideas = session.ideas
    assert [i.status for i in ideas.values()] == [Status.ACCEPTED, Status.REJECTED, Status.DRAFT]
    assert ideas[1].accepted_as_is
    assert ideas[3].original == "show loud areas on a screen."
    assert ideas[3].text == "show loud areas on a screen. Start with the reading room."
    assert ideas[3].revision_count == 1
    events, _ = read_events(store.path_for(session_id))
    assert sum(isinstance(e, IdeaRevised) for e in events) == 1
    assert sum(isinstance(e, IdeaStatusChanged) for e in events) == 2

    # A new app on the same folder shows the same state.
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_first_session(pilot)
        assert badges(screen_text(app)) == ["#1 ACCEPTED as-is", "#2 REJECTED", "#3 DRAFT (edited)"]


async def test_back_to_draft_own_idea_and_copy(settings: Settings, store: SessionStore) -> None:
    session_id = seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        await pilot.press("tab", "a")  # to the cards, accept #1 (highlighted: the first draft)
        await pilot.press("d")  # and send it back to draft
        assert screen.session.ideas[1].status is Status.DRAFT

        await pilot.press("c")
        assert app.clipboard == "Phone booths for calls"

        await pilot.press("n")
        assert isinstance(app.screen, EditIdeaScreen)
        await fill(pilot, "#editor", "Library-style silent carriages")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "YOURS" in screen_text(app)

    ideas = store.load(session_id).session.ideas
    assert ideas[1].status is Status.DRAFT
    assert [s.status for s in ideas[1].status_history] == [Status.ACCEPTED, Status.DRAFT]
    own = ideas[3]
    assert own.author is Author.HUMAN and own.text == "Library-style silent carriages"
    assert own.original is None


async def test_edit_without_change_records_nothing(settings: Settings, store: SessionStore) -> None:
    session_id = seed_session(store)
    before = store.path_for(session_id).read_bytes()
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first_session(pilot)
        await pilot.press("tab", "e", "ctrl+s")
        await pilot.pause()
        assert "unchanged: nothing recorded" in screen_text(app)
        await pilot.press("e", "escape")  # cancelled edits record nothing either
    assert store.path_for(session_id).read_bytes() == before


async def test_history_shows_original_revisions_diff_and_figures(
    settings: Settings, store: SessionStore
) -> None:
    session_id = seed_session(store)
    with store.open_writer(session_id) as writer:
        from brainstorm import review

        review.edit(writer, 1, "Phone booths with doors")
        review.edit(writer, 1, "Glass phone booths with doors")
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_first_session(pilot)
        screen.board.move_cursor(1)
        screen.board.focus()
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        text = screen_text(app)
        assert "Original, by ollama:llama3.2" in text
        assert "Phone booths for calls" in text
        assert "Revision 1" in text and "Phone booths with doors" in text
        assert "Revision 2" in text and "Glass phone booths with doors" in text
        # Words are compared exactly: "Phone" → "phone" is an edit; only "booths" survives,
        # with the title "Booths" that the figures count with the text (issue 13).
        assert "word edit rate: 67% (4 word edits / 6 final words)" in text
        assert "model words kept: 40% (2 of 5)" in text
        diff = app.screen.query_one(DiffView)
        assert diff.ops == [
            ("delete", "Phone "),
            ("insert", "Glass phone "),
            ("equal", "booths "),
            ("delete", "for calls "),
            ("insert", "with doors"),
        ]
        assert "Phone Glass phone booths for calls with doors" in text
        # Insertions and deletions are styled differently from kept words.
        rendered = diff.render()
        styles = {str(span.style) for span in rendered.spans}
        assert len(styles) == 3
        await pilot.press("escape")
        assert screen_text(app).count("2 revisions") == 1


async def test_follow_up_asks_about_the_card(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    session_id = seed_session(store)
    ollama.reply_for(MODEL, "1. Booth risk: booths get hogged. Add a 20-minute limit.")
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first_session(pilot)
        await pilot.press("tab", "f")
        await pilot.press("down", "down", "enter")  # critique
        await settle(pilot)
        # The highlight stayed on #1 (the person reviews there); end goes to the new card.
        assert "New cards from #3 at the end" in " ".join(screen_text(app).split())
        await pilot.press("end")
        text = screen_text(app)
        assert "booths get hogged" in text
        assert "critique of #1" in text  # the new card says what it answers
    chat = ollama.last_request("/api/chat")
    assert "Phone booths for calls" in chat.messages[-1]["content"]
    events, _ = read_events(store.path_for(session_id))
    sent = [e for e in events if isinstance(e, PromptSent)]
    assert sent[-1].follow_up == "critique" and sent[-1].parent_idea == 1
    assert store.load(session_id).session.ideas[3].status is Status.DRAFT


async def test_command_palette_runs_card_actions(settings: Settings, store: SessionStore) -> None:
    session_id = seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        titles = [c.title for c in app.get_system_commands(screen)]
        for expected in (
            "Edit idea #1",
            "Accept idea #1",
            "Reject idea #1",
            "Back to draft idea #1",
            "History idea #1",
            "Copy idea #1",
            "Follow-up on idea #1: expand",
            "Add your own idea",
            "Show / hide session figures",
            "Help",
            "Toggle light / dark theme",
            "Back to the session list",
        ):
            assert expected in titles
        await pilot.press("ctrl+p")
        await pilot.press(*"Reject #1")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
    assert store.load(session_id).session.ideas[1].status is Status.REJECTED


async def test_help_theme_and_metrics_panel(settings: Settings, store: SessionStore) -> None:
    seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        assert "command palette: every action" in screen_text(app)
        await pilot.press("escape")

        assert app.current_theme.dark
        await pilot.press("ctrl+t")
        assert not app.current_theme.dark
        await pilot.press("ctrl+t")
        assert app.current_theme.dark

        await open_first_session(pilot)
        await pilot.press("tab", "a", "m")
        await pilot.pause()
        text = screen_text(app)
        assert "Session figures" in text
        assert "accepted as-is      1/1 (100%)" in text
        assert "ACCEPTED ████████████ 1" in text


async def test_usable_at_80x24(settings: Settings, store: SessionStore) -> None:
    seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_session(pilot)
        for selector in ("#banner", "#cards", "#prompt", "#stream-status", "Footer"):
            region = screen.query_one(selector).region
            assert region.height > 0 and region.right <= 80 and region.bottom <= 24, selector
        assert screen.query_one("#cards").region.height >= 10
        # The footer shows what the keys do where the focus is: the prompt box first...
        footer = screen_text(app).splitlines()[-1]
        for key in ("⏎ Send", "tab Cards", "^p palette"):
            assert key in footer
        assert "Accept" not in footer and "esc" not in footer
        # ...then the cards.
        await pilot.press("tab")
        footer = screen_text(app).splitlines()[-1]
        for key in ("e Edit", "a Accept", "x Reject", "h History", "/ Prompt", "esc Back"):
            assert key in footer
        assert "^p palette" in footer
