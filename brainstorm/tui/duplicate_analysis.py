"""Near-duplicate and human-first figures for one session, updated only when texts change.

The session's near-duplicate index (`brainstorm.duplicates.DuplicateTracker`) stays in memory:
a new or edited idea costs one row against the others, in a thread. The app that holds the
session's writer stores the index beside the session file (at most every few seconds while
ideas stream in), so the next command or app reads it instead of comparing every pair; a
read-only window only reads it."""

from __future__ import annotations

import asyncio
import importlib
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brainstorm.config import Settings
    from brainstorm.duplicates import DuplicateReport, DuplicateTracker, Similarity
    from brainstorm.exhaustion import Exhaustion
    from brainstorm.models import Session
    from brainstorm.rounds import HumanFirstFigures

#: Seconds between two writes of the derived index file while ideas arrive.
SAVE_EVERY = 5.0


class DuplicateAnalysis:
    """The last report and the similarity it used (embeddings are reused). The screen runs
    `compute` in a worker; `brainstorm.duplicates` is imported lazily (NumPy, RapidFuzz)."""

    def __init__(self) -> None:
        self.report: DuplicateReport | None = None
        self.similarity: Similarity | None = None
        self._analysed: object = None  # what the last computation looked at
        self._round_figures: HumanFirstFigures | None = None
        self._tracker: DuplicateTracker | None = None
        # A cancelled worker's thread runs on: the next one waits for it (one index).
        self._lock = threading.Lock()

    def duplicates_of(self, idea_id: int) -> tuple[int, ...]:
        """The idea's nearest near-duplicates (at most a few; `near_count` counts them all)."""
        report = self.report
        return tuple(report.duplicates_of(idea_id)) if report is not None else ()

    def near_count(self, idea_id: int) -> int:
        report = self.report
        return report.near(idea_id).count if report is not None else 0

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

    async def compute(
        self, session: Session, settings: Settings, *, owner: bool = False
    ) -> str | None:
        """Bring the report up to date (ValueError if it cannot be). ``owner``: this app holds
        the session's writer, so it may store the index. Returns a note to show once when
        the similarity fell back (e.g. to text), else None."""
        # NumPy and RapidFuzz take ~0.1 s to import: not on the event loop.
        await asyncio.to_thread(importlib.import_module, "brainstorm.duplicates")
        from brainstorm.duplicates import (
            DuplicateTracker,
            Similarity,
            session_items,
            similarity_from_settings,
        )
        from brainstorm.duplicates.cache import derived_paths, load_vectors, save_vectors
        from brainstorm.rounds import comparison_texts
        from brainstorm.store import SessionStore

        path = SessionStore(settings.sessions_dir).path_for(session.id)
        if self._tracker is None:
            self._tracker = DuplicateTracker(path, owner=owner, save_every=SAVE_EVERY)
        tracker = self._tracker
        items = session_items(session)  # taken here: the session changes on the event loop
        if settings.duplicates == "text":
            similarity = Similarity.text(settings.duplicate_threshold)
        else:  # embeddings: only the texts never embedded before are sent
            texts = [text for _, text in items] + comparison_texts(session)
            reuse = self.similarity
            vectors_file = derived_paths(path)[1]
            if reuse is None and settings.embedding_model:
                stored = await asyncio.to_thread(
                    load_vectors, vectors_file, settings.embedding_model
                )
                reuse = Similarity(
                    "embeddings", embedding_model=settings.embedding_model, stored=stored
                )
            similarity = await similarity_from_settings(settings, texts, reuse=reuse)
            embedded = len(similarity.vectors) > len(reuse.vectors) if reuse else True
            if owner and similarity.method == "embeddings" and embedded:
                await asyncio.to_thread(save_vectors, vectors_file, similarity)

        def update() -> DuplicateReport:
            with self._lock:
                return tracker.report_items(items, similarity)

        report = await asyncio.to_thread(update)
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

    def exhaustion(self, session: Session) -> Exhaustion | None:
        """The exhaustion curve from the last report (None until the worker has run; ideas
        newer than the report count as new until it runs again)."""
        if self.report is None:
            return None
        from brainstorm.exhaustion import exhaustion_curve

        return exhaustion_curve(session, self.report)
