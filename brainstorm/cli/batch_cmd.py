"""`brainstorm batch`: many prompts from a file, concurrently, resumable. Thin over
`brainstorm.batch`, which does the work; this module parses flags and shows progress."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated

import typer

from brainstorm.cli.common import (
    ModelOptions,
    ModelsOption,
    SeedsOption,
    StructuredFlag,
    TemperaturesOption,
    get_state,
    parse_ensemble,
    parse_options,
    run_async,
    selected_backend,
)
from brainstorm.cli.errors import EXIT_BACKEND, EXIT_OK, error, fail_on_user_errors, warn
from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from brainstorm.batch import BatchPlan, BatchReport
    from brainstorm.cli.batch_progress import BatchReporter
    from brainstorm.config import Settings
    from brainstorm.llm.base import Backend

#: `brainstorm.batch.FORMATS`, spelled out so that `--help` need not import the batch core
#: (tests/test_cli.py checks that the two agree).
FORMATS = ("toml", "jsonl", "text")

EXIT_SOME_FAILED = 4
DEFAULT_CONCURRENCY = 4

HELP = """Run many prompts from FILE, several at a time; every reply is stored as DRAFT ideas.

FILE (`-` reads standard input) is one of:

\b
  TOML        [[prompt]] tables, or prompts = ["…", …]; keys: prompt, topic,
              technique, model, options, session, id. Top-level topic, technique,
              model, options and session apply to every entry.
  JSON Lines  one object per line with the same keys: {"prompt": "…", "topic": "…"}
  plain text  one prompt per line; blank lines and lines starting with # skipped

The format comes from the extension (.toml, .jsonl/.ndjson/.json, .txt) or the content.
Entry fields win over the flags below. Replies go to the entry's session, else
--session, else a new session per run named after the file (batch-ideas-txt,
batch-ideas-txt.2, …). Named sessions are created when missing.

--models, --temperatures and --seeds (comma-separated) make an ensemble: every entry
runs once per model × temperature × seed, concurrently, and each idea records which
source wrote it. An entry's own model (or temperature / seed option) wins. Into a
human-first session not revealed yet, the model's ideas are stored hidden.

--resume continues the newest session of this batch (or the named ones) and runs only
prompts that have not completed there, so a batch run to the end twice runs each prompt
exactly once. Ctrl-C or SIGTERM cancels the prompts in flight (their partial text is kept,
marked incomplete); everything finished is already saved.

Exit status: 0 all completed, 4 some failed (recorded with their reason), 3 nothing could
run (Ollama unreachable, or every model missing), 1 a problem with the file or a session
(nothing was sent), 2 bad usage, 130/143 interrupted by SIGINT/SIGTERM."""


def register(app: typer.Typer) -> None:
    app.command("batch", help=HELP)(batch)


def batch(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="Batch file (.toml, .jsonl, .txt) or - for stdin.")
    ],
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            "-j",
            min=1,
            max=256,
            help="How many prompts run at the same time, in total. [default: 4; with several"
            " hosts, --per-host × the number of hosts]",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Model for entries that name none."),
    ] = None,
    technique: Annotated[
        str | None,
        typer.Option("--technique", "-t", help="Technique for entries that name none."),
    ] = None,
    session: Annotated[
        str | None,
        typer.Option(
            "--session", "-s", help="Session id for entries that name none (created if missing)."
        ),
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option(
            "--topic",
            help="Topic for entries without one (otherwise a named session's topic, or the"
            " prompt itself).",
        ),
    ] = None,
    option: ModelOptions = None,
    structured: StructuredFlag = False,
    models: ModelsOption = None,
    temperatures: TemperaturesOption = None,
    seeds: SeedsOption = None,
    fmt: Annotated[
        str,
        typer.Option("--format", help=f"File format: auto, {', '.join(FORMATS)}."),
    ] = "auto",
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Skip prompts already completed in their session."),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print one JSON object per finished prompt to stdout (prompt, session, ideas,"
            " status, error).",
        ),
    ] = False,
) -> None:
    from brainstorm.batch import BatchError, BatchOptions, as_format, load_batch, plan_batch
    from brainstorm.cli.batch_progress import BatchReporter
    from brainstorm.ideation import get_technique
    from brainstorm.store import validate_session_name
    from brainstorm.store_errors import SessionLocked

    try:
        file_format = as_format(fmt)
    except BatchError as problem:
        raise typer.BadParameter(str(problem), param_hint="--format") from None
    options = parse_options(option)
    with fail_on_user_errors():
        state = get_state(ctx)
        settings = state.settings
        if concurrency is None:
            concurrency = default_concurrency(settings)
        ensemble = parse_ensemble(
            models, temperatures, seeds, default_model=model or settings.model
        )
        if technique is not None:
            technique = get_technique(technique).name
        if session is not None:
            session = validate_session_name(session.strip())
        batch_options = BatchOptions(
            model=model or settings.model,
            default_technique=settings.technique,
            technique=technique,
            session=session,
            topic=(topic or "").strip() or None,
            options=options,
            structured=structured,
            resume=resume,
            ensemble=ensemble,
        )
        try:
            batch_file = load_batch(file, file_format)
            plan = plan_batch(state.store, batch_file, batch_options)
        except BatchError as problem:
            error(str(problem), "Nothing was sent.")
        except SessionLocked as locked:
            holder = f"pid {locked.pid}" if locked.pid else "another process"
            error(
                f"session {locked.session_id} is in use by {holder} (another batch, `ask` or"
                " the app is writing to it); nothing was sent.",
                "Wait for it to finish, or send this batch to another session with --session.",
            )
        with plan:
            for message in plan.warnings:
                warn(message)
            reporter = BatchReporter(plan, concurrency=concurrency, as_json=as_json)
            try:
                report, interrupted_by = run_async(_run(plan, settings, concurrency, reporter))
            finally:
                reporter.stop()
            reporter.summary(report, interrupted_by)
            if not interrupted_by:  # stopped: leave the comparing to the next command
                _update_duplicates(plan, settings)
    raise typer.Exit(_exit_code(report, interrupted_by))


async def _run(
    plan: BatchPlan, settings: Settings, concurrency: int, reporter: BatchReporter
) -> tuple[BatchReport, str | None]:
    from brainstorm.batch import run_batch
    from brainstorm.cli.signals import StopOnSignals
    from brainstorm.generate import Stop

    if not plan.to_run:  # all completed already (--resume): no need for a model at all
        return await run_batch(plan, None, concurrency=concurrency, progress=reporter), None
    from brainstorm.llm import host_status, options_note, resolve_model, take_notes

    async with selected_backend(settings) as selection:
        backend = selection.backend
        await _check_server(backend)
        if note := options_note(backend, plan.options.options):
            warn(note)
        plan.create_sessions(backend)
        model = resolve_model(backend, plan.options.model)
        what = dataclasses.replace(selection, model=model).describe()
        reporter.backend = f"{what} at {backend.location}"
        members = list(dict.fromkeys(p.member for p in plan.prompts if p.member))
        if members:  # the default model is not what runs: say what does
            shown = ", ".join(members[:4]) + ", …" * (len(members) > 4)
            reporter.backend = (
                f"{backend.name} at {backend.location} · ensemble of {len(members)}"
                f" ({visible(shown)})"
            )
        hosts = host_status(backend) or []
        reporter.hosts = len(hosts)
        if len(hosts) > 1:
            reporter.backend += f" ({len(hosts)} hosts, {hosts[0].limit} per host)"
        stop = Stop()
        with StopOnSignals(stop, announce=reporter.interrupted) as signals:
            report = await run_batch(
                plan, backend, concurrency=concurrency, progress=reporter, stop=stop
            )
        # What the backend learned on the way (no structured output here, a host set
        # aside…), said once, after the progress.
        reporter.notes = take_notes(backend)
        return report, signals.received


def default_concurrency(settings: Settings) -> int:
    """4 prompts at once on one server; with several Ollama hosts, as many as they take."""
    from brainstorm.llm import DEFAULT_PER_HOST, several_hosts

    if several_hosts(settings):
        return (settings.per_host or DEFAULT_PER_HOST) * len(settings.hosts)
    return DEFAULT_CONCURRENCY


async def _check_server(backend: Backend) -> None:
    """One cheap request first: a server that is down fails the batch at once (exit 3),
    instead of recording every prompt as failed. Other answers are left to the prompts."""
    from brainstorm.llm.base import BackendError, BackendUnavailable

    try:
        await backend.list_models()
    except BackendUnavailable:
        raise
    except BackendError:  # a server error here is not the prompts' problem
        return


def _update_duplicates(plan: BatchPlan, settings: Settings) -> None:
    """The sessions' near-duplicate indexes, brought up to date while the batch holds them."""
    from brainstorm.cli.dup_progress import update_batch_duplicates
    from brainstorm.cli.signals import EXIT_INTERRUPTED

    try:
        update_batch_duplicates(plan, settings)
    except KeyboardInterrupt:
        warn("near-duplicates not compared (interrupted): the next show or stats compares them")
        raise typer.Exit(EXIT_INTERRUPTED.get("SIGINT", 130)) from None


def _exit_code(report: BatchReport, interrupted_by: str | None) -> int:
    from brainstorm.cli.signals import EXIT_INTERRUPTED

    if interrupted_by:
        return EXIT_INTERRUPTED.get(interrupted_by, 130)
    if report.nothing_could_run:
        return EXIT_BACKEND
    if report.count("failed") or report.count("cancelled"):
        return EXIT_SOME_FAILED
    return EXIT_OK
