"""How much people revised the model: `stats` (figures) and `history` (revisions and diff)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from brainstorm.cli.common import IdeaArg, JsonFlag, SessionArg, duplicate_report, get_state
from brainstorm.cli.console import stdout
from brainstorm.cli.errors import fail_on_user_errors, warn
from brainstorm.cli.json_output import print_json

if TYPE_CHECKING:
    from brainstorm.metrics.session import SessionMetrics
    from brainstorm.store import SessionStore

    pass
from brainstorm.cli.terminal import guarded
from brainstorm.textsafe import visible


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
    app.command("history")(history)


def _figures_json(figures: SessionMetrics) -> dict[str, Any]:
    return figures.model_dump(mode="json")


def stats(
    ctx: typer.Context,
    session: Annotated[
        str | None, typer.Argument(help="Session id (or a unique prefix).", show_default=False)
    ] = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Without SESSION: figures across every session, by model and technique."
            " With SESSION: list every idea and duplicate group (by default a long tail is"
            " summed up in a line).",
        ),
    ] = False,
    duplicates: Annotated[
        str | None,
        typer.Option(
            "--duplicates",
            help="How near-duplicates are found: text, embeddings or auto."
            " [default: the duplicates setting, text]",
            show_default=False,
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help="Similarity (0–1] from which ideas count as near-duplicates."
            " [default: 0.80 text, 0.85 embeddings]",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """How much the model's ideas were revised, how diverse the ideas are (near-duplicate
    groups), and for human-first sessions your ideas against the model's. Per idea and per
    session (or --all)."""
    from brainstorm.cli.stats_tables import (
        GROUPS_SHOWN,
        ROWS_SHOWN,
        diversity_table,
        human_first_table,
        ideas_table,
        summary_table,
    )
    from brainstorm.metrics.idea import session_idea_metrics
    from brainstorm.metrics.session import aggregate

    if session is None and not every:
        raise typer.BadParameter("give a SESSION, or --all for every session")
    with fail_on_user_errors():
        state = get_state(ctx)
        state.flags.update(
            {
                key: value
                for key, value in (("duplicates", duplicates), ("duplicate_threshold", threshold))
                if value is not None
            }
        )
        store = state.store
        if session is None:
            _stats_all(store.ids(), store, as_json)
            return
        loaded = store.load(session)
        for message in loaded.warnings:
            warn(message)
        s = loaded.session
        from brainstorm.rounds import comparison_texts, human_first_figures

        # Embeddings asked for (not auto): no other method answers in their place.
        report, similarity = duplicate_report(state, s, comparison_texts(s), strict=True)
        rounds = human_first_figures(s, similarity)
        from brainstorm.exhaustion import exhaustion_curve, side_similarity

        curve = exhaustion_curve(s, report)
        side = side_similarity(s, similarity)
    per_idea = session_idea_metrics(s)
    figures = aggregate(per_idea.values())
    if as_json:
        print_json(
            {
                "session": {"id": s.id, "topic": s.topic, **_figures_json(figures)},
                "ideas": [
                    {
                        "id": idea_id,
                        **m.model_dump(mode="json"),
                        "hidden": s.ideas[idea_id].hidden and not s.revealed,
                        "duplicates": report.duplicates_of(idea_id),
                        "near_duplicates": report.near(idea_id).count,
                        "duplicate_group": group.leader
                        if (group := report.group_of(idea_id))
                        else None,
                    }
                    for idea_id, m in per_idea.items()
                ],
                "duplicates": report.as_json(),
                "human_first": rounds.as_json() if rounds else None,
                "exhaustion": curve.as_json(),
                "similarity": side.as_json(),
            }
        )
        return
    rows, groups = (None, None) if every else (ROWS_SHOWN, GROUPS_SHOWN)
    stdout.print(summary_table(f"{visible(s.topic)} ({s.id})", figures))
    stdout.print()
    stdout.print(diversity_table(s, report, limit=groups))
    from brainstorm.cli.converge_tables import exhaustion_table, side_table, verdict_lines

    stdout.print()
    if curve.rounds:
        stdout.print(exhaustion_table(curve))
    for line in verdict_lines(curve, s.id):
        # Wrapped at the terminal's width (stdout soft-wraps by default, for pasteable output):
        # a verdict is prose, and stats fits 80 columns.
        stdout.print(line, soft_wrap=False)
    stdout.print()
    stdout.print(side_table(side))
    if rounds is not None:
        stdout.print()
        stdout.print(human_first_table(s, rounds))
    if per_idea:
        stdout.print()
        stdout.print(ideas_table(s, per_idea, report, limit=rows, width=stdout.width))


def _stats_all(ids: list[str], store: SessionStore, as_json: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    from brainstorm.cli.stats_tables import bar, pct, summary_table
    from brainstorm.metrics.session import group_metrics, overall_metrics
    from brainstorm.models import Session
    from brainstorm.store_errors import StoreError

    sessions: list[Session] = []
    for session_id in ids:
        try:
            loaded = store.load(session_id)
        except StoreError as problem:  # one broken file must not hide the others' figures
            warn(f"skipped {session_id}: {problem}")
            continue
        sessions.append(loaded.session)
    overall = overall_metrics(sessions)
    by_model = group_metrics(sessions, "model")
    by_technique = group_metrics(sessions, "technique")
    if as_json:
        print_json(
            {
                "overall": _figures_json(overall),
                "by_model": {k: _figures_json(v) for k, v in by_model.items()},
                "by_technique": {k: _figures_json(v) for k, v in by_technique.items()},
                "sessions": [
                    {"id": s.id, "topic": s.topic, **_figures_json(overall_metrics([s]))}
                    for s in sessions
                ],
            }
        )
        return
    stdout.print(summary_table(f"All sessions ({len(sessions)})", overall))
    for title, groups in (("By model", by_model), ("By technique", by_technique)):
        stdout.print()
        table = Table(title=title, title_justify="left", box=None, header_style="bold")
        for column in ("", "ideas", "accepted as-is", "word edit rate", "", "model words kept"):
            table.add_column(column)
        for name, figures in groups.items():
            table.add_row(
                Text(visible(name)),
                str(figures.ideas),
                pct(figures.accepted_as_is_share),
                pct(figures.word_edit_rate),
                bar(figures.word_edit_rate),
                pct(figures.model_retention),
            )
        stdout.print(table)


def history(
    ctx: typer.Context,
    session: SessionArg,
    idea: IdeaArg,
    color: Annotated[
        bool | None,
        typer.Option(
            "--color/--no-color",
            help="Colour the diff. [default: only on a terminal]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """An idea's story: the model's original, each revision, and a word diff to now."""
    from rich.console import Console
    from rich.text import Text

    from brainstorm import review
    from brainstorm.cli.decisions import print_decisions
    from brainstorm.metrics.diff import word_diff
    from brainstorm.presentation import status_label

    with fail_on_user_errors():
        idea_id = review.parse_idea_ref(idea)
        loaded = get_state(ctx).store.load(session)
        current = review.reviewable(loaded.session, idea_id)
    use_color = sys.stdout.isatty() if color is None else color
    when = "%Y-%m-%d %H:%M:%S"
    heading = Text(f"#{current.id} ", style="bold")
    heading.append(status_label(current), style="bold")
    stdout.print(heading)
    if current.original is None:
        stdout.print(Text(f"written by a person, {current.created_at.astimezone():{when}}"))
        stdout.print(Text(visible(current.text)))
        stdout.print(Text("(no model original to compare with)", style="dim"))
        print_decisions(current)
        return
    stdout.print(
        Text(
            f"\nmodel original ({visible(current.source)},"
            f" {current.created_at.astimezone():{when}})"
        )
    )
    if current.original_title:
        stdout.print(Text(visible(current.original_title), style="bold"))
    stdout.print(Text(visible(current.original)))
    for number, revision in enumerate(current.revisions, start=1):
        stdout.print(Text(f"\nrevision {number} ({revision.at.astimezone():{when}})"))
        if revision.title_changed:
            stdout.print(Text(visible(revision.title or "(title removed)"), style="bold"))
        stdout.print(Text(visible(revision.text)))
    stdout.print(Text("\ndiff, model original → current"))
    if not current.revisions:
        stdout.print(Text("(unchanged)"))
        print_decisions(current)
        return
    diff = Text()
    for tag, chunk in word_diff(current.original, current.text):
        shown = visible(chunk)
        if tag == "equal":
            diff.append(shown)
        elif use_color:
            style = "bold green" if tag == "insert" else "red strike"
            diff.append(shown, style=style)
        else:  # git's plain word-diff notation
            core = shown.rstrip()
            mark = ("{+", "+}") if tag == "insert" else ("[-", "-]")
            diff.append(f"{mark[0]}{core}{mark[1]}{shown[len(core) :]}")
    if use_color:
        terminal = guarded("stdout")
        Console(file=terminal, force_terminal=True, highlight=False, soft_wrap=True).print(diff)
    else:
        sys.stdout.write(diff.plain.rstrip() + "\n")
    print_decisions(current)
