"""Sessions: new, list, show, ask, techniques."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from brainstorm.cli.common import (
    error,
    fail_on_user_errors,
    get_state,
    idea_json,
    print_json,
    render_idea,
    run_async,
    session_json,
    stderr,
    stdout,
    warn,
)
from brainstorm.generate import GenerationOutcome, PromptSpec, generate
from brainstorm.ideation import IDEAS_SCHEMA, build_messages, get_technique, load_techniques
from brainstorm.store import SessionWriter
from brainstorm.textsafe import visible

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """`key=value` pairs to model options; values are read as JSON when they parse
    (numbers, true/false), else kept as strings."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{pair!r} is not key=value", param_hint="--option")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        options[key.strip()] = value
    return options


def register(app: typer.Typer) -> None:
    app.command("new")(new)
    app.command("ask")(ask)
    app.command("list")(list_sessions)
    app.command("show")(show)
    app.command("techniques")(techniques)


def new(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help="What to brainstorm about.")],
    technique: Annotated[
        str | None, typer.Option("--technique", "-t", help="Technique from `techniques`.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Session id to use instead of a generated one.")
    ] = None,
) -> None:
    """Start a session and print its id."""
    with fail_on_user_errors():
        state = get_state(ctx)
        technique_name = get_technique(technique or state.settings.technique).name
        with state.store.create(
            topic, technique=technique_name, model=state.settings.model, name=name
        ) as writer:
            typer.echo(writer.session_id)


def ask(
    ctx: typer.Context,
    session: Annotated[str, typer.Argument(help="Session id (or a unique prefix).")],
    prompt: Annotated[
        str, typer.Argument(help="What to ask for, on top of the session topic.")
    ] = "",
    technique: Annotated[
        str | None, typer.Option("--technique", "-t", help="Technique (default: the session's).")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            "-o",
            help="Model option key=value (temperature, seed, num_ctx, num_predict…). Repeatable.",
        ),
    ] = None,
    structured: Annotated[
        bool,
        typer.Option(
            "--structured/--plain",
            help="Ask for JSON-structured ideas (needs a model that follows a schema).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Ask the model for ideas; each is stored and printed as a DRAFT."""
    options = parse_options(option or [])
    with fail_on_user_errors():
        state = get_state(ctx)
        with state.store.open_writer(session) as writer:
            for message in writer.warnings:
                warn(message)
            technique_obj = get_technique(
                technique or writer.session.technique or state.settings.technique
            )
            spec = PromptSpec(
                prompt=prompt,
                messages=build_messages(
                    technique_obj, writer.session.topic, prompt, structured=structured
                ),
                model=state.settings.model,
                technique=technique_obj.name,
                options=options,
                schema=IDEAS_SCHEMA if structured else None,
            )
            outcome = run_async(_ask(writer, spec, state, quiet=as_json))
        _report(outcome, writer, as_json)


async def _ask(writer: SessionWriter, spec: PromptSpec, state: Any, *, quiet: bool) -> Any:
    from brainstorm.llm import select_backend

    selection = await select_backend(state.settings)
    backend = selection.backend
    try:
        if selection.notice:  # honesty about a weak model: always, even with --json (stderr)
            stderr.print(Text(f"note: {selection.notice}", style="yellow"))
        if not quiet:
            stderr.print(Text(f"asking {selection.describe()} at {backend.location}…", style="dim"))
        if stderr.is_terminal and not quiet:
            with stderr.status("generating…"):
                return await generate(writer, backend, spec)
        return await generate(writer, backend, spec)
    finally:
        await backend.aclose()


def _report(outcome: GenerationOutcome, writer: SessionWriter, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "session": writer.session_id,
                "prompt_id": outcome.prompt_id,
                "status": "ok" if outcome.ok else "failed",
                "error": outcome.error.message if outcome.error else None,
                "ideas": [idea_json(idea) for idea in outcome.ideas],
            }
        )
    else:
        for idea in outcome.ideas:
            stdout.print(render_idea(idea))
        if outcome.ideas:
            stdout.print(
                Text(
                    f"{len(outcome.ideas)} draft idea(s) saved to {writer.session_id}. Review"
                    f" them with `brainstorm show {writer.session_id}` or in the app.",
                    style="dim",
                )
            )
    if outcome.error is not None:
        saved = len(outcome.ideas)
        kept = f" The {saved} partial idea(s) that arrived were saved as incomplete drafts." * (
            saved > 0
        )
        error(outcome.error.message + kept, outcome.error.hint, outcome.error.exit_code)


def list_sessions(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List sessions, most recently active first."""
    with fail_on_user_errors():
        summaries = get_state(ctx).store.summaries()
    if as_json:
        print_json(
            [
                {
                    "id": s.id,
                    "topic": s.topic,
                    "created_at": s.created_at.isoformat(),
                    "updated_at": s.updated_at.isoformat(),
                    "counts": s.counts,
                    "models": s.models,
                    "warnings": s.warnings,
                }
                for s in summaries
            ]
        )
        return
    if not summaries:
        stderr.print('No sessions yet. Start one with: brainstorm new "your topic"')
        return
    table = Table(box=None, header_style="bold")
    for column in ("session", "topic", "draft", "accepted", "rejected", "last activity"):
        table.add_column(column)
    for s in summaries:
        table.add_row(
            s.id,
            Text(visible(s.topic)),
            str(s.counts.get("draft", "-")),
            str(s.counts.get("accepted", "-")),
            str(s.counts.get("rejected", "-")),
            s.updated_at.astimezone().strftime("%Y-%m-%d %H:%M"),
        )
    stdout.print(table)
    for s in summaries:
        for message in s.warnings:
            warn(message)


def show(
    ctx: typer.Context,
    session: Annotated[str, typer.Argument(help="Session id (or a unique prefix).")],
    as_json: JsonFlag = False,
) -> None:
    """Show a session's ideas with their review status."""
    with fail_on_user_errors():
        loaded = get_state(ctx).store.load(session)
    for message in loaded.warnings:
        warn(message)
    s = loaded.session
    if as_json:
        print_json(session_json(s, loaded.warnings))
        return
    counts = s.count_by_status()
    header = Text(visible(s.topic), style="bold")
    header.append(f"\n{s.id} · {s.technique or 'open'} · ", style="dim")
    header.append(
        f"{counts['draft']} draft, {counts['accepted']} accepted, {counts['rejected']} rejected",
        style="dim",
    )
    stdout.print(header)
    ideas = s.visible_ideas()
    hidden = len(s.ideas) - len(ideas)
    if not ideas:
        stdout.print(Text("No ideas yet. Ask for some with `brainstorm ask`.", style="dim"))
    for idea in ideas:
        stdout.print()
        stdout.print(render_idea(idea))
    if hidden:
        stdout.print(Text(f"\n{hidden} model idea(s) hidden until you reveal them.", style="dim"))


def techniques(as_json: JsonFlag = False) -> None:
    """List the brainstorming techniques (templates in prompts/)."""
    with fail_on_user_errors():
        found = load_techniques()
    if as_json:
        print_json(
            [
                {
                    "name": t.name,
                    "title": t.title,
                    "description": t.description,
                    "path": str(t.path),
                }
                for t in found.values()
            ]
        )
        return
    table = Table(box=None, header_style="bold")
    table.add_column("name")
    table.add_column("technique")
    for t in found.values():
        table.add_row(t.name, Text(f"{t.title}: {t.description}"))
    stdout.print(table)
    if not sys.stdout.isatty():
        return
    stdout.print(Text("Use one with --technique NAME.", style="dim"))
