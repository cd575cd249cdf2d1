"""Near-duplicates of a session's ideas, through the derived index file when there is one."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from brainstorm.duplicates.cache import derived_paths, load_index, save_index
from brainstorm.duplicates.index import DuplicateIndex
from brainstorm.duplicates.progress import ProgressCallback
from brainstorm.duplicates.report import DuplicateReport, report_of
from brainstorm.duplicates.similarity import Similarity, idea_text
from brainstorm.models import Idea, Session

__all__ = [
    "DuplicateTracker",
    "find_duplicates",
    "session_duplicates",
    "session_ideas",
    "session_items",
]

Items = Sequence[tuple[int, str]]


def find_duplicates(items: Items, similarity: Similarity) -> DuplicateReport:
    """Near-duplicates among ``items`` ((idea id, text) pairs, ids unique), from scratch."""
    index = DuplicateIndex(similarity)
    index.update(items)
    return report_of(index, similarity)


def session_ideas(session: Session, *, include_hidden: bool = False) -> list[Idea]:
    """The ideas duplicate detection looks at: every idea a person can see (hidden model
    ideas of an unrevealed human-first round are left out, so nothing hints at them)."""
    if include_hidden:
        return list(session.ideas.values())
    return session.visible_ideas()


def session_items(session: Session) -> list[tuple[int, str]]:
    """(id, compared text) of the ideas duplicate detection looks at."""
    return [(idea.id, idea_text(idea)) for idea in session_ideas(session)]


def session_duplicates(
    session: Session,
    similarity: Similarity,
    *,
    include_hidden: bool = False,
    session_path: Path | None = None,
    owner: bool = False,
) -> DuplicateReport:
    """Near-duplicates among a session's ideas, human and model, of every status.

    With ``session_path`` the derived index beside it is read (when it was made with the
    same settings) and only ideas that are new or changed since are compared; ``owner`` (the
    caller holds the session's writer lock) stores the updated index."""
    tracker = DuplicateTracker(session_path, owner=owner)
    return tracker.report(session, similarity, include_hidden=include_hidden)


class DuplicateTracker:
    """One session's index, kept in memory between reports (the app), read from and (by the
    session's writer, ``owner``) stored to the derived file beside the session file."""

    def __init__(self, session_path: Path | None, *, owner: bool, save_every: float = 0.0) -> None:
        self.path = derived_paths(session_path)[0] if session_path is not None else None
        self.owner = owner
        self.index: DuplicateIndex | None = None
        #: Seconds between two writes of the file (the app, while ideas stream in; a command
        #: reports once). What is not written yet is compared again by the next reader.
        self.save_every = save_every
        self._saved_at = -float("inf")
        self._unsaved = False

    def report(
        self,
        session: Session,
        similarity: Similarity,
        *,
        include_hidden: bool = False,
        progress: ProgressCallback | None = None,
    ) -> DuplicateReport:
        ideas = session_ideas(session, include_hidden=include_hidden)
        items = [(idea.id, idea_text(idea)) for idea in ideas]
        return self.report_items(items, similarity, progress=progress)

    def report_items(
        self, items: Items, similarity: Similarity, *, progress: ProgressCallback | None = None
    ) -> DuplicateReport:
        """The report of exactly these (idea id, text) pairs (e.g. taken from a session on the
        app's event loop, then reported in a thread). One call at a time per tracker.
        ``progress`` hears how far the comparisons are (`DuplicateIndex.update`)."""
        index = self.index
        if index is None or index.similarity.settings_key != similarity.settings_key:
            index = load_index(self.path, similarity) if self.path is not None else None
            stored = index is not None
            if index is None:
                index = DuplicateIndex(similarity)
        else:
            stored = True
        index.similarity = similarity  # the same settings; embeddings may have new vectors
        changed = index.update(items, progress)
        self.index = index
        self._unsaved = self._unsaved or changed or not stored
        if self.owner and self.path is not None and self._unsaved:
            now = time.monotonic()
            if now - self._saved_at >= self.save_every:
                save_index(self.path, index)
                self._saved_at, self._unsaved = now, False
        return report_of(index, similarity)
