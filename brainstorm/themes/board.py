"""Themes as a person works with them: group the session's ideas and store the grouping,
rename a theme, accept the model's label, and see the themes as they stand now. The CLI and
the app both call these, so both record the same events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from brainstorm.converge_events import (
    OTHER_THEME,
    ThemeBoard,
    ThemeLabelAccepted,
    ThemeLabelled,
    ThemeRecord,
    ThemesGrouped,
)
from brainstorm.event_base import utc_now
from brainstorm.events import Status
from brainstorm.models import Idea, Session
from brainstorm.session_writer import SessionWriter
from brainstorm.store_errors import StoreError
from brainstorm.textsafe import visible
from brainstorm.themes.carry import carry_over
from brainstorm.themes.grouping import Grouping

__all__ = [
    "MAX_LABEL",
    "ThemeError",
    "ThemeView",
    "accept_label",
    "clean_label",
    "eligible_ideas",
    "parse_theme_ref",
    "preview",
    "regroup",
    "rename",
    "theme_items",
    "theme_views",
]

MAX_LABEL = 80

Method = Literal["text", "embeddings"]
Requested = Literal["text", "embeddings", "auto"]


class ThemeError(StoreError):
    """A theme operation that cannot be done, worded for the person who asked."""


def parse_theme_ref(ref: str) -> int:
    """Theme ids as `themes` prints them: ``T3`` (or ``t3``, ``3``)."""
    cleaned = ref.strip().removeprefix("T").removeprefix("t")
    if not cleaned.isdigit():
        raise ThemeError(f"{ref!r} is not a theme id (use the id `themes` prints, like T3)")
    return int(cleaned)


def eligible_ideas(session: Session) -> list[Idea]:
    """The ideas themes group: every idea a person can see that is not rejected, by id."""
    return sorted(
        (i for i in session.visible_ideas() if i.status is not Status.REJECTED),
        key=lambda i: i.id,
    )


def _compared(idea: Idea) -> str:
    title = (idea.title or "").strip()
    return f"{title}: {idea.text}" if title else idea.text


def theme_items(session: Session) -> list[tuple[int, str]]:
    """(id, text) of the ideas to group: title and text, as near-duplicates compare them."""
    return [(idea.id, _compared(idea)) for idea in eligible_ideas(session)]


def _board_fields(
    session: Session,
    grouping: Grouping,
    *,
    max_themes: int,
    requested: Requested,
    embedding_model: str | None,
    note: str | None,
) -> dict[str, object]:
    eligible = [idea.id for idea in eligible_ideas(session)]
    return {
        "method": grouping.method,
        "requested": requested,
        "embedding_model": embedding_model if grouping.method == "embeddings" else None,
        "max_themes": max_themes,
        "note": note,
        "themes": carry_over(session.themes, grouping, eligible),
    }


def _same(board: ThemeBoard | None, fields: dict[str, object]) -> bool:
    if board is None:
        return False
    records = fields["themes"]
    assert isinstance(records, list)
    return (
        board.method == fields["method"]
        and board.requested == fields["requested"]
        and board.embedding_model == fields["embedding_model"]
        and board.max_themes == fields["max_themes"]
        and [t.model_dump() for t in board.themes.values()] == [t.model_dump() for t in records]
    )


def regroup(
    writer: SessionWriter,
    grouping: Grouping,
    *,
    max_themes: int,
    requested: Requested = "text",
    embedding_model: str | None = None,
    note: str | None = None,
) -> bool:
    """Store ``grouping`` (made from `theme_items` of the writer's session) as the session's
    themes, ids and labels carried over where a theme still exists. Returns False, recording
    nothing, when the themes are exactly those already stored."""
    fields = _board_fields(
        writer.session,
        grouping,
        max_themes=max_themes,
        requested=requested,
        embedding_model=embedding_model,
        note=note,
    )
    if _same(writer.session.themes, fields):
        return False
    writer.append(ThemesGrouped.model_validate(fields))
    return True


def preview(
    session: Session,
    grouping: Grouping,
    *,
    max_themes: int,
    requested: Requested = "text",
    embedding_model: str | None = None,
    note: str | None = None,
) -> ThemeBoard:
    """The board `regroup` would store, without storing it (a session open read-only)."""
    fields = _board_fields(
        session,
        grouping,
        max_themes=max_themes,
        requested=requested,
        embedding_model=embedding_model,
        note=note,
    )
    records = fields.pop("themes")
    assert isinstance(records, list)
    return ThemeBoard.model_validate(
        {
            **fields,
            "seq": session.last_seq,
            "at": utc_now(),
            "themes": {t.id: t for t in records},
            "highest_id": max(
                [session.themes.highest_id if session.themes else 0] + [t.id for t in records]
            ),
        }
    )


def clean_label(text: str) -> str:
    """A label as stored: one line, whitespace runs made one space, control characters
    refused (a label is shown in terminals and mind maps)."""
    label = " ".join(text.split())
    if not label:
        raise ThemeError("a theme label cannot be empty")
    if visible(label) != label:
        raise ThemeError("a theme label cannot hold control characters")
    if len(label) > MAX_LABEL:
        raise ThemeError(f"a theme label has at most {MAX_LABEL} characters, not {len(label)}")
    return label


def _theme(session: Session, theme_id: int) -> ThemeRecord:
    board = session.themes
    if board is None:
        raise ThemeError(f"session {session.id} has no themes yet: group its ideas first")
    theme = board.themes.get(theme_id)
    if theme is None:
        known = ", ".join(f"T{t}" for t in board.themes if t != OTHER_THEME) or "none"
        raise ThemeError(f"session {session.id} has no theme T{theme_id} (its themes: {known})")
    if theme.is_other:
        raise ThemeError("the other theme holds the ideas that fit no theme: it keeps its name")
    return theme


def rename(writer: SessionWriter, theme_id: int, label: str, by: str | None = None) -> ThemeRecord:
    """A person names a theme (their label replaces any other, the model's draft included).
    Returns the theme; records nothing when it already has exactly this label from them."""
    theme = _theme(writer.session, theme_id)
    label = clean_label(label)
    if theme.label == label and theme.label_author == "human":
        return theme
    writer.append(ThemeLabelled(theme=theme_id, label=label, author="human", by=by))
    return _theme(writer.session, theme_id)


def accept_label(writer: SessionWriter, theme_id: int, by: str | None = None) -> ThemeRecord:
    """A person accepts the model's DRAFT label of a theme as it is."""
    theme = _theme(writer.session, theme_id)
    if theme.label_status == "accepted":
        return theme
    if not theme.label_is_draft:
        raise ThemeError(
            f"theme T{theme_id}'s label is not a model draft (it is "
            + ("a person's" if theme.label_author == "human" else "its characteristic words")
            + "): nothing to accept"
        )
    writer.append(ThemeLabelAccepted(theme=theme_id, by=by))
    return _theme(writer.session, theme_id)


@dataclass(frozen=True)
class ThemeView:
    """A stored theme with its ideas as they are now (still there, visible, not rejected)."""

    theme: ThemeRecord
    ideas: Sequence[Idea]


def theme_views(
    session: Session, board: ThemeBoard | None = None
) -> tuple[list[ThemeView], list[Idea]]:
    """The themes of ``board`` (default: the session's stored one) with their current ideas,
    and the eligible ideas in no theme (written since the grouping). Empty themes are left
    out; the other theme comes last."""
    board = board if board is not None else session.themes
    eligible = {idea.id: idea for idea in eligible_ideas(session)}
    views: list[ThemeView] = []
    placed: set[int] = set()
    themes = sorted(board.themes.values(), key=lambda t: t.is_other) if board else []
    for theme in themes:
        ideas = [eligible[i] for i in theme.ideas if i in eligible and i not in placed]
        placed.update(idea.id for idea in ideas)
        if ideas:
            views.append(ThemeView(theme, ideas))
    return views, [idea for idea_id, idea in eligible.items() if idea_id not in placed]
