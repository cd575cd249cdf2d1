"""Session-list columns (tui/session_table.py): every column fits, ids stay typeable."""

from __future__ import annotations

import pytest

from brainstorm.tui.session_table import MIN_TOPIC, NARROW, PAD, WIDE, layout, shown_id

LONG = [
    "ways-to-get-teenagers-to-read-more-books-24c1",
    "ways-to-get-teenagers-to-read-more-books-9f0e",
    "x-eed1",
]


def total_width(shape: object) -> int:
    columns = shape.columns  # type: ignore[attr-defined]
    return sum(c.width + PAD for c in columns)


@pytest.mark.parametrize("width", [80, 90, 100, 120, 200])
def test_every_column_fits(width: int) -> None:
    shape = layout(width, LONG, 65)
    assert len(shape.columns) == 7
    assert total_width(shape) <= width - 2  # the scrollbar's room
    assert shape.topic_width >= MIN_TOPIC


def test_wide_terminals_get_full_labels_and_whole_ids() -> None:
    shape = layout(160, LONG, 65)
    assert shape.counts == WIDE.counts and shape.id_width == 45
    assert all(shown_id(i, shape.id_width) == i for i in LONG)


def test_80_columns_abbreviate_labels_and_cut_ids_keeping_their_end() -> None:
    shape = layout(80, LONG, 65)
    assert shape.counts == NARROW.counts and shape.date_format == "%b %d"
    cut = shown_id(LONG[0], shape.id_width)
    assert len(cut) == shape.id_width and cut.endswith("…24c1") and cut.startswith("ways-to")
    assert shown_id("x-eed1", shape.id_width) == "x-eed1"


def test_short_ids_are_never_cut() -> None:
    for width in (80, 100, 200):
        shape = layout(width, ["quieter-offices"], 25)
        assert shape.id_width >= len("quieter-offices"), width
