"""Line classification: what each line of a plain reply is (blank, text, numbered or bulleted
item, heading, rule, code fence, a labelled line such as "Title: …" or "Bonus idea: …", a line
about the prompt such as "Topic: …"), whether a line still being written may become an item,
and where one line holds several numbered items ("1) … 2) …")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_LineKind = Literal["blank", "text", "num", "bullet", "heading", "rule", "fence", "label", "meta"]

_RULE_RE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_HEADING_CLOSE_RE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_NUM_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<b1>\*\*?)?"
    r"(?:\((?P<n1>\d{1,3})\)|(?P<n2>\d{1,3})[.)]"
    r"|(?i:idea|option|concept)[ \t]*#?(?P<n3>\d{1,3})(?P<b2>\*\*)?[ \t]*(?:[:.)]|[-–—](?=[ \t])))"
    r"(?P<b3>\*\*)?(?:[ \t]+|$)"
)
_BOLD = r"(?:\*\*|__)?"
# A line naming a field of an idea: "Title: …" gives the idea's title; "Bonus idea: …" (often
# after a rule) is one more idea. Either starts an idea, like a list item.
_LABEL_LINE_RE = re.compile(
    r"^[ \t]*(?P<b1>\*\*|__)?(?P<label>(?i:title|idea title|idea name|name"
    r"|bonus(?: idea)?|extra idea|one more idea|another idea|wild[ -]?card(?: idea)?))"
    r"[ \t]*(?P<b2>\*\*|__)?[ \t]*[:：][ \t]*(?P<b3>\*\*|__)?[ \t]*(?P<rest>.*)$"
)
_TITLE_LABELS = ("title", "idea title", "idea name", "name")
# A line about the request rather than an idea ("Topic: …", "Technique: SCAMPER"): models
# repeat the prompt's header. It belongs to no idea.
_META_LINE_RE = re.compile(
    rf"^[ \t]*{_BOLD}(?i:topic|brainstorm topic|subject|technique|method){_BOLD}[ \t]*[:：]"
)
# The start of a line that talks about the list rather than adding to it: a closing remark.
_CLOSING_RE = re.compile(
    r"(?i)^\W*(?:i hope|hope (?:this|these|that|you)|let me know|feel free|good luck"
    r"|happy brainstorming|these (?:ideas|suggestions|options|solutions|are just)|this list"
    r"|(?:the|all) (?:ideas|solutions|options|suggestions)(?: listed)? above"
    r"|you can (?:choose|pick|mix|combine|try any)|in summary|to summari[sz]e|overall,"
    r"|i can (?:also|help)|if you(?:'d| would) like|would you like)"
)
_INLINE_HINT_RE = re.compile(r"[ \t]\(?\d{1,2}[.)][ \t]")
# A number inside a line that starts the next item: "… longer. 3. Removing …", "a 2) b".
_INLINE_NUM_RE = re.compile(
    r"(?:(?<=[.!?;:,)\]\"'”’…])|(?<=\*\*))[ \t]+(?:\((?P<p>\d{1,2})\)|(?P<n>\d{1,2})[.)])"
    r"(?=[ \t]+\S)"
    r"|(?<=\S)[ \t]+(?:\((?P<pp>\d{1,2})\)|(?P<nn>\d{1,2})\))(?=[ \t]+\S)"
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
    number: int | None = None  # a numbered item's number
    titled: bool = False  # a label line whose content is the idea's title ("Title: …")


def _label_rest(match: re.Match[str]) -> str:
    """The text after a label ("Bonus idea:", "Title:"). Bold that is opened around the label
    but closed after it ("**Bonus idea: Escape Room**", "Title: **Share Table**") goes on with
    the rest, so the title keeps both its markers."""
    markers = [m for m in match.group("b1", "b2", "b3") if m]
    rest = match.group("rest").strip()
    return markers[-1] + rest if len(markers) % 2 else rest


def _indent_of(raw: str) -> int:
    stripped = raw.lstrip(" \t")
    return len(raw[: len(raw) - len(stripped)].expandtabs(4))


def _strip_number(text: str) -> str | None:
    """The text after a leading list number ("1.", "(2)", "Idea 3:"), or None when it has none.
    Bold markers opened before the number are carried over to the rest."""
    match = _NUM_RE.match(text)
    return None if match is None else _rest_after(text, match)


def _rest_after(text: str, match: re.Match[str]) -> str:
    rest = text[match.end() :]
    # Bold opened before the number ("**1. Title**") goes on; a lone "*1." is a stray star.
    if match.group("b1") == "**" and not (match.group("b2") or match.group("b3")):
        rest = "**" + rest
    return rest


def _number_of(match: re.Match[str]) -> int:
    return int(match.group("n2") or match.group("n1") or match.group("n3"))


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
    match = _NUM_RE.match(raw)
    if match is not None:
        return _Line("num", indent, _rest_after(raw, match).strip(), number=_number_of(match))
    bullet = _BULLET_RE.match(raw)
    if bullet:
        return _Line("bullet", indent, raw[bullet.end() :].strip())
    first = raw[len(raw) - len(raw.lstrip(" \t")) :][:1]
    if first.isalpha() or first in ("*", "_"):  # cheap test first: most lines are neither
        label = _LABEL_LINE_RE.match(raw)
        if label:  # "Title:" alone: the title is on the next line
            rest = _label_rest(label)
            titled = label.group("label").lower() in _TITLE_LABELS
            return _Line("label", indent, rest, titled=titled)
        if _META_LINE_RE.match(raw):
            return _Line("meta", indent, raw.strip())
    return _Line("text", indent, raw.strip(), bold_only=bool(_BOLD_ONLY_RE.match(raw)))


def _closing_remark(text: str) -> bool:
    return _CLOSING_RE.match(text) is not None


def _inline_starts(raw: str, line: _Line, last_number: int | None) -> list[int]:
    """Where later items start inside one line that holds several ("1) a 2) b 3) c", "2. b.
    3. c."): the offsets of the numbers that continue the sequence, in order. A numbered line
    continues its own number; another line continues the list before it, or starts at 1."""
    if _INLINE_HINT_RE.search(raw, 1) is None:  # most lines: no number inside at all
        return []
    if line.kind == "num" and line.number is not None:
        expected = line.number + 1
    elif line.kind == "text":
        expected = last_number + 1 if last_number is not None else 1
    else:
        return []
    starts: list[int] = []
    after_colon = False
    for match in _INLINE_NUM_RE.finditer(raw):
        digits = next(g for g in match.group("p", "n", "pp", "nn") if g is not None)
        if int(digits) == expected:
            if not starts:
                after_colon = expected == 1 and raw[: match.start()].endswith(":")
            starts.append(match.start() + len(match.group(0)) - len(match.group(0).lstrip()))
            expected += 1
    if line.kind == "text" and len(starts) < 2 and not after_colon:
        return []  # one number in a sentence is no list; "Here they are: 1. …" starts one
    return starts


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
