"""Cards draw a reply's markdown emphasis instead of its asterisks, live ones too, before the
closing marker has arrived (issue 14: no `**Idea 2` on screen)."""

from __future__ import annotations

from brainstorm.config import Settings
from brainstorm.store import SessionStore
from brainstorm.tui.widgets.idea_board import IdeaBoard
from tests.fakes import FakeOllama
from tests.tui.conftest import THREE_IDEAS, make_app, screen_text, settle
from tests.tui.test_tui_streaming import chunks_through, stream_until_held


def bold_words(board: IdeaBoard) -> list[str]:
    """The text the board draws in bold, over the lines in view."""
    bold: list[str] = []
    for y in range(board.size.height):
        bold += [seg.text.strip() for seg in board.render_line(y) if seg.style and seg.style.bold]
    return [text for text in bold if text]


async def test_live_cards_show_emphasis_not_asterisks(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    store.create("Quieter offices", technique="open", default_model="llama3.2").close()
    held_after = chunks_through(THREE_IDEAS, "3. ", extra=1)  # "3. **Noise" has arrived
    ollama.hold(after=held_after)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await stream_until_held(pilot, ollama, held_after)
        await pilot.pause()
        assert "Noise" in screen_text(app) and "**" not in screen_text(app)
        # The emphasis still open in the card being written is drawn bold already.
        assert "Noise" in bold_words(screen.query_one(IdeaBoard))

        ollama.release()
        await settle(pilot)
        assert "**" not in screen_text(app)
        assert len(store.load(store.summaries()[0].id).session.ideas) == 3
