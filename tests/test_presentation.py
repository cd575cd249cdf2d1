"""Words shared by every front end (brainstorm/presentation.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from brainstorm.models import Author, Idea
from brainstorm.presentation import kept_refs


def idea(number: int, *, incomplete: bool = False) -> Idea:
    return Idea(
        id=number,
        author=Author.MODEL,
        text="x",
        incomplete=incomplete,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("ideas", "words"),
    [
        ([idea(3)], "#3"),
        ([idea(3, incomplete=True)], "#3 (#3 marked INCOMPLETE)"),
        ([idea(1), idea(2, incomplete=True)], "#1 and #2 (#2 marked INCOMPLETE)"),
        ([idea(1), idea(2), idea(3)], "#1, #2 and #3"),
        (
            [idea(1, incomplete=True), idea(2, incomplete=True)],
            "#1 and #2 (#1, #2 marked INCOMPLETE)",
        ),
    ],
)
def test_kept_refs_name_only_what_was_marked(ideas: list[Idea], words: str) -> None:
    assert kept_refs(ideas) == words
