"""What the app says, and how often: a read-only window's write keys, the offline model's
note, toasts over a dialog, and the session list at 80 columns."""

from __future__ import annotations

import re
from pathlib import Path

from brainstorm.config import Settings
from brainstorm.llm import EMBEDDED_QUALITY_NOTICE
from brainstorm.store import SessionStore
from brainstorm.tui.app import NOTICE_SECONDS
from brainstorm.tui.read_only import NOTICE
from brainstorm.tui.screens.new_session import NewSessionScreen
from tests.tui.conftest import (
    badges,
    make_app,
    open_first_session,
    screen_text,
    seed_session,
    settle,
)


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_write_key_in_a_read_only_window_says_why_once(
    settings: Settings, store: SessionStore
) -> None:
    session_id = seed_session(store)
    before = store.path_for(session_id).read_bytes()
    with store.open_writer(session_id):  # another window holds the session
        app = make_app(settings)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            screen = await open_first_session(pilot)
            assert screen.read_only
            assert NOTICE[:30] not in flat(screen_text(app))  # nothing said before a key
            await pilot.press("a")
            await pilot.pause()
            shown = flat(screen_text(app))
            assert shown.count("This window is read-only") == 1
            assert "ctrl+r here to take over" in shown
            await pilot.press("x", "e", "n", "a")
            await pilot.pause()
            assert flat(screen_text(app)).count("This window is read-only") == 1
            assert badges(screen_text(app))[:2] == ["#1 DRAFT", "#2 DRAFT"]
    assert store.path_for(session_id).read_bytes() == before


async def test_reading_keys_in_a_read_only_window_say_nothing(
    settings: Settings, store: SessionStore
) -> None:
    session_id = seed_session(store)
    with store.open_writer(session_id):
        app = make_app(settings)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            await open_first_session(pilot)
            await pilot.press("down", "up", "m", "m")
            await pilot.pause()
            assert "This window is read-only" not in flat(screen_text(app))


async def test_the_offline_note_is_said_once_and_briefly(settings: Settings) -> None:
    app = make_app(settings)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.say_offline_notice(EMBEDDED_QUALITY_NOTICE)
        app.say_offline_notice(EMBEDDED_QUALITY_NOTICE)  # a reconnect picks embedded again
        await pilot.pause()
        assert flat(screen_text(app)).count("is tiny") == 1
    assert NOTICE_SECONDS <= 8


async def test_the_offline_note_never_covers_a_dialog(settings: Settings) -> None:
    app = make_app(settings)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.new_session()
        await pilot.pause()
        assert isinstance(app.screen, NewSessionScreen)
        app.say_offline_notice(EMBEDDED_QUALITY_NOTICE)
        await pilot.pause()
        assert "is tiny" not in screen_text(app)  # the banner says it once the dialog closes


async def test_toasts_over_a_dialog_keep_off_its_buttons(settings: Settings) -> None:
    app = make_app(settings)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.new_session()
        await pilot.pause()
        app.notify("A toast that must not hide the buttons", timeout=30)
        await pilot.pause()
        rows = screen_text(app).splitlines()
        toast = next(i for i, row in enumerate(rows) if "must not hide" in row)
        buttons = next(i for i, row in enumerate(rows) if "Cancel" in row)
        assert toast < buttons - 3, "\n".join(rows)


async def test_session_list_at_80_columns_shows_every_column_and_usable_ids(
    tmp_path: Path, settings: Settings
) -> None:
    store = SessionStore(settings.sessions_dir)
    topics = [
        "Ways to get teenagers to read more books over the summer holidays",
        "Ways to get teenagers to read more books in winter",
        "x",
    ]
    ids = [seed_session(store, topic) for topic in topics]
    app = make_app(settings)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        rows = screen_text(app).splitlines()
    header = next(row for row in rows if "Topic" in row)
    for label in ("Id", "Topic", "Dr.", "Acc.", "Rej.", "Yrs.", "Last"):
        assert label in header, header
    assert all(len(row.rstrip()) <= 80 for row in rows)
    for session_id in ids:
        firsts = [r.split()[0] for r in rows if r.split()]
        shown = next(f for f in firsts if f.endswith(session_id[-4:]))
        typed = shown if "…" not in shown else shown.split("…")[1]
        assert store.resolve(typed) == session_id, shown  # what is shown can be typed
    dated = [r for r in rows if re.search(r"[A-Z][a-z]{2} \d{2}$", r.rstrip())]
    assert len(dated) == 3  # the last column (last activity) shows on every row
