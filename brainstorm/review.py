"""A person's decisions on ideas: edit, accept, reject, reopen, add, and undo of any of them.
The CLI and the TUI both call these, so both record exactly the same events."""

from __future__ import annotations

from dataclasses import dataclass

from brainstorm.events import IdeaAdded, IdeaRevised, IdeaStatusChanged, ReviewUndone, Status
from brainstorm.models import Author, Idea, ReviewAction, Session
from brainstorm.presentation import decision_label
from brainstorm.session_writer import SessionWriter
from brainstorm.store_errors import StoreError


class ReviewError(StoreError):
    pass


class HiddenIdea(ReviewError):
    """One of the model's ideas still hidden in a human-first round: nobody has seen it."""

    def __init__(self, session_id: str, idea_id: int) -> None:
        super().__init__(
            f"idea #{idea_id} is one of the model's ideas, hidden until you reveal them"
        )
        self.session_id = session_id
        self.idea_id = idea_id


def parse_idea_ref(ref: str) -> int:
    """Idea ids as `show` prints them: `3` or `#3`."""
    cleaned = ref.strip().removeprefix("#")
    if not cleaned.isdigit() or int(cleaned) < 1:
        raise ReviewError(f"{ref!r} is not an idea id (use the number `show` prints, like 3)")
    return int(cleaned)


def reviewable(session: Session, idea_id: int) -> Idea:
    """The idea a person may see and review, or a `ReviewError` saying why not: no such idea,
    or one of the model's ideas still hidden in a human-first round. Check before showing an
    idea's text anywhere (an editor, a history), and every idea before recording any."""
    idea = session.ideas.get(idea_id)
    if idea is None and idea_id in session.withdrawn:
        raise ReviewError(
            f"idea #{idea_id} was removed from session {session.id} by an undo"
            " (the session file still keeps it)"
        )
    if idea is None:
        raise ReviewError(f"session {session.id} has no idea #{idea_id}")
    if idea.hidden and not session.revealed:
        # Nobody has seen it: reviewing it would mean showing it (human-first round).
        raise HiddenIdea(session.id, idea_id)
    return idea


def clean_title(title: str) -> str:
    """A title as one line: runs of whitespace (newlines too) become one space."""
    return " ".join(title.split())


def edit(
    writer: SessionWriter, idea_id: int, text: str | None = None, title: str | None = None
) -> bool:
    """Record a revision of the idea's text, its title, or both: ``None`` keeps that part as
    it is; a blank ``title`` removes the title. A changed title alone is a revision too.
    Returns False (and records nothing) when nothing changed."""
    idea = reviewable(writer.session, idea_id)
    new_text = idea.text if text is None else text.strip()
    if not new_text:
        raise ReviewError("an idea cannot be empty: reject it instead")
    new_title = idea.title if title is None else (clean_title(title) or None)
    if new_text == idea.text and new_title == idea.title:
        return False
    # The event carries the whole new version: the title too ("" when it was removed).
    stored_title = new_title if new_title is not None else ("" if idea.title else None)
    writer.append(IdeaRevised(idea=idea_id, text=new_text, title=stored_title))
    return True


def set_status(writer: SessionWriter, idea_id: int, status: Status) -> bool:
    """Returns False (and records nothing) when the idea already has that status."""
    idea = reviewable(writer.session, idea_id)
    if idea.status is status:
        return False
    writer.append(IdeaStatusChanged(idea=idea_id, status=status))
    return True


def add(writer: SessionWriter, text: str, title: str | None = None) -> Idea:
    """An idea written by the person: theirs from the start, never a draft of the model's."""
    text = text.strip()
    if not text:
        raise ReviewError("an idea cannot be empty")
    (idea_id,) = writer.allocate_idea_ids(1)
    writer.append(IdeaAdded(idea=idea_id, text=text, title=clean_title(title or "") or None))
    return writer.session.ideas[idea_id]


@dataclass(frozen=True)
class Undone:
    """What an undo reverted: the idea, and words for it ("accepted #3 (back to DRAFT)")."""

    idea: int
    kind: str  # "added", "revised" or "status", as `ReviewAction.kind`
    description: str


def undo(writer: SessionWriter) -> Undone:
    """Revert the last review decision still standing (accept, reject, reopen, edit, title edit,
    add) by appending a `review_undone` event; the reverted event stays in the log. Called
    again, it walks further back. An undo itself is not undone (there is no redo): the
    decision can simply be made again. Raises `ReviewError` when nothing is left to undo."""
    session = writer.session
    if not session.undoable:
        raise ReviewError(f"nothing to undo in session {session.id}: no review decision left")
    action = session.undoable[-1]
    idea = session.ideas[action.idea]
    description = describe_undo(action, idea)
    writer.append(ReviewUndone(undoes=action.seq, idea=action.idea))
    return Undone(action.idea, action.kind, description)


def describe_undo(action: ReviewAction, idea: Idea) -> str:
    """Words for undoing `action` on `idea` (the idea as it is before the undo)."""
    ref = f"#{action.idea}"
    if action.kind == "added":
        return f"added {ref} (removed from the session; its file keeps it)"
    label = decision_label(action)
    if action.kind == "status":
        before = action.before_status or Status.DRAFT
        return f"{label} {ref} (back to {before.value.upper()})"
    if label == "title edited":
        old = f'"{action.before_title}"' if action.before_title else "no title"
        return f"title edit of {ref} (back to {old})"
    standing = len(idea.revisions) - 1  # revisions left once this one is undone
    if standing:
        back = f"revision {standing}"
    elif idea.author is Author.MODEL:
        back = "the model's text"
    else:
        back = "your first text"
    return f"edit of {ref} (back to {back})"
