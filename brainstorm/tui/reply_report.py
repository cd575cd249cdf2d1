"""How a finished reply is summed up in the status line: ideas kept, sources, what failed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from brainstorm.generate import GenerationOutcome
from brainstorm.llm.base import BackendError, BackendUnavailable
from brainstorm.models import Idea
from brainstorm.presentation import kept_refs
from brainstorm.tui.status_line import Level


def _error_text(error: BackendError | None) -> str:
    return error.message if error is not None else ""


def all_hidden(ideas: Sequence[Idea]) -> bool:
    """Human-first: every idea of the reply waits, hidden, for the reveal."""
    return bool(ideas) and all(i.hidden for i in ideas)


def stopped_summary(outcomes: Sequence[GenerationOutcome]) -> str:
    """Replies stopped by the person: which ideas their partial text became, and which of
    those is marked incomplete."""
    kept = [idea for outcome in outcomes for idea in outcome.ideas]
    if not kept:
        return "Stopped before any text arrived; nothing was kept."
    return f"Stopped. What arrived was kept as draft(s) {kept_refs(kept)}."


def reply_summary(outcome: GenerationOutcome, source: str) -> str:
    """One source's reply that did not fail (without the review keys)."""
    count = len(outcome.ideas)
    if all_hidden(outcome.ideas):
        return (
            f"{count} model idea{'s' * (count != 1)} stored hidden: write your own, then"
            " reveal them with shift+r."
        )
    speed = ""
    if outcome.stats is not None and outcome.stats.tokens_per_second:
        speed = f" ({outcome.stats.tokens_per_second:.0f} tokens/s)"
    return f"{count} new DRAFT idea{'s' * (count != 1)} from {source}{speed}."


def error_summary(outcome: GenerationOutcome) -> str:
    """A failed reply: the error, what of it was kept, and the error's hint."""
    error = outcome.error
    assert error is not None
    kept = ""
    if outcome.ideas:
        kept = f" What arrived was kept as {kept_refs(outcome.ideas)}."
    return f"{error.message}{kept} {error.hint or ''}".strip()


def all_unavailable(results: Sequence[GenerationOutcome]) -> BackendUnavailable | None:
    """The first error when every source failed because the server is not answering."""
    errors = [r.error for r in results if r.error is not None]
    if len(errors) == len(results) and all(isinstance(e, BackendUnavailable) for e in errors):
        first = errors[0]
        assert isinstance(first, BackendUnavailable)
        return first
    return None


def ensemble_summary(results: Sequence[GenerationOutcome]) -> tuple[str, Level]:
    """The end of an ensemble: how many ideas came from how many sources, and which sources
    failed (their partial text is kept like a single reply's). Text (without the review
    keys) and level."""
    ideas = [idea for r in results for idea in r.ideas]
    failed = [r for r in results if r.error is not None]
    answered = len(results) - len(failed)
    count = len(ideas)
    if all_hidden(ideas):
        summary = (
            f"{count} model idea{'s' * (count != 1)} from {answered} of {len(results)}"
            " sources stored hidden: write your own, then reveal them with shift+r."
        )
    else:
        summary = (
            f"{count} new DRAFT idea{'s' * (count != 1)} from {answered} of"
            f" {len(results)} sources; each card names its source."
        )
    if failed:
        reasons = "; ".join(f"{r.label}: {_error_text(r.error)}" for r in failed)
        summary += f" Failed: {reasons}."
    level: Level = "error" if failed and not answered else "warning" if failed else "info"
    return summary, level


@dataclass(frozen=True)
class FinishedReport:
    """What the status line says when every reply of a request has ended."""

    text: str
    level: Level = "info"
    #: The card to bring into view for review (None: no card to show).
    review_from: int | None = None
    #: Whether the screen appends which keys review the new cards.
    review_keys: bool = False


def finished_report(outcomes: Sequence[GenerationOutcome], source: str) -> FinishedReport:
    """The summary of a finished request (``source``: how the live cards named its source):
    what was stopped, kept, failed or hidden, and the card to review first."""
    if any(outcome.cancelled for outcome in outcomes):
        kept = [idea for outcome in outcomes for idea in outcome.ideas if not idea.hidden]
        return FinishedReport(stopped_summary(outcomes), review_from=kept[-1].id if kept else None)
    if len(outcomes) > 1:
        summary, level = ensemble_summary(outcomes)
        ideas = [idea for outcome in outcomes for idea in outcome.ideas]
        shown = bool(ideas) and not ideas[0].hidden
        return FinishedReport(
            summary, level, review_from=ideas[0].id if shown else None, review_keys=shown
        )
    outcome = outcomes[0]
    if outcome.error is not None:
        return FinishedReport(error_summary(outcome), "error")
    summary = reply_summary(outcome, source)
    if all_hidden(outcome.ideas):
        return FinishedReport(summary)
    first = outcome.ideas[0].id if outcome.ideas else None
    return FinishedReport(summary, review_from=first, review_keys=True)
