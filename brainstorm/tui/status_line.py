"""The one message every part of a session screen uses to say something in its status line."""

from __future__ import annotations

from typing import Literal

from textual.message import Message

Level = Literal["info", "warning", "error"]


class StatusLine(Message):
    """Words for the session screen's status line, and how loud they are."""

    def __init__(self, text: str, level: Level = "info") -> None:
        super().__init__()
        self.text = text
        self.level = level
