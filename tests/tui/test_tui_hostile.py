"""Invisible and bidirectional characters in the app (Trojan Source, CVE-2021-42574): the
session list, the header, cards and the history screen with its diff show them as <U+XXXX>
escapes, and nothing on screen holds one raw; the session file keeps the exact text. And the
header names the server without the credentials in its URL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from brainstorm.config import Settings
from brainstorm.events import IdeaDrafted, IdeaRevised
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from tests.fakes import FakeOllama, free_port
from tests.tui.conftest import (
    MODEL,
    make_app,
    open_first_session,
    screen_text,
    seed_session,
    settle,
)

RLO, ZWSP, LRI, PDI = "\u202e", "\u200b", "\u2066", "\u2069"
HIDDEN = {RLO, ZWSP, LRI, PDI, "\u200e", "\u200f", "\u2028", "\ufeff", "\x1b"}


def hostile_session(store: SessionStore) -> str:
    with store.create(f"Invoices {RLO}gnirts", technique="open", default_model=MODEL) as writer:
        writer.append(
            IdeaDrafted(
                idea=1,
                text=f"Pay the invoice to {RLO}evil{ZWSP}corp today.",
                title=f"Pay {LRI}now{PDI}",
                model=MODEL,
                backend="ollama",
                technique="open",
            )
        )
        writer.append(
            IdeaDrafted(
                idea=2,
                text="Rotate the facilitator 👨\u200d👩\u200d👧 — مكتبة أدوات مشتركة",
                model=MODEL,
                backend="ollama",
                technique="open",
            )
        )
        writer.append(IdeaRevised(idea=1, text=f"Pay the invoice to {RLO}good{ZWSP}corp soon."))
        return writer.session_id


async def test_cards_header_list_and_history_show_escapes(
    settings: Settings, store: SessionStore
) -> None:
    session_id = hostile_session(store)
    app = make_app(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        listed = screen_text(app)
        assert "Invoices <U+202E>gnirts" in listed
        assert not HIDDEN & set(listed)

        await open_first_session(pilot)
        await settle(pilot)
        shown = screen_text(app)
        assert "Invoices <U+202E>gnirts" in shown  # the header
        assert "Pay <U+2066>now<U+2069>" in shown  # a title
        assert "Pay the invoice to <U+202E>good<U+200B>corp soon." in shown
        # Ordinary writing is left alone: an emoji sequence, right-to-left text.
        assert "👨\u200d👩\u200d👧 — مكتبة أدوات مشتركة" in shown
        assert not HIDDEN & set(shown)

        await pilot.press("tab", "h")  # to the cards (the prompt has the focus): #1's history
        await pilot.pause()
        history = screen_text(app)
        assert "Pay the invoice to <U+202E>evil<U+200B>corp today." in history  # the original
        assert "<U+202E>good<U+200B>corp" in history  # the revision and the diff
        assert not HIDDEN & set(history)

    events, _ = read_events(store.path_for(session_id))
    drafted = [e for e in events if isinstance(e, IdeaDrafted)]
    assert drafted[0].text == f"Pay the invoice to {RLO}evil{ZWSP}corp today."  # exact


PASSWORD = "pw-tui-5c1e"


@pytest.mark.parametrize("alive", [True, False])
async def test_the_header_names_the_server_without_credentials(
    store: SessionStore, ollama: FakeOllama, alive: bool
) -> None:
    url = ollama.url if alive else f"http://127.0.0.1:{free_port()}"
    host = url.replace("://", f"://alice:{PASSWORD}@")
    settings = Settings(sessions_dir=store.root, host=host, backend="ollama", model=MODEL)
    seed_session(store)
    app = make_app(settings)
    async with app.run_test(size=(120, 30)) as pilot:
        assert app.backend_state.where == url  # before the first answer
        await settle(pilot)
        assert app.backend_state.where == url
        assert app.backend_state.phase == ("ready" if alive else "down")
        await open_first_session(pilot)
        await settle(pilot)
        shown = screen_text(app)
        if not alive:
            assert url in " ".join(shown.split())  # the banner names the host it tried
        for text in (shown, str(app.backend_state)):
            assert PASSWORD not in text and "alice" not in text
    if alive:
        assert ollama.last_request("/api/tags").headers["authorization"].startswith("Basic ")


async def edit_first_card(pilot: Pilot[object], change: Callable[[TextArea], None]) -> str:
    """Open the editor on the focused card, apply `change` to its text area, save; returns
    what the text area showed when it opened."""
    await pilot.press("e")
    await pilot.pause()
    area = pilot.app.screen.query_one("#editor", TextArea)
    opened = area.text
    change(area)
    await pilot.press("ctrl+s")
    await settle(pilot)
    return opened


async def test_the_editor_shows_escapes_and_saves_the_exact_characters(
    settings: Settings, store: SessionStore
) -> None:
    session_id = hostile_session(store)
    current = f"Pay the invoice to {RLO}good{ZWSP}corp soon."
    app = make_app(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_first_session(pilot)
        await settle(pilot)
        await pilot.press("tab", "e")  # to the cards (the prompt has the focus): edit #1
        await pilot.pause()
        notice = " ".join(screen_text(app).split())
        # The title's two marks count too (the editor revises the title as well).
        assert "The title and text hold 4 invisible or direction-changing characters" in notice
        assert not HIDDEN & set(screen_text(app))
        await pilot.press("escape")
        await pilot.pause()

        # Saved untouched: nothing recorded (the escapes are not taken as the new text).
        opened = await edit_first_card(pilot, lambda area: None)
        assert opened == "Pay the invoice to <U+202E>good<U+200B>corp soon."
        assert "#1 unchanged: nothing recorded." in screen_text(app)
        # An edit elsewhere keeps both characters exactly.
        await edit_first_card(pilot, lambda area: area.insert(" Today.", area.document.end))
        # Deleting an escape deletes its character; a typed escape stays text.
        await edit_first_card(
            pilot, lambda area: setattr(area, "text", area.text.replace("<U+200B>", "<U+2066>"))
        )

    events, _ = read_events(store.path_for(session_id))
    revised = [e.text for e in events if isinstance(e, IdeaRevised)]
    assert revised[1:] == [
        f"{current} Today.",
        f"Pay the invoice to {RLO}good<U+2066>corp soon. Today.",
    ]
