"""Issue 13 in the app: the editor revises an idea's title too (a new title alone is a
revision), and the model's title is kept."""

from __future__ import annotations

from textual.widgets import Input

from brainstorm.config import Settings
from brainstorm.events import IdeaRevised, Status
from brainstorm.models import Author
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.tui.screens.editor import EditIdeaScreen
from tests.tui.conftest import fill, make_app, open_first_session, screen_text, seed_session


async def test_editor_revises_the_title_and_keeps_the_models(
    settings: Settings, store: SessionStore
) -> None:
    session_id = seed_session(store)  # idea 1: "Booths" / "Phone booths for calls"
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_first_session(pilot)
        screen.board.move_cursor(1)
        screen.board.focus()
        await pilot.press("e")
        assert isinstance(app.screen, EditIdeaScreen)
        title = app.screen.query_one("#title-input", Input)
        assert title.value == "Booths"  # the model's title, above its text
        title.value = ""
        await fill(pilot, "#title-input", "Glass booths")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Glass booths" in screen_text(app)

        # Adding an idea of one's own with a title.
        await pilot.press("n")
        assert isinstance(app.screen, EditIdeaScreen)
        await fill(pilot, "#title-input", "Library rules")
        await fill(pilot, "#editor", "Whisper only, like a library.")
        await pilot.press("ctrl+s")
        await pilot.pause()

    ideas = store.load(session_id).session.ideas
    booths = ideas[1]
    # A title change alone is a revision; the text and the model's title are kept.
    assert (booths.title, booths.original_title) == ("Glass booths", "Booths")
    assert booths.text == booths.original == "Phone booths for calls"
    assert booths.revision_count == 1 and booths.revisions[0].title_changed
    events, _ = read_events(store.path_for(session_id))
    revised = [e for e in events if isinstance(e, IdeaRevised)]
    assert [(e.idea, e.title, e.text) for e in revised] == [
        (1, "Glass booths", "Phone booths for calls")
    ]
    own = ideas[3]
    assert (own.author, own.title, own.text) == (
        Author.HUMAN,
        "Library rules",
        "Whisper only, like a library.",
    )
    assert own.status is Status.ACCEPTED
