"""How much people revised the model: `stats` (figures) and `history` (revisions and diff)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from brainstorm import review
from brainstorm.cli.common import (
    IdeaArg,
    JsonFlag,
    SessionArg,
    fail_on_user_errors,
    get_state,
    print_json,
    similarity_for,
    stdout,
    warn,
)
from brainstorm.cli.decisions import print_decisions
from brainstorm.metrics import (
    IdeaMetrics,
    SessionMetrics,
    aggregate,
    group_metrics,
    overall_metrics,
    session_idea_metrics,
    word_diff,
)
from brainstorm.models import Session

if TYPE_CHECKING:
    from brainstorm.duplicates import DuplicateReport
    from brainstorm.rounds import HumanFirstFigures
from brainstorm.presentation import status_label
from brainstorm.store import SessionStore, StoreError
from brainstorm.textsafe import visible

BAR_WIDTH = 10


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
    app.command("history")(history)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _bar(rate: float | None) -> Text:
    """A bar for an edit rate (full at 100%; longer rates are capped and marked)."""
    if rate is None:
        return Text("")
    filled = round(min(rate, 1.0) * BAR_WIDTH)
    bar = Text("█" * filled, style="magenta")
    bar.append("·" * (BAR_WIDTH - filled), style="dim")
    if rate > 1:
        bar.append("+", style="bold magenta")
    return bar


def _summary_table(title: str, figures: SessionMetrics) -> Table:
    table = Table(title=title, title_justify="left", box=None, show_header=False)
    table.add_column("figure", style="bold")
    table.add_column("value")
    counts = figures.by_status
    rows = [
        (
            "ideas",
            f"{figures.ideas} ({figures.model_ideas} by the model,"
            f" {figures.human_ideas} by people)",
        ),
        (
            "status",
            f"{counts.get('draft', 0)} draft · {counts.get('accepted', 0)} accepted · "
            f"{counts.get('rejected', 0)} rejected",
        ),
        ("model ideas edited", str(figures.edited_model_ideas)),
        ("word edit rate", _pct(figures.word_edit_rate)),
        ("char edit rate", _pct(figures.char_edit_rate)),
        ("model words kept", _pct(figures.model_retention)),
        ("model share of final text", _pct(figures.model_share)),
        (
            "accepted as-is",
            f"{figures.accepted_as_is} of {figures.accepted_model_ideas} accepted model ideas"
            f" ({_pct(figures.accepted_as_is_share)})",
        ),
        (
            "accepted text written by",
            f"model {figures.model_words_in_accepted} words · people "
            f"{figures.human_words_in_accepted} words ({_pct(figures.model_share_of_accepted)}"
            " model)",
        ),
        ("revisions", str(figures.revisions)),
    ]
    if figures.mean_edit_seconds is not None:
        rows.append(("mean time to last edit", f"{figures.mean_edit_seconds:.0f} s"))
    for name, value in rows:
        table.add_row(name, value)
    return table


def _ideas_table(
    session: Session, per_idea: dict[int, IdeaMetrics], report: DuplicateReport | None = None
) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False)
    # Fixed columns keep their width; the idea's text takes what is left, cut with an ellipsis.
    for column, width in (("#", 3), ("status", 20), ("revs", 4), ("edits", 5), ("", BAR_WIDTH)):
        table.add_column(column, no_wrap=True, min_width=width)
    table.add_column("idea", no_wrap=True, overflow="ellipsis", ratio=1)
    for idea_id, figures in per_idea.items():
        idea = session.ideas[idea_id]
        label = visible(idea.title or idea.text).splitlines()[0] if idea.text else ""
        if idea.hidden and not session.revealed:
            label = "(the model's, hidden until you reveal them)"
        elif report is not None and (others := report.duplicates_of(idea_id)):
            label = "≈ " + " ".join(f"#{i}" for i in others) + "  " + label
        table.add_row(
            f"#{idea_id}",
            status_label(idea),
            str(figures.revisions),
            _pct(figures.word_edit_rate),
            _bar(figures.word_edit_rate),
            Text(label),
        )
    return table


def _figures_json(figures: SessionMetrics) -> dict[str, Any]:
    return figures.model_dump(mode="json")


def stats(
    ctx: typer.Context,
    session: Annotated[
        str | None, typer.Argument(help="Session id (or a unique prefix).", show_default=False)
    ] = None,
    all_sessions: Annotated[
        bool, typer.Option("--all", help="Figures across every session, by model and technique.")
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
    if (session is None) == (not all_sessions):
        raise typer.BadParameter("give a SESSION or --all (not both)")
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
        if all_sessions:
            _stats_all(store.ids(), store, as_json)
            return
        assert session is not None
        loaded = store.load(session)
        for message in loaded.warnings:
            warn(message)
        s = loaded.session
        from brainstorm.duplicates import idea_text, session_duplicates, session_ideas
        from brainstorm.rounds import comparison_texts, human_first_figures

        texts = [idea_text(idea) for idea in session_ideas(s)] + comparison_texts(s)
        similarity = similarity_for(state.settings, texts)
        report = session_duplicates(s, similarity)
        rounds = human_first_figures(s, similarity)
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
                    }
                    for idea_id, m in per_idea.items()
                ],
                "duplicates": report.as_json(),
                "human_first": rounds.as_json() if rounds else None,
            }
        )
        return
    stdout.print(_summary_table(f"{visible(s.topic)} ({s.id})", figures))
    stdout.print()
    stdout.print(_diversity_table(s, report))
    if rounds is not None:
        stdout.print()
        stdout.print(_human_first_table(s, rounds))
    if per_idea:
        stdout.print()
        stdout.print(_ideas_table(s, per_idea, report))


def _idea_label(session: Session, idea_id: int, width: int = 50) -> str:
    idea = session.ideas[idea_id]
    text = " ".join(visible(idea.title or idea.text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _diversity_table(session: Session, report: DuplicateReport) -> Table:
    table = Table(
        title="Diversity (near-duplicates)", title_justify="left", box=None, show_header=False
    )
    table.add_column("figure", style="bold")
    table.add_column("value")
    method = f"{report.method} similarity ≥ {report.threshold:.2f}"
    if report.method == "embeddings" and report.embedding_model:
        method += f" ({report.embedding_model})"
    table.add_row("compared", f"{report.ideas} ideas, {method}")
    if report.note and report.requested == "auto":  # an explicit choice was warned about
        table.add_row("", Text(f"auto: {report.note}", style="dim"))
    table.add_row(
        "distinct ideas",
        f"{report.distinct} of {report.ideas} ({_pct(report.distinct_share)})"
        f" · {report.duplicated_ideas} in {len(report.groups)} duplicate group(s)",
    )
    distance = report.mean_pairwise_distance
    table.add_row("mean pairwise distance", "–" if distance is None else f"{distance:.2f}")
    for group in report.groups:
        ids = " ".join(f"#{i}" for i in group.ids)
        table.add_row(
            Text(f"≈ {ids}"),
            Text(f"{_idea_label(session, group.ids[0])} (≥ {group.similarity:.2f})"),
        )
    return table


def _human_first_table(session: Session, rounds: HumanFirstFigures) -> Table:
    table = Table(
        title="Human-first round: your ideas before the reveal vs the model's hidden ones",
        title_justify="left",
        box=None,
        header_style="bold",
    )
    table.add_column("")
    table.add_column("yours")
    table.add_column("model's")
    you, model = rounds.human, rounds.model
    table.add_row("ideas", str(you.ideas), str(model.ideas))
    if not rounds.revealed:
        table.add_row(
            "",
            "",
            Text(f"hidden: `brainstorm reveal {session.id}` to compare", style="dim"),
        )
        return table
    table.add_row("accepted", str(you.accepted), str(model.accepted))
    table.add_row("rejected", str(you.rejected), str(model.rejected))
    table.add_row("still draft", str(you.draft), str(model.draft))
    revision = rounds.model_revision
    if revision is not None and revision.model_ideas:
        table.add_row("edited by you", "", str(revision.edited_model_ideas))
        table.add_row("word edit rate", "", _pct(revision.word_edit_rate))
        table.add_row("accepted as-is", "", str(revision.accepted_as_is))
    share = rounds.model_duplicate_share
    table.add_row(
        "duplicated one of yours", "", f"{rounds.model_duplicating_human} ({_pct(share)})"
    )
    for match in rounds.duplicates or []:
        table.add_row(
            "",
            "",
            Text(f"#{match.model_idea} ≈ your #{match.human_idea} ({match.similarity:.2f})"),
        )
    after = rounds.after_reveal
    if after["human"] or after["model"]:
        table.add_row(
            Text("after the reveal (not compared)", style="dim"),
            Text(str(after["human"]), style="dim"),
            Text(str(after["model"]), style="dim"),
        )
    return table


def _stats_all(ids: list[str], store: SessionStore, as_json: bool) -> None:
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
    stdout.print(_summary_table(f"All sessions ({len(sessions)})", overall))
    for title, groups in (("By model", by_model), ("By technique", by_technique)):
        stdout.print()
        table = Table(title=title, title_justify="left", box=None, header_style="bold")
        for column in ("", "ideas", "accepted as-is", "word edit rate", "", "model words kept"):
            table.add_column(column)
        for name, figures in groups.items():
            table.add_row(
                Text(visible(name)),
                str(figures.ideas),
                _pct(figures.accepted_as_is_share),
                _pct(figures.word_edit_rate),
                _bar(figures.word_edit_rate),
                _pct(figures.model_retention),
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
        Text(f"\nmodel original ({current.source}, {current.created_at.astimezone():{when}})")
    )
    stdout.print(Text(visible(current.original)))
    for number, revision in enumerate(current.revisions, start=1):
        stdout.print(Text(f"\nrevision {number} ({revision.at.astimezone():{when}})"))
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
        Console(force_terminal=True, highlight=False, soft_wrap=True).print(diff)
    else:
        sys.stdout.write(diff.plain.rstrip() + "\n")
    print_decisions(current)
