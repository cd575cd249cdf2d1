"""Themes: the session's visible, non-rejected ideas grouped so a person can see the shape of
a brainstorm, each group with a label.

- `grouping`: which ideas go together (scikit-learn, loaded only when grouping runs) and the
  words that characterise each group.
- `carry`: a regrouping keeps the ids and labels of themes that still exist.
- `board`: store a grouping, rename a theme, accept a model label, see the themes now.
- `labels`: labels written by the model (DRAFTs until a person accepts or renames them).

Stored as events (`brainstorm.converge_events`), so the themes are part of the history.
"""

from brainstorm.themes.board import (
    MAX_LABEL,
    ThemeError,
    ThemeView,
    accept_label,
    clean_label,
    eligible_ideas,
    parse_theme_ref,
    preview,
    regroup,
    rename,
    theme_items,
    theme_views,
)
from brainstorm.themes.carry import SAME_THEME, carry_over, jaccard, words_label
from brainstorm.themes.grouping import (
    DEFAULT_MAX_THEMES,
    TERMS,
    Grouping,
    group_ideas,
    theme_count,
)

__all__ = [
    "DEFAULT_MAX_THEMES",
    "MAX_LABEL",
    "SAME_THEME",
    "TERMS",
    "Grouping",
    "ThemeError",
    "ThemeView",
    "accept_label",
    "carry_over",
    "clean_label",
    "eligible_ideas",
    "group_ideas",
    "jaccard",
    "parse_theme_ref",
    "preview",
    "regroup",
    "rename",
    "theme_count",
    "theme_items",
    "theme_views",
    "words_label",
]
