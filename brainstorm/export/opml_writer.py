"""The OPML 2.0 writer: an outline of topic → themes → ideas that mind-map and outliner apps
open. Each idea's ``text`` starts with its badge (``DRAFT — not reviewed: …``), so a draft
never passes for a reviewed idea; its whole text is in ``_note`` (the attribute outliners show
as a note) and its id, status, author and badge in attributes of their own.

Every attribute value is escaped for XML (``& < > "`` and, so that they survive attribute
normalisation, tab and newline as character references); control characters are made visible
first (`brainstorm.textsafe.visible`), and the code points XML 1.0 forbids outright (lone
surrogates, U+FFFE, U+FFFF) are written out the same way, so any text gives well-formed XML.
"""

from __future__ import annotations

import re
from email.utils import format_datetime

from brainstorm.export.selection import ExportedIdea, Selection
from brainstorm.export.themed import ThemeSection, themed
from brainstorm.textsafe import visible

__all__ = ["opml_document", "xml_attribute"]

_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\t": "&#9;"}
_SPECIAL = re.compile('[&<>"\n\t]')


def xml_attribute(text: str) -> str:
    """``text`` as the inside of a double-quoted XML attribute, exactly as written."""
    shown = _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", visible(text.replace("\r\n", "\n")))
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group()], shown)


def _attrs(**values: str) -> str:
    return " ".join(f'{name}="{xml_attribute(value)}"' for name, value in values.items())


def _idea(item: ExportedIdea) -> str:
    idea = item.idea
    title = idea.title.strip() if idea.title and idea.title.strip() else ""
    head = " ".join((title or idea.text).split())
    note = f"{title}\n\n{idea.text}" if title else idea.text
    attrs = _attrs(
        text=f"{item.badge}: {head}",
        _note=note,
        ideaId=str(idea.id),
        status=idea.status.value,
        author=idea.author.value,
        badge=item.kind,
    )
    return f"        <outline {attrs}/>"


def _theme(section: ThemeSection) -> list[str]:
    theme = section.theme
    label = section.label + (" (DRAFT name by the model)" if section.draft_label else "")
    values = {"text": label}
    if theme is not None:
        values |= {"themeId": f"T{theme.id}", "labelStatus": theme.label_status}
    if section.label_note:
        values["_note"] = section.label_note
    return [f"      <outline {_attrs(**values)}>", *map(_idea, section.ideas), "      </outline>"]


def opml_document(selection: Selection) -> str:
    """The selection as an OPML 2.0 document (see the module doc)."""
    c = selection
    s = c.session
    grouped = themed(c)
    drafts = sum(item.kind == "draft" for item in c.ideas)
    about = (
        f"Brainstorm session {s.id}: {c.counts['exported']} of {c.counts['ideas']} ideas,"
        f" {drafts} of them DRAFT (the model's text or edits, not accepted by a person)."
        + (
            " Themes as stored in the session."
            if grouped.source == "stored"
            else " Themes grouped for this export by text, not stored."
        )
    )
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{xml_attribute(s.topic or 'Brainstorm')}</title>",
        f"    <dateCreated>{format_datetime(c.exported_at)}</dateCreated>",
        "  </head>",
        "  <body>",
        f"    <outline {_attrs(text=s.topic or 'Brainstorm', _note=about)}>",
    ]
    for section in grouped.sections:
        lines += _theme(section)
    lines += ["    </outline>", "  </body>", "</opml>"]
    return "\n".join(lines) + "\n"
