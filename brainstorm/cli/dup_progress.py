"""A progress line on stderr while near-duplicates are compared at length (building the index
of a session that has none costs every pair: tens of seconds for 10,000 ideas), and the
index brought up to date at the end of `brainstorm batch`, where the ideas were made.

Only on a terminal: piped or captured stderr (scripts, CI, tests) gets nothing."""

from __future__ import annotations

import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from rich.text import Text

from brainstorm.cli.console import stderr

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from brainstorm.batch import BatchPlan
    from brainstorm.config import Settings
    from brainstorm.duplicates import Comparing, Similarity

#: Below this many comparisons (well under a second) an update is not worth a line.
SHOWN_FROM = 1_000_000


class DuplicateProgress:
    """The `ProgressCallback` of the CLI: a transient line "Comparing 10,000 ideas for
    near-duplicates (first time; kept in x.dups.npz for next time)… 40%" on a terminal.
    ``index_file`` is where the index is kept (None: it is not written by this process).
    Remembers the last step (``last``) and how long the comparing took (``seconds``)."""

    def __init__(self, index_file: Path | None) -> None:
        self.index_file = index_file
        self.last: Comparing | None = None
        self.seconds = 0.0
        self._started: float | None = None
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, step: Comparing) -> None:
        if self._started is None:
            self._started = time.monotonic()
        self.last = step
        self.seconds = time.monotonic() - self._started
        if self._progress is None:
            if step.total < SHOWN_FROM or step.done >= step.total or not stderr.is_terminal:
                return
            self._start(step)
        assert self._progress is not None and self._task is not None
        self._progress.update(self._task, completed=step.done)

    def describe(self, step: Comparing) -> str:
        if step.fresh:
            kept = (
                f"; kept in {self.index_file.name} for next time"
                if self.index_file is not None
                else ""
            )
            return f"Comparing {step.ideas:,} ideas for near-duplicates (first time{kept})…"
        return (
            f"Comparing {step.compared:,} new or changed ideas with {step.ideas:,}"
            " for near-duplicates…"
        )

    def _start(self, step: Comparing) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            # Last: on a narrow terminal the words are cut, not the figures.
            TextColumn("{task.description}", markup=False),
            console=stderr,
            transient=True,
            # `show --json` writes to stdout after this line is gone; never through it.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task = self._progress.add_task(self.describe(step), total=step.total)
        self._progress.start()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> DuplicateProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


# --- after a batch ----------------------------------------------------------------------------


def batch_similarity(settings: Settings, texts: list[str], vectors: Path) -> Similarity | None:
    """How `show` will compare this session's ideas, when that needs no model the user did not
    set up: the text method; embeddings only when configured and answering now (their new
    vectors are stored beside the session). None: leave the index to the next command."""
    from brainstorm.cli.common import similarity_for
    from brainstorm.duplicates import Similarity

    if settings.duplicates == "text":
        return Similarity.text(settings.duplicate_threshold)
    if not settings.embedding_model:
        # "auto" without a model is the text method for every command; "embeddings" without
        # one is a setting to fix, which `show` warns about.
        return (
            Similarity.text(settings.duplicate_threshold) if settings.duplicates == "auto" else None
        )
    similarity = similarity_for(settings, texts, vectors=vectors, owner=True, quiet=True)
    return similarity if similarity.method == "embeddings" else None


def update_batch_duplicates(plan: BatchPlan, settings: Settings) -> None:
    """Bring the near-duplicate index of every session the batch wrote to up to date, while
    the batch still holds them (it is their writer: the index file is its to write), so that
    the first `show`, `stats` or app after a large batch does not pay for it. One line per
    session that needed comparing."""
    from brainstorm.duplicates import DuplicateTracker, session_items
    from brainstorm.duplicates.cache import derived_paths

    for target in plan.targets.values():
        writer = target.writer
        if writer is None:
            continue
        session = writer.session
        index_file, vectors = derived_paths(writer.path)
        similarity = batch_similarity(settings, [t for _, t in session_items(session)], vectors)
        if similarity is None:
            continue
        with DuplicateProgress(index_file) as progress:
            DuplicateTracker(writer.path, owner=True).report(session, similarity, progress=progress)
        step = progress.last
        if step is None:  # the index was up to date already
            continue
        if step.fresh:
            what = f"{step.ideas:,} ideas compared"
        else:
            what = f"{step.compared:,} new or changed ideas compared with {step.ideas:,}"
        stderr.print(
            Text(
                f"near-duplicates ({writer.session_id}): {what} in {_seconds(progress.seconds)}",
                style="dim",
            )
        )


def _seconds(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
