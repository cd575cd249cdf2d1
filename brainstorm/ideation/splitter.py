"""The streaming splitter: a plain reply split into draft ideas line by line as it arrives
(`IdeaStreamSplitter`), the same split over a whole reply (`split_ideas`), and the reading of a
finished reply, structured or plain (`ideas_from_reply`)."""

from __future__ import annotations

from typing import Final, Literal

from brainstorm.ideation.drafts import DraftIdea
from brainstorm.ideation.lines import (
    _MARKER_PREFIX_RE,
    _classify,
    _could_become_rule,
    _Line,
    _LineKind,
    _may_start_item,
    _strip_number,
)
from brainstorm.ideation.render import _Item, _render, _render_whole
from brainstorm.ideation.structured import parse_structured
from brainstorm.ideation.titles import _title_only

# A partial line longer than this is not checked for an item start (it would be, once complete).
_EARLY_CHECK_LIMIT: Final = 80

_Action = Literal["preamble", "new", "replace", "switch", "close", "continue"]


class IdeaStreamSplitter:
    """Splits a reply into ideas while it streams.

    `feed` each piece of text as it arrives; it returns the ideas completed by it (an idea is
    complete once the next one has started). `finish` returns the rest. Together they return
    exactly ``split_ideas(whole_text)``, however the text was cut into pieces. Work is
    proportional to the text fed: lines are classified once, as they complete.

    How a reply is read: the first list item (numbered, bulleted, or a markdown heading) sets
    the kind of item; later items of that kind at the same depth start new ideas, and anything
    else (deeper or other lists, wrapped lines, paragraphs) continues the current one. Text
    before the first item is dropped, as are section breaks between items (headings inside a
    list, horizontal rules, bold-only lines after a blank line) and what follows them up to the
    next item. A paragraph after a blank line at the end of the last item counts as a closing
    remark and is dropped, unless earlier items had such paragraphs too.
    """

    def __init__(self) -> None:
        self._partial: list[str] = []
        self._partial_len = 0
        self._early_checked = False  # the partial line was checked for an item start
        self._early_emitted = False  # ... and the current item was emitted because of it
        self._preamble: list[str] = []
        self._item: _Item | None = None
        self._style: Literal["list", "heading"] | None = None
        self._list_kind: _LineKind = "num"
        self._list_indent = 0
        self._heading_level = 0
        self._locked = False  # a second item exists: the kind of item is settled
        self._tentative = False  # the first item is an unnumbered heading that may title a list
        self._in_break = False
        self._in_fence = False
        self._prev_blank = False
        self._emitted = 0
        self._loose_seen = False
        self._finished = False
        self._out: list[DraftIdea] = []

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
            self._end_line("".join(self._partial))
            start = newline + 1
            while (end := delta.find("\n", start)) >= 0:
                self._end_line(delta[start:end])
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
            self._end_line("".join(self._partial))
        self._finished = True
        if self._item is not None:
            self._emit(self._item, final=True)
            self._item = None
        else:
            idea = _render_whole(self._preamble)
            if idea is not None:
                self._out.append(idea)
        self._preamble = []
        return self._take()

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
            return _render(self._new_item(line))
        if self._item is None:
            return _render_whole([*self._preamble, partial])
        if self._early_emitted:
            return None
        if action == "continue" and not self._in_break:
            return _render(self._item, extra=partial)
        return _render(self._item)

    # internals

    def _take(self) -> list[DraftIdea]:
        out, self._out = self._out, []
        return out

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

    def _end_line(self, raw: str) -> None:
        raw = raw.removesuffix("\r")
        was_fenced = self._in_fence
        line = _classify(raw, self._in_fence)
        if line.kind == "fence":
            self._in_fence = not self._in_fence
        self._apply(line, raw, literal=was_fenced or line.kind == "fence")
        self._prev_blank = line.kind == "blank"
        self._early_checked = False
        self._early_emitted = False

    def _decide(self, line: _Line) -> _Action:
        item = self._item
        if item is None:
            return "new" if line.kind in ("num", "bullet", "heading") else "preamble"
        if self._style == "heading":
            if line.kind == "heading":
                if line.level == self._heading_level:
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
            if (
                line.kind in ("num", "bullet")
                and self._tentative
                and (not item.has_body or line.kind == "num")
                and line.indent <= 1
            ):
                return "switch"  # the heading titles a list: the list items are the ideas
            return "continue"
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

    def _new_item(self, line: _Line) -> _Item:
        if line.kind == "heading":
            return _Item(heading=True, indent=0, head=line.content)
        return _Item(
            heading=False,
            indent=line.indent,
            head=line.content,
            has_body=not _title_only(line.content),
        )

    def _apply(self, line: _Line, raw: str, *, literal: bool) -> None:
        action: _Action = "continue" if literal and self._item is not None else self._decide(line)
        if literal and self._item is None:
            action = "preamble"
        if action == "preamble":
            self._preamble.append(raw)
        elif action in ("new", "replace", "switch"):
            if action == "new" and self._item is not None:
                if not self._early_emitted:
                    self._emit(self._item, final=False)
                self._locked = True
                self._tentative = False
            self._start(line)
        elif action == "close":
            self._in_break = True
        else:
            self._continue(line, raw, literal=literal)

    def _start(self, line: _Line) -> None:
        if line.kind == "heading":
            if not self._locked:
                self._tentative = _strip_number(line.content) is None
            self._style = "heading"
            self._heading_level = line.level
        else:
            self._tentative = False
            self._style = "list"
            self._list_kind = line.kind
            if not self._locked:
                self._list_indent = line.indent
        self._item = self._new_item(line)
        self._in_break = False
        self._preamble = []

    def _continue(self, line: _Line, raw: str, *, literal: bool) -> None:
        item = self._item
        if item is None or self._in_break:
            return
        if line.kind == "blank":
            if item.lines:
                item.lines.append("")
            else:
                item.head_gap = True
            return
        if not literal and self._prev_blank and item.has_body and line.indent < item.indent + 2:
            item.last_loose = len(item.lines)
            if item.loose_start is None:
                item.loose_start = item.last_loose
        item.lines.append(raw)
        item.has_body = True

    def _emit(self, item: _Item, *, final: bool) -> None:
        if final:
            # A paragraph after the last item is a closing remark, unless earlier items also
            # had paragraphs like it.
            cut = item.loose_start if self._emitted > 0 and not self._loose_seen else None
        else:
            # A paragraph ending with a colon just before the next item leads in to it
            # ("Here are some bolder ideas:"): it belongs to neither item.
            last = item.last_loose
            tail = next((line for line in reversed(item.lines) if line.strip()), "")
            cut = last if last is not None and tail.rstrip().endswith(":") else None
            if item.loose_start is not None and (cut is None or item.loose_start < cut):
                self._loose_seen = True
        self._emitted += 1
        idea = _render(item, cut=cut)
        if idea is not None:
            self._out.append(idea)


def split_ideas(reply: str) -> list[DraftIdea]:
    """Split a plain reply into ideas: one per item of a numbered or bulleted list, or per
    markdown heading. Text before the first item (and a closing remark after the last) is
    dropped; a reply with no list at all is one idea; an empty reply is none."""
    splitter = IdeaStreamSplitter()
    return splitter.feed(reply) + splitter.finish()


def ideas_from_reply(reply: str, *, structured: bool) -> list[DraftIdea]:
    """Ideas from a finished reply: JSON first when structured output was asked for, else (or
    when the JSON cannot be read) the plain-text split."""
    if structured:
        ideas = parse_structured(reply)
        if ideas is not None:
            return ideas
    return split_ideas(reply)
