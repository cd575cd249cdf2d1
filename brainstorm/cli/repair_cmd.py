"""`brainstorm repair SESSION`: a new log without the lines that cannot be read."""

from __future__ import annotations

import typer

from brainstorm.cli.common import JsonFlag, SessionArg, get_state
from brainstorm.cli.console import stdout
from brainstorm.cli.errors import error, fail_on_user_errors
from brainstorm.cli.json_output import print_json


def register(app: typer.Typer) -> None:
    app.command("repair")(repair)


def repair(ctx: typer.Context, session: SessionArg, as_json: JsonFlag = False) -> None:
    """Make an unreadable session open again: writes a new log without the lines that cannot
    be read (each is reported) and keeps the original file, byte for byte, next to it as
    SESSION.jsonl.corrupt-<UTC time>."""
    from rich.text import Text

    from brainstorm.repair import repair_session
    from brainstorm.store_errors import SessionLocked

    with fail_on_user_errors():
        try:
            report = repair_session(get_state(ctx).store, session)
        except SessionLocked as locked:
            holder = f"pid {locked.pid}" if locked.pid else "another process"
            error(
                f"cannot repair session {locked.session_id}: {holder} is writing it",
                "Close the app or command using it, then run repair again.",
            )
    ideas = len(report.session.ideas) if report.session else 0
    if as_json:
        print_json(
            {
                "session": report.session_id,
                "path": str(report.path),
                "repaired": report.repaired,
                "original": str(report.original) if report.original else None,
                "dropped": [line.model_dump() for line in report.dropped],
                "ideas": ideas,
            }
        )
        return
    if not report.repaired:
        stdout.print(
            Text(f"{report.path}: every line reads; nothing to repair.", style="dim"),
        )
        return
    count = len(report.dropped)
    stdout.print(Text(f"{report.path}: left out {count} line{'s' * (count != 1)}:"))
    for line in report.dropped:
        stdout.print(Text(f"  line {line.line}: {line.problem}"))
    stdout.print(Text(f"The original file is kept, byte for byte, as {report.original}."))
    stdout.print(
        Text(
            f"Session {report.session_id} opens again ({ideas} idea{'s' * (ideas != 1)});"
            f" see it with `brainstorm show {report.session_id}`.",
            style="dim",
        )
    )
