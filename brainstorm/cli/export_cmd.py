"""`brainstorm export`: a session as markdown (or JSON) that says what a person reviewed.

Thin over `brainstorm.export`, which the TUI calls too."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from brainstorm.cli.common import SessionArg, get_state
from brainstorm.cli.console import stderr
from brainstorm.cli.errors import EXIT_USAGE, error, fail_on_user_errors, warn


class Format(StrEnum):
    md = "md"
    json = "json"
    mermaid = "mermaid"
    opml = "opml"


#: The format an output file's extension implies when --format is not given.
_BY_SUFFIX = {
    ".json": Format.json,
    ".mmd": Format.mermaid,
    ".mermaid": Format.mermaid,
    ".opml": Format.opml,
}


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def export(
    ctx: typer.Context,
    session: SessionArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file instead of stdout ('-': stdout). Never replaced without"
            " --force.",
        ),
    ] = None,
    accepted_only: Annotated[
        bool,
        typer.Option(
            "--accepted-only", help="Only accepted ideas: leave out every draft (and rejected)."
        ),
    ] = False,
    include_rejected: Annotated[
        bool, typer.Option("--include-rejected", help="Add rejected ideas (left out by default).")
    ] = False,
    history: Annotated[
        bool,
        typer.Option(
            "--history", help="After each edited idea, the model's original and a word diff."
        ),
    ] = False,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="md (markdown with YAML front matter), json, mermaid (a mind map: topic →"
            " themes → ideas) or opml (the same as an outline for mind-map apps). [default:"
            " from the output file's extension (.json, .mmd, .opml), else md]",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the output file if it exists.")
    ] = False,
) -> None:
    """Export a session as markdown with YAML front matter, as JSON, or as a mind map
    (Mermaid or OPML: topic → themes → ideas, by the themes of `brainstorm themes`).

    Drafts are included with a DRAFT badge unless --accepted-only; rejected ideas only with
    --include-rejected. Files are written atomically (a temporary file renamed into place)."""
    from rich.text import Text

    from brainstorm.export import (
        ExportError,
        ExportExists,
        ExportOptions,
        export_session,
        write_export,
    )

    if accepted_only and include_rejected:
        error(
            "--accepted-only and --include-rejected contradict each other",
            "use --accepted-only for accepted ideas only, or drop it to add rejected ones",
            EXIT_USAGE,
        )
    to_stdout = output is None or str(output) == "-"
    if fmt is None:
        suffix = output.suffix.lower() if output is not None and not to_stdout else ""
        fmt = _BY_SUFFIX.get(suffix, Format.md)
    options = ExportOptions(
        format=fmt.value,
        include_drafts=not accepted_only,
        include_rejected=include_rejected,
        history=history,
    )
    with fail_on_user_errors():
        loaded = get_state(ctx).store.load(session)
    for message in loaded.warnings:
        warn(message)
    text = export_session(loaded.session, options)
    if to_stdout or output is None:
        sys.stdout.buffer.write(text.encode("utf-8", errors="replace"))
        sys.stdout.flush()
        return
    try:
        written = write_export(output, text, force=force)
    except ExportExists as problem:
        error(f"{problem.path} already exists", "use --force to replace it")
    except ExportError as problem:
        error(str(problem))
    line = Text("wrote ", style="dim")
    line.append(str(written))
    stderr.print(line)
