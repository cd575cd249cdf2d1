"""Near-duplicate and human-first figures for one session, recomputed only when texts change."""

from __future__ import annotations

import asyncio
import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brainstorm.config import Settings
    from brainstorm.duplicates import DuplicateReport, Similarity
    from brainstorm.models import Session
    from brainstorm.rounds import HumanFirstFigures


class DuplicateAnalysis:
    """The last report and the similarity it used (embeddings are reused). The screen runs
    `compute` in a worker; `brainstorm.duplicates` is imported lazily (NumPy, RapidFuzz)."""

    def __init__(self) -> None:
        self.report: DuplicateReport | None = None
        self.similarity: Similarity | None = None
        self._analysed: object = None  # what the last computation looked at
        self._round_figures: HumanFirstFigures | None = None

    def duplicates_of(self, idea_id: int) -> tuple[int, ...]:
        report = self.report
        return tuple(report.duplicates_of(idea_id)) if report is not None else ()

    def changed(self, session: Session) -> bool:
        """Whether a text the near-duplicates depend on changed since the last call: a new
        idea, an edit, the reveal. Status changes only need the figures redrawn."""
        key = (
            session.revealed,
            tuple((i.id, i.title, i.text, i.hidden) for i in session.ideas.values()),
        )
        if key == self._analysed:
            return False
        self._analysed = key
        return True

    async def compute(self, session: Session, settings: Settings) -> str | None:
        """Recompute the report (ValueError if it cannot be). Returns a note to show once
        when the similarity fell back (e.g. to text), else None."""
        # NumPy and RapidFuzz take ~0.1 s to import: not on the event loop.
        await asyncio.to_thread(importlib.import_module, "brainstorm.duplicates")
        from brainstorm.duplicates import (
            Similarity,
            find_duplicates,
            idea_text,
            session_ideas,
            similarity_from_settings,
        )
        from brainstorm.rounds import comparison_texts

        items = [(idea.id, idea_text(idea)) for idea in session_ideas(session)]
        if settings.duplicates == "text":
            similarity = Similarity.text(settings.duplicate_threshold)
        else:  # embeddings: only the texts it has no vector for yet are sent
            texts = [text for _, text in items] + comparison_texts(session)
            similarity = await similarity_from_settings(settings, texts, reuse=self.similarity)
        # Thousands of ideas take a second or two: in a thread, the UI keeps going.
        report = await asyncio.to_thread(find_duplicates, items, similarity)
        note = None
        if similarity.fell_back and (self.similarity is None or not self.similarity.fell_back):
            note = similarity.note or ""
        self.similarity = similarity
        self.report = report
        self._round_figures = None
        return note

    def human_first_figures(self, session: Session) -> HumanFirstFigures | None:
        """The comparison of a human-first session, once the worker has a similarity that
        covers its texts (until then, the last figures)."""
        similarity = self.similarity
        if not session.human_first or similarity is None:
            return None
        from brainstorm.rounds import comparison_texts, human_first_figures

        if similarity.missing(comparison_texts(session)):
            return self._round_figures  # the worker is embedding the new texts
        self._round_figures = human_first_figures(session, similarity)
        return self._round_figures
