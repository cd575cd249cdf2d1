"""Replies still streaming: per-source state fed by chunk, drawn as live cards on a throttle
(by the board, from this state)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from brainstorm.ideation import IdeaStreamSplitter
from brainstorm.sources import Source

# Redraw a streaming reply at most this often: tokens can arrive far faster than a terminal
# can usefully repaint. The final text never depends on it: stored ideas are rendered in full.
STREAM_REFRESH_SECONDS = 1 / 20


@dataclass
class StreamStats:
    """What one streamed reply did on screen (read by the benchmark and the status line)."""

    chunks: int = 0
    chars: int = 0
    redraws: int = 0
    started: float = 0.0
    first_chunk: float | None = None
    last_chunk: float | None = None
    last_redraw: float | None = None
    finished: float | None = None  # the reply ended (stored, or cancelled / failed)
    rendered: float | None = None  # its stored ideas were mounted as cards, in full


@dataclass
class LiveStream:
    """One reply arriving (one source of an ensemble): the ideas completed so far and the
    splitter holding the one being written."""

    label: str  # "ollama:llama3.2 @ t=0.9", the words its stored cards will use
    splitter: IdeaStreamSplitter = field(default_factory=IdeaStreamSplitter)
    completed: list[tuple[str | None, str]] = field(default_factory=list)
    dirty: bool = False


class LiveReplies:
    """The replies of one send while they stream: cheap bookkeeping for every chunk; the
    board draws them only when `redraw` says something arrived (on a throttle timer)."""

    def __init__(
        self,
        streams: dict[Source, LiveStream] | None = None,
        *,
        hidden: bool = False,
        started: float = 0.0,
    ) -> None:
        self.streams: dict[Source, LiveStream] = streams or {}
        self.stats = StreamStats(started=started)
        self.hidden = hidden  # human-first: nothing of it may show until the reveal
        labels = [stream.label for stream in self.streams.values()]
        self.labels = labels
        #: "ollama:llama3.2" for one source, "3 sources" for an ensemble.
        self.source = labels[0] if len(labels) == 1 else f"{len(labels)} sources"

    def on_delta(self, source: Source, delta: str) -> None:
        """Called for every chunk: cheap bookkeeping only; the timer does the drawing."""
        stats = self.stats
        now = time.perf_counter()
        if stats.first_chunk is None:
            stats.first_chunk = now
        stats.last_chunk = now
        stats.chunks += 1
        stats.chars += len(delta)
        stream = self.streams.get(source)
        if stream is None:
            return
        for draft in stream.splitter.feed(delta):
            stream.completed.append((draft.title, draft.text))
        stream.dirty = True

    def pop(self, source: Source) -> LiveStream | None:
        """Forget one source (it finished): its stored cards replace its live ones."""
        return self.streams.pop(source, None)

    def has_news(self) -> bool:
        """Whether anything arrived since the last redraw."""
        if any(s.dirty for s in self.streams.values()):
            return True
        # A source that finished between two redraws took its dirty flag with it (its stored
        # cards replace its live ones): the chunk count still has to be brought up to date.
        stats = self.stats
        return stats.last_chunk is not None and (
            stats.last_redraw is None or stats.last_redraw < stats.last_chunk
        )

    def redraw(self) -> str | None:
        """Mark what arrived since the last redraw as shown: the status line to show with
        it, or None when nothing arrived."""
        if not self.has_news():
            return None
        for stream in self.streams.values():
            stream.dirty = False
        stats = self.stats
        stats.redraws += 1
        stats.last_redraw = time.perf_counter()
        if self.hidden:
            return (
                f"The model is answering ({stats.chunks} chunks), kept hidden until you reveal"
                " its ideas (esc stops)"
            )
        stops = "esc stops" if len(self.streams) <= 1 else "esc stops all"
        return f"Streaming from {self.source}: {stats.chunks} chunks ({stops})"
