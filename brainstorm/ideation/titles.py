"""Titles: finding an idea's short title in a list item ("**Title**: text", "Title: text",
"Title — text", "Idea 3: ..."), and telling a title-only line from one that starts the text."""

from __future__ import annotations

import re

from brainstorm.ideation.lines import (
    _BOLD_ONLY_RE,
    _LABEL_LINE_RE,
    _TITLE_LABELS,
    _label_rest,
    _strip_number,
)

_LABEL_RE = re.compile(
    r"(?i:idea|option|concept)[ \t]*#?\d{1,3}[ \t]*(?:[:.)]|[-–—](?=[ \t]))[ \t]*(?=\S)"
)
_BOLD_TITLE_RE = re.compile(r"^(\*\*|__)((?:(?!\1).)+)\1(.*)$", re.DOTALL)
_TITLE_SEP_RE = re.compile(r":(?=\s|$)|[ \t]+(?:–|--?)(?=[ \t]|$)|[ \t]*—[ \t]*")
_SENTENCE_BREAK_RE = re.compile(r"[.!?][ \t]")


def _plausible_title(candidate: str) -> bool:
    return (
        0 < len(candidate) <= 100
        and len(candidate.split()) <= 12
        and _SENTENCE_BREAK_RE.search(candidate) is None
        # "Tips (4 suggestions - 50 points)": a dash inside brackets separates nothing.
        and candidate.count("(") <= candidate.count(")")
    )


def _split_title(line: str, *, plain: bool = True) -> tuple[str | None, str]:
    """(title, rest) for "**Title**: text", "Title: text", "Title — text"; (None, line) when the
    line has no title. `plain=False` accepts bold titles only."""
    bold = _BOLD_TITLE_RE.match(line)
    if bold:
        inner, rest = bold.group(2).strip(), bold.group(3).strip()
        ends_title = inner.endswith((":", "."))
        separator = re.match(r"(?::|–|—|--?|\.)(?=\s|$)", rest)
        if inner and len(inner.split()) <= 20 and (not rest or ends_title or separator):
            if separator and not ends_title:
                rest = rest[separator.end() :].strip()
            return _drop_label(inner).rstrip(":.").strip() or None, rest
    if plain:
        sep = _TITLE_SEP_RE.search(line)
        if sep is not None:
            candidate = line[: sep.start()].strip()
            if _plausible_title(candidate):
                return candidate, line[sep.end() :].strip()
    return None, line


def _drop_label(text: str) -> str:
    """Text without a leading "Idea 1:" label (models number their items twice)."""
    label = _LABEL_RE.match(text)
    return text[label.end() :].strip() if label else text


def _field_title(text: str) -> str | None:
    """The title in "Title: Share table" (or "**Title:** …"), None when ``text`` has no such
    label."""
    label = _LABEL_LINE_RE.match(text)
    if label is None or label.group("label").lower() not in _TITLE_LABELS:
        return None
    return _strip_bold(_label_rest(label)) or None


def _strip_bold(text: str) -> str:
    bold = _BOLD_ONLY_RE.match(text)
    return bold.group(2).strip() if bold else text


def _title_only(content: str) -> bool:
    """Whether a list item's first line is just a title, its description still to come."""
    if not content:
        return True
    if _BOLD_ONLY_RE.match(content):
        return True
    return content.endswith(":") and _plausible_title(content[:-1].strip())


def _clean_heading(text: str) -> str:
    text = text.strip()
    rest = _strip_number(text)
    if rest is not None:
        text = rest.strip()
    bold = _BOLD_ONLY_RE.match(text)
    if bold:
        text = bold.group(2).strip()
    return text.rstrip(":").strip()


def _looks_like_label(first: str, body: list[str]) -> bool:
    """A plain first line that reads as a title over the lines below it."""
    return (
        bool(body)
        and len(first) <= 80
        and len(first.split()) <= 10
        and not first.endswith((".", "!", "?", ",", ";"))
        and not body[0].lstrip()[:1].islower()
    )
