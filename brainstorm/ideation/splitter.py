"""The streaming splitter: a plain reply split into draft ideas line by line as it arrives
(`IdeaStreamSplitter`). `brainstorm.ideation.reading` reads a whole reply with it."""

from __future__ import annotations

import itertools
from typing import Final, Literal

from brainstorm.ideation.drafts import DraftIdea
from brainstorm.ideation.lines import (
    _MARKER_PREFIX_RE,
    _classify,
    _closing_remark,
    _could_become_rule,
    _inline_starts,
    _Line,
    _LineKind,
    _may_start_item,
    _strip_number,
)
from brainstorm.ideation.render import _Item, _opening_remark, _render, _render_whole
from brainstorm.ideation.spans import Span, SpanBook
from brainstorm.ideation.titles import _title_only

# A partial line longer than this is not checked for an item start (it would be, once complete).
_EARLY_CHECK_LIMIT: Final = 80

_Action = Literal["preamble", "new", "replace", "switch", "close", "skip", "continue"]
_Piece = tuple[str, int, int]  # a line (or part of one) and its (start, end) in the reply


class IdeaStreamSplitter:
    """Splits a reply into ideas while it streams.

    `feed` each piece of text as it arrives; it returns the ideas completed by it (an idea is
    complete once the next one has started). `finish` returns the rest. Together they return
    exactly ``split_ideas(whole_text)``, however the text was cut into pieces. Work is
    proportional to the text fed: lines are classified once, as they complete. `spans` says
    where every part of the reply went: to which idea, or to none (text that is not an idea).

    How a reply is read: the first list item (numbered, bulleted, a markdown heading, or a
    labelled line such as "Title: …") sets the kind of item; later items of that kind at the
    same depth start new ideas, and anything else (deeper or other lists, wrapped lines,
    paragraphs) continues the current one. A line holding several numbered items ("1) a
    2) b") is read as that many lines. Not ideas: text before the first item; section breaks
    between items (headings inside a list, horizontal rules, bold-only lines after a blank
    line) and what follows them up to the next item, unless that is a labelled idea ("Bonus
    idea: …"); lines about the request ("Topic: …"); a line ending with a colon just before
    the next item ("Here are some bolder ideas:"); and a paragraph after a blank line at the
    end of the last item (a closing remark), unless earlier items had such paragraphs too.
    """

    def __init__(self) -> None:
        self._partial: list[str] = []
        self._partial_len = 0
        self._line_start = 0  # where the line being written starts in the reply
        self._early_checked = False  # the partial line was checked for an item start
        self._early_emitted = False  # ... and the current item was emitted because of it
        self._preamble: list[_Piece] = []
        self._item: _Item | None = None
        self._style: Literal["list", "heading"] | None = None
        self._list_kind: _LineKind = "num"
        self._list_indent = 0
        self._heading_level = 0
        self._heading_numbered = False  # the heading ideas are numbered ("### 1. …")
        self._last_number: int | None = None  # the number of the latest numbered item
        self._locked = False  # a second item exists: the kind of item is settled
        self._tentative = False  # the first item is an unnumbered heading that may title a list
        self._in_break = False
        self._in_fence = False
        self._prev_blank = False
        self._emitted = 0
        self._loose_seen = False
        self._finished = False
        self._out: list[DraftIdea] = []
        self._ideas = 0  # ideas returned so far
        self._book = SpanBook()

    # public API

    def feed(self, delta: str) -> list[DraftIdea]:
        if self._finished:
            raise RuntimeError("IdeaStreamSplitter.feed() called after finish()")
        if not delta:
            return []
        newline = delta.find("\n")
        if newline < 0:
            self._partial.append(delta)
            self._partial_len += len(delta)
        else:
            self._partial.append(delta[:newline])
            self._end_line("".join(self._partial), newline=True)
            start = newline + 1
            while (end := delta.find("\n", start)) >= 0:
                self._end_line(delta[start:end], newline=True)
                start = end + 1
            tail = delta[start:]
            self._partial = [tail] if tail else []
            self._partial_len = len(tail)
        if self._partial and not self._early_checked:
            self._check_early()
        return self._take()

    def finish(self) -> list[DraftIdea]:
        if self._finished:
            return []
        if self._partial:
            self._end_line("".join(self._partial), newline=False)
        self._finished = True
        if self._item is not None:
            self._emit(self._item, final=True)
            self._item = None
        else:
            skip = _opening_remark([raw for raw, _, _ in self._preamble])
            idea = _render_whole([raw for raw, _, _ in self._preamble[skip:]])
            index = self._record(idea)
            for number, (_, start, end) in enumerate(self._preamble):
                self._book.add(start, end, index if number >= skip else None)
        self._preamble = []
        return self._take()

    @property
    def spans(self) -> list[Span]:
        """Where the text read so far went, in reply order: each span names the idea (its
        index among the ideas returned so far) or None for text that is not an idea. Once
        finished, the spans cover the whole reply."""
        return self._book.spans

    @property
    def pending(self) -> DraftIdea | None:
        """The idea still being written, as it would read if the reply ended now. Costs time
        in proportion to that idea's length: call it at display rate, not for every token."""
        if self._finished:
            return None
        partial = "".join(self._partial).removesuffix("\r")
        if _MARKER_PREFIX_RE.match(partial):
            partial = ""
        line = _classify(partial, self._in_fence) if partial else None
        action = self._decide(line) if line is not None else None
        if line is not None and action in ("new", "replace", "switch"):
            return _render(self._new_item(line, 0, 0))
        if self._item is None:
            lines = [*(raw for raw, _, _ in self._preamble), partial]
            return _render_whole(lines[_opening_remark(lines) :])
        if self._early_emitted:
            return None
        if action == "continue" and not self._in_break:
            return _render(self._item, extra=partial)
        return _render(self._item)

    # internals

    def _take(self) -> list[DraftIdea]:
        out, self._out = self._out, []
        return out

    def _record(self, idea: DraftIdea | None) -> int | None:
        """Count an idea about to be returned; its index, or None when there is none."""
        if idea is None:
            return None
        self._out.append(idea)
        self._ideas += 1
        return self._ideas - 1

    def _check_early(self) -> None:
        """Emit the current idea as soon as the line being written surely starts the next."""
        if self._partial_len > _EARLY_CHECK_LIMIT:
            self._early_checked = True
            return
        partial = "".join(self._partial).removesuffix("\r")  # "\r" may be half of "\r\n"
        if not _may_start_item(partial):
            self._early_checked = True
            return
        line = _classify(partial, self._in_fence)
        if line.kind not in ("num", "bullet", "heading") or not line.content:
            return
        if line.kind == "bullet" and _could_become_rule(partial):
            return
        self._early_checked = True
        if self._decide(line) == "new" and self._item is not None:
            self._emit(self._item, final=False)
            self._early_emitted = True

    def _end_line(self, raw: str, *, newline: bool) -> None:
        start = self._line_start
        end = start + len(raw) + (1 if newline else 0)
        self._line_start = end
        raw = raw.removesuffix("\r")
        was_fenced = self._in_fence
        line = _classify(raw, self._in_fence)
        if line.kind == "fence":
            self._in_fence = not self._in_fence
        literal = was_fenced or line.kind == "fence"
        cuts = [] if literal else _inline_starts(raw, line, self._last_number)
        if not cuts:
            self._apply(line, raw, start, end, literal=literal)
        else:
            # One line holding several items: read each part as a line of its own, indented
            # like the line so that every part is an item at the same depth.
            indent = raw[: len(raw) - len(raw.lstrip(" \t"))]
            bounds = [0, *cuts, len(raw)]
            for number, (a, b) in enumerate(itertools.pairwise(bounds)):
                part = raw[a:b].rstrip() if number == 0 else indent + raw[a:b].rstrip()
                part_end = end if b == len(raw) else start + b
                self._apply(_classify(part, False), part, start + a, part_end, literal=False)
                self._prev_blank = False
                self._early_emitted = False  # each part's item is emitted by the next part
        self._prev_blank = line.kind == "blank"
        self._early_checked = False
        self._early_emitted = False

    def _decide(self, line: _Line) -> _Action:
        item = self._item
        if line.kind == "meta":
            return "skip"
        if item is None:
            return "new" if line.kind in ("num", "bullet", "heading", "label") else "preamble"
        if self._style == "heading":
            if line.kind == "heading":
                if line.level == self._heading_level:
                    if self._heading_numbered and _strip_number(line.content) is None:
                        return "close"  # "### Next steps" after "### 1." … "### 3.": no idea
                    return "new"
                if not self._locked and (
                    not item.has_body
                    or (
                        self._tentative
                        and line.level > self._heading_level
                        and _strip_number(line.content) is not None
                    )
                ):
                    return "replace"  # a title or section heading above the real ones
                return "close" if line.level < self._heading_level else "continue"
            if line.kind == "rule":
                return "close"
            if line.kind == "label" and self._in_break:
                return "new"  # "Bonus idea: …" after a rule
            if (
                line.kind in ("num", "bullet")
                and self._tentative
                and (not item.has_body or line.kind == "num")
                and line.indent <= 1
            ):
                return "switch"  # the heading titles a list: the list items are the ideas
            return "continue"
        if line.kind == "label" and line.indent < self._list_indent + 2:
            return "new"  # "Title: …" starts the next idea; it never joins the one before
        if (
            line.kind in ("num", "bullet")
            and line.indent < self._list_indent + 2
            and (line.kind == self._list_kind or self._in_break)
        ):
            return "new"
        if line.kind in ("heading", "rule") or (
            line.bold_only and self._prev_blank and line.indent < self._list_indent + 2
        ):
            return "close"
        return "continue"

    def _new_item(self, line: _Line, start: int, end: int) -> _Item:
        if line.kind == "heading":
            return _Item(heading=True, indent=0, head=line.content, head_spans=[(start, end)])
        return _Item(
            heading=False,
            indent=line.indent,
            head=line.content,
            has_body=not line.titled and not _title_only(line.content),
            titled=line.titled,
            head_spans=[(start, end)],
        )

    def _apply(self, line: _Line, raw: str, start: int, end: int, *, literal: bool) -> None:
        action: _Action = "continue" if literal and self._item is not None else self._decide(line)
        if literal and self._item is None:
            action = "preamble"
        if action == "preamble":
            self._preamble.append((raw, start, end))
        elif action in ("new", "replace", "switch"):
            if action == "new" and self._item is not None:
                if not self._early_emitted:
                    self._emit(self._item, final=False)
                self._locked = True
                self._tentative = False
            elif self._item is not None:  # replaced: the heading above was no idea
                self._drop(self._item)
            self._start(line, start, end)
        elif action in ("close", "skip"):
            self._book.add(start, end, None)
            if action == "close":
                self._in_break = True
        else:
            self._continue(line, raw, start, end, literal=literal)

    def _drop(self, item: _Item) -> None:
        for a, b in [*item.head_spans, *item.line_spans]:
            self._book.add(a, b, None)

    def _start(self, line: _Line, start: int, end: int) -> None:
        if line.kind == "heading":
            if not self._locked:
                self._tentative = _strip_number(line.content) is None
            self._style = "heading"
            self._heading_level = line.level
            if not self._locked:
                self._heading_numbered = _strip_number(line.content) is not None
        else:
            self._tentative = False
            self._style = "list"
            if not self._locked:
                self._list_kind = line.kind
                self._list_indent = line.indent
        if line.kind == "num":
            self._last_number = line.number
        self._item = self._new_item(line, start, end)
        self._in_break = False
        for _, a, b in self._preamble:  # text before the first item is not an idea
            self._book.add(a, b, None)
        self._preamble = []

    def _continue(self, line: _Line, raw: str, start: int, end: int, *, literal: bool) -> None:
        item = self._item
        if item is None or self._in_break:
            self._book.add(start, end, None)
            return
        if line.kind == "blank":
            if item.lines:
                item.lines.append("")
                item.line_spans.append((start, end))
                item.line_indents.append(0)
            else:
                item.head_gap = True
                item.head_spans.append((start, end))
            return
        if not literal and self._prev_blank and item.has_body and line.indent < item.indent + 2:
            item.last_loose = len(item.lines)
            if item.loose_start is None:
                item.loose_start = item.last_loose
        if (
            item.closing_start is None
            and not literal
            and line.kind == "text"
            and line.indent < item.indent + 2
            and _closing_remark(line.content)
        ):
            item.closing_start = len(item.lines)
        item.lines.append(raw)
        item.line_spans.append((start, end))
        item.line_indents.append(line.indent if not literal else item.indent + 2)
        item.has_body = True

    def _lead_in(self, item: _Item) -> int | None:
        """Where a line ending with a colon at the end of ``item`` starts, when it leads in
        to what follows rather than belonging to the item: a paragraph of its own, or a line
        back at the list's depth."""
        tail = next((n for n in range(len(item.lines) - 1, -1, -1) if item.lines[n].strip()), None)
        if tail is None or not item.lines[tail].rstrip().endswith(":"):
            return None
        if item.last_loose is not None:
            return item.last_loose
        if item.line_indents[tail] < item.indent + 2:
            return tail
        return None

    def _emit(self, item: _Item, *, final: bool) -> None:
        lead_in = self._lead_in(item)
        if final:
            # A paragraph after the last item is a closing remark, unless earlier items also
            # had paragraphs like it.
            cut = item.loose_start if self._emitted > 0 and not self._loose_seen else None
            # A line back at the list's depth that talks about the list ("I hope these
            # help", "the solutions above are examples") closes the reply, blank line or not.
            if item.closing_start is not None:
                cut = item.closing_start if cut is None else min(cut, item.closing_start)
            if lead_in is not None and (cut is None or lead_in < cut):
                cut = lead_in
        else:
            # A paragraph ending with a colon just before the next item leads in to it
            # ("Here are some bolder ideas:"): it belongs to neither item.
            cut = lead_in
            if item.loose_start is not None and (cut is None or item.loose_start < cut):
                self._loose_seen = True
        self._emitted += 1
        index = self._record(_render(item, cut=cut))
        kept = len(item.lines) if cut is None else cut
        for a, b in item.head_spans:
            self._book.add(a, b, index)
        for n, (a, b) in enumerate(item.line_spans):
            self._book.add(a, b, index if n < kept else None)
