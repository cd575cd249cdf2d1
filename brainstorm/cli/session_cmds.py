"""Sessions: new, list, show, ask, reveal, techniques."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from brainstorm.cli.common import (
    EXIT_BACKEND,
    JsonFlag,
    ModelOptions,
    ModelsOption,
    SeedsOption,
    SessionArg,
    StructuredFlag,
    TemperaturesOption,
    duplicate_report,
    error,
    fail_on_user_errors,
    get_state,
    idea_json,
    parse_options,
    parse_sources,
    print_json,
    render_idea,
    run_async,
    selected_backend,
    session_json,
    stderr,
    stdout,
    warn,
)
from brainstorm.ensemble import EnsembleResult, Source, resolve_sources, run_ensemble
from brainstorm.ensemble import exit_code as ensemble_exit_code
from brainstorm.generate import PromptSpec
from brainstorm.ideation import IDEAS_SCHEMA, build_messages, get_technique, load_techniques
from brainstorm.store import SessionWriter
from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from brainstorm.config import Settings


def register(app: typer.Typer) -> None:
    app.command("new")(new)
    app.command("ask")(ask)
    app.command("list")(list_sessions)
    app.command("show")(show)
    app.command("techniques")(techniques)
    app.command("reveal")(reveal)


def new(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help="What to brainstorm about.")],
    technique: Annotated[
        str | None, typer.Option("--technique", "-t", help="Technique from `techniques`.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Session id to use instead of a generated one.")
    ] = None,
    human_first: Annotated[
        bool,
        typer.Option(
            "--human-first",
            help="Write your own ideas first: the model's ideas are generated but hidden until"
            " you run `brainstorm reveal`.",
        ),
    ] = False,
) -> None:
    """Start a session and print its id."""
    with fail_on_user_errors():
        state = get_state(ctx)
        technique_name = get_technique(technique or state.settings.technique).name
        with state.store.create(
            topic,
            technique=technique_name,
            model=state.settings.model,
            name=name,
            human_first=human_first,
        ) as writer:
            typer.echo(writer.session_id)
            if human_first:
                stderr.print(
                    Text(
                        "Human-first: write your ideas with `brainstorm add"
                        f" {writer.session_id} TEXT`; ideas you `ask` for stay hidden until"
                        f" `brainstorm reveal {writer.session_id}`.",
                        style="dim",
                    )
                )


def reveal(
    ctx: typer.Context,
    session: SessionArg,
    as_json: JsonFlag = False,
) -> None:
    """Show the model's hidden ideas of a human-first session (recorded; cannot be undone)."""
    from brainstorm.rounds import reveal as reveal_ideas

    with fail_on_user_errors(), get_state(ctx).store.open_writer(session) as writer:
        hidden = [i.id for i in writer.session.ideas.values() if i.hidden]
        count = reveal_ideas(writer)
        revealed = [writer.session.ideas[i] for i in hidden] if count else []
    if as_json:
        print_json({"session": writer.session_id, "revealed": [idea_json(i) for i in revealed]})
        return
    if not count:
        stdout.print(Text(f"Nothing hidden in {writer.session_id}: already revealed.", style="dim"))
        return
    for idea in revealed:
        stdout.print(render_idea(idea))
    stdout.print(
        Text(
            f"Revealed {count} model idea(s). Compare them with yours:"
            f" `brainstorm stats {writer.session_id}`.",
            style="dim",
        )
    )


def ask(
    ctx: typer.Context,
    session: SessionArg,
    prompt: Annotated[
        str, typer.Argument(help="What to ask for, on top of the session topic.")
    ] = "",
    technique: Annotated[
        str | None, typer.Option("--technique", "-t", help="Technique (default: the session's).")
    ] = None,
    option: ModelOptions = None,
    models: ModelsOption = None,
    temperatures: TemperaturesOption = None,
    seeds: SeedsOption = None,
    structured: StructuredFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Ask the model for ideas; each is stored and printed as a DRAFT.

    With --models / --temperatures / --seeds the prompt goes to every combination at once
    (an ensemble); each idea says which source wrote it."""
    from brainstorm.rounds import drafts_hidden

    options = parse_options(option)
    with fail_on_user_errors():
        state = get_state(ctx)
        sources = parse_sources(models, temperatures, seeds, default_model=state.settings.model)
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
                model=sources[0].model,
                technique=technique_obj.name,
                options=options,
                schema=IDEAS_SCHEMA if structured else None,
                hidden=drafts_hidden(writer.session),
            )
            results = run_async(_ask(writer, spec, sources, state.settings, quiet=as_json))
        _report(results, writer, as_json)


async def _ask(
    writer: SessionWriter,
    spec: PromptSpec,
    sources: list[Source],
    settings: Settings,
    *,
    quiet: bool,
) -> list[EnsembleResult]:
    async with selected_backend(settings) as selection:
        backend = selection.backend
        resolved = resolve_sources(backend, sources)
        if len(resolved) < len(sources):
            warn(
                f"the {backend.name} backend runs one model only ({resolved[0].model}):"
                f" {len(resolved)} of the {len(sources)} sources asked for are different"
            )
        if not quiet:
            if len(resolved) == 1:
                what = selection.describe()
            else:
                labels = ", ".join(source.label(spec.options) for source in resolved)
                what = f"{len(resolved)} sources at once ({labels}) on {backend.name}"
            stderr.print(Text(f"asking {what} at {backend.location}…", style="dim"))
        if stderr.is_terminal and not quiet:
            with stderr.status("generating…"):
                return await run_ensemble(writer, backend, spec, resolved)
        return await run_ensemble(writer, backend, spec, resolved)


def _report(results: list[EnsembleResult], writer: SessionWriter, as_json: bool) -> None:
    single = len(results) == 1
    every = [idea for r in results for idea in r.outcome.ideas]
    shown = [idea for idea in every if not idea.hidden]
    hidden = len(every) - len(shown)
    failed = [r for r in results if r.outcome.error is not None]
    if as_json:
        first = results[0].outcome
        status = "ok" if not failed else "failed" if len(failed) == len(results) else "partial"
        print_json(
            {
                "session": writer.session_id,
                "prompt_id": first.prompt_id if single else None,
                "status": status,
                "error": first.error.message if single and first.error else None,
                "ideas": [idea_json(idea) for idea in shown],
                "hidden": hidden,
                "results": [
                    {
                        "source": r.label,
                        "model": r.source.model,
                        "temperature": r.source.temperature,
                        "seed": r.source.seed,
                        "prompt_id": r.outcome.prompt_id,
                        "status": "ok" if r.ok else "failed",
                        "error": r.outcome.error.message if r.outcome.error else None,
                        "ideas": [idea.id for idea in r.outcome.ideas],
                    }
                    for r in results
                ],
            }
        )
    else:
        for r in results:
            if not single:
                stdout.print(_source_heading(r))
            for idea in r.outcome.ideas:
                if not idea.hidden:
                    stdout.print(render_idea(idea))
        if shown:
            stdout.print(
                Text(
                    f"{len(shown)} draft idea(s) saved to {writer.session_id}. Review"
                    f" them with `brainstorm show {writer.session_id}` or in the app.",
                    style="dim",
                )
            )
        if hidden:
            stdout.print(
                Text(
                    f"{hidden} model idea(s) saved hidden (human-first round): write your own"
                    f" with `brainstorm add {writer.session_id} TEXT`, then see the model's with"
                    f" `brainstorm reveal {writer.session_id}`.",
                    style="dim",
                )
            )
    if single and failed:
        problem = failed[0].outcome.error
        assert problem is not None
        saved = len(failed[0].outcome.ideas)
        kept = f" The {saved} partial idea(s) that arrived were saved as incomplete drafts." * (
            saved > 0
        )
        error(problem.message + kept, problem.hint, problem.exit_code)
    if failed:
        code = ensemble_exit_code(results)
        first_error = failed[0].outcome.error
        assert first_error is not None
        if code == EXIT_BACKEND:  # the same cause for all: say it once
            error(first_error.message, first_error.hint, code)
        for r in failed:
            assert r.outcome.error is not None
            warn(f"{r.label}: {r.outcome.error.message}")
        error(
            f"{len(failed)} of {len(results)} sources failed (recorded in the session);"
            " the others' ideas are saved.",
            first_error.hint,
            code,
        )


def _source_heading(result: EnsembleResult) -> Text:
    label = result.label
    heading = Text(f"── {label}: ", style="bold")
    outcome = result.outcome
    count = len(outcome.ideas)
    if outcome.error is None:
        heading.append(f"{count} draft idea(s)")
    else:
        heading.append("FAILED", style="bold red")
        if count:
            heading.append(f" ({count} partial idea(s) kept)")
    return heading


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
    session: SessionArg,
    as_json: JsonFlag = False,
) -> None:
    """Show a session's ideas with their review status."""
    with fail_on_user_errors():
        state = get_state(ctx)
        loaded = state.store.load(session)
        for message in loaded.warnings:
            warn(message)
        s = loaded.session
        report = duplicate_report(state.settings, s)
    if as_json:
        print_json(session_json(s, loaded.warnings, report))
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
        stdout.print(render_idea(idea, report.duplicates_of(idea.id)))
    if report.groups:
        stdout.print(
            Text(
                f"\n≈ marks near-duplicates: {len(report.groups)} group(s),"
                f" {report.distinct} distinct of {report.ideas} ideas"
                f" ({report.method} similarity ≥ {report.threshold:.2f}).",
                style="dim",
            )
        )
    if hidden:
        stdout.print(
            Text(
                f"\n{hidden} model idea(s) hidden until you reveal them"
                f" (`brainstorm reveal {s.id}`).",
                style="dim",
            )
        )


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
