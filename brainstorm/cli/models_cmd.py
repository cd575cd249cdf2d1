"""Models on the server: list and pull."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from brainstorm.cli.common import JsonFlag, get_state, run_async
from brainstorm.cli.console import stderr, stdout
from brainstorm.cli.errors import fail_on_user_errors, warn
from brainstorm.cli.json_output import print_json
from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from brainstorm.config import Settings
    from brainstorm.llm.base import ModelInfo, PullProgress
    from brainstorm.llm.ollama import OllamaBackend
    from brainstorm.llm.openai_compat import OpenAICompatBackend
    from brainstorm.llm.pool import HostPool

models_app = typer.Typer(
    help="List the models the server has (Ollama, each of several Ollama hosts, or with"
    " --backend openai the OpenAI-compatible server), or pull one into Ollama.",
    no_args_is_help=False,
)


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


def _server(settings: Settings) -> OllamaBackend | HostPool | OpenAICompatBackend:
    from brainstorm.llm import open_server

    return open_server(settings)


@dataclass(frozen=True)
class _Listed:
    """The models of one host, or why it did not answer."""

    host: str
    models: list[ModelInfo]
    problem: str | None = None


@models_app.callback(invoke_without_command=True)
def list_models(
    ctx: typer.Context,
    as_json: JsonFlag = False,
) -> None:
    """List the models the server has (Ollama, or the OpenAI-compatible server); with
    several Ollama hosts, each host's."""
    from rich.table import Table
    from rich.text import Text

    if ctx.invoked_subcommand is not None:
        return
    with fail_on_user_errors():
        settings = get_state(ctx).settings
        listed = run_async(_list(settings))
    several = len(listed) > 1
    for down in (entry for entry in listed if entry.problem is not None):
        warn(f"{down.host} did not answer: {down.problem}")
    if as_json:
        print_json([{**m.__dict__, "host": entry.host} for entry in listed for m in entry.models])
        return
    models = [m for entry in listed for m in entry.models]
    if not models and settings.backend == "openai":
        stderr.print("The OpenAI-compatible server lists no models.")
        return
    if not models:
        stderr.print(
            Text(visible(f"No models yet. Pull one with: brainstorm models pull {settings.model}"))
        )
        return
    table = Table(box=None, header_style="bold")
    if several:
        # A host or model name is copied into commands: on a narrow terminal the other
        # columns give way (a host cut to "…" would lose its port, what tells hosts apart),
        # and with the host column added their headers are shortened to fit 80 columns.
        widest = {
            "host": max(len(entry.host) for entry in listed),
            "name": max(len(m.name) for m in models),
        }
        for column in ("host", "name", "params", "quant", "size"):
            table.add_column(column, min_width=widest.get(column))
    else:
        for column in ("name", "parameters", "quantization", "size"):
            table.add_column(column)
    for entry in listed:
        for m in entry.models:
            size = f"{m.size / 1e9:.1f} GB" if m.size else ""
            # What the server says is text, never markup, with nothing hidden.
            row = (entry.host, m.name, m.parameter_size or "", m.quantization or "", size)
            table.add_row(*(Text(visible(cell)) for cell in (row if several else row[1:])))
    stdout.print(table)


async def _list(settings: Settings) -> list[_Listed]:
    """Each host's models. One server that does not answer is an error (exit 3); of several
    hosts, only all of them."""
    from brainstorm.llm import host_status

    async with _server(settings) as backend:
        models = await backend.list_models()
        hosts = host_status(backend)
        if hosts is None:
            return [_Listed(backend.location, models)]
        return [
            _Listed(h.host, list(h.models), h.problem if h.up is False else None) for h in hosts
        ]


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
                status = _phase(step)
                if status != last:  # one line per phase, not per byte
                    stderr.print(Text(visible(status)))
                    last = status
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
                key = f"{step.host} {step.digest or step.status}"
                if key not in tasks:
                    tasks[key] = progress.add_task(visible(_phase(step)), total=step.total)
                progress.update(
                    tasks[key],
                    total=step.total,
                    completed=step.completed or 0,
                    description=visible(_phase(step)),
                )


def _phase(step: PullProgress) -> str:
    """ "pulling manifest", or with several hosts "http://gpu2:11434: pulling manifest"."""
    return f"{step.host}: {step.status}" if step.host else step.status
