"""Reviewing from the command line: edit, accept, reject, reopen, add, undo.

These record exactly the events the app records (through `brainstorm.review`)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from brainstorm.cli.common import IdeaArg, SessionArg, open_writer
from brainstorm.cli.console import stdout
from brainstorm.cli.errors import error, fail_on_user_errors
from brainstorm.cli.idea_view import render_idea

if TYPE_CHECKING:
    from brainstorm.events import Status
from brainstorm.textsafe import visible

IdeasArg = Annotated[list[str], typer.Argument(help="Idea ids as `show` prints them.")]


def register(app: typer.Typer) -> None:
    app.command("edit")(edit)
    app.command("accept")(accept)
    app.command("reject")(reject)
    app.command("reopen")(reopen)
    app.command("add")(add)
    app.command("undo")(undo)


def edit(
    ctx: typer.Context,
    session: SessionArg,
    idea: IdeaArg,
    text: Annotated[str | None, typer.Option("--text", help="The new text.")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Read the new text from this UTF-8 file ('-': stdin)."),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option("--title", help="The new title ('' removes it). Alone, keeps the text."),
    ] = None,
) -> None:
    """Revise an idea's text or title (opens $VISUAL / $EDITOR without --text, --file or
    --title). A new title is a revision too; the model's original text and title are kept."""
    from rich.text import Text

    from brainstorm import review

    if text is not None and file is not None:
        raise typer.BadParameter("give --text or --file, not both")
    with fail_on_user_errors():
        idea_id = review.parse_idea_ref(idea)
        with open_writer(ctx, session) as writer:
            current = review.reviewable(writer.session, idea_id)  # before an editor shows it
            if file is not None:
                text = _read_file(file)
            elif text is None and title is None:
                retry = f"brainstorm edit {writer.session_id} {idea_id} --file"
                text = _edit_in_editor(current.text, retry)
            if review.edit(writer, idea_id, text, title):
                stdout.print(render_idea(writer.session.ideas[idea_id]))
            else:
                stdout.print(Text(f"#{idea_id} unchanged: nothing recorded.", style="dim"))


def _decode(data: bytes, where: str) -> str:
    """UTF-8 text, or an error naming ``where`` and the first byte that is not UTF-8 (never
    a guess: text saved with escapes or replacement characters would be recorded as the
    person's words)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as problem:
        bad = data[problem.start : problem.start + 1].hex()
        error(
            f"{where} is not UTF-8 text (byte 0x{bad} at offset {problem.start}), so nothing"
            " was recorded",
            "Save it as UTF-8 and try again.",
        )


def _read_file(path: Path) -> str:
    if str(path) == "-":
        return _decode(sys.stdin.buffer.read(), "the text on standard input")
    try:
        data = path.read_bytes()
    except OSError as problem:
        error(f"cannot read {path}: {problem.strerror}")
    return _decode(data, str(path))


def _edit_in_editor(current: str, retry: str) -> str:
    """The text the person saved in their editor; ``retry`` is the command (without the
    file) that records a kept file later."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        error(
            "no editor: set $VISUAL or $EDITOR, or pass the text with --text or --file",
            code=2,
        )
    with tempfile.NamedTemporaryFile(
        "w", suffix=".md", prefix="brainstorm-idea-", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(current)
        path = Path(handle.name)
    result = subprocess.run([*shlex.split(editor), str(path)], check=False)
    if result.returncode != 0:
        path.unlink(missing_ok=True)
        error(f"the editor ({editor}) exited with status {result.returncode}: nothing recorded")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as problem:
        # The person's words are in that file: keep it, and say where.
        bad = data[problem.start : problem.start + 1].hex()
        error(
            f"the editor saved text that is not UTF-8 (byte 0x{bad} at offset"
            f" {problem.start}): nothing recorded",
            f"Your text is kept in {path}: save it as UTF-8, then run `{retry} {path}`.",
        )
    path.unlink(missing_ok=True)
    return text


def _set_status(ctx: typer.Context, session: str, ideas: list[str], status: Status) -> None:
    from rich.text import Text

    from brainstorm import review
    from brainstorm.cli.hints import cli_hint

    with fail_on_user_errors():
        idea_ids = [review.parse_idea_ref(ref) for ref in ideas]
        with open_writer(ctx, session) as writer:
            known = writer.session.ideas.keys() | writer.session.withdrawn.keys()
            missing = [f"#{i}" for i in idea_ids if i not in known]
            if missing:  # check them all before recording any
                listed = ", ".join(missing)
                error(f"session {writer.session_id} has no idea {listed}: nothing recorded")
            for idea_id in idea_ids:
                try:
                    review.reviewable(writer.session, idea_id)
                except review.ReviewError as problem:
                    error(f"{problem}: nothing recorded", cli_hint(problem))
            for idea_id in idea_ids:
                changed = review.set_status(writer, idea_id, status)
                note = "" if changed else f" (already {status.value})"
                stdout.print(Text(f"#{idea_id} {status.value}{note}"))


def accept(ctx: typer.Context, session: SessionArg, ideas: IdeasArg) -> None:
    """Accept ideas (as they are now)."""
    from brainstorm.events import Status

    _set_status(ctx, session, ideas, Status.ACCEPTED)


def reject(ctx: typer.Context, session: SessionArg, ideas: IdeasArg) -> None:
    """Reject ideas. They stay in the session, marked rejected."""
    from brainstorm.events import Status

    _set_status(ctx, session, ideas, Status.REJECTED)


def reopen(ctx: typer.Context, session: SessionArg, ideas: IdeasArg) -> None:
    """Send ideas back to draft."""
    from brainstorm.events import Status

    _set_status(ctx, session, ideas, Status.DRAFT)


def add(
    ctx: typer.Context,
    session: SessionArg,
    text: Annotated[str, typer.Argument(help="Your idea.")],
    title: Annotated[str | None, typer.Option("--title", help="A short title.")] = None,
) -> None:
    """Add an idea of your own."""
    from brainstorm import review

    with fail_on_user_errors(), open_writer(ctx, session) as writer:
        stdout.print(render_idea(review.add(writer, text, title)))


def undo(ctx: typer.Context, session: SessionArg) -> None:
    """Undo the last review decision (accept, reject, reopen, edit, add); run again to go further
    back. The undo is recorded as a new event: the session file keeps both."""
    from rich.text import Text

    from brainstorm import review

    with fail_on_user_errors(), open_writer(ctx, session) as writer:
        undone = review.undo(writer)
        stdout.print(Text(f"Undid: {visible(undone.description)}"))
