"""The revision figures of one idea (`IdeaMetrics`): its model original against its current
text, plus its revisions and editing time. Pure: no I/O, no UI."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from brainstorm.events import Status
from brainstorm.metrics.text import edit_ratio, share, text_figures
from brainstorm.models import Author, Idea, Session


class IdeaMetrics(BaseModel):
    """The revision figures of one idea (names as in DESIGN.md).

    Rates are ``None`` for human-authored ideas, which have no model original; for them
    ``original_words``/``kept_words``/``original_chars`` are 0 and ``word_edits``/``char_edits``
    are ``None``. The counts are kept so that aggregates can be weighted by words.
    """

    model_config = ConfigDict(frozen=True)

    author: Author
    status: Status
    word_edit_rate: float | None
    char_edit_rate: float | None
    model_retention: float | None
    model_share: float | None
    revisions: int
    edit_seconds: float | None
    accepted_as_is: bool
    original_words: int
    final_words: int
    kept_words: int
    word_edits: int | None
    char_edits: int | None
    original_chars: int
    final_chars: int
    title_changed: bool = False  # a model idea whose title is no longer the model's


def edit_seconds(idea: Idea) -> float | None:
    """Seconds from the idea's creation (the draft arriving, or the person adding it) to its
    last revision; ``None`` when it was never revised.

    This is elapsed wall-clock time, not time spent typing: it is an upper bound on editing
    effort (a person may review other cards in between). Status changes do not count as edits.
    Clock skew between events never makes it negative.
    """
    if not idea.revisions:
        return None
    return max(0.0, (idea.revisions[-1].at - idea.created_at).total_seconds())


def measured_text(title: str | None, text: str) -> str:
    """What the figures measure of an idea: its title (when it has one) above its text."""
    return f"{title}\n{text}" if title else text


def idea_metrics(idea: Idea) -> IdeaMetrics:
    """The figures of one idea: its model original against its current text."""
    revisions = len(idea.revisions)
    seconds = edit_seconds(idea)
    accepted_as_is = idea.status is Status.ACCEPTED and not revisions
    final = measured_text(idea.title, idea.text)
    if idea.author is Author.HUMAN or idea.original is None:
        return IdeaMetrics(
            author=idea.author,
            status=idea.status,
            title_changed=False,
            word_edit_rate=None,
            char_edit_rate=None,
            model_retention=None,
            model_share=None,
            revisions=revisions,
            edit_seconds=seconds,
            accepted_as_is=accepted_as_is,
            original_words=0,
            final_words=len(final.split()),
            kept_words=0,
            word_edits=None,
            char_edits=None,
            original_chars=0,
            final_chars=len(final),
        )
    f = text_figures(measured_text(idea.original_title, idea.original), final)
    longest = max(f.original_chars, f.final_chars)
    return IdeaMetrics(
        author=idea.author,
        status=idea.status,
        title_changed=idea.title != idea.original_title,
        word_edit_rate=edit_ratio(f.word_edits, f.final_words),
        char_edit_rate=f.char_edits / longest if longest else 0.0,
        model_retention=share(f.kept_words, f.original_words, other=f.final_words),
        model_share=share(f.kept_words, f.final_words, other=f.original_words),
        revisions=revisions,
        edit_seconds=seconds,
        accepted_as_is=accepted_as_is,
        original_words=f.original_words,
        final_words=f.final_words,
        kept_words=f.kept_words,
        word_edits=f.word_edits,
        char_edits=f.char_edits,
        original_chars=f.original_chars,
        final_chars=f.final_chars,
    )


def session_idea_metrics(session: Session) -> dict[int, IdeaMetrics]:
    """Figures for every idea of the session (hidden ones too), by idea id."""
    return {idea_id: idea_metrics(idea) for idea_id, idea in session.ideas.items()}
