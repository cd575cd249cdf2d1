"""How far an update of the near-duplicate index has got: what a front end shows while a large
one runs (building an index from nothing costs every pair: tens of seconds for 10,000 ideas).

A plain callback, so that the core stays free of any display: the CLI draws a Rich progress
line from it on a terminal; the app and pipes pass none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Comparing", "ProgressCallback", "Tally", "pairs_to_compare"]


@dataclass(frozen=True)
class Comparing:
    """One step of an update. Work is counted in comparisons (pairs of ideas), which is what
    it costs: the last ideas of a build take longer than the first."""

    ideas: int  # ideas in the index once updated
    compared: int  # new or changed ideas (each compared with every other)
    fresh: bool  # built from nothing: no usable stored index, or too much changed
    done: int  # comparisons made so far
    total: int  # comparisons to make (an estimate within a few rows)

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 1.0


ProgressCallback = Callable[[Comparing], None]


class Tally:
    """Counts comparisons as the index makes them and reports to the callback (if any)."""

    def __init__(
        self, callback: ProgressCallback | None, *, ideas: int, compared: int, fresh: bool
    ) -> None:
        self.callback = callback
        self.ideas, self.compared, self.fresh = ideas, compared, fresh
        self.done = 0
        self.total = 1

    def start(self, total: int) -> None:
        self.total = max(1, total)
        self._report()

    def add(self, pairs: int) -> None:
        self.done = min(self.total, self.done + pairs)
        self._report()

    def finish(self) -> None:
        self.done = self.total
        self._report()

    def _report(self) -> None:
        if self.callback is not None:
            self.callback(Comparing(self.ideas, self.compared, self.fresh, self.done, self.total))


def pairs_to_compare(present: int, gone: int, middle: int, appended: int) -> int:
    """Comparisons an update makes: a row per idea removed or added (against the ideas
    present then), the appended ones against those before them."""
    after_gone = present - gone
    removing = gone * present - gone * (gone + 1) // 2
    adding = middle * after_gone + middle * (middle - 1) // 2
    base = after_gone + middle
    return removing + adding + appended * base + appended * (appended - 1) // 2
