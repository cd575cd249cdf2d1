"""A card's figures say what they are: counts on the card, their meaning on hover and in the
figures panel, and the help explains them."""

from __future__ import annotations

from brainstorm import review
from brainstorm.config import Settings
from brainstorm.store import SessionStore
from brainstorm.tui.widgets.idea_board import IdeaBoard
from tests.tui.conftest import make_app, open_first_session, screen_text, seed_session


async def test_card_figures_use_plain_words(settings: Settings, store: SessionStore) -> None:
    session_id = seed_session(store)
    with store.open_writer(session_id) as writer:
        # "Booths / Phone booths for calls" -> "… with doors": the figures measure the title
        # above the text (issue 13: titles belong to people too), so 2 words replaced, 3 of 5 kept.
        review.edit(writer, 1, "Phone booths with doors")
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first_session(pilot)
        text = " ".join(screen_text(app).split())
        assert "1 revision · 2 words changed · 3 of 5 model words kept" in text
        assert "word edits" not in text
        board = screen.board
        # Hovering a card explains its figures; a card without figures has nothing to say.
        await pilot.hover(IdeaBoard, offset=(10, board.top_of(1) + 1 - board.scroll_offset.y))
        assert "words you added, cut or replaced" in str(board.tooltip)
        await pilot.hover(IdeaBoard, offset=(10, board.top_of(2) + 1 - board.scroll_offset.y))
        assert board.tooltip is None
        await pilot.press("tab", "m")  # to the cards (m typed in the prompt box is a letter)
        await pilot.pause()
        panel = " ".join(screen_text(app).split())
        assert "words changed" in panel and "cutting a lot passes 100%" in panel


async def test_help_wraps_at_80_columns_and_explains_the_figures(settings: Settings) -> None:
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        body = app.screen.query_one("#help-body")
        assert body.max_scroll_x == 0 and not body.show_horizontal_scrollbar
        assert body.max_scroll_y > 0  # it scrolls down instead
        rows = screen_text(app).splitlines()
        assert "command palette: every action" in "\n".join(rows)
        body.scroll_end(animate=False)
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "words changed words you added, cut or replaced" in text
