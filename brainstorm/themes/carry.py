"""Regrouping keeps what people decided: a theme that *still exists* after new ideas keeps its
id and the label a person (or the model) gave it.

**Still exists.** Old theme T (the ideas it holds that are still grouped: visible and not
rejected) and new group G are the same theme when their Jaccard overlap |T ∩ G| / |T ∪ G| is
at least `SAME_THEME` (0.5: at least half of all their ideas together are shared, so a theme
of 5 that gained 5 new ideas is still itself, and one that lost most of its ideas to another
theme is not). Pairs are matched one to one, best overlap first (ties: the older theme id,
then the larger group), so two new groups never inherit the same old theme.

A matched theme keeps its id and, when its label came from the model or a person, that
label (a model label stays a DRAFT until accepted). Its characteristic words are always the
new ones. New groups get ids never used before in the session; the "other" theme is always
id 0.
"""

from __future__ import annotations

from collections.abc import Collection

from brainstorm.converge_events import OTHER_LABEL, OTHER_THEME, ThemeBoard, ThemeRecord
from brainstorm.themes.grouping import Grouping

__all__ = ["SAME_THEME", "carry_over", "jaccard", "words_label"]

SAME_THEME = 0.5


def jaccard(a: Collection[int], b: Collection[int]) -> float:
    union = len(set(a) | set(b))
    return len(set(a) & set(b)) / union if union else 0.0


def words_label(terms: list[str], theme_id: int) -> str:
    """The default label: the theme's characteristic words."""
    return ", ".join(terms) if terms else f"Theme {theme_id}"


def carry_over(
    old: ThemeBoard | None, grouping: Grouping, eligible: Collection[int]
) -> list[ThemeRecord]:
    """The themes of ``grouping`` as records, ids and labels carried over from ``old`` where
    the theme still exists. ``eligible``: the ideas grouped now (old themes are compared by
    the ideas of theirs that still are)."""
    keep = set(eligible)
    previous = [
        (theme, {i for i in theme.ideas if i in keep})
        for theme in (old.themes.values() if old else [])
        if not theme.is_other
    ]
    pairs = sorted(
        (
            (-overlap, theme.id, -len(group), index)
            for index, group in enumerate(grouping.groups)
            for theme, ideas in previous
            if (overlap := jaccard(ideas, group)) >= SAME_THEME
        ),
    )
    matched: dict[int, ThemeRecord] = {}  # new group index → old theme
    used: set[int] = set()
    by_id = {theme.id: theme for theme, _ in previous}
    for _, theme_id, _, index in pairs:
        if index in matched or theme_id in used:
            continue
        matched[index] = by_id[theme_id]
        used.add(theme_id)
    next_id = (old.highest_id if old else 0) + 1
    records: list[ThemeRecord] = []
    for index, (group, terms) in enumerate(zip(grouping.groups, grouping.terms, strict=True)):
        before = matched.get(index)
        if before is None:
            theme_id, next_id = next_id, next_id + 1
            records.append(
                ThemeRecord(
                    id=theme_id, label=words_label(terms, theme_id), terms=terms, ideas=group
                )
            )
            continue
        record = ThemeRecord(id=before.id, label="", terms=terms, ideas=group)
        if before.label_author == "words":
            record.label = words_label(terms, before.id)
        else:
            record = before.model_copy(update={"terms": terms, "ideas": group})
        records.append(record)
    if grouping.other:
        records.append(ThemeRecord(id=OTHER_THEME, label=OTHER_LABEL, ideas=grouping.other))
    return records
