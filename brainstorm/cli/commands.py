"""The `brainstorm` command line: the Typer app, its global options and every command group
(one module each, registered here). `brainstorm.cli.main` is the entry point.

Heavy modules (Textual, the ollama client) are imported inside the commands that need them, so
`brainstorm --help` and the review commands start fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brainstorm.cli.common import CliState, get_state
from brainstorm.cli.errors import error, fail_on_user_errors

app = typer.Typer(
    name="brainstorm",
    help=(
        "Brainstorm with a local language model. Every model idea is a DRAFT until you edit,"
        " accept or reject it; every revision is kept and measured.\n\n"
        "Run without a command to open the terminal app."
    ),
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback(invoke_without_command=True)
def _global_options(
    ctx: typer.Context,
    sessions_dir: Annotated[
        Path | None,
        typer.Option(
            "--sessions-dir",
            envvar="BRAINSTORM_SESSIONS_DIR",
            help="Where session files live. [default: ./sessions]",
            show_default=False,
        ),
    ] = None,
    host: Annotated[
        list[str] | None,
        typer.Option(
            "--host",
            metavar="<url>",
            help="Ollama server, e.g. http://127.0.0.1:11434. Give it several times (or a"
            " comma list) to spread prompts over several Ollama hosts. With --backend openai,"
            " the server's base URL, e.g. http://127.0.0.1:8000/v1 (API key: OPENAI_API_KEY)."
            " [env var: BRAINSTORM_HOSTS, or OLLAMA_HOST for one]",
            show_default=False,
        ),
    ] = None,
    per_host: Annotated[
        int | None,
        typer.Option(
            "--per-host",
            metavar="<n>",
            min=1,
            max=256,
            help="With several hosts: prompts sent to each host at once (batch -j is still"
            " the total). [default: 1, as a stock Ollama's OLLAMA_NUM_PARALLEL; env var:"
            " BRAINSTORM_PER_HOST]",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", envvar="BRAINSTORM_MODEL", help="Model to brainstorm with."),
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(
            "--backend",
            envvar="BRAINSTORM_BACKEND",
            help=(
                "ollama, openai (an OpenAI-compatible server at --host: llama.cpp, vLLM, LM"
                " Studio, LiteLLM), embedded (offline model) or auto (Ollama when it answers,"
                " else embedded). [default: auto]"
            ),
            show_default=False,
        ),
    ] = None,
) -> None:
    ctx.obj = CliState(
        flags={
            "sessions_dir": sessions_dir,
            "hosts": host or None,
            "per_host": per_host,
            "model": model,
            "backend": backend,
        }
    )
    if ctx.invoked_subcommand is None:
        _open_app(ctx)


def _open_app(ctx: typer.Context) -> None:
    from brainstorm.cli import launch_app

    with fail_on_user_errors():
        problem = launch_app(get_state(ctx).settings)
        if problem is not None:  # Textual is a dependency: this is a broken install
            error(
                f"cannot start the terminal app: {problem}",
                "Reinstall brainstorm (`make run`, or `pip install -e .`); the commands in"
                " `brainstorm --help` work without the app.",
            )


from brainstorm.cli import (  # noqa: E402
    ask_cmd,
    batch_cmd,
    export_cmd,
    models_cmd,
    repair_cmd,
    review_cmds,
    session_cmds,
    stats_cmds,
    themes_cmd,
    vote_cmds,
)

session_cmds.register(app)
repair_cmd.register(app)
ask_cmd.register(app)
review_cmds.register(app)
models_cmd.register(app)
stats_cmds.register(app)
themes_cmd.register(app)
vote_cmds.register(app)
batch_cmd.register(app)
export_cmd.register(app)
