"""The side panel of a session (m): its figures, diversity and near-duplicate groups, the
human-first comparison after the reveal, and the exhaustion curve (when to stop asking).

It also keeps the near-duplicate analysis the cards' "≈ #n" flags come from, shown or not:
recomputed in a worker whenever a text changes (a big session takes a while), then
`DuplicatesFound` tells the screen to update the flags.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message

from brainstorm.config import Settings
from brainstorm.metrics.session import session_metrics
from brainstorm.models import Session
from brainstorm.textsafe import visible
from brainstorm.tui.duplicate_analysis import DuplicateAnalysis
from brainstorm.tui.status_line import StatusLine
from brainstorm.tui.widgets.exhaustion_chart import ExhaustionChart
from brainstorm.tui.widgets.metrics_panel import MetricsPanel


class FiguresPanel(VerticalScroll):  # focusable (tab from the cards): the keys scroll it
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab,slash", "screen.focus_prompt", "Prompt"),
        Binding("up,k", "scroll_up", "Scroll", show=False),
        Binding("down,j", "scroll_down", "Scroll"),
    ]

    class DuplicatesFound(Message):
        """A new near-duplicate report is in `analysis` (flags to update)."""

    def __init__(self, settings: Settings, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.settings = settings
        self.analysis = DuplicateAnalysis()
        self._session: Session | None = None
        self._owner = False

    def compose(self) -> ComposeResult:
        yield MetricsPanel()
        yield ExhaustionChart()

    def follow(self, session: Session, *, owner: bool) -> None:
        """The session changed: redraw the figures; update near-duplicates if a text they
        depend on changed. ``owner``: this window holds the session's writer (it may store
        the near-duplicate index beside the session)."""
        self._session, self._owner = session, owner
        if self.analysis.changed(session):
            self._find_duplicates()
        self.update_figures()

    def update_figures(self) -> None:
        session = self._session
        if not self.display or session is None:
            return
        panel = self.query_one(MetricsPanel)
        panel.metrics = session_metrics(session)
        panel.duplicates = self.analysis.report
        panel.human_first = self.analysis.human_first_figures(session)
        self.query_one(ExhaustionChart).curve = self.analysis.exhaustion(session)

    @work(exclusive=True, group="duplicates", exit_on_error=False)
    async def _find_duplicates(self) -> None:
        session = self._session
        if session is None:
            return
        try:
            note = await self.analysis.compute(session, self.settings, owner=self._owner)
        except ValueError as problem:
            message = f"Near-duplicates could not be computed: {problem}"
            self.post_message(StatusLine(message, "warning"))
            return
        if note is not None:
            self.notify(visible(note), title="Near-duplicates", markup=False)
        self.post_message(self.DuplicatesFound())
        self.update_figures()
