"""Words shown for ideas, shared by every front end (CLI, TUI, export) so they never disagree.

No terminal or UI library here: front ends decide how the words are styled."""

from __future__ import annotations

from brainstorm.models import Author, Idea, Status

STATUS_WORDS: dict[Status, str] = {
    Status.DRAFT: "DRAFT",
    Status.ACCEPTED: "ACCEPTED",
    Status.REJECTED: "REJECTED",
}


def status_label(idea: Idea) -> str:
    """The words shown for an idea's status, the same in every view."""
    if idea.author is Author.HUMAN:
        return "YOURS" if idea.status is Status.ACCEPTED else f"YOURS, {idea.status.value.upper()}"
    label = STATUS_WORDS[idea.status]
    if idea.status is Status.ACCEPTED:
        label += " as-is" if idea.accepted_as_is else " after edits"
    elif idea.status is Status.DRAFT and idea.edited:
        label += " (edited)"
    return label
