"""The export formats: each one's writer (a `Selection` in, text out) and file extension.
`export_session` picks the writer by ``options.format``; a new format is a writer module and
one entry in `FORMATS`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from brainstorm.export.json_writer import json_document
from brainstorm.export.markdown_writer import markdown_document
from brainstorm.export.mermaid_writer import mermaid_document
from brainstorm.export.opml_writer import opml_document
from brainstorm.export.selection import ExportFormat, ExportOptions, Selection, select
from brainstorm.models import Session

__all__ = ["FORMATS", "Format", "Writer", "export_session"]

Writer = Callable[[Selection], str]


@dataclass(frozen=True)
class Format:
    extension: str
    write: Writer


FORMATS: dict[ExportFormat, Format] = {
    "md": Format(".md", markdown_document),
    "json": Format(".json", json_document),
    "mermaid": Format(".mmd", mermaid_document),
    "opml": Format(".opml", opml_document),
}


def export_session(session: Session, options: ExportOptions | None = None) -> str:
    """The export of ``session`` as text, in ``options.format`` (markdown by default)."""
    options = options or ExportOptions()
    return FORMATS[options.format].write(select(session, options))
