"""Markdown and JSON export of a session: what leaves the tool says what a person reviewed.

One entry point for every front end: `export_session(session, options)` returns the document
as text and `write_export(path, text, force=...)` writes it atomically (the CLI, `brainstorm
export`); `save_export(session, options)` does both into a new ``./<session id>.md`` that
never replaces a file (the TUI's export key and palette commands).

What is exported (`ExportOptions`):

- Accepted ideas (model ideas accepted as-is or after edits, and ideas a person wrote) always.
- Drafts by default, each with a visible ``DRAFT — not reviewed`` badge, so nothing the model
  wrote can pass for reviewed text; ``include_drafts=False`` (``--accepted-only``) leaves out
  every draft, edited or not, complete or not.
- Rejected ideas only with ``include_rejected=True`` (``--include-rejected``).
- Model ideas still hidden in a human-first round are never exported (revealing them is the
  person's decision, made in the app); the front matter counts them.
- ``history=True`` (``--history``) adds, after each idea a person edited, the model's original
  and a word diff from it to the final text.

Markdown: YAML front matter (session, topic, techniques, models and backends, times, counts by
status and badge, the session's revision figures), then one ``##`` section per idea with its
badge line, its text and its revision figures.

Model text is exported as text, never as markup. Every piece of text from a model or a person
(topic, titles, idea text, names) has its terminal control characters made visible
(`brainstorm.textsafe.visible`), then is escaped for markdown: the characters that start inline
markup anywhere (``\\ ` * _ [ ] ~ | $ # ^``, runs of ``==`` and ``%%``) get a backslash, ``<`` and
entity-like ``&`` become ``&lt;`` / ``&amp;`` (so no HTML reaches Obsidian or GitHub), and a
line starting with a block marker (``- + = >``, ``1.``, ``1)``, indentation) is neutralised.
Each line of text becomes its own paragraph, so a reply's list keeps its lines and no line can
join a neighbour into a setext heading or a table. YAML strings are always double-quoted with
every character YAML could read as structure escaped, so the front matter is valid YAML
whatever the topic holds, and no front-matter line can ever equal ``---``.

JSON (``format="json"``) carries the same content as data, strings verbatim (JSON escaping
covers them; C1 controls and line separators are ``\\u``-escaped too).

No UI library and no PyYAML here (PyYAML is only a development dependency; the tests use it
to read the front matter back).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from brainstorm.metrics import (
    DiffOp,
    IdeaMetrics,
    SessionMetrics,
    aggregate,
    session_idea_metrics,
    word_diff,
)
from brainstorm.models import Author, Idea, Session, Status
from brainstorm.presentation import STATUS_WORDS
from brainstorm.textsafe import visible

__all__ = [
    "EXPORT_VERSION",
    "BadgeKind",
    "ExportError",
    "ExportExists",
    "ExportFormat",
    "ExportOptions",
    "ExportedIdea",
    "badge_kind",
    "badge_label",
    "default_export_path",
    "escape_inline",
    "export_data",
    "export_json",
    "export_markdown",
    "export_session",
    "save_export",
    "select_ideas",
    "write_export",
    "yaml_front_matter",
]

#: Version of the export layout (front matter ``brainstorm_export``, JSON ``version``).
EXPORT_VERSION = 1

ExportFormat = Literal["md", "json"]
BadgeKind = Literal[
    "draft", "accepted_as_is", "accepted_after_edits", "rejected", "written_by_person"
]

#: File extension per format.
EXTENSIONS: dict[str, str] = {"md": ".md", "json": ".json"}


class ExportError(Exception):
    """An export that cannot be written, worded for the person who asked for it."""


class ExportExists(ExportError):
    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} already exists (use --force to replace it)")


@dataclass(frozen=True)
class ExportOptions:
    """What to export and how. The defaults are `brainstorm export SESSION` without flags."""

    format: ExportFormat = "md"
    include_drafts: bool = True
    include_rejected: bool = False
    history: bool = False
    #: The export time written into the document (fixed in tests); default: now.
    exported_at: datetime | None = None

    @classmethod
    def accepted_only(cls, **changes: Any) -> ExportOptions:
        """`--accepted-only`: no draft of any kind, no rejected idea."""
        return cls(include_drafts=False, include_rejected=False, **changes)


# --- badges -----------------------------------------------------------------------------------


def badge_kind(idea: Idea) -> BadgeKind:
    """Which badge an idea carries. A person's own accepted idea is ``written_by_person``; a
    person's idea set back to draft or rejected carries the draft / rejected badge (its label
    says who wrote it)."""
    if idea.status is Status.REJECTED:
        return "rejected"
    if idea.status is Status.DRAFT:
        return "draft"
    if idea.author is Author.HUMAN:
        return "written_by_person"
    return "accepted_as_is" if not idea.revisions else "accepted_after_edits"


def badge_label(idea: Idea) -> str:
    """The badge's words. The status words are `presentation.STATUS_WORDS` (the same as the CLI
    and the TUI show); the qualifiers spell out for a reader outside the tool what the TUI's
    short labels mean (the TUI's "YOURS" is "WRITTEN BY A PERSON" here)."""
    kind = badge_kind(idea)
    human = idea.author is Author.HUMAN
    if kind == "draft":
        if human:
            label = f"{STATUS_WORDS[Status.DRAFT]} — written by a person, not accepted"
        elif idea.revisions:
            label = f"{STATUS_WORDS[Status.DRAFT]} — edited, not accepted"
        else:
            label = f"{STATUS_WORDS[Status.DRAFT]} — not reviewed"
    elif kind == "accepted_as_is":
        label = f"{STATUS_WORDS[Status.ACCEPTED]} as-is"
    elif kind == "accepted_after_edits":
        label = f"{STATUS_WORDS[Status.ACCEPTED]} after edits"
    elif kind == "rejected":
        label = STATUS_WORDS[Status.REJECTED] + (" — written by a person" if human else "")
    else:
        label = "WRITTEN BY A PERSON"
    if idea.incomplete:
        label += " · INCOMPLETE: the model's reply was cut off"
    return label


# --- selection --------------------------------------------------------------------------------


@dataclass
class ExportedIdea:
    idea: Idea
    kind: BadgeKind
    badge: str
    metrics: IdeaMetrics

    @property
    def shows_history(self) -> bool:
        """Whether `--history` adds the model's original and a diff: a model idea a person
        revised (its text or title)."""
        return (
            self.idea.author is Author.MODEL
            and self.idea.original is not None
            and (
                bool(self.idea.revisions)
                or self.idea.text != self.idea.original
                or self.idea.title != self.idea.original_title
            )
        )


@dataclass
class Selection:
    ideas: list[ExportedIdea]
    #: Ideas of the session left out, by reason: "draft", "rejected", "hidden".
    left_out: dict[str, int] = field(default_factory=dict)


def select_ideas(
    session: Session, options: ExportOptions, metrics: Mapping[int, IdeaMetrics] | None = None
) -> Selection:
    """The ideas `options` export, in idea order, and how many were left out and why."""
    metrics = metrics if metrics is not None else session_idea_metrics(session)
    left_out = {"draft": 0, "rejected": 0, "hidden": 0}
    chosen: list[ExportedIdea] = []
    for idea_id in sorted(session.ideas):
        idea = session.ideas[idea_id]
        if idea.hidden and not session.revealed:
            left_out["hidden"] += 1
            continue
        if idea.status is Status.DRAFT and not options.include_drafts:
            left_out["draft"] += 1
            continue
        if idea.status is Status.REJECTED and not options.include_rejected:
            left_out["rejected"] += 1
            continue
        chosen.append(ExportedIdea(idea, badge_kind(idea), badge_label(idea), metrics[idea_id]))
    return Selection(chosen, left_out)


# --- shared content ---------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _names(session: Session) -> tuple[list[str], list[str], list[str]]:
    """Techniques, models and backends the session used, in order of first use: those recorded
    on its ideas and prompts, else the session's own settings."""
    ideas = sorted(session.ideas.values(), key=lambda i: i.id)
    prompts = sorted(session.prompts.values(), key=lambda p: p.at)
    techniques = _unique(
        [session.technique, *(i.technique for i in ideas), *(p.technique for p in prompts)]
    )
    models = _unique([*(i.model for i in ideas), *(p.model for p in prompts)]) or _unique(
        [session.model]
    )
    backends = _unique([*(i.backend for i in ideas), *(p.backend for p in prompts)])
    return techniques, models, backends


def _counts(session: Session, selection: Selection) -> dict[str, int]:
    counts = {"ideas": len(session.ideas), **session.count_by_status()}
    kinds = [badge_kind(idea) for idea in session.ideas.values()]
    for kind in ("accepted_as_is", "accepted_after_edits", "written_by_person"):
        counts[kind] = kinds.count(kind)
    counts["incomplete"] = sum(idea.incomplete for idea in session.ideas.values())
    counts["hidden"] = sum(idea.hidden and not session.revealed for idea in session.ideas.values())
    counts["exported"] = len(selection.ideas)
    return counts


@dataclass
class _Content:
    session: Session
    options: ExportOptions
    exported_at: datetime
    selection: Selection
    figures: SessionMetrics
    counts: dict[str, int]
    techniques: list[str]
    models: list[str]
    backends: list[str]


def _content(session: Session, options: ExportOptions) -> _Content:
    per_idea = session_idea_metrics(session)
    selection = select_ideas(session, options, per_idea)
    techniques, models, backends = _names(session)
    return _Content(
        session=session,
        options=options,
        exported_at=options.exported_at or datetime.now(UTC),
        selection=selection,
        figures=aggregate(per_idea.values()),
        counts=_counts(session, selection),
        techniques=techniques,
        models=models,
        backends=backends,
    )


def _selection_flags(options: ExportOptions) -> dict[str, bool]:
    return {
        "drafts": options.include_drafts,
        "rejected": options.include_rejected,
        "history": options.history,
    }


# --- JSON -------------------------------------------------------------------------------------


def _idea_data(item: ExportedIdea, history: bool) -> dict[str, Any]:
    idea = item.idea
    data: dict[str, Any] = {
        "id": idea.id,
        "title": idea.title,
        "text": idea.text,
        "status": idea.status.value,
        "author": idea.author.value,
        "badge": item.kind,
        "badge_label": item.badge,
        "incomplete": idea.incomplete,
        "model": idea.model,
        "backend": idea.backend,
        "technique": idea.technique,
        "created_at": _iso(idea.created_at),
        "revisions": idea.revision_count,
        "metrics": item.metrics.model_dump(mode="json"),
    }
    if history:
        data["history"] = {
            "original": idea.original,
            "original_title": idea.original_title,
            "revisions": [{"text": r.text, "at": _iso(r.at)} for r in idea.revisions],
            "status_changes": [
                {"status": c.status.value, "at": _iso(c.at)} for c in idea.status_history
            ],
            "diff": (
                [{"op": tag, "text": text} for tag, text in word_diff(idea.original, idea.text)]
                if idea.original is not None
                else None
            ),
        }
    return data


def export_data(session: Session, options: ExportOptions | None = None) -> dict[str, Any]:
    """The export as plain data (what ``--format json`` prints)."""
    return _data(_content(session, options or ExportOptions()))


def _data(c: _Content) -> dict[str, Any]:
    s = c.session
    return {
        "format": "brainstorm-export",
        "version": EXPORT_VERSION,
        "session": {
            "id": s.id,
            "topic": s.topic,
            "techniques": c.techniques,
            "models": c.models,
            "backends": c.backends,
            "human_first": s.human_first,
            "created_at": _iso(s.created_at),
            "updated_at": _iso(s.updated_at),
        },
        "exported_at": _iso(c.exported_at),
        "included": _selection_flags(c.options),
        "counts": c.counts,
        "left_out": c.selection.left_out,
        "revision": c.figures.model_dump(mode="json"),
        "ideas": [_idea_data(item, c.options.history) for item in c.selection.ideas],
    }


# JSON leaves DEL, C1 controls and the Unicode line separators raw; escape them so the output
# cannot drive a terminal it is printed to (and stays valid JSON and JavaScript).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")


def export_json(session: Session, options: ExportOptions | None = None) -> str:
    text = json.dumps(export_data(session, options), ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


# --- YAML (written by hand: every string double-quoted, every risky character escaped) -------

_YAML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _yaml_char(char: str) -> str:
    if char in _YAML_ESCAPES:
        return _YAML_ESCAPES[char]
    code = ord(char)
    # Printable in YAML 1.1 and 1.2 and not a line break there (NEL, LS, PS), not a BOM.
    if (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    ) and code not in (0x2028, 0x2029):
        return char
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def yaml_string(value: str) -> str:
    """`value` as a double-quoted YAML scalar on one line, read back exactly by any YAML
    parser (JSON-compatible escapes only)."""
    return '"' + "".join(_yaml_char(char) for char in value) + '"'


def _yaml_scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(round(value, 4))
    if isinstance(value, str):
        return yaml_string(value)
    raise TypeError(f"no YAML for {type(value).__name__}")


_YAML_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def _yaml_lines(data: Mapping[str, object], indent: int = 0) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for key, value in data.items():
        if not _YAML_KEY.match(key):  # keys are ours; never let one need quoting
            raise ValueError(f"unsafe YAML key {key!r}")
        if isinstance(value, Mapping):
            if value:
                lines.append(f"{pad}{key}:")
                lines.extend(_yaml_lines(value, indent + 2))
            else:
                lines.append(f"{pad}{key}: {{}}")
        elif isinstance(value, list | tuple):
            lines.append(f"{pad}{key}: [{', '.join(_yaml_scalar(v) for v in value)}]")
        else:
            lines.append(f"{pad}{key}: {_yaml_scalar(value)}")
    return lines


def yaml_front_matter(data: Mapping[str, object]) -> str:
    """``data`` as a YAML front-matter block (``---`` lines included). Mappings nest in block
    style, lists of scalars are flow lists, strings double-quoted, floats to 4 decimals."""
    return "\n".join(["---", *_yaml_lines(data), "---"]) + "\n"


def _front_matter(c: _Content) -> dict[str, object]:
    s = c.session
    # Counts by status are under "counts"; the rest are the revision figures.
    figures = c.figures.model_dump(exclude={"ideas", "by_status", "by_author"})
    return {
        "brainstorm_export": EXPORT_VERSION,
        "session": s.id,
        "topic": s.topic,
        "techniques": c.techniques,
        "models": c.models,
        "backends": c.backends,
        "human_first": s.human_first,
        "created": _iso(s.created_at),
        "updated": _iso(s.updated_at),
        "exported": _iso(c.exported_at),
        "included": _selection_flags(c.options),
        "counts": c.counts,
        "left_out": c.selection.left_out,
        "revision": figures,
    }


# --- markdown escaping ------------------------------------------------------------------------

# Characters that open inline markup anywhere in a line: escapes, code spans, emphasis, links
# and wiki-links, GFM strikethrough and tables, math, Obsidian tags and block ids.
_INLINE = re.compile(r"[\\`*_\[\]~|$#^]")
# Obsidian highlights (==x==) and comments (%%x%%) need two in a row.
_PAIRS = re.compile(r"={2,}|%{2,}")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_ORDERED = re.compile(r"^(\d{1,9})([.)])")
_LINE_START = ("-", "+", "=", ">", ":")


def escape_inline(text: str) -> str:
    """``text`` (one line, control characters already visible) with every character that could
    start markdown or HTML escaped. Only for text placed after other content on a line."""
    text = _INLINE.sub(lambda m: "\\" + m.group(), text)
    text = _PAIRS.sub(lambda m: "".join("\\" + c for c in m.group()), text)
    text = _ENTITY.sub("&amp;", text)
    return text.replace("<", "&lt;")


def _escape_line_start(escaped: str) -> str:
    """Neutralise a block marker at the start of an (inline-escaped, unindented) line."""
    if escaped.startswith(_LINE_START):
        return "\\" + escaped
    return _ORDERED.sub(r"\1\\\2", escaped, count=1)


def _indent(leading: str) -> str:
    # Indentation would make an indented code block; no-break spaces keep it visible without
    # meaning anything to markdown.
    return "\u00a0" * len(leading.replace("\t", "    "))


def _clean(text: str) -> str:
    return visible(text.replace("\r\n", "\n"))


def escape_line(line: str) -> str:
    """One line of text as markdown that shows exactly that text."""
    stripped = line.lstrip(" \t")
    if not stripped.strip():
        return ""
    body = _escape_line_start(escape_inline(stripped.rstrip()))
    return _indent(line[: len(line) - len(stripped)]) + body


def _paragraphs(lines: Iterable[str], prefix: str = "") -> list[str]:
    """Lines as separate paragraphs (blank line between), optionally in a blockquote."""
    out: list[str] = []
    for line in lines:
        if not line:
            continue
        if out:
            out.append(prefix.rstrip())
        out.append(prefix + line)
    return out


def text_block(text: str, prefix: str = "") -> list[str]:
    """Idea text as markdown lines: each line of the text its own paragraph."""
    lines = [escape_line(line) for line in _clean(text).split("\n")]
    return _paragraphs(lines, prefix) or [prefix + "*(empty)*"]


def one_line(text: str) -> str:
    """Text for a heading or a list of names: one line, escaped."""
    return escape_line(" ".join(_clean(text).split()))


_MARKS = {"delete": "~~", "insert": "**"}


def diff_block(ops: Sequence[DiffOp], prefix: str = "") -> list[str]:
    """A word diff as markdown: removed words ``~~struck through~~``, added words **bold**,
    each line of the text its own paragraph. The words inside the marks are escaped like any
    text, and every mark sits between whitespace and a word, so it always renders as a mark."""
    lines: list[list[str]] = [[]]
    for tag, chunk in ops:
        for number, segment in enumerate(_clean(chunk).split("\n")):
            if number:
                lines.append([])
            # Every kind of whitespace goes: a mark next to one (a no-break space, say)
            # would not be read as a mark.
            core = segment.strip()
            if not core:
                continue
            parts = lines[-1]
            escaped = escape_inline(core)
            if tag == "equal":
                parts.append(escaped if parts else _escape_line_start(escaped))
            else:
                parts.append(f"{_MARKS[tag]}{escaped}{_MARKS[tag]}")
    return _paragraphs((" ".join(parts) for parts in lines), prefix)


# --- markdown ---------------------------------------------------------------------------------


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min" + (f" {whole % 60} s" if whole % 60 else "")
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _when(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _idea_figures(item: ExportedIdea) -> str:
    m = item.metrics
    if m.author is Author.HUMAN or m.word_edit_rate is None:
        line = "Written by a person, so no model figures"
        if m.revisions:
            line += f"; {_plural(m.revisions, 'revision')}"
        return line + "."
    if not m.revisions and m.word_edits == 0:
        return (
            f"Not edited: the model's text as it came (word edit rate {_rate(m.word_edit_rate)},"
            f" model share {_percent(m.model_share)})."
        )
    parts = [
        f"word edit rate {_rate(m.word_edit_rate)}",
        f"character edit rate {_rate(m.char_edit_rate)}",
        f"model retention {_percent(m.model_retention)}",
        f"model share {_percent(m.model_share)}",
        _plural(m.revisions, "revision"),
    ]
    if m.edit_seconds is not None:
        parts.append(f"last edit {_duration(m.edit_seconds)} after the draft")
    return "Revision: " + " · ".join(parts) + "."


def _byline(idea: Idea) -> str:
    parts: list[str] = []
    if idea.author is Author.MODEL:  # a person's ideas say so in their badge
        model = one_line(idea.model or "unknown model")
        parts.append(f"model {model}" + (f" ({one_line(idea.backend)})" if idea.backend else ""))
    if idea.technique:
        parts.append(f"technique {one_line(idea.technique)}")
    parts.append(_when(idea.created_at))
    return " · ".join(parts)


def _idea_section(item: ExportedIdea, history: bool) -> list[str]:
    idea = item.idea
    title = one_line(idea.title) if idea.title and idea.title.strip() else ""
    heading = f"## {idea.id}. {title}" if title else f"## Idea {idea.id}"
    lines = [heading, "", f"**{item.badge}** · {_byline(idea)}", ""]
    lines += text_block(idea.text)
    lines += ["", f"*{_idea_figures(item)}*"]
    if history and item.shows_history and idea.original is not None:
        lines += ["", "**The model's original:**", ""]
        if idea.original_title and idea.original_title != idea.title:
            lines += [f"> **{one_line(idea.original_title)}**", ">"]
        lines += text_block(idea.original, "> ")
        lines += ["", "**Changes** (~~removed~~, **added**):", ""]
        if idea.original == idea.text:
            lines.append("> The text is the model's again after the edits.")
        else:
            lines += diff_block(word_diff(idea.original, idea.text), "> ")
    return lines


def _summary(c: _Content) -> list[str]:
    n = c.counts
    kinds: list[str] = [item.kind for item in c.selection.ideas]
    parts = [
        f"{kinds.count(kind)} {words}"
        for kind, words in (
            ("accepted_as_is", "accepted as-is"),
            ("accepted_after_edits", "accepted after edits"),
            ("written_by_person", "written by a person"),
        )
        if kinds.count(kind)
    ]
    if kinds.count("draft"):
        parts.append(f"**{_plural(kinds.count('draft'), 'DRAFT')}, not accepted by a person**")
    if kinds.count("rejected"):
        parts.append(f"{kinds.count('rejected')} rejected")
    line = f"This export holds {n['exported']} of the session's {_plural(n['ideas'], 'idea')}"
    line += (": " + ", ".join(parts) + ".") if parts else "."
    left = c.selection.left_out
    gone = []
    if left["draft"]:
        gone.append(_plural(left["draft"], "draft"))
    if left["rejected"]:
        gone.append(_plural(left["rejected"], "rejected idea"))
    if left["hidden"]:
        gone.append(f"{_plural(left['hidden'], 'hidden model idea')} (not yet revealed)")
    lines = [line]
    if gone:
        lines += ["", "Left out: " + ", ".join(gone) + "."]
    return lines


def _session_figures(f: SessionMetrics) -> str:
    if not f.model_ideas:
        return "No model ideas in this session, so no revision figures."
    parts = [
        f"word edit rate {_rate(f.word_edit_rate)}",
        f"character edit rate {_rate(f.char_edit_rate)}",
        f"model retention {_percent(f.model_retention)}",
        f"model share {_percent(f.model_share)}",
        f"{f.edited_model_ideas} of {f.model_ideas} edited",
        _plural(f.revisions, "revision"),
    ]
    if f.accepted_model_ideas:
        parts.append(
            f"{f.accepted_as_is} of {f.accepted_model_ideas} accepted model ideas accepted as-is"
        )
    if f.model_share_of_accepted is not None:
        parts.append(f"model's share of accepted text {_percent(f.model_share_of_accepted)}")
    return (
        f"Revision figures for the session's {_plural(f.model_ideas, 'model idea')}: "
        + " · ".join(parts)
        + "."
    )


def _markdown(c: _Content) -> str:
    s = c.session
    lines = [yaml_front_matter(_front_matter(c)).rstrip("\n"), ""]
    lines += [f"# {one_line(s.topic) or 'Brainstorm'}", ""]
    about = [f"Brainstorm session `{s.id}`"]
    if c.techniques:
        about.append("technique " + ", ".join(one_line(t) for t in c.techniques))
    if c.models:
        about.append("model " + ", ".join(one_line(m) for m in c.models))
    if c.backends:
        about.append("backend " + ", ".join(one_line(b) for b in c.backends))
    about.append(f"exported {_when(c.exported_at)}")
    lines += [" · ".join(about) + ".", ""]
    lines += _summary(c)
    lines += ["", _session_figures(c.figures)]
    if any(item.kind == "draft" for item in c.selection.ideas):
        lines += [
            "",
            "Ideas marked DRAFT are the model's text (or edits not yet accepted): not ideas a"
            " person has reviewed and accepted.",
        ]
    if not c.selection.ideas:
        lines += ["", "*No ideas to export.*"]
    for item in c.selection.ideas:
        lines += ["", *_idea_section(item, c.options.history)]
    return "\n".join(lines) + "\n"


def export_markdown(session: Session, options: ExportOptions | None = None) -> str:
    return _markdown(_content(session, options or ExportOptions()))


def export_session(session: Session, options: ExportOptions | None = None) -> str:
    """The export of ``session`` as text, in ``options.format`` (markdown by default)."""
    options = options or ExportOptions()
    if options.format == "json":
        return export_json(session, options)
    return export_markdown(session, options)


# --- writing ----------------------------------------------------------------------------------


def default_export_path(
    session: Session, directory: Path | None = None, fmt: ExportFormat = "md"
) -> Path:
    """``DIRECTORY/<session id>.md`` or, when taken, the first free ``<id>-2.md``, ``<id>-3.md``…
    (for front ends that pick the name themselves and must not overwrite). ``directory``
    defaults to the current directory."""
    directory = Path.cwd() if directory is None else directory
    extension = EXTENSIONS[fmt]
    candidate = directory / f"{session.id}{extension}"
    number = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = directory / f"{session.id}-{number}{extension}"
        number += 1
    return candidate


def save_export(
    session: Session, options: ExportOptions | None = None, directory: Path | None = None
) -> Path:
    """Export ``session`` into a new file in ``directory`` (default: the current directory),
    named after the session and never replacing a file (see `default_export_path`). Returns
    the absolute path written. This is what the TUI's export key calls."""
    options = options or ExportOptions()
    text = export_session(session, options)
    for _ in range(100):  # another writer may take the free name first; try the next one
        path = default_export_path(session, directory, options.format)
        try:
            return write_export(path, text).absolute()
        except ExportExists:
            continue
    raise ExportError(f"no free file name for {session.id} in {directory or Path.cwd()}")


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no way to read it without setting it elsewhere
    os.umask(mask)
    return mask


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform / file system can
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_export(path: Path, text: str, *, force: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically: into a temporary file in the same directory,
    flushed and fsynced, then renamed into place. Readers see the old file or the whole new
    one, never a part; on any failure the temporary file is removed and an existing file is
    untouched.

    Without ``force`` an existing ``path`` is never replaced (`ExportExists`), checked again at
    the rename itself (a hard link, which fails if the name is taken) so a file that appears
    meanwhile is not overwritten either. With ``force`` the file (or a symlink at ``path``) is
    replaced, keeping the old file's permissions. Returns ``path``.
    """
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"{path} is a directory: give a file name")
    exists = path.exists() or path.is_symlink()
    if exists and not force:
        raise ExportExists(path)
    directory = path.parent
    if not directory.is_dir():
        raise ExportError(f"cannot write {path}: no directory {directory}")
    mode = 0o666 & ~_umask()
    if exists:
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(path.stat().st_mode)
    data = text.encode("utf-8", errors="replace")
    try:
        fd, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as problem:
        raise ExportError(f"cannot write in {directory}: {problem.strerror}") from problem
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        if force:
            os.replace(temp, path)
        else:
            _link_no_clobber(temp, path)
        _fsync_dir(directory)
    except BaseException as problem:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(problem, OSError) and not isinstance(problem, FileExistsError):
            raise ExportError(f"cannot write {path}: {problem.strerror or problem}") from problem
        raise
    return path


def _link_no_clobber(temp: Path, path: Path) -> None:
    """Rename ``temp`` to ``path`` unless ``path`` exists, atomically where links exist."""
    try:
        os.link(temp, path)
    except FileExistsError:
        raise ExportExists(path) from None
    except OSError as problem:
        if problem.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        # A file system without hard links: check, then rename (a tiny window remains).
        if path.exists() or path.is_symlink():
            raise ExportExists(path) from None
        os.replace(temp, path)
        return
    temp.unlink()
