"""Models on the server: list and pull."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from brainstorm.cli.common import (
    JsonFlag,
    fail_on_user_errors,
    get_state,
    print_json,
    run_async,
    stderr,
    stdout,
)
from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from brainstorm.config import Settings
    from brainstorm.llm.base import ModelInfo
    from brainstorm.llm.ollama import OllamaBackend
    from brainstorm.llm.openai_compat import OpenAICompatBackend

models_app = typer.Typer(
    help="List the models the server has (Ollama, or with --backend openai the OpenAI-compatible"
    " server), or pull one into Ollama.",
    no_args_is_help=False,
)


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


def _server(settings: Settings) -> OllamaBackend | OpenAICompatBackend:
    if settings.backend == "openai":
        from brainstorm.llm.openai_compat import OpenAICompatBackend

        return OpenAICompatBackend(settings.host, timeout=settings.timeout)
    from brainstorm.llm.ollama import OllamaBackend

    return OllamaBackend(settings.host, timeout=settings.timeout)


@models_app.callback(invoke_without_command=True)
def list_models(
    ctx: typer.Context,
    as_json: JsonFlag = False,
) -> None:
    """List the models the server has (Ollama, or the OpenAI-compatible server)."""
    from rich.table import Table
    from rich.text import Text

    if ctx.invoked_subcommand is not None:
        return
    with fail_on_user_errors():
        settings = get_state(ctx).settings
        models = run_async(_list(settings))
    if as_json:
        print_json([m.__dict__ for m in models])
        return
    if not models and settings.backend == "openai":
        stderr.print("The OpenAI-compatible server lists no models.")
        return
    if not models:
        stderr.print(
            Text(visible(f"No models yet. Pull one with: brainstorm models pull {settings.model}"))
        )
        return
    table = Table(box=None, header_style="bold")
    for column in ("name", "parameters", "quantization", "size"):
        table.add_column(column)
    for m in models:
        size = f"{m.size / 1e9:.1f} GB" if m.size else ""
        # What the server says is text, never markup, with nothing hidden.
        cells = (m.name, m.parameter_size or "", m.quantization or "", size)
        table.add_row(*(Text(visible(cell)) for cell in cells))
    stdout.print(table)


async def _list(settings: Settings) -> list[ModelInfo]:
    async with _server(settings) as backend:
        return await backend.list_models()


@models_app.command("pull")
def pull(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model to download, e.g. llama3.2.")],
) -> None:
    """Download a model into Ollama, with progress."""
    with fail_on_user_errors():
        settings = get_state(ctx).settings
        run_async(_pull(settings, name))
    from rich.text import Text

    stdout.print(Text(visible(f"pulled {name}")))


async def _pull(settings: Settings, name: str) -> None:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    from rich.text import Text

    async with _server(settings) as backend:
        if not stderr.is_terminal:
            last = ""
            async for step in backend.pull(name):
                if step.status != last:  # one line per phase, not per byte
                    stderr.print(Text(visible(step.status)))
                    last = step.status
            return
        columns = (
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=stderr, transient=False) as progress:
            tasks: dict[str, TaskID] = {}
            async for step in backend.pull(name):
                key = step.digest or step.status
                if key not in tasks:
                    tasks[key] = progress.add_task(visible(step.status), total=step.total)
                progress.update(
                    tasks[key],
                    total=step.total,
                    completed=step.completed or 0,
                    description=visible(step.status),
                )
