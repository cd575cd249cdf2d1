"""Figures over many ideas (`SessionMetrics`): one session, all sessions, or per model or
technique, as ratios of totals of the per-idea figures. Pure: no I/O, no UI."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from brainstorm.events import Status
from brainstorm.metrics.idea import IdeaMetrics, idea_metrics
from brainstorm.metrics.text import edit_ratio, share
from brainstorm.models import Author, Idea, Session

GroupKey = Literal["model", "technique"]

#: Group name for ideas a person wrote, in `group_metrics(..., "model")`.
HUMAN_GROUP = "(human)"
#: Group name when an idea has no model / technique recorded.
UNKNOWN_GROUP = "(none)"


class SessionMetrics(BaseModel):
    """Figures over a set of ideas: one session, all sessions, or a group of them.

    Counts cover every idea; ``by_status`` counts the model's ideas by status and people's own
    ideas as ``yours`` (never as accepted). The rates and the revision figures describe how
    people revised the *model's* suggestions, so they cover model ideas only (``None`` when
    there are none), of every status — filter the `IdeaMetrics` before `aggregate` for, say,
    accepted ideas only. Each rate is a ratio of totals, which is the mean of the per-idea
    rates weighted by that rate's own denominator:

    - ``word_edit_rate`` = Σ word edits / Σ final words (weighted by final words; corpus-level
      HTER, and like corpus TER an all-empty final counts 1.0 if any words were edited);
    - ``char_edit_rate`` = Σ char edits / Σ max(original chars, final chars) (weighted by the
      longer text's characters, the per-idea denominator);
    - ``model_retention`` = Σ kept words / Σ original words (weighted by original words);
    - ``model_share`` = Σ kept words / Σ final words (weighted by final words).

    Accepted text: ``model_words_in_accepted`` are the kept model words of accepted model
    ideas; ``human_words_in_accepted`` are the other words of accepted model ideas plus every
    word of accepted human ideas; ``model_share_of_accepted`` is the first over their sum.
    ``accepted_as_is_share`` = accepted model ideas never revised / accepted model ideas.
    ``titles_changed`` counts the model ideas whose title is no longer the model's.
    ``mean_edit_seconds`` averages `edit_seconds` over revised model ideas.
    """

    model_config = ConfigDict(frozen=True)

    ideas: int
    by_status: dict[str, int]
    by_author: dict[str, int]
    model_ideas: int
    human_ideas: int
    edited_model_ideas: int
    word_edit_rate: float | None
    char_edit_rate: float | None
    model_retention: float | None
    model_share: float | None
    accepted_model_ideas: int
    accepted_as_is: int
    accepted_as_is_share: float | None
    model_words_in_accepted: int
    human_words_in_accepted: int
    model_share_of_accepted: float | None
    revisions: int
    mean_edit_seconds: float | None
    titles_changed: int = 0


def aggregate(ideas: Iterable[IdeaMetrics]) -> SessionMetrics:
    """Combine per-idea figures (from one session or many) into `SessionMetrics`."""
    # As every count a person sees: the model's ideas by status, and people's own apart.
    by_status = {status.value: 0 for status in Status} | {"yours": 0}
    by_author = {author.value: 0 for author in Author}
    n_ideas = model_ideas = edited = titles_changed = 0
    w_edits = c_edits = c_len = n_original = n_final = n_kept = 0
    accepted_model = as_is = model_words = human_words = revisions = 0
    seconds_total = 0.0
    seconds_count = 0
    for m in ideas:
        n_ideas += 1
        by_status["yours" if m.author is Author.HUMAN else m.status.value] += 1
        by_author[m.author.value] += 1
        accepted = m.status is Status.ACCEPTED
        if m.word_edits is None or m.char_edits is None:  # human-authored
            if accepted:
                human_words += m.final_words
            continue
        model_ideas += 1
        w_edits += m.word_edits
        c_edits += m.char_edits
        c_len += max(m.original_chars, m.final_chars)
        n_original += m.original_words
        n_final += m.final_words
        n_kept += m.kept_words
        revisions += m.revisions
        if m.revisions:
            edited += 1
        titles_changed += m.title_changed
        if m.edit_seconds is not None:
            seconds_total += m.edit_seconds
            seconds_count += 1
        if accepted:
            accepted_model += 1
            as_is += m.accepted_as_is
            model_words += m.kept_words
            human_words += m.final_words - m.kept_words
    has_model = model_ideas > 0
    return SessionMetrics(
        ideas=n_ideas,
        by_status=by_status,
        by_author=by_author,
        model_ideas=model_ideas,
        human_ideas=n_ideas - model_ideas,
        edited_model_ideas=edited,
        titles_changed=titles_changed,
        word_edit_rate=edit_ratio(w_edits, n_final) if has_model else None,
        char_edit_rate=(c_edits / c_len if c_len else 0.0) if has_model else None,
        model_retention=share(n_kept, n_original, other=n_final) if has_model else None,
        model_share=share(n_kept, n_final, other=n_original) if has_model else None,
        accepted_model_ideas=accepted_model,
        accepted_as_is=as_is,
        accepted_as_is_share=as_is / accepted_model if accepted_model else None,
        model_words_in_accepted=model_words,
        human_words_in_accepted=human_words,
        model_share_of_accepted=(
            model_words / (model_words + human_words) if model_words + human_words else None
        ),
        revisions=revisions,
        mean_edit_seconds=seconds_total / seconds_count if seconds_count else None,
    )


def session_metrics(session: Session) -> SessionMetrics:
    """Figures for one session (every idea, hidden ones included). To show the per-idea
    figures too, call `session_idea_metrics` once and `aggregate` its values instead."""
    return aggregate(idea_metrics(idea) for idea in session.ideas.values())


def overall_metrics(sessions: Iterable[Session]) -> SessionMetrics:
    """Figures across sessions, as if all their ideas were one session."""
    return aggregate(idea_metrics(idea) for s in sessions for idea in s.ideas.values())


def _group_of(session: Session, idea: Idea, key: GroupKey) -> str:
    if key == "technique":
        return idea.technique or session.technique or UNKNOWN_GROUP
    if idea.author is Author.HUMAN:
        return HUMAN_GROUP
    return idea.model or UNKNOWN_GROUP


def group_metrics(sessions: Iterable[Session], key: GroupKey) -> dict[str, SessionMetrics]:
    """Figures per model or per technique across sessions, sorted by group name.

    By ``"model"``: model ideas group under the model that wrote them (else the session's
    model); ideas a person wrote form their own ``"(human)"`` group. By ``"technique"``: each
    idea groups under its own technique, else its session's (so a person's ideas count under the
    technique they were brainstorming with). Missing names group under ``"(none)"``.
    """
    groups: dict[str, list[IdeaMetrics]] = {}
    for session in sessions:
        for idea in session.ideas.values():
            groups.setdefault(_group_of(session, idea, key), []).append(idea_metrics(idea))
    return {name: aggregate(groups[name]) for name in sorted(groups)}
