"""Markdown and JSON export of a session: what leaves the tool says what a person reviewed.

One entry point for every front end: `export_session(session, options)` returns the document
as text and `write_export(path, text, force=...)` writes it atomically (the CLI's export
command); `save_export(session, options)` does both into a new ``./<session id>.md`` that never
replaces a file (the TUI's export key and palette commands).

The package, one idea per module:

- `selection`: the options, which ideas they select and each one's badge, and the facts about
  the session every writer shows (a `Selection`).
- `markdown_writer`, `json_writer`: a `Selection` in, a document out.
- `formats`: each format's writer and file extension; `export_session`.
- `escaping`: model and person text as markdown that shows exactly that text.
- `front_matter`: YAML front matter written by hand, valid whatever the text holds.
- `files`: writing an export to a file (atomically, via `brainstorm.fileio`) and its errors.

No UI library and no PyYAML here.
"""

from __future__ import annotations

from brainstorm.export.escaping import diff_block
from brainstorm.export.files import (
    ExportError,
    ExportExists,
    default_export_path,
    save_export,
    write_export,
)
from brainstorm.export.formats import export_session
from brainstorm.export.front_matter import yaml_string
from brainstorm.export.json_writer import export_data, export_json
from brainstorm.export.markdown_writer import export_markdown
from brainstorm.export.selection import ExportOptions, badge_kind, badge_label

__all__ = [
    "ExportError",
    "ExportExists",
    "ExportOptions",
    "badge_kind",
    "badge_label",
    "default_export_path",
    "diff_block",
    "export_data",
    "export_json",
    "export_markdown",
    "export_session",
    "save_export",
    "write_export",
    "yaml_string",
]
