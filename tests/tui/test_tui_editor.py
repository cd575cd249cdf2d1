"""The edit dialog on its own (tui/screens/editor.py): esc never throws typed text away
without asking, and the dialog says how to select all."""

from __future__ import annotations

from textual.app import App
from textual.widgets import TextArea

from brainstorm.tui.screens.confirm import ConfirmScreen
from brainstorm.tui.screens.editor import EditedIdea, EditIdeaScreen
from tests.tui.conftest import fill, screen_text


class Host(App[None]):
    """Opens the editor and keeps what it dismissed with."""

    CSS_PATH = "../../brainstorm/tui/app.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.results: list[EditedIdea | None] = []

    def on_mount(self) -> None:
        self.push_screen(EditIdeaScreen("Edit idea #1", "Phone booths"), self.results.append)


async def test_esc_in_a_dirty_editor_asks_and_keep_editing_keeps_the_text() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "f7 selects all" in screen_text(app)
        await fill(pilot, "#editor", " for calls")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        shown = screen_text(app)
        assert "Discard your changes?" in shown and "Keep editing" in shown
        await pilot.press("escape")  # esc in the question is the safe answer: keep editing
        assert isinstance(app.screen, EditIdeaScreen) and app.results == []
        assert app.screen.query_one(TextArea).text == "Phone booths for calls"
        assert app.focused is app.screen.query_one(TextArea)

        await pilot.press("escape")
        await pilot.click("#confirm")
        assert app.results == [None]  # discarded: nothing to save
        assert not isinstance(app.screen, EditIdeaScreen)


async def test_esc_in_a_clean_editor_closes_at_once_and_ctrl_s_saves() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        assert app.results == [None] and not isinstance(app.screen, ConfirmScreen)

        app.push_screen(EditIdeaScreen("Edit idea #1", "Phone booths"), app.results.append)
        await pilot.pause()
        await fill(pilot, "#editor", "!")
        await pilot.press("ctrl+s")
        assert app.results == [None, EditedIdea("Phone booths!", title="")]


async def test_typing_back_to_the_original_is_not_a_change() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await fill(pilot, "#editor", "x")
        await pilot.press("backspace", "escape")
        assert app.results == [None]
