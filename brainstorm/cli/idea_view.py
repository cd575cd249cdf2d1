"""How ideas and sessions look from the CLI: an idea as terminal text with its status badge,
and ideas and sessions as the dictionaries `--json` prints.

Rich, the models and the metrics are imported by the functions, when a command runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from rich.text import Text

    from brainstorm.duplicates import DuplicateReport, NearDuplicates
    from brainstorm.models import Idea, Session


_BADGES: dict[str, str] = {  # by status value
    "draft": "bold black on yellow",
    "accepted": "bold black on green",
    "rejected": "bold white on red",
}


def render_idea(idea: Idea, near: NearDuplicates | None = None) -> Text:
    """One idea for the terminal. Model text goes in as plain Text (never markup) and with its
    control characters made visible. ``near``: its near-duplicates, flagged as "≈ #3 #7 +2"."""
    from rich.text import Text

    from brainstorm.models import Author
    from brainstorm.presentation import duplicate_flag, source_label, status_label

    human = idea.author is Author.HUMAN
    style = "bold black on cyan" if human else _BADGES[idea.status.value]
    line = Text(f"#{idea.id:<3} ", style="bold")
    line.append(f" {status_label(idea)} ", style=style)
    if idea.incomplete:
        line.append(" INCOMPLETE ", style="bold white on magenta")
    if idea.echo_of_prompt:
        line.append(" ECHOES PROMPT ", style="bold black on bright_yellow")
    if near is not None and near.count:
        line.append(f" {duplicate_flag(near.nearest, near.count)} ", style="bold black on white")
    if idea.title:
        line.append(" ")
        line.append(visible(idea.title), style="bold")
    line.append("\n")
    for text_line in visible(idea.text).splitlines() or [""]:
        line.append(f"     {text_line}\n")
    source = "written by you" if idea.author is Author.HUMAN else f"by {source_label(idea)}"
    details = [source]
    if idea.technique:
        details.append(idea.technique)
    if idea.revisions:
        details.append(f"{idea.revision_count} revision{'s' * (idea.revision_count != 1)}")
    if idea.author is Author.MODEL and idea.title != idea.original_title:
        details.append("title edited")
    line.append(visible(f"     {' · '.join(details)}"), style="dim")
    return line


def idea_json(idea: Idea, report: DuplicateReport | None = None) -> dict[str, Any]:
    """An idea for --json. With ``report``: its nearest near-duplicates (at most a few),
    how many it has, and the leader of its group (None when in none)."""
    from brainstorm.metrics.idea import idea_metrics
    from brainstorm.presentation import source_label

    near = report.near(idea.id) if report is not None else None
    group = report.group_of(idea.id) if report is not None else None
    return {
        "id": idea.id,
        "status": idea.status.value,
        "author": idea.author.value,
        "model": idea.model,
        "backend": idea.backend,
        "host": idea.host,
        "source": source_label(idea),
        "technique": idea.technique,
        "title": idea.title,
        "original_title": idea.original_title,
        "original": idea.original,
        "text": idea.text,
        "revisions": idea.revision_count,
        "incomplete": idea.incomplete,
        "echo_of_prompt": idea.echo_of_prompt,
        "accepted_as_is": idea.accepted_as_is,
        "hidden": idea.hidden,
        "created_at": idea.created_at.isoformat(),
        "options": idea.options,
        "metrics": idea_metrics(idea).model_dump(mode="json"),
        "before_reveal": idea.before_reveal,
        "duplicates": list(near.nearest) if near else [],
        "near_duplicates": near.count if near else 0,
        "duplicate_group": group.leader if group else None,
    }


def session_json(
    session: Session, warnings: list[str], report: DuplicateReport | None = None
) -> dict[str, Any]:
    """A session for `show --json`: its visible ideas only (hidden model ideas of a
    human-first round are counted in ``hidden_ideas``, never shown), and every prompt with its
    reply verbatim (withheld too until the reveal). ``default_model`` is the model configured
    when the session was made; ``models`` are those that wrote in it."""
    from brainstorm.cli.replies_view import prompts_json

    ideas = session.visible_ideas()
    return {
        "id": session.id,
        "topic": session.topic,
        "technique": session.technique,
        "default_model": session.default_model,
        "models": session.models_that_wrote(),
        "created_at": session.created_at.isoformat(),
        "updated_at": session.updated_at.isoformat(),
        "counts": session.count_by_status(),
        "human_first": session.human_first,
        "revealed": session.revealed,
        "hidden_ideas": len(session.ideas) - len(ideas),
        "ideas": [idea_json(idea, report) for idea in ideas],
        "prompts": prompts_json(session),
        "duplicates": report.as_json() if report else None,
        "warnings": warnings,
    }
