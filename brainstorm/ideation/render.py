"""Rendering: turning the lines of one list item (or of a reply with no list) into a draft idea,
its title split off and its text tidied. Model text stays literal: only surrounding whitespace,
list markers and the bold markers around a title are removed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from brainstorm.ideation.drafts import DraftIdea
from brainstorm.ideation.titles import (
    _clean_heading,
    _drop_label,
    _looks_like_label,
    _split_title,
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


def _render(item: _Item, *, cut: int | None = None, extra: str | None = None) -> DraftIdea | None:
    lines = item.lines if cut is None else item.lines[:cut]
    if extra is not None:
        lines = [*lines, extra]
    body = _tidy(lines)
    if item.heading:
        return _draft(_clean_heading(item.head) or None, body)
    first = item.head.strip()
    gap = item.head_gap
    if not first and body:
        first = body.pop(0).strip()
        gap = bool(body) and not body[0]
        if gap:
            body.pop(0)
    title, first = _split_title(_drop_label(first))
    if title is None and first and _looks_like_label(first, body):
        title, first = first.rstrip(":").strip(), ""
    if not first:
        return _draft(title, body)
    return _draft(title, [first, "", *body] if gap and body else [first, *body])


def _render_whole(lines: Sequence[str]) -> DraftIdea | None:
    """A reply with no list: one idea, titled only when it opens with a bold title."""
    body = _tidy(lines)
    if not body:
        return None
    title, first = _split_title(body[0].strip(), plain=False)
    if title is None:
        return _draft(None, body)
    return _draft(title, [first, *body[1:]] if first else body[1:])
