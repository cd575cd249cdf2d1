"""Line classification: what each line of a plain reply is (blank, text, numbered or bulleted
item, heading, rule, code fence), and whether a line still being written may become an item."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_LineKind = Literal["blank", "text", "num", "bullet", "heading", "rule", "fence"]

_RULE_RE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_HEADING_CLOSE_RE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_NUM_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<b1>\*\*)?"
    r"(?:\(\d{1,3}\)|\d{1,3}[.)]"
    r"|(?i:idea|option|concept)[ \t]*#?\d{1,3}(?P<b2>\*\*)?[ \t]*(?:[:.)]|[-–—](?=[ \t])))"
    r"(?P<b3>\*\*)?(?:[ \t]+|$)"
)
_BULLET_RE = re.compile(r"^(?P<indent>[ \t]*)[-*+•◦‣–](?:[ \t]+|$)")
_FENCE_RE = re.compile(r"^[ \t]*(?:```|~~~)")
_BOLD_ONLY_RE = re.compile(r"^[ \t]*(\*\*|__)((?:(?!\1).)+)\1[ \t]*:?[ \t]*$")
# A line that may still turn into a list marker once more characters arrive.
_MARKER_PREFIX_RE = re.compile(r"^[ \t]*(?:\*\*?)?(?:\(?\d{0,3}[.)]?|#{0,6}|[-*+•◦‣–])?[ \t]*$")


@dataclass(frozen=True)
class _Line:
    kind: _LineKind
    indent: int = 0
    content: str = ""  # after the list marker, or the heading's text
    level: int = 0  # heading level
    bold_only: bool = False


def _indent_of(raw: str) -> int:
    stripped = raw.lstrip(" \t")
    return len(raw[: len(raw) - len(stripped)].expandtabs(4))


def _strip_number(text: str) -> str | None:
    """The text after a leading list number ("1.", "(2)", "Idea 3:"), or None when it has none.
    Bold markers opened before the number are carried over to the rest."""
    match = _NUM_RE.match(text)
    if match is None:
        return None
    rest = text[match.end() :]
    if match.group("b1") and not (match.group("b2") or match.group("b3")):
        rest = "**" + rest
    return rest


def _classify(raw: str, in_fence: bool) -> _Line:
    if not raw.strip():
        return _Line("blank")
    if _FENCE_RE.match(raw):
        return _Line("fence", _indent_of(raw))
    indent = _indent_of(raw)
    if in_fence:
        return _Line("text", indent)
    if _RULE_RE.match(raw):
        return _Line("rule", indent)
    heading = _HEADING_RE.match(raw)
    if heading:
        content = _HEADING_CLOSE_RE.sub("", heading.group(2) or "").strip()
        return _Line("heading", indent, content, level=len(heading.group(1)))
    number = _strip_number(raw)
    if number is not None:
        return _Line("num", indent, number.strip())
    bullet = _BULLET_RE.match(raw)
    if bullet:
        return _Line("bullet", indent, raw[bullet.end() :].strip())
    return _Line("text", indent, raw.strip(), bold_only=bool(_BOLD_ONLY_RE.match(raw)))


_LABEL_WORDS = ("idea", "option", "concept")


def _may_start_item(partial: str) -> bool:
    """Whether a line that begins like `partial` could still be a list item or heading."""
    start = partial.lstrip(" \t")
    if not start or start[0] in "0123456789(*#-+•◦‣–":
        return True
    return any(start[: len(word)].lower() == word[: len(start)] for word in _LABEL_WORDS)


def _could_become_rule(partial: str) -> bool:
    chars = set(partial.replace(" ", "").replace("\t", ""))
    return len(chars) <= 1 and chars <= set("-*_")
