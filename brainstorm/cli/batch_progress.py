"""What `brainstorm batch` shows while it runs: a progress bar (or plain lines) on stderr and,
with --json, one JSON object per finished prompt on stdout."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

from rich.text import Text

from brainstorm.batch import BatchPlan, BatchProgress, BatchReport, PlannedPrompt, PromptResult
from brainstorm.cli.console import stderr
from brainstorm.cli.hints import cli_hint
from brainstorm.textsafe import json_visible, visible

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


def _short(text: str, width: int = 60) -> str:
    one_line = " ".join(visible(text).split())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"


def _where(prompt: PlannedPrompt) -> str:
    """`line 3`, or `line 3 [llama3.2 @ t=0.9]` for a member of an ensemble."""
    return f"{prompt.where} [{visible(prompt.member)}]" if prompt.member else prompt.where


def _asked(prompt: PlannedPrompt) -> str:
    return prompt.entry.prompt or prompt.entry.topic or ""


def ideas_saved(ids: list[int]) -> str:
    if not ids:
        return "no ideas"
    # Prompts run side by side take turns at the numbers: a range only where it is one.
    contiguous = ids == list(range(ids[0], ids[0] + len(ids)))
    span = (
        f"#{ids[0]}–#{ids[-1]}" if contiguous and len(ids) > 1 else " ".join(f"#{i}" for i in ids)
    )
    return f"{len(ids)} draft idea{'s' * (len(ids) != 1)} ({span})"


class BatchReporter(BatchProgress):
    """Progress on stderr (a Rich bar on a terminal, plain lines otherwise) and, with
    --json, one JSON object per finished prompt on stdout."""

    def __init__(self, plan: BatchPlan, *, concurrency: int, as_json: bool) -> None:
        self.plan = plan
        self.concurrency = concurrency
        self.as_json = as_json
        self.backend = ""
        self.hosts = 0  # several Ollama hosts: each line names the host that answered
        self.notes: list[str] = []  # what the backend learned, said after the batch
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
            detail = ideas_saved(result.idea_ids)
        elif result.status == "cancelled":
            line.append("CANCELLED", style="yellow")
            detail = "cancelled" + f", partial text kept: {ideas_saved(result.idea_ids)}" * bool(
                result.idea_ids
            )
        else:
            line.append("FAILED   ", style="bold red")
            detail = visible(result.reason or "failed")
        line.append(f" {_where(prompt)} → {result.session_id}: {detail}")
        if self.hosts > 1 and result.outcome.host:
            line.append(f" on {result.outcome.host}", style="dim")
        for retry in result.outcome.retries:
            line.append(f" (retried: {retry.host or 'a host'} failed)", style="yellow")
        line.append("  ")
        line.append(_short(_asked(prompt)), style="dim")
        return line

    def _json(self, data: dict[str, Any]) -> None:
        line = json_visible(json.dumps(data, ensure_ascii=False))
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

    def summary(self, report: BatchReport, interrupted_by: str | None) -> None:
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
        retried = sum(1 for r in report.results if r.outcome.retries)
        if retried:
            parts.append(f"{retried} retried on another host")
        line = Text(f"{', '.join(parts)} in {report.elapsed:.2f} s.", style="bold")
        stderr.print(line)
        for note in self.notes:
            stderr.print(Text(f"note: {visible(note)}", style="yellow"))
        if interrupted_by or failed or cancelled or report.not_started:
            stderr.print(
                Text(
                    "Run the same command with --resume to run only what has not completed.",
                    style="dim",
                )
            )
        hints = dict.fromkeys(
            cli_hint(r.error) for r in report.results if r.error is not None and cli_hint(r.error)
        )
        for hint in list(hints)[:3]:
            stderr.print(Text(visible(hint or ""), style="dim"))
        for session_id in self.plan.session_ids:
            stderr.print(
                Text(
                    f"Review the drafts: brainstorm show {session_id} (or open the app).",
                    style="dim",
                )
            )
