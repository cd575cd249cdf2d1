"""The review decisions `brainstorm history` lists under an idea, undone ones marked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from brainstorm.cli.console import stdout
from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from brainstorm.models import Idea

WHEN = "%Y-%m-%d %H:%M:%S"


def print_decisions(idea: Idea) -> None:
    """Each decision on the idea with its time; an undone one says when it was undone and, for
    an edit, shows the text it had set (gone from the idea, kept in the session file)."""
    from rich.text import Text

    from brainstorm.presentation import decision_label

    if not idea.actions:
        return
    stdout.print(Text("\ndecisions"))
    for action in idea.actions:
        line = Text(f"{action.at.astimezone():{WHEN}}  {decision_label(action)}")
        if action.undone_at is not None:
            line.append(f" (undone {action.undone_at.astimezone():{WHEN}})", style="dim")
        stdout.print(line)
        if action.undone_at is not None and action.kind == "revised" and action.text:
            stdout.print(Text("    " + visible(action.text).replace("\n", "\n    "), style="dim"))
