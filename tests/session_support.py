"""Hand-made session content for tests of the core (no server needed)."""

from __future__ import annotations

from brainstorm.events import IdeaDrafted
from brainstorm.session_writer import SessionWriter


def draft(writer: SessionWriter, text: str, *, hidden: bool = False) -> int:
    """A model idea as `generate` stores it; returns its id."""
    (idea_id,) = writer.allocate_idea_ids(1)
    writer.append(
        IdeaDrafted(idea=idea_id, text=text, model="llama3.2", backend="ollama", hidden=hidden)
    )
    return idea_id
