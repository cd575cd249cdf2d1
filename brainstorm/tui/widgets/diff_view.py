"""A coloured word diff (from `metrics.diff.word_diff`): deletions struck out, insertions
marked."""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.widget import Widget

from brainstorm.metrics.diff import DiffOp
from brainstorm.textsafe import visible


class DiffView(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"diff--insert", "diff--delete", "diff--equal"}

    def __init__(self, ops: list[DiffOp], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ops = ops

    def render(self) -> Content:
        if not self.ops:
            return Content("(no text)")
        return Content.assemble(
            *[(visible(text), self.get_visual_style(f"diff--{tag}")) for tag, text in self.ops]
        )
