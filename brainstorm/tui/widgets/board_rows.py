"""The vertical geometry of the card board: each row's height (estimated, or measured once
drawn) and the line each row starts on.

Start lines are sums of heights; a change of one height moves every row below it, so they are
brought up to date lazily, from the first changed row down, when a start line is next asked
for (one pass of additions, however many heights changed meanwhile).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate


class Rows:
    def __init__(self) -> None:
        self._heights: list[int] = []
        self._starts: list[int] = [0]  # start line of each row, then the total
        self._valid = 0  # _starts[0.._valid] are up to date

    def __len__(self) -> int:
        return len(self._heights)

    def height(self, row: int) -> int:
        return self._heights[row]

    def set_height(self, row: int, height: int) -> None:
        if self._heights[row] != height:
            self._heights[row] = height
            self._valid = min(self._valid, row)

    def insert(self, at: int, heights: Iterable[int]) -> None:
        self._heights[at:at] = heights
        self._valid = min(self._valid, at)

    def replace_from(self, at: int, heights: Iterable[int]) -> None:
        """Rows from ``at`` on are now ``heights`` (as many as it holds)."""
        del self._heights[at:]
        self._heights.extend(heights)
        self._valid = min(self._valid, at)

    def _update(self) -> None:
        start = self._valid
        if start >= len(self._heights):
            del self._starts[len(self._heights) + 1 :]
            return
        del self._starts[start + 1 :]
        sums = accumulate(self._heights[start:], initial=self._starts[start])
        next(sums)  # the initial value, already there
        self._starts.extend(sums)
        self._valid = len(self._heights)

    def top(self, row: int) -> int:
        """The line row ``row`` starts on."""
        self._update()
        return self._starts[row]

    @property
    def total(self) -> int:
        """Lines of all rows."""
        self._update()
        return self._starts[len(self._heights)]

    def at(self, line: int) -> int | None:
        """The row on ``line`` (None past the last)."""
        if not self._heights:
            return None
        self._update()
        row = bisect_right(self._starts, line) - 1
        return row if 0 <= row < len(self._heights) else None
