"""Rendering: turning the lines of one list item (or of a reply with no list) into a draft idea,
its title split off and its text tidied. Model text stays literal: only surrounding whitespace,
list markers and the bold markers around a title are removed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from brainstorm.ideation.drafts import DraftIdea
from brainstorm.ideation.titles import (
    _clean_heading,
    _drop_label,
    _field_title,
    _looks_like_label,
    _split_title,
    _strip_bold,
)


def _tidy(lines: Sequence[str]) -> list[str]:
    """Lines without the first line's indentation (deeper lines keep the rest of theirs), line
    ends stripped, blank lines at the ends dropped and runs of them made one."""
    out: list[str] = []
    base: int | None = None
    gap = False
    for line in lines:
        if not line.strip():
            gap = bool(out)
            continue
        indent = len(line) - len(line.lstrip(" \t"))
        if base is None:
            base = indent
        if gap:
            out.append("")
            gap = False
        out.append(line[min(indent, base) :].rstrip())
    return out


def _draft(title: str | None, body: list[str]) -> DraftIdea | None:
    text = "\n".join(body).strip()
    if not text:
        return DraftIdea(title) if title else None
    return DraftIdea(text, title or None)


@dataclass
class _Item:
    heading: bool
    indent: int  # the marker's indentation (0 for headings)
    head: str  # text after the list marker, or the heading's text
    lines: list[str] = field(default_factory=list)  # the lines after the first, as written
    has_body: bool = False
    loose_start: int | None = None  # first unindented paragraph after a blank line, once bodied
    last_loose: int | None = None  # the latest such paragraph
    head_gap: bool = False  # a blank line between the first line and the next
    titled: bool = False  # the head is the idea's title ("Title: …"), the lines its text
    closing_start: int | None = None  # a line at the list's depth that closes the reply
    # Where each part came from in the reply, as (start, end) offsets: the head line (and a
    # blank line after it), then one span per entry of `lines`.
    head_spans: list[tuple[int, int]] = field(default_factory=list)
    line_spans: list[tuple[int, int]] = field(default_factory=list)
    line_indents: list[int] = field(default_factory=list)


def _render(item: _Item, *, cut: int | None = None, extra: str | None = None) -> DraftIdea | None:
    lines = item.lines if cut is None else item.lines[:cut]
    if extra is not None:
        lines = [*lines, extra]
    body = _tidy(lines)
    if item.heading:
        return _draft(_clean_heading(item.head) or None, body)
    if item.titled:
        label_title = _strip_bold(item.head.strip())
        if not label_title and body:  # "Title:" alone, the title on the line below
            label_title = _strip_bold(body.pop(0).strip())
        return _draft(label_title or None, body)
    first = item.head.strip()
    gap = item.head_gap
    if not first and body:
        first = body.pop(0).strip()
        gap = bool(body) and not body[0]
        if gap:
            body.pop(0)
    field_title = _field_title(first)
    if field_title is not None:  # "1. Title: Share table", its text on the lines below
        return _draft(field_title, body)
    title, first = _split_title(_drop_label(first))
    if title is None and first and _looks_like_label(first, body):
        title, first = first.rstrip(":").strip(), ""
    if not first:
        return _draft(title, body)
    return _draft(title, [first, "", *body] if gap and body else [first, *body])


_OPENING_RE = re.compile(
    r"(?i)^\W*(?:here(?:'s| is| are)|below (?:is|are)|sure|certainly|of course|okay|ok\b"
    r"|let's|let me)"
)


def _opening_remark(lines: Sequence[str]) -> int:
    """How many of a list-less reply's first lines are an opening remark ("Sure!", "Let's
    start!", "Here is my idea."): a first paragraph of one short line ending with "!", "?" or
    ":" or opening like one, with more paragraphs after it. 0 when there is none."""
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return 0
    text = lines[first].strip()
    rest = lines[first + 1 :]
    if not rest or rest[0].strip() or not any(line.strip() for line in rest):
        return 0  # no blank line after it, or nothing after the blank
    if len(text.split()) > 12:
        return 0
    if text.endswith(("!", "?", ":")) or _OPENING_RE.match(text):
        return first + 1
    return 0


def _render_whole(lines: Sequence[str]) -> DraftIdea | None:
    """A reply with no list: one idea, titled only when it opens with a bold title."""
    body = _tidy(lines)
    if not body:
        return None
    title, first = _split_title(body[0].strip(), plain=False)
    if title is None:
        return _draft(None, body)
    return _draft(title, [first, *body[1:]] if first else body[1:])
