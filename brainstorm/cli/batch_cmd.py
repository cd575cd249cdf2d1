"""`brainstorm batch`: many prompts from a file, concurrently, resumable. Thin over
`brainstorm.batch`, which does the work; this module parses flags and shows progress."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from brainstorm.batch import (
    FORMATS,
    BatchError,
    BatchOptions,
    BatchPlan,
    BatchProgress,
    BatchReport,
    PlannedPrompt,
    PromptResult,
    as_format,
    load_batch,
    plan_batch,
    run_batch,
)
from brainstorm.cli.common import (
    EXIT_BACKEND,
    EXIT_OK,
    ModelOptions,
    ModelsOption,
    SeedsOption,
    StructuredFlag,
    TemperaturesOption,
    error,
    fail_on_user_errors,
    get_state,
    parse_options,
    parse_sources,
    run_async,
    selected_backend,
    stderr,
    warn,
)
from brainstorm.config import Settings
from brainstorm.ensemble import parse_floats, parse_ints, parse_names
from brainstorm.ideation import get_technique
from brainstorm.llm.base import Backend, BackendError, BackendUnavailable
from brainstorm.store import SessionLocked, validate_session_name
from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

EXIT_SOME_FAILED = 4
EXIT_INTERRUPTED = {"SIGINT": 130, "SIGTERM": 143}

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
        int,
        typer.Option(
            "--concurrency", "-j", min=1, max=256, help="How many prompts run at the same time."
        ),
    ] = 4,
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
    try:
        file_format = as_format(fmt)
    except BatchError as problem:
        raise typer.BadParameter(str(problem), param_hint="--format") from None
    options = parse_options(option)
    with fail_on_user_errors():
        state = get_state(ctx)
        settings = state.settings
        # Checks the lists (a bad one is a usage error) and the size of the ensemble.
        parse_sources(models, temperatures, seeds, default_model=model or settings.model)
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
            models=tuple(parse_names(models)) if models is not None else (),
            temperatures=tuple(parse_floats(temperatures)) if temperatures is not None else (),
            seeds=tuple(parse_ints(seeds)) if seeds is not None else (),
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
            reporter = _Reporter(plan, concurrency=concurrency, as_json=as_json)
            try:
                report = run_async(_run(plan, settings, concurrency, reporter))
            finally:
                reporter.stop()
        reporter.summary(report)
    raise typer.Exit(_exit_code(report))


async def _run(
    plan: BatchPlan, settings: Settings, concurrency: int, reporter: _Reporter
) -> BatchReport:
    if not plan.to_run:  # all completed already (--resume): no need for a model at all
        return await run_batch(plan, None, concurrency=concurrency, progress=reporter)
    from brainstorm.llm import resolve_model

    async with selected_backend(settings) as selection:
        backend = selection.backend
        await _check_server(backend)
        plan.create_sessions()
        model = resolve_model(backend, plan.options.model)
        what = dataclasses.replace(selection, model=model).describe()
        reporter.backend = f"{what} at {backend.location}"
        sources = list(dict.fromkeys(p.source for p in plan.prompts if p.source))
        if sources:  # the default model is not what runs: say what does
            shown = ", ".join(sources[:4]) + ", …" * (len(sources) > 4)
            reporter.backend = (
                f"{backend.name} at {backend.location} · ensemble of {len(sources)}"
                f" ({visible(shown)})"
            )
        return await run_batch(
            plan, backend, concurrency=concurrency, progress=reporter, handle_signals=True
        )


async def _check_server(backend: Backend) -> None:
    """One cheap request first: a server that is down fails the batch at once (exit 3),
    instead of recording every prompt as failed. Other answers are left to the prompts."""
    try:
        await backend.list_models()
    except BackendUnavailable:
        raise
    except BackendError:  # a server error here is not the prompts' problem
        return


def _exit_code(report: BatchReport) -> int:
    if report.interrupted_by:
        return EXIT_INTERRUPTED.get(report.interrupted_by, 130)
    if report.nothing_could_run:
        return EXIT_BACKEND
    if report.count("failed") or report.count("cancelled"):
        return EXIT_SOME_FAILED
    return EXIT_OK


def _short(text: str, width: int = 60) -> str:
    one_line = " ".join(visible(text).split())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"


def _where(prompt: PlannedPrompt) -> str:
    """`line 3`, or `line 3 [llama3.2 @ t=0.9]` for a member of an ensemble."""
    return f"{prompt.where} [{visible(prompt.source)}]" if prompt.source else prompt.where


def _asked(prompt: PlannedPrompt) -> str:
    return prompt.entry.prompt or prompt.entry.topic or ""


def _ideas(ids: list[int]) -> str:
    if not ids:
        return "no ideas"
    span = f"#{ids[0]}" if len(ids) == 1 else f"#{ids[0]}–#{ids[-1]}"
    return f"{len(ids)} draft idea{'s' * (len(ids) != 1)} ({span})"


class _Reporter(BatchProgress):
    """Progress on stderr (a Rich bar on a terminal, plain lines otherwise) and, with
    --json, one JSON object per finished prompt on stdout."""

    def __init__(self, plan: BatchPlan, *, concurrency: int, as_json: bool) -> None:
        self.plan = plan
        self.concurrency = concurrency
        self.as_json = as_json
        self.backend = ""
        self.done = 0
        self.failed = 0
        self.total = 0
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    # -- BatchProgress

    def batch_started(self, plan: BatchPlan) -> None:
        self.total = len(plan.to_run)
        sessions = ", ".join(plan.session_ids) or "(none)"
        skipped = len(plan.skipped)
        head = Text(f"batch {visible(plan.batch.source)}: {self.total} prompt(s)", style="bold")
        if skipped:
            head.append(f", {skipped} already completed (skipped)", style="bold")
        details = [f"session {sessions}"]
        if self.total:
            details += [self.backend, f"concurrency {self.concurrency}"]
        head.append(" → " + " · ".join(details), style="dim")
        stderr.print(head)
        if self.total and stderr.is_terminal:
            self._start_bar()

    def prompt_started(self, prompt: PlannedPrompt) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(
                self.task,
                description=f"{_where(prompt)}: {_short(_asked(prompt), 40)}",
            )

    def prompt_finished(self, result: PromptResult) -> None:
        self.done += 1
        if result.status != "completed":
            self.failed += 1
        if self.as_json:
            self._json(result.as_json())
        line = self._line(result)
        if self.progress is not None and self.task is not None:
            if result.status != "completed":
                self.progress.console.print(line)
            self.progress.update(
                self.task, completed=self.done, ok=self.done - self.failed, bad=self.failed
            )
        else:
            stderr.print(line)

    def interrupted(self, signal_name: str) -> None:
        message = Text(
            f"{signal_name}: cancelling the prompts in flight (their partial text is kept)…",
            style="yellow",
        )
        if self.progress is not None:
            self.progress.console.print(message)
        else:
            stderr.print(message)

    # -- display

    def _start_bar(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            SpinnerColumn(),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[green]✓ {task.fields[ok]}[/] [red]✗ {task.fields[bad]}[/]"),
            TimeElapsedColumn(),
            TextColumn("{task.description}", markup=False),
            console=stderr,
            transient=False,
            # --json lines belong on stdout, not in the bar's console on stderr.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.task = self.progress.add_task("", total=self.total, ok=0, bad=0)
        self.progress.start()

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def _line(self, result: PromptResult) -> Text:
        width = len(str(self.total))
        prompt = result.prompt
        line = Text(f"[{self.done:>{width}}/{self.total}] ")
        if result.status == "completed":
            line.append("done     ", style="green")
            detail = _ideas(result.idea_ids)
        elif result.status == "cancelled":
            line.append("CANCELLED", style="yellow")
            detail = "cancelled" + f", partial text kept: {_ideas(result.idea_ids)}" * bool(
                result.idea_ids
            )
        else:
            line.append("FAILED   ", style="bold red")
            detail = visible(result.error or "failed")
        line.append(f" {_where(prompt)} → {result.session_id}: {detail}  ")
        line.append(_short(_asked(prompt)), style="dim")
        return line

    def _json(self, data: dict[str, Any]) -> None:
        line = json.dumps(data, ensure_ascii=False)
        if self.progress is not None and sys.stdout.isatty():
            # Both on the screen: print above the bar rather than through it.
            self.progress.console.print(line, markup=False, highlight=False, soft_wrap=True)
            return
        try:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader went away (`| head`): keep running and storing, stop printing.
            self.as_json = False
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)

    def summary(self, report: BatchReport) -> None:
        completed, failed = report.count("completed"), report.count("failed")
        cancelled = report.count("cancelled")
        parts = [f"{completed} completed"]
        if failed:
            parts.append(f"{failed} failed")
        if cancelled:
            parts.append(f"{cancelled} cancelled")
        if report.not_started:
            parts.append(f"{report.not_started} not started")
        if report.skipped:
            parts.append(f"{report.skipped} skipped (already completed)")
        line = Text(f"{', '.join(parts)} in {report.elapsed:.2f} s.", style="bold")
        stderr.print(line)
        if report.interrupted_by or failed or cancelled or report.not_started:
            stderr.print(
                Text(
                    "Run the same command with --resume to run only what has not completed.",
                    style="dim",
                )
            )
        hints = dict.fromkeys(r.hint for r in report.results if r.status == "failed" and r.hint)
        for hint in list(hints)[:3]:
            stderr.print(Text(visible(hint or ""), style="dim"))
        for session_id in self.plan.session_ids:
            stderr.print(
                Text(
                    f"Review the drafts: brainstorm show {session_id} (or open the app).",
                    style="dim",
                )
            )
