"""A person's decisions on ideas: edit, accept, reject, reopen, add. The CLI and the TUI both
call these, so both record exactly the same events."""

from __future__ import annotations

from brainstorm.models import Idea, IdeaAdded, IdeaRevised, IdeaStatusChanged, Session, Status
from brainstorm.store import SessionWriter, StoreError


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
    if idea is None:
        raise ReviewError(f"session {session.id} has no idea #{idea_id}")
    if idea.hidden and not session.revealed:
        # Nobody has seen it: reviewing it would mean showing it (human-first round).
        raise HiddenIdea(session.id, idea_id)
    return idea


def edit(writer: SessionWriter, idea_id: int, text: str, title: str | None = None) -> bool:
    """Record a revision. Returns False (and records nothing) when nothing changed."""
    idea = reviewable(writer.session, idea_id)
    text = text.strip()
    if not text:
        raise ReviewError("an idea cannot be empty: reject it instead")
    if text == idea.text and (title is None or title == idea.title):
        return False
    writer.append(IdeaRevised(idea=idea_id, text=text, title=title))
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
    writer.append(IdeaAdded(idea=idea_id, text=text, title=title))
    return writer.session.ideas[idea_id]
