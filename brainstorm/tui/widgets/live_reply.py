"""Replies still streaming: per-source state fed by chunk, drawn as live cards on a throttle."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from textual.containers import Vertical

from brainstorm.ideation import IdeaStreamSplitter
from brainstorm.sources import Source
from brainstorm.tui.widgets.idea_card import LiveCard

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
    """One reply arriving (one source of an ensemble): the ideas completed since the last
    redraw, and the container its live cards show in."""

    label: str  # "ollama:llama3.2 @ t=0.9", the words its stored cards will use
    splitter: IdeaStreamSplitter = field(default_factory=IdeaStreamSplitter)
    completed: list[tuple[str | None, str]] = field(default_factory=list)
    dirty: bool = False
    group: LiveGroup | None = None


class LiveGroup(Vertical):
    """The live cards of one source's reply: its completed ideas, then the one being written."""

    DEFAULT_CLASSES = "live-group"

    def draw(self, stream: LiveStream) -> None:
        """Add the ideas completed since the last redraw; update the one being written."""
        writing = list(self.query(".-writing").results(LiveCard))
        pending_card = writing[0] if writing else None
        for title, text in stream.completed:
            card = LiveCard(writing=False, source=stream.label)
            card.set_text(text, title, writing=False)
            self.mount(card, before=pending_card)
        stream.completed = []
        pending = stream.splitter.pending
        if pending is not None and (pending.text or pending.title):
            if pending_card is None:
                pending_card = LiveCard(writing=True, source=stream.label)
                self.mount(pending_card)
            pending_card.set_text(pending.text, pending.title, writing=True)


class LiveReplies:
    """The replies of one send while they stream: cheap bookkeeping for every chunk, drawing
    only when `redraw` is called (by the screen's throttle timer)."""

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

    def make_groups(self) -> list[LiveGroup]:
        """One new group of live cards per source (for the screen to mount)."""
        for stream in self.streams.values():
            stream.group = LiveGroup()
        return [s.group for s in self.streams.values() if s.group]

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
        """Forget one source (it finished); its stream, to remove its live cards."""
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
        """Show what arrived since the last redraw: the status line to show after it, or
        None when nothing arrived."""
        if not self.has_news():
            return None
        dirty = [s for s in self.streams.values() if s.dirty]
        stats = self.stats
        if self.hidden:
            for stream in dirty:
                stream.dirty = False
            stats.redraws += 1
            stats.last_redraw = time.perf_counter()
            return (
                f"The model is answering ({stats.chunks} chunks), kept hidden until you reveal"
                " its ideas (esc stops)"
            )
        for stream in dirty:
            group = stream.group
            if group is None or not group.is_attached:
                continue  # mounting: shown at the next redraw
            stream.dirty = False
            group.draw(stream)
        stats.redraws += 1
        stats.last_redraw = time.perf_counter()
        stops = "esc stops" if len(self.streams) <= 1 else "esc stops all"
        return f"Streaming from {self.source}: {stats.chunks} chunks ({stops})"
