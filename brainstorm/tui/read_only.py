"""What a read-only window says when someone presses a key that would change the session.

The keys stay disabled (the footer shows them dimmed); the first such key gets one notice
saying why and how to take over, and the ones after it say nothing more: the notice at the
top keeps saying it, and a toast on every key would bury the screen."""

from __future__ import annotations

from typing import Any

from textual.actions import parse
from textual.screen import Screen

from brainstorm.tui.widgets.card_view import WRITE_ACTIONS as CARD_WRITE_ACTIONS

# Session-screen (and app) actions that change the session or ask the model for ideas.
SCREEN_WRITE_ACTIONS = frozenset({"add_idea", "ensemble", "reveal", "timer", "undo", "send"})

NOTICE = (
    "This window is read-only: another brainstorm has this session open, so that key"
    " changes nothing here. Close the session there, then press ctrl+r here to take over."
)


def is_write_action(action: str) -> bool:
    """`request('accept')` on a card, `add_idea` on the screen, …"""
    name, arguments = parse(action)[1:]
    if name == "request":
        return bool(arguments) and str(arguments[0]) in CARD_WRITE_ACTIONS
    return name in SCREEN_WRITE_ACTIONS


class ReadOnlyNotice:
    """Says, once per window, why a write key did nothing."""

    def __init__(self) -> None:
        self.told = False

    def key_pressed(self, screen: Screen[Any], key: str) -> bool:
        """Call for every key while the window is read-only. Returns True when `key` was a
        write key (told about now, or already)."""
        active = screen.active_bindings.get(key)
        if active is None or active.enabled or not is_write_action(active.binding.action):
            return False
        if not self.told:
            self.told = True
            screen.notify(NOTICE, title="Read-only", severity="warning", markup=False, timeout=8)
        return True
