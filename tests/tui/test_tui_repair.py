"""Issue 13 in the app: a session that fails to load is offered a repair from the session
list (a new log without the bad lines; the original file kept byte for byte)."""

from __future__ import annotations

from brainstorm.config import Settings
from brainstorm.store import SessionStore
from brainstorm.tui.screens.confirm import ConfirmScreen
from brainstorm.tui.screens.sessions import SessionListScreen
from tests.tui.conftest import make_app, open_first_session, screen_text, seed_session, settle


async def test_an_unreadable_session_is_offered_a_repair(
    settings: Settings, store: SessionStore
) -> None:
    session_id = seed_session(store)
    path = store.path_for(session_id)
    lines = path.read_bytes().splitlines(keepends=True)
    corrupt = lines[0] + b"{not json\n" + b"".join(lines[1:])
    path.write_bytes(corrupt)

    app = make_app(settings)
    # 120 columns: the long id and the topic both fit whole (the list cuts them at 100).
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SessionListScreen)
        shown = screen_text(app)
        (row,) = [line for line in shown.splitlines() if line.split()[:1] == [session_id]]
        assert "unreadable" in row.split()  # in the Topic column, beside its id
        assert "press shift+r to repair it" in " ".join(shown.split())

        await pilot.press("enter")  # opening it offers the repair
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        dialog = " ".join(screen_text(app).split())
        assert f"Session {session_id} cannot be opened. Repair it?" in dialog
        assert ":2: not valid JSON" in dialog
        await pilot.press("escape")  # cancelled: nothing changes
        await pilot.pause()
        assert path.read_bytes() == corrupt

        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#confirm")
        await settle(pilot)
        assert isinstance(app.screen, SessionListScreen)
        shown = " ".join(screen_text(app).split())
        assert f"Repaired {session_id}: left out 1 line(s) (line 2: not valid JSON" in shown
        assert "Quieter open-plan offices" in shown  # listed by its topic again

        screen = await open_first_session(pilot)
        assert screen.session.id == session_id and len(screen.session.ideas) == 2

    kept = list(store.root.glob(f"{session_id}.jsonl.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == corrupt
