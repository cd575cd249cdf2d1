"""Replies as the model sent them, and which of their lines each idea came from.

Every prompt's reply is stored verbatim (`models.ReplyText`); the ideas are what the splitter
made of it. This module lays the two side by side for `show --replies`, `show --json` and the
app's reply screen: each line of the reply is attributed to the idea it went into, or to none
(a lead-in, a rule, a closing remark, text after the last idea, the idea a crash cut off).
Nothing is ever hidden: lines no idea came from are shown, marked as such.

Attribution works on words, in order: the ideas' original words (titles first) form one
stream, and a reply line belongs to the idea where its words appear next in that stream, after
the previous line's. Labels ("Idea 2:", a JSON key) are left out on both sides, and a line's
leading numbers ("1.") and label words the splitter drops ("Bonus idea:") may be missing from
the idea. Lines without words (blank lines, rules, fences) belong to the idea around them, or
to none when they separate two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from brainstorm.models import Idea, Session
from brainstorm.prompt_records import PromptRecord

__all__ = ["Reply", "ReplyLine", "Span", "prompt_reply", "replies", "reply_of"]

_WORD = re.compile(r"[^\W_]+")
# Words left out on both sides: labels an idea may not keep ("Idea 2:") and the keys of a
# structured (JSON) reply.
_MARKER_WORDS = frozenset(
    {"idea", "ideas", "option", "concept", "step", "title", "description", "text", "name"}
    | {"details", "json"}
)
# Words of a label the splitter drops from an idea ("Bonus idea:", "One more idea:"): a line may
# start with them although the idea does not. Only leading ones are skipped, so they still
# count anywhere else.
_LEADING_LABEL_WORDS = frozenset(
    {"bonus", "extra", "another", "one", "more", "wild", "card", "wildcard"}
)
_MAX_MARKER_WORDS = 3  # "1. One more idea:" → "1", "one", "more"


@dataclass(frozen=True)
class ReplyLine:
    """One line of a reply, without its line break."""

    text: str
    start: int  # offset of the line in the reply, in characters
    idea: int | None  # the idea it went into; None: no idea came from it

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class Span:
    """A run of reply text no idea came from: ``reply[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Reply:
    """A prompt's reply and how it was split. ``text`` is None when it is not known: the
    session was recorded before replies were kept, or the reply is withheld (a human-first
    round not revealed yet)."""

    prompt: PromptRecord
    text: str | None
    lines: list[ReplyLine] = field(default_factory=list)
    withheld: bool = False

    @property
    def recorded(self) -> bool:
        return self.prompt.reply_parts is not None

    def lines_of(self, idea_id: int) -> list[ReplyLine]:
        return [line for line in self.lines if line.idea == idea_id]

    @property
    def unassigned(self) -> list[Span]:
        """The parts of the reply no idea came from (blank lines between them included)."""
        spans: list[Span] = []
        start: int | None = None
        end = 0
        for line in self.lines:
            if line.idea is None and not line.blank:
                if start is None:
                    start = line.start
                end = line.start + len(line.text)
            elif line.idea is not None and start is not None:
                spans.append(self._span(start, end))
                start = None
        if start is not None:
            spans.append(self._span(start, end))
        return spans

    def _span(self, start: int, end: int) -> Span:
        assert self.text is not None
        return Span(start, end, self.text[start:end])


def prompt_reply(session: Session, record: PromptRecord) -> Reply:
    """The reply to ``record``, its lines attributed to the session's ideas."""
    if record.hidden and not session.revealed:
        return Reply(record, None, withheld=True)
    text = record.reply
    if text is None:
        return Reply(record, None)
    ideas = [session.ideas[i] for i in record.ideas if i in session.ideas]
    return Reply(record, text, _attribute(text, ideas))


def reply_of(session: Session, idea_id: int) -> Reply | None:
    """The reply the idea came from (None: a person wrote it, or its prompt is unknown)."""
    idea = session.ideas.get(idea_id)
    if idea is None or idea.prompt_id is None:
        return None
    record = session.prompts.get(idea.prompt_id)
    return prompt_reply(session, record) if record is not None else None


def replies(session: Session) -> list[Reply]:
    """Every prompt's reply, in the order the prompts were sent."""
    return [prompt_reply(session, record) for record in session.prompts.values()]


# --- attribution ------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """The words that can tell where a line went: markers and labels left out."""
    return [w for w in (m.casefold() for m in _WORD.findall(text)) if w not in _MARKER_WORDS]


def _attribute(text: str, ideas: list[Idea]) -> list[ReplyLine]:
    stream: list[str] = []
    owners: list[int] = []
    for idea in ideas:
        original = idea.original if idea.original is not None else idea.text
        title = idea.original_title if idea.original_title is not None else idea.title
        words = _words(title or "") + _words(original)
        stream += words
        owners += [idea.id] * len(words)
    raw: list[tuple[str, int, int | None, bool]] = []  # text, start, idea, has words
    cursor = 0
    offset = 0
    split = text.split("\n")
    if len(split) > 1 and split[-1] == "":
        split.pop()  # the line break ending the last line starts no line of its own
    for line in split:
        words = _words(line)
        owner: int | None = None
        if words:
            found = _locate(stream, words, cursor)
            if found is not None:
                position, length = found
                owner = owners[position]
                cursor = position + length
        raw.append((line, offset, owner, bool(words)))
        offset += len(line) + 1
    return _fill_wordless(raw)


def _locate(stream: list[str], words: list[str], cursor: int) -> tuple[int, int] | None:
    """Where ``words`` (less up to three leading numbers or label words: "1.", "2.3",
    "Bonus idea:") next occur in ``stream`` from ``cursor``: (position, length), or None."""
    for skip in range(min(_MAX_MARKER_WORDS, len(words) - 1) + 1):
        if skip and not (words[skip - 1].isdigit() or words[skip - 1] in _LEADING_LABEL_WORDS):
            break
        target = words[skip:]
        size = len(target)
        first = target[0]
        for position in range(cursor, len(stream) - size + 1):
            if stream[position] == first and stream[position : position + size] == target:
                return position, size
    return None


def _fill_wordless(raw: list[tuple[str, int, int | None, bool]]) -> list[ReplyLine]:
    """Lines without words (blank lines, rules, fences, JSON brackets and keys) belong to
    the idea on both sides of them, else to none."""
    owners = [owner for _text, _start, owner, _has in raw]
    wordless = [not has for _text, _start, _owner, has in raw]
    before: list[int | None] = []
    last: int | None = None
    for index, owner in enumerate(owners):
        before.append(last)
        if not wordless[index]:
            last = owner
    after: list[int | None] = [None] * len(owners)
    following: int | None = None
    for index in range(len(owners) - 1, -1, -1):
        after[index] = following
        if not wordless[index]:
            following = owners[index]
    lines: list[ReplyLine] = []
    for index, (text, start, owner, _has) in enumerate(raw):
        if wordless[index]:
            owner = before[index] if before[index] == after[index] else None
        lines.append(ReplyLine(text, start, owner))
    return lines
