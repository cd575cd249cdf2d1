"""Errors to the person and to the shell: the exit codes, which code a failure gets, and the
one clear line on stderr (with a hint naming flags) that a command ends with.

Exit codes live here, in the CLI only; the core raises typed errors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer

from brainstorm.cli.console import stderr
from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from brainstorm.generate import GenerationOutcome
    from brainstorm.llm.base import BackendError

# Exit codes (documented in the README).
EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_BACKEND = 3


def exit_code_for(problem: BackendError) -> int:
    """3 when nothing can run until the set-up is fixed (server down, model not pulled),
    else 1."""
    from brainstorm.llm.base import is_setup_error

    return EXIT_BACKEND if is_setup_error(problem) else EXIT_USER_ERROR


def ensemble_exit_code(outcomes: Sequence[GenerationOutcome]) -> int:
    """0 when every source answered; 3 when none could run because the server or the models
    were not there (every failure is of that kind); 1 when any other source failed."""
    from brainstorm.llm.base import is_setup_error

    errors = [outcome.error for outcome in outcomes if outcome.error is not None]
    if not errors:
        return EXIT_OK
    if len(errors) == len(outcomes) and all(is_setup_error(e) for e in errors):
        return EXIT_BACKEND
    return EXIT_USER_ERROR


def error(message: str, hint: str | None = None, code: int = EXIT_USER_ERROR) -> NoReturn:
    from rich.text import Text

    line = Text("error: ", style="bold red")
    line.append(visible(message))
    stderr.print(line)
    if hint:
        stderr.print(Text(visible(hint), style="dim"))
    raise typer.Exit(code)


def warn(message: str) -> None:
    from rich.text import Text

    line = Text("warning: ", style="yellow")
    line.append(visible(message))
    stderr.print(line)


@contextmanager
def fail_on_user_errors() -> Iterator[None]:
    """Turn the errors a person can meet into one clear line on stderr and an exit code."""
    try:
        yield
    except Exception as problem:
        from brainstorm.cli.hints import cli_hint
        from brainstorm.config import ConfigError
        from brainstorm.ideation import TechniqueError
        from brainstorm.llm.base import BackendError
        from brainstorm.store_errors import StoreError

        if isinstance(problem, BackendError):
            error(problem.message, cli_hint(problem), exit_code_for(problem))
        if isinstance(problem, StoreError | ConfigError | TechniqueError):
            error(str(problem), cli_hint(problem))
        raise
