"""Replaying a session: its events (`brainstorm.events`), folded in file order into its state
(`brainstorm.models`). The state is never stored, so this is the one place that says what each
event does to it; the converging half's events (themes, votes) are handed to
`brainstorm.converge_events.apply_converge`.
"""

from __future__ import annotations

from collections.abc import Sequence

from brainstorm.converge_events import (
    ThemeLabelAccepted,
    ThemeLabelled,
    ThemesGrouped,
    VoteCast,
    VoteWithdrawn,
    apply_converge,
)
from brainstorm.events import (
    Event,
    GenerationCompleted,
    GenerationFailed,
    GenerationInterrupted,
    GenerationRetried,
    IdeaAdded,
    IdeaDrafted,
    IdeaRevised,
    IdeasRevealed,
    IdeaStatusChanged,
    LogRepaired,
    Note,
    PromptSent,
    ReplyText,
    ReviewUndone,
    SessionCreated,
    Status,
    TornLineSkipped,
)
from brainstorm.models import Author, Idea, ReviewAction, Revision, Session, StatusChange
from brainstorm.prompt_records import PromptRecord, RetriedAttempt


def replay(events: Sequence[Event]) -> Session:
    """A session's state from its events, the first being its `session_created`."""
    first = events[0]
    assert isinstance(first, SessionCreated)
    session = Session.from_created(first)
    for event in events[1:]:
        apply_event(session, event)
    return session


def apply_event(session: Session, event: Event) -> None:
    """Fold one event into the state. Events arrive in file order."""
    session.last_seq = event.seq
    session.updated_at = event.at
    match event:
        case SessionCreated():
            pass  # only ever first; handled by from_created
        case PromptSent():
            session.prompts[event.prompt_id] = PromptRecord(
                id=event.prompt_id,
                prompt=event.prompt,
                technique=event.technique,
                model=event.model,
                backend=event.backend,
                options=event.options,
                at=event.at,
                structured=event.structured,
                hidden=event.hidden,
                parent_idea=event.parent_idea,
                follow_up=event.follow_up,
                batch_key=event.batch_key,
                reply_parts=[] if event.keeps_reply else None,
            )
        case ReplyText():
            record = session.prompts.get(event.prompt_id)
            if record is not None and record.reply_parts is not None:
                record.reply_parts.append(event.text)
        case IdeaDrafted():
            _record_idea(session, event.prompt_id, event.idea)
            session.ideas[event.idea] = Idea(
                id=event.idea,
                author=Author.MODEL,
                text=event.text,
                title=event.title,
                original=event.text,
                original_title=event.title,
                model=event.model,
                backend=event.backend,
                technique=event.technique,
                options=event.options,
                stats=event.stats,
                prompt_id=event.prompt_id,
                host=event.host,
                incomplete=event.incomplete,
                echo_of_prompt=bool(event.echo_of_prompt),
                # A reply still arriving when the person revealed is shown at once.
                hidden=event.hidden and not session.revealed,
                before_reveal=event.hidden,
                created_at=event.at,
            )
        case IdeaAdded():
            session.ideas[event.idea] = Idea(
                id=event.idea,
                author=Author.HUMAN,
                text=event.text,
                title=event.title,
                # The person wrote it, which is already a decision; they may reject it later.
                status=Status.ACCEPTED,
                before_reveal=session.human_first and not session.revealed,
                created_at=event.at,
            )
            _remember(
                session, ReviewAction(seq=event.seq, at=event.at, kind="added", idea=event.idea)
            )
        case IdeaRevised():
            idea = session.idea(event.idea)
            _remember(
                session,
                ReviewAction(
                    seq=event.seq,
                    at=event.at,
                    kind="revised",
                    idea=idea.id,
                    text=event.text,
                    title=event.title,
                    before_text=idea.text,
                    before_title=idea.title,
                ),
            )
            idea.text = event.text
            before = idea.title
            if event.title is not None:
                idea.title = event.title or None
            idea.revisions.append(
                Revision(
                    text=event.text,
                    at=event.at,
                    title=idea.title,
                    title_changed=idea.title != before,
                )
            )
        case IdeaStatusChanged():
            idea = session.idea(event.idea)
            _remember(
                session,
                ReviewAction(
                    seq=event.seq,
                    at=event.at,
                    kind="status",
                    idea=idea.id,
                    status=event.status,
                    before_status=idea.status,
                ),
            )
            idea.status = event.status
            idea.status_history.append(StatusChange(status=event.status, at=event.at))
        case ReviewUndone():
            _revert(session, event)
        case GenerationCompleted():
            record = session.prompts.get(event.prompt_id)
            if record is not None:
                record.outcome = "completed"
                record.ideas = list(event.ideas)
                record.host = event.host
                record.done_reason = event.stats.done_reason if event.stats else None
            for idea_id in event.ideas:  # ideas stored while streaming had no figures yet
                streamed = session.ideas.get(idea_id)
                if streamed is not None and streamed.stats is None:
                    streamed.stats = event.stats
        case GenerationFailed():
            record = session.prompts.get(event.prompt_id)
            if record is not None:
                record.outcome = "cancelled" if event.cancelled else "failed"
                record.reason = event.reason
                record.ideas = list(event.ideas)
                record.host = event.host
        case GenerationRetried():
            record = session.prompts.get(event.prompt_id)
            if record is not None:
                record.retries.append(
                    RetriedAttempt(
                        host=event.host,
                        reason=event.reason,
                        ideas=event.ideas,
                        at=event.at,
                        reply_chars=len(record.reply or ""),
                    )
                )
        case GenerationInterrupted():
            record = session.prompts.get(event.prompt_id)
            if record is not None and record.outcome == "pending":
                record.outcome = "interrupted"
        case IdeasRevealed():
            if not session.revealed:
                session.revealed_at = event.at
            session.revealed = True
            for idea in session.ideas.values():
                idea.hidden = False
        case Note():
            session.notes.append(event.text)
        case TornLineSkipped() | LogRepaired():
            pass
        case (
            ThemesGrouped() | ThemeLabelled() | ThemeLabelAccepted() | VoteCast() | VoteWithdrawn()
        ):
            apply_converge(session, event)


def _remember(session: Session, action: ReviewAction) -> None:
    session.ideas[action.idea].actions.append(action)
    session.undoable.append(action)


def _revert(session: Session, event: ReviewUndone) -> None:
    """Undo one decision. `review.undo` only ever names the last one still standing, so
    the idea's newest revision or status change is the one being reverted. A log naming
    anything else (edited by hand) is ignored rather than misread."""
    action = next((a for a in reversed(session.undoable) if a.seq == event.undoes), None)
    idea = session.ideas.get(action.idea) if action is not None else None
    if action is None or idea is None:
        return
    session.undoable.remove(action)
    action.undone_at = event.at
    if action.kind == "added":
        session.withdrawn[idea.id] = session.ideas.pop(idea.id)
    elif action.kind == "revised":
        idea.text = action.before_text if action.before_text is not None else idea.text
        idea.title = action.before_title
        if idea.revisions:
            idea.revisions.pop()
    elif action.before_status is not None:
        idea.status = action.before_status
        if idea.status_history:
            idea.status_history.pop()


def _record_idea(session: Session, prompt_id: str | None, idea_id: int) -> None:
    record = session.prompts.get(prompt_id or "")
    if record is not None and idea_id not in record.ideas:
        record.ideas.append(idea_id)
