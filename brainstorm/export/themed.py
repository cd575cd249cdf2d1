"""The exported ideas by theme, for the mind-map writers (Mermaid, OPML): topic → themes →
ideas.

The themes are the session's stored ones (`brainstorm themes`), with their names and who gave
them; exported ideas in no stored theme (written since the grouping, or rejected ones the
options let in) get a section of their own. A session never grouped is grouped here, the way
`brainstorm themes` would by text, without storing anything (exporting never writes to the
session), and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from brainstorm.converge_events import OTHER_LABEL, ThemeRecord
from brainstorm.events import Status
from brainstorm.export.selection import ExportedIdea, Selection

__all__ = ["ThemeSection", "Themed", "themed"]


@dataclass(frozen=True)
class ThemeSection:
    """One branch of the map: a theme (``theme`` None for the sections that are not one) and
    its exported ideas in idea order."""

    label: str
    ideas: list[ExportedIdea]
    theme: ThemeRecord | None = None

    @property
    def draft_label(self) -> bool:
        return self.theme is not None and self.theme.label_is_draft

    @property
    def label_note(self) -> str:
        """Who named the theme, when a reader should know: the model's draft or accepted
        name, or a person's."""
        theme = self.theme
        if theme is None or theme.is_other:
            return ""
        if theme.label_status == "draft":
            return "DRAFT name by the model, not accepted"
        if theme.label_status == "accepted":
            return "the model's name, accepted by a person"
        if theme.label_status == "written":
            return "named by a person"
        return "characteristic words"


@dataclass(frozen=True)
class Themed:
    sections: list[ThemeSection]
    source: Literal["stored", "computed"]


NOT_GROUPED = "Not grouped yet (new since the themes were made)"
REJECTED = "Rejected ideas"


def themed(selection: Selection) -> Themed:
    """The selection's ideas by theme (see the module doc)."""
    board = selection.session.themes
    if board is None:
        return _computed(selection)
    by_id = {item.idea.id: item for item in selection.ideas}
    placed: set[int] = set()
    sections: list[ThemeSection] = []
    for theme in sorted(board.themes.values(), key=lambda t: t.is_other):
        ideas = [by_id[i] for i in sorted(theme.ideas) if i in by_id and i not in placed]
        placed.update(item.idea.id for item in ideas)
        if ideas:
            sections.append(ThemeSection(theme.label, ideas, theme))
    return Themed(sections + _leftovers(selection, placed), "stored")


def _leftovers(selection: Selection, placed: set[int]) -> list[ThemeSection]:
    rest = [item for item in selection.ideas if item.idea.id not in placed]
    fresh = [item for item in rest if item.idea.status is not Status.REJECTED]
    rejected = [item for item in rest if item.idea.status is Status.REJECTED]
    sections = [ThemeSection(NOT_GROUPED, fresh)] if fresh else []
    return sections + ([ThemeSection(REJECTED, rejected)] if rejected else [])


def _computed(selection: Selection) -> Themed:
    from brainstorm.converge_events import OTHER_THEME
    from brainstorm.themes import DEFAULT_MAX_THEMES, group_ideas, words_label

    grouped = [item for item in selection.ideas if item.idea.status is not Status.REJECTED]
    by_id = {item.idea.id: item for item in grouped}
    items = [
        (i.idea.id, f"{i.idea.title}: {i.idea.text}" if i.idea.title else i.idea.text)
        for i in grouped
    ]
    grouping = group_ideas(items, max_themes=DEFAULT_MAX_THEMES)
    sections: list[ThemeSection] = []
    for number, (ids, terms) in enumerate(zip(grouping.groups, grouping.terms, strict=True), 1):
        record = ThemeRecord(id=number, label=words_label(terms, number), terms=terms, ideas=ids)
        sections.append(ThemeSection(record.label, [by_id[i] for i in ids], record))
    if grouping.other:
        record = ThemeRecord(id=OTHER_THEME, label=OTHER_LABEL, ideas=grouping.other)
        sections.append(ThemeSection(OTHER_LABEL, [by_id[i] for i in grouping.other], record))
    placed = set(by_id)
    return Themed(sections + _leftovers(selection, placed), "computed")
