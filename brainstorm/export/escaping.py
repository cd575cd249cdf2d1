"""Markdown escaping: model text is exported as text, never as markup.

Every piece of text from a model or a person (topic, titles, idea text, names) has its terminal
control characters made visible (`brainstorm.textsafe.visible`), then is escaped for markdown:
the characters that start inline markup anywhere (``\\ ` * _ [ ] ~ | $ # ^``, runs of ``==``
and ``%%``) get a backslash, ``<`` and entity-like ``&`` become ``&lt;`` / ``&amp;`` (so no
HTML reaches Obsidian or GitHub), and a line starting with a block marker (``- + = >``, ``1.``,
``1)``, indentation) is neutralised. Each line of text becomes its own paragraph, so a reply's
list keeps its lines and no line can join a neighbour into a setext heading or a table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from brainstorm.metrics.diff import DiffOp
from brainstorm.textsafe import visible

__all__ = ["diff_block", "escape_inline", "escape_line", "one_line", "text_block"]

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
    text = _INLINE.sub(r"\\\g<0>", text)
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


@lru_cache(maxsize=4096)
def one_line(text: str) -> str:
    """Text for a heading or a list of names: one line, escaped. Remembered: an export of
    10,000 ideas names the same few models, techniques and authors on every idea."""
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
