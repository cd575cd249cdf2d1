"""Techniques, prompt rendering, and splitting model replies into draft ideas.

Techniques are TOML files (``prompts/*.toml``): ``name`` (the file stem), ``title``,
``description`` (one line), ``system`` (the system prompt) and ``template`` (the user message).
The template holds ``{topic}`` and, optionally, ``{prompt}`` for the person's extra instruction.
A template line holding ``{prompt}`` is left out when the person gave no extra instruction, so a
template can word that line freely ("Extra instruction: {prompt}") and still render cleanly.
Placeholders are filled in one pass: braces in the topic or prompt are never read as placeholders,
and other braces in a template (a JSON example, say) stay as they are.

Replies are split into ideas line by line (`IdeaStreamSplitter`; `split_ideas` is the same
splitter fed the whole reply). Model text is kept literal: no markup is interpreted; only
surrounding whitespace, list markers and the bold markers around a title are removed.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from brainstorm.llm.base import Message

DEFAULT_TECHNIQUE: Final = "open"
PROMPTS_ENV: Final = "BRAINSTORM_PROMPTS_DIR"
REQUIRED_KEYS: Final = ("name", "title", "description", "system", "template")

# --- techniques -------------------------------------------------------------------------------


class TechniqueError(ValueError):
    """A technique that cannot be loaded or found, worded for a person."""


class InvalidTechnique(TechniqueError):
    """A template file that is not valid: names the file and what is wrong with it."""

    def __init__(self, path: Path, problem: str, key: str | None = None) -> None:
        super().__init__(f"Technique file {path}: {problem}")
        self.path = path
        self.key = key


class UnknownTechnique(TechniqueError):
    def __init__(self, name: str, available: Sequence[str]) -> None:
        names = ", ".join(available) if available else "(none found)"
        super().__init__(f"Unknown technique {name!r}. Available techniques: {names}.")
        self.name = name
        self.available = list(available)


@dataclass(frozen=True)
class Technique:
    name: str
    title: str
    description: str
    system: str
    template: str
    path: Path

    def render(self, topic: str, prompt: str = "") -> str:
        """The user message for `topic`, with the person's extra instruction if any."""
        return _fill(self.template, {"topic": _require_topic(topic), "prompt": prompt.strip()})


def technique_dirs() -> list[Path]:
    """Where techniques come from, the first winning when two share a name: the directories in
    ``BRAINSTORM_PROMPTS_DIR`` (``os.pathsep``-separated), then the shipped templates."""
    dirs: list[Path] = []
    for entry in os.environ.get(PROMPTS_ENV, "").split(os.pathsep):
        if entry.strip():
            dirs.append(Path(entry.strip()).expanduser())
    package = Path(__file__).resolve().parent
    checkout = package.parent
    # A source checkout (editable install): the repo's prompts/ next to the package. The check
    # for pyproject.toml keeps an unrelated site-packages/prompts from being picked up.
    if (checkout / "prompts").is_dir() and (checkout / "pyproject.toml").is_file():
        dirs.append(checkout / "prompts")
    elif (package / "_prompts").is_dir():
        dirs.append(package / "_prompts")
    return dirs


def load_techniques(dirs: Sequence[Path] | None = None) -> dict[str, Technique]:
    """All techniques by name, sorted. `dirs` defaults to `technique_dirs()`; earlier
    directories override later ones. Raises `InvalidTechnique` for a broken file or a
    ``BRAINSTORM_PROMPTS_DIR`` that is not a directory."""
    found: dict[str, Technique] = {}
    for directory in reversed(list(technique_dirs() if dirs is None else dirs)):
        if not directory.is_dir():
            raise InvalidTechnique(directory, f"not a directory (check {PROMPTS_ENV})")
        for path in sorted(directory.glob("*.toml")):
            technique = load_technique_file(path)
            found[technique.name] = technique
    return dict(sorted(found.items()))


def load_technique_file(path: Path) -> Technique:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as problem:
        raise InvalidTechnique(path, f"cannot be read ({problem})") from problem
    except tomllib.TOMLDecodeError as problem:
        raise InvalidTechnique(path, f"is not valid TOML ({problem})") from problem
    values: dict[str, str] = {}
    for key in REQUIRED_KEYS:
        if key not in data:
            raise InvalidTechnique(path, f"missing key {key!r}", key)
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            raise InvalidTechnique(path, f"key {key!r} must be a non-empty string", key)
        values[key] = value.strip()
    if values["name"] != path.stem:
        raise InvalidTechnique(
            path, f"name {values['name']!r} must match the file name ({path.stem!r})", "name"
        )
    for key in ("name", "title", "description"):
        if "\n" in values[key]:
            raise InvalidTechnique(path, f"key {key!r} must be a single line", key)
    if "{topic}" not in values["template"]:
        raise InvalidTechnique(
            path, "key 'template' must contain the {topic} placeholder", "template"
        )
    return Technique(
        name=values["name"],
        title=values["title"],
        description=values["description"],
        system=values["system"],
        template=values["template"],
        path=path,
    )


def get_technique(name: str, dirs: Sequence[Path] | None = None) -> Technique:
    techniques = load_techniques(dirs)
    try:
        return techniques[name]
    except KeyError:
        raise UnknownTechnique(name, list(techniques)) from None


# --- prompts ----------------------------------------------------------------------------------

IDEAS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "ideas": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                },
                "required": ["title", "description"],
            },
        }
    },
    "required": ["ideas"],
}

STRUCTURED_INSTRUCTION: Final = (
    "Instead of a list, answer with JSON only, no other text, in exactly this shape: "
    '{"ideas": [{"title": "short title", "description": "one or two sentences"}]}. '
    'Put each idea in its own entry of "ideas": its short title in "title" and its sentences '
    'in "description".'
)

FOLLOW_UP_SYSTEM: Final = (
    "You are a brainstorming partner helping a person work on one idea. Everything you write is "
    "a draft that the person will read and then edit, keep or throw away, so be concrete and "
    "specific rather than polished or cautious. Answer in the same language as the idea."
)

_FORMAT_LIST = (
    "Write them as a numbered list. Begin each item with a short title, then a colon, then "
    "{what}. Like this:\n1. {example}\n\n"
    "Write only the list, with no introduction and no closing remarks."
)

#: The user message for each follow-up on one idea: ``{topic}``, ``{idea}``, optional ``{prompt}``.
FOLLOW_UPS: dict[str, str] = {
    "expand": (
        "Brainstorm topic: {topic}\n\n"
        "Here is one idea from the brainstorm:\n{idea}\n\n"
        "Develop this idea further. Say how it would work in practice, who it is for, the first "
        "concrete step to try it, and the biggest risk. Keep it one idea, in 4 to 6 sentences.\n\n"
        "Start with a short title in bold, then a colon, then the sentences. Like this:\n"
        "**Title of the idea**: How it works, who it is for, the first step and the biggest risk."
        "\n\nWrite only the idea, with no introduction and no closing remarks.\n"
        "Instruction from the person, which takes priority over everything above: {prompt}"
    ),
    "variations": (
        "Brainstorm topic: {topic}\n\n"
        "Here is one idea from the brainstorm:\n{idea}\n\n"
        "Write 5 variations of this idea. Each variation keeps the core of the idea but changes "
        "one important thing, such as who it is for, its size, its cost, where it happens or how "
        "it is delivered. Make the variations clearly different from each other.\n\n"
        + _FORMAT_LIST.format(
            what="one or two sentences on what changes and why it could work",
            example="Title of the variation: What changes and why it could work.",
        )
        + "\nInstruction from the person, which takes priority over everything above: {prompt}"
    ),
    "critique": (
        "Brainstorm topic: {topic}\n\n"
        "Here is one idea from the brainstorm:\n{idea}\n\n"
        "Critique this idea honestly. Find its 3 to 5 biggest weaknesses or risks, and for each "
        "one suggest a concrete change that would fix or reduce it.\n\n"
        + _FORMAT_LIST.format(
            what="one sentence on the problem and one sentence on the fix",
            example="Title of the weakness: What the problem is. How to fix it.",
        )
        + "\nInstruction from the person, which takes priority over everything above: {prompt}"
    ),
}

#: One line per follow-up, for menus and help text.
FOLLOW_UP_TITLES: dict[str, str] = {
    "expand": "Develop the idea further: how it works, who it is for, first step, biggest risk.",
    "variations": "Five variations that each change one important thing.",
    "critique": "The idea's main weaknesses, each with a fix.",
}

_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
_OPTIONAL_PLACEHOLDERS = ("prompt",)


def _require_topic(topic: str) -> str:
    topic = topic.strip()
    if not topic:
        raise ValueError("The topic is empty: say what to brainstorm about.")
    return topic


def _fill(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{name}`` placeholders in one pass. Lines holding an optional placeholder with an
    empty value are left out; a non-empty optional value with no placeholder is appended, so
    the person's instruction is never lost."""
    lines = [
        line
        for line in template.split("\n")
        if not any(f"{{{key}}}" in line and not values.get(key) for key in _OPTIONAL_PLACEHOLDERS)
    ]
    text = _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), "\n".join(lines))
    for key in _OPTIONAL_PLACEHOLDERS:
        if values.get(key) and f"{{{key}}}" not in template:
            text = f"{text.rstrip()}\n\n{values[key]}"
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _with_format(content: str, structured: bool) -> str:
    return f"{content}\n\n{STRUCTURED_INSTRUCTION}" if structured else content


def build_messages(
    technique: Technique, topic: str, prompt: str = "", *, structured: bool = False
) -> list[Message]:
    """System and user messages for one round of `technique` on `topic`. With `structured`,
    the model is also told to answer in the shape of `IDEAS_SCHEMA` (pass that schema as the
    request's format too)."""
    return [
        Message("system", technique.system),
        Message("user", _with_format(technique.render(topic, prompt), structured)),
    ]


def build_follow_up_messages(
    kind: str,
    topic: str,
    idea_text: str,
    *,
    structured: bool = False,
    prompt: str = "",
    title: str | None = None,
) -> list[Message]:
    """Messages asking the model to work on one idea: ``kind`` is a key of `FOLLOW_UPS`. Pass
    the idea's `title` too when it has one, so the model sees the idea whole."""
    if kind not in FOLLOW_UPS:
        raise ValueError(
            f"Unknown follow-up {kind!r}. Available follow-ups: {', '.join(FOLLOW_UPS)}."
        )
    content = _fill(
        FOLLOW_UPS[kind],
        {
            "topic": _require_topic(topic),
            "idea": f"{title.strip()}: {idea_text.strip()}"
            if title and title.strip()
            else idea_text.strip(),
            "prompt": prompt.strip(),
        },
    )
    return [Message("system", FOLLOW_UP_SYSTEM), Message("user", _with_format(content, structured))]


# --- draft ideas from replies -----------------------------------------------------------------


@dataclass(frozen=True)
class DraftIdea:
    text: str
    title: str | None = None


def _scalar_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return ""


def _draft_from_json(item: Any) -> DraftIdea | None:
    if isinstance(item, str):
        return DraftIdea(item.strip()) if item.strip() else None
    if not isinstance(item, dict):
        return None
    title = _scalar_text(item.get("title")) or _scalar_text(item.get("name"))
    text = ""
    for key in ("description", "text", "idea", "details"):
        text = _scalar_text(item.get(key))
        if text:
            break
    if not text:
        return DraftIdea(title) if title else None
    return DraftIdea(text, title or None)


def _ideas_from_json(value: Any, *, single: bool = True) -> list[DraftIdea] | None:
    """Ideas from decoded JSON: ``{"ideas": [...]}``, a bare list, or (with `single`) one idea
    object on its own."""
    if isinstance(value, dict):
        if "ideas" in value:
            items = value["ideas"]
        elif single and ("title" in value or "description" in value):
            items = [value]
        else:
            return None
    else:
        items = value
    if not isinstance(items, list):
        return None
    drafts = [draft for draft in map(_draft_from_json, items) if draft is not None]
    if items and not drafts:
        return None  # a list, but nothing in it looks like an idea
    return drafts


_FENCE_BLOCK_RE = re.compile(r"```[ \t]*[A-Za-z0-9_-]*[ \t]*\n(.*?)```", re.DOTALL)
_MAX_JSON_STARTS = 32


def parse_structured(reply: str) -> list[DraftIdea] | None:
    """Ideas from a JSON reply shaped like `IDEAS_SCHEMA`, or None when there is none.

    Tolerates code fences and prose around the JSON, a bare list of ideas, and a reply cut off
    mid-way (the ideas that arrived whole are kept)."""
    text = reply.strip()
    if not text:
        return None
    candidates = [text, *(m.group(1).strip() for m in _FENCE_BLOCK_RE.finditer(text))]
    for candidate in candidates:
        try:
            ideas = _ideas_from_json(json.loads(candidate))
        except ValueError:
            continue
        if ideas is not None:
            return ideas
    decoder = json.JSONDecoder()
    starts = [m.start() for m in re.finditer(r"[{\[]", text)][:_MAX_JSON_STARTS]
    for start in starts:
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            continue
        # Inside the text, a lone idea object is more likely part of a cut-off list.
        ideas = _ideas_from_json(value, single=False)
        if ideas is not None:
            return ideas
    return _salvage_ideas(text, decoder)


def _salvage_ideas(text: str, decoder: json.JSONDecoder) -> list[DraftIdea] | None:
    """The whole idea objects at the start of a cut-off ``{"ideas": [...`` reply."""
    match = re.search(r'"ideas"\s*:\s*\[', text)
    if match is None:
        return None
    drafts: list[DraftIdea] = []
    position = match.end()
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] != "{":
            break
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError:
            break
        draft = _draft_from_json(value)
        if draft is not None:
            drafts.append(draft)
    return drafts or None


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


# --- line classification ----------------------------------------------------------------------

LineKind = Literal["blank", "text", "num", "bullet", "heading", "rule", "fence"]

_RULE_RE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_HEADING_CLOSE_RE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_NUM_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<b1>\*\*)?"
    r"(?:\(\d{1,3}\)|\d{1,3}[.)]"
    r"|(?i:idea|option|concept)[ \t]*#?\d{1,3}(?P<b2>\*\*)?[ \t]*(?:[:.)]|[-–—](?=[ \t])))"
    r"(?P<b3>\*\*)?(?:[ \t]+|$)"
)
_LABEL_RE = re.compile(
    r"(?i:idea|option|concept)[ \t]*#?\d{1,3}[ \t]*(?:[:.)]|[-–—](?=[ \t]))[ \t]*(?=\S)"
)
_BULLET_RE = re.compile(r"^(?P<indent>[ \t]*)[-*+•◦‣–](?:[ \t]+|$)")
_FENCE_RE = re.compile(r"^[ \t]*(?:```|~~~)")
_BOLD_ONLY_RE = re.compile(r"^[ \t]*(\*\*|__)((?:(?!\1).)+)\1[ \t]*:?[ \t]*$")
_BOLD_TITLE_RE = re.compile(r"^(\*\*|__)((?:(?!\1).)+)\1(.*)$", re.DOTALL)
_TITLE_SEP_RE = re.compile(r":(?=\s|$)|[ \t]+(?:–|--?)(?=[ \t]|$)|[ \t]*—[ \t]*")
_SENTENCE_BREAK_RE = re.compile(r"[.!?][ \t]")
# A line that may still turn into a list marker once more characters arrive.
_MARKER_PREFIX_RE = re.compile(r"^[ \t]*(?:\*\*?)?(?:\(?\d{0,3}[.)]?|#{0,6}|[-*+•◦‣–])?[ \t]*$")
_EARLY_CHECK_LIMIT = 80


@dataclass(frozen=True)
class _Line:
    kind: LineKind
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


# --- titles and rendering ---------------------------------------------------------------------


def _plausible_title(candidate: str) -> bool:
    return (
        0 < len(candidate) <= 100
        and len(candidate.split()) <= 12
        and _SENTENCE_BREAK_RE.search(candidate) is None
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


def _title_only(content: str) -> bool:
    """Whether a list item's first line is just a title, its description still to come."""
    if not content:
        return True
    if _BOLD_ONLY_RE.match(content):
        return True
    return content.endswith(":") and _plausible_title(content[:-1].strip())


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
    closed: bool = False


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


# --- the streaming splitter -------------------------------------------------------------------

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
        self._list_kind: LineKind = "num"
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

    @property
    def pending_text(self) -> str:
        """The text of the idea still being written (for a live card); "" when there is none."""
        idea = self.pending
        return idea.text if idea is not None else ""

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
            assert self._item is not None
            self._item.closed = True
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
