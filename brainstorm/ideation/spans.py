"""Where each part of a reply went: into which idea, or into none.

Reading a reply into ideas judges some text not to be an idea (a lead-in, a closing remark, a
heading over a section, "Topic: …"). Nothing is silently dropped: the splitter records, for
every stretch of the reply, the ideas it went into, so a caller can show the text that is not
an idea, and tests can check that ideas and non-ideas together account for the whole reply.
"""

from __future__ import annotations

from dataclasses import dataclass

from brainstorm.ideation.drafts import DraftIdea


@dataclass(frozen=True)
class Span:
    """``reply[start:end]`` went into the ideas ``ideas`` (indices into the split's ideas);
    ``()`` when it is not an idea. A plain split gives each span one idea at most; a JSON
    reply gives its whole document to all the ideas read from it."""

    start: int
    end: int
    ideas: tuple[int, ...]


@dataclass(frozen=True)
class ReplySplit:
    """A reply read into ideas, and where every part of it went."""

    reply: str
    ideas: list[DraftIdea]
    spans: list[Span]

    def unassigned(self) -> list[str]:
        """The text judged not to be an idea, stretch by stretch (whitespace-only left out)."""
        return [
            self.reply[s.start : s.end]
            for s in self.spans
            if not s.ideas and self.reply[s.start : s.end].strip()
        ]

    def source_of(self, index: int) -> str:
        """The reply text that idea ``index`` was read from (its parts joined in order)."""
        return "".join(self.reply[s.start : s.end] for s in self.spans if index in s.ideas)


class SpanBook:
    """Spans recorded in any order (text before the first item is known not to be an idea
    only once the item arrives), read back sorted and with neighbours of one owner merged."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int, int]] = []  # (start, end, idea or -1)

    def add(self, start: int, end: int, idea: int | None) -> None:
        if end > start:
            self._spans.append((start, end, -1 if idea is None else idea))

    @property
    def spans(self) -> list[Span]:
        merged: list[list[int]] = []
        for start, end, idea in sorted(self._spans):
            if merged and merged[-1][2] == idea and merged[-1][1] == start:
                merged[-1][1] = end
            else:
                merged.append([start, end, idea])
        return [Span(start, end, () if idea < 0 else (idea,)) for start, end, idea in merged]
