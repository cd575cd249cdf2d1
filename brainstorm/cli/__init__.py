"""The `brainstorm` command. Thin: parses, calls the core, prints.

`brainstorm` alone opens the terminal app, and how soon its first screen shows is part of the
promise (issue 15): that path loads the settings, draws the session list before Textual loads
(`brainstorm.tui.first_frame`) and starts the app; no Typer, no command modules. Everything
else, and any setting the fast path cannot load, goes through the Typer app in
`brainstorm.cli.commands`, which says what is wrong with the usual words and exit codes.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brainstorm.config import Settings


def main() -> None:
    try:
        if len(sys.argv) > 1 or not _opened_app_directly():
            from brainstorm.cli.commands import app

            app(prog_name="brainstorm")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)


def _opened_app_directly() -> bool:
    """Run the app for a bare `brainstorm`; False when it cannot start that way (bad settings,
    a broken install), so the full command line reports the problem."""
    try:
        from brainstorm.config import load_settings

        settings = load_settings()
    except Exception:  # reported by the full path, which meets it again
        return False
    return launch_app(settings) is None


def launch_app(settings: Settings) -> ImportError | None:
    """Run the terminal app, the session list on screen while Textual loads. Returns why the
    app cannot be imported (a broken install; the screen is given back first), else None once
    the app has exited."""
    from brainstorm.tui.first_frame import paint

    painted = paint(settings)
    try:
        from brainstorm.tui.app import run_app
    except BaseException as problem:  # a broken install, or ctrl+c before the app is up
        if painted is not None:
            painted.restore(leave_screen=True)
        if isinstance(problem, ImportError):
            return problem
        raise
    try:
        run_app(settings, first_summaries=painted.summaries if painted is not None else None)
    finally:
        if painted is not None:
            painted.restore(leave_screen=False)  # the app left the screen; modes are ours
    return None
