"""The Mermaid writer: a `mindmap` of topic → themes → ideas, each idea carrying its badge
(``DRAFT — not reviewed: …``), so a draft never passes for a reviewed idea.

How text is kept from breaking the diagram (Mermaid's mindmap grammar, `mindmap.jison`): a
node is ``ID`` + a shape (``((…))``, ``(…)``, ``[…]``) around a quoted string, and inside
``"…"`` the lexer reads everything up to the next ``"``, so brackets, parentheses, ``::icon(``,
``:::`` and ``%%`` are plain text there. What remains dangerous is handled here: a ``"`` would
end the string and a newline the node, a backtick right after the opening quote would start a
markdown string, ``<``/``>``/``&`` could reach the SVG as HTML, ``#name;`` is read as an
entity, and some renderers strip ``%%`` comments before parsing, wherever they are. So every
text is one line (control characters made visible, whitespace runs one space) and those
characters are written as Mermaid's entity codes (``#quot;``, ``#96;``, ``#lt;``, ``#gt;``,
``#amp;``, ``#37;``, ``#35;``), which Mermaid shows as the characters themselves.
Node ids are ours (``root``, ``t3``, ``i12``) and the indentation is fixed (2 spaces per
level), so no text decides the structure.

Idea nodes show the title (or the text) cut to `NODE_CHARS` characters: a map is an overview;
the markdown and JSON exports hold every word.
"""

from __future__ import annotations

import re

from brainstorm.export.selection import ExportedIdea, Selection, iso
from brainstorm.export.themed import ThemeSection, themed
from brainstorm.textsafe import visible

__all__ = ["NODE_CHARS", "mermaid_document", "mermaid_text"]

NODE_CHARS = 160
_ENTITY_LIKE = re.compile(r"#(?=\w+;)")
_CODES = {'"': "#quot;", "`": "#96;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "%": "#37;"}
_SPECIAL = re.compile('["`<>&%]')


def mermaid_text(text: str, limit: int | None = None) -> str:
    """``text`` as the inside of a quoted Mermaid node string (see the module doc)."""
    line = " ".join(visible(text).split())
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    line = _ENTITY_LIKE.sub("#35;", line)  # first: the codes below are entity-like themselves
    return _SPECIAL.sub(lambda m: _CODES[m.group()], line) or "(empty)"


def _idea_node(item: ExportedIdea) -> str:
    idea = item.idea
    body = idea.title.strip() if idea.title and idea.title.strip() else idea.text
    return f'      i{idea.id}["{mermaid_text(f"{item.badge}: {body}", NODE_CHARS)}"]'


def _theme_node(number: int, section: ThemeSection) -> str:
    label = section.label
    if section.draft_label:
        label += " (DRAFT name by the model)"
    return f'    t{number}("{mermaid_text(label)}")'


def mermaid_document(selection: Selection) -> str:
    """The selection as a Mermaid mindmap (see the module doc)."""
    c = selection
    s = c.session
    grouped = themed(c)
    left = ", ".join(f"{n} {reason}" for reason, n in c.left_out.items() if n) or "nothing"
    drafts = sum(item.kind == "draft" for item in c.ideas)
    lines = [
        f"%% brainstorm mind map of session {s.id}, exported {iso(c.exported_at)}",
        f"%% {c.counts['exported']} of {c.counts['ideas']} ideas; left out: {left};"
        f" {drafts} DRAFT (the model's text or edits, not accepted by a person)",
        "%% themes: "
        + (
            "as stored in the session"
            if grouped.source == "stored"
            else "grouped for this export by text, not stored"
        ),
        "mindmap",
        f'  root(("{mermaid_text(s.topic or "Brainstorm")}"))',
    ]
    for number, section in enumerate(grouped.sections, start=1):
        lines.append(_theme_node(number, section))
        lines += [_idea_node(item) for item in section.ideas]
    return "\n".join(lines) + "\n"
