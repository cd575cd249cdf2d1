"""`brainstorm ask`: one prompt to the model (or an ensemble of sources), its ideas stored and
printed as DRAFTs. Ctrl-C stops the reply, keeps what arrived and says what was kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from brainstorm.cli.common import (
    JsonFlag,
    ModelOptions,
    ModelsOption,
    SeedsOption,
    SessionArg,
    StructuredFlag,
    TemperaturesOption,
    get_state,
    parse_ensemble,
    parse_options,
    run_async,
    selected_backend,
)
from brainstorm.cli.console import stderr, stdout
from brainstorm.cli.errors import (
    EXIT_BACKEND,
    ensemble_exit_code,
    error,
    exit_code_for,
    fail_on_user_errors,
    warn,
)
from brainstorm.cli.idea_view import idea_json, render_idea
from brainstorm.cli.json_output import print_json
from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from rich.text import Text

    from brainstorm.cli.ask_stream import LiveIdeas
    from brainstorm.cli.signals import StopOnSignals
    from brainstorm.config import Settings
    from brainstorm.generate import GenerationOutcome
    from brainstorm.ideation import Technique
    from brainstorm.session_writer import SessionWriter
    from brainstorm.sources import Ensemble


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)


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
    (an ensemble); each idea says which source wrote it. Ctrl-C stops the reply and keeps
    what arrived."""
    from brainstorm.ask import choose_technique

    options = parse_options(option)
    with fail_on_user_errors():
        state = get_state(ctx)
        ensemble = parse_ensemble(models, temperatures, seeds, default_model=state.settings.model)
        with state.store.open_writer(session) as writer:
            for message in writer.warnings:
                warn(message)
            technique_obj, _ = choose_technique(
                technique, writer.session.technique, state.settings.technique
            )
            asked = _Asked(prompt, technique_obj, ensemble, options, structured)
            outcomes, signals, live = run_async(_ask(writer, asked, state.settings, quiet=as_json))
        _report(outcomes, writer, as_json, interrupted_by=signals.received, live=live)
    if signals.exit_code is not None:
        raise typer.Exit(signals.exit_code)


@dataclass(frozen=True)
class _Asked:
    """What the command line asked for, before a backend is chosen."""

    prompt: str
    technique: Technique
    ensemble: Ensemble
    options: dict[str, Any]
    structured: bool


async def _ask(
    writer: SessionWriter,
    asked: _Asked,
    settings: Settings,
    *,
    quiet: bool,
) -> tuple[list[GenerationOutcome], StopOnSignals, LiveIdeas | None]:
    from rich.text import Text

    from brainstorm.ask import build_request
    from brainstorm.cli.ask_stream import LiveIdeas
    from brainstorm.cli.signals import StopOnSignals
    from brainstorm.ensemble import run_ensemble
    from brainstorm.generate import Stop
    from brainstorm.llm import options_note, take_notes

    async with selected_backend(settings) as selection:
        backend = selection.backend
        request = build_request(
            writer.session,
            asked.prompt,
            technique=asked.technique,
            backend=backend,
            sources=asked.ensemble.sources(),
            options=asked.options,
            structured=asked.structured,
        )
        resolved = request.sources
        if len(resolved) < request.requested_sources:
            warn(
                f"the {backend.name} backend runs one model only ({resolved[0].model}):"
                f" {len(resolved)} of the {request.requested_sources} sources asked for are"
                " different"
            )
        if not quiet:
            if len(resolved) == 1:
                what = selection.describe()
            else:
                labels = ", ".join(source.label(request.options) for source in resolved)
                what = f"{len(resolved)} sources at once ({labels}) on {backend.name}"
            # A server's address says where the prompt goes; the embedded model's file path
            # says nothing a person needs, and its note is already on the line above.
            at = f" at {backend.location}" if backend.name != "embedded" else ""
            stderr.print(Text(visible(f"asking {what}{at}…"), style="dim"))
        if note := options_note(backend, request.unsent_options):
            warn(note)
        stop = Stop()
        live: LiveIdeas | None = None
        with StopOnSignals(stop) as signals:
            # On a terminal each idea shows as it completes; a structured (JSON) reply cannot
            # be split before it ends, and a human-first round's ideas stay hidden.
            if stdout.is_terminal and not quiet and not request.structured and not request.hidden:
                names = {s: f"{backend.name}:{s.label(request.options)}" for s in resolved}
                with LiveIdeas(stdout, names) as live:
                    outcomes = await run_ensemble(
                        writer, backend, request, stop=stop, on_delta=live.on_delta
                    )
            elif stderr.is_terminal and not quiet:
                with stderr.status("generating… (ctrl+c stops and keeps what arrived)"):
                    outcomes = await run_ensemble(writer, backend, request, stop=stop)
            else:
                outcomes = await run_ensemble(writer, backend, request, stop=stop)
        for note in take_notes(backend):  # e.g. no structured output: replies were split
            warn(note)
        return outcomes, signals, live


def _report(
    outcomes: list[GenerationOutcome],
    writer: SessionWriter,
    as_json: bool,
    *,
    interrupted_by: str | None = None,
    live: LiveIdeas | None = None,
) -> None:
    from rich.text import Text

    from brainstorm.cli.ask_stream import render_draft
    from brainstorm.cli.hints import cli_hint
    from brainstorm.presentation import kept_refs, source_label

    single = len(outcomes) == 1
    every = [idea for outcome in outcomes for idea in outcome.ideas]
    shown = [idea for idea in every if not idea.hidden]
    hidden = len(every) - len(shown)
    failed = [outcome for outcome in outcomes if outcome.error is not None]
    if as_json:
        first = outcomes[0]
        status = "ok" if not failed else "failed" if len(failed) == len(outcomes) else "partial"
        if interrupted_by:
            status = "cancelled"
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
                        "source": outcome.source_name,
                        "member": outcome.label,
                        "model": outcome.model_that_wrote,
                        "temperature": outcome.source.temperature,
                        "seed": outcome.source.seed,
                        "prompt_id": outcome.prompt_id,
                        "status": "ok" if outcome.ok else outcome.status,
                        "done_reason": outcome.stats.done_reason if outcome.stats else None,
                        "error": outcome.error.message if outcome.error else None,
                        "ideas": [idea.id for idea in outcome.ideas],
                        "host": outcome.host,
                        "retries": [
                            {"host": retry.host, "error": retry.reason} for retry in outcome.retries
                        ],
                    }
                    for outcome in outcomes
                ],
            }
        )
    else:
        for outcome in outcomes:
            if not single:
                stdout.print(_source_heading(outcome))
            if live is not None:  # most were printed as they arrived, without their numbers
                for idea in live.rest(outcome):
                    stdout.print(render_draft(idea.title, idea.text, source_label(idea)))
                continue
            for idea in outcome.ideas:
                if not idea.hidden:
                    stdout.print(render_idea(idea))
        if shown:
            saved_as = f" as {kept_refs(shown)}" if live is not None else ""
            stdout.print(
                Text(
                    f"{len(shown)} draft idea(s) saved to {writer.session_id}{saved_as}."
                    f" Review them with `brainstorm show {writer.session_id}` or in the app.",
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
    if interrupted_by:
        warn(f"{interrupted_by}: stopped. {_kept(outcomes)}")
        return
    if single and failed:
        problem = failed[0].error
        assert problem is not None
        saved = failed[0].ideas
        kept = f" What arrived was saved: {kept_refs(saved)}, as drafts." if saved else ""
        error(problem.message + kept, cli_hint(problem), exit_code_for(problem))
    if failed:
        errors = [outcome.error for outcome in failed if outcome.error is not None]
        code = ensemble_exit_code(outcomes)
        if code == EXIT_BACKEND:  # the same cause for all: say it once
            error(errors[0].message, cli_hint(errors[0]), code)
        for outcome in failed:
            assert outcome.error is not None
            warn(f"{outcome.label}: {outcome.error.message}")
        error(
            f"{len(failed)} of {len(outcomes)} sources failed (recorded in the session);"
            " the others' ideas are saved.",
            cli_hint(errors[0]),
            code,
        )


def _kept(outcomes: list[GenerationOutcome]) -> str:
    """What a stopped `ask` kept: "Kept #7, #8 and #9 (#9 marked INCOMPLETE) as drafts."."""
    ideas = [idea for outcome in outcomes for idea in outcome.ideas]
    if not ideas:
        return "Nothing had arrived yet; the prompt is recorded as cancelled."
    from brainstorm.presentation import kept_refs

    return f"Kept {kept_refs(ideas)} as drafts."


def _source_heading(outcome: GenerationOutcome) -> Text:
    from rich.text import Text

    heading = Text(visible(f"── {outcome.label}: "), style="bold")
    count = len(outcome.ideas)
    if outcome.error is None and not outcome.cancelled:
        heading.append(f"{count} draft idea(s)")
    else:
        heading.append("STOPPED" if outcome.cancelled else "FAILED", style="bold red")
        if count:
            heading.append(f" ({count} partial idea(s) kept)")
    return heading
