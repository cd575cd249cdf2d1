"""The tables of `stats`: figures, diversity, the human-first round and one row per idea.

Bounded by default: a session of 10,000 ideas prints the first `ROWS_SHOWN` ideas and the
largest `GROUPS_SHOWN` near-duplicate groups, and sums up the rest in a line (``--all`` prints
every one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from brainstorm.duplicates import DuplicateReport
    from brainstorm.metrics.idea import IdeaMetrics
    from brainstorm.metrics.session import SessionMetrics
    from brainstorm.models import Session
    from brainstorm.rounds import HumanFirstFigures

BAR_WIDTH = 10
ROWS_SHOWN = 50  # ideas listed by default
GROUPS_SHOWN = 10  # near-duplicate groups listed by default


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def bar(rate: float | None) -> Text:
    """A bar for an edit rate (full at 100%; longer rates are capped and marked)."""
    from rich.text import Text

    if rate is None:
        return Text("")
    filled = round(min(rate, 1.0) * BAR_WIDTH)
    bar = Text("█" * filled, style="magenta")
    bar.append("·" * (BAR_WIDTH - filled), style="dim")
    if rate > 1:
        bar.append("+", style="bold magenta")
    return bar


def summary_table(title: str, figures: SessionMetrics) -> Table:
    from rich.table import Table
    from rich.text import Text

    # The title holds the topic: Text, so that brackets in it are not read as markup.
    table = Table(title=Text(title), title_justify="left", box=None, show_header=False)
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
            f"{counts.get('rejected', 0)} rejected (model ideas) · {counts.get('yours', 0)} yours",
        ),
        ("model ideas edited", str(figures.edited_model_ideas)),
        ("word edit rate", pct(figures.word_edit_rate)),
        ("char edit rate", pct(figures.char_edit_rate)),
        ("model words kept", pct(figures.model_retention)),
        ("model share of final text", pct(figures.model_share)),
        (
            "accepted as-is",
            f"{figures.accepted_as_is} of {figures.accepted_model_ideas} accepted model ideas"
            f" ({pct(figures.accepted_as_is_share)})",
        ),
        (
            "accepted text written by",
            f"model {figures.model_words_in_accepted} words · people "
            f"{figures.human_words_in_accepted} words ({pct(figures.model_share_of_accepted)}"
            " model)",
        ),
        ("revisions", str(figures.revisions)),
    ]
    if figures.mean_edit_seconds is not None:
        rows.append(("mean time to last edit", f"{figures.mean_edit_seconds:.0f} s"))
    for name, value in rows:
        table.add_row(name, value)
    return table


def ideas_table(
    session: Session,
    per_idea: dict[int, IdeaMetrics],
    report: DuplicateReport | None = None,
    *,
    limit: int | None = ROWS_SHOWN,
    width: int = 80,
) -> Table:
    """One row per idea (the first ``limit``; a last row sums up the rest), ``width`` columns
    wide (the terminal's)."""
    from rich.table import Table
    from rich.text import Text

    from brainstorm.presentation import duplicate_flag, status_label

    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 1, 0, 0))
    # Fixed columns get exact widths, the number first (it is what `accept 3` takes); the
    # idea's text gets what is left, cut with an ellipsis. (With min widths and a ratio
    # column, Rich squeezed the number column away at 80 columns.)
    ids = list(per_idea)
    shown = ids if limit is None else ids[:limit]
    number = max(3, len(f"#{max(per_idea, default=0)}"))
    status = max([6, *(len(status_label(session.ideas[i])) for i in shown)])
    fixed = (("#", number), ("status", status), ("revs", 4), ("edits", 5), ("", BAR_WIDTH))
    for column, column_width in fixed:
        table.add_column(column, no_wrap=True, width=column_width)
    room = max(12, width - sum(column_width + 1 for _, column_width in fixed) - 1)
    table.add_column("idea", no_wrap=True, overflow="ellipsis", width=room)
    for idea_id in shown:
        figures = per_idea[idea_id]
        idea = session.ideas[idea_id]
        label = Text(visible(idea.title or idea.text).splitlines()[0] if idea.text else "")
        if idea.hidden and not session.revealed:
            label = Text("(the model's, hidden until you reveal them)")
        elif report is not None and (near := report.near(idea_id)).count:
            # The idea's words first, cut to leave room for the bounded flag after them
            # ("≈ #3 #7 +9,991"): however large the group, the words stay readable.
            flag = duplicate_flag(near.nearest[:2], near.count)
            words = max(8, room - len(flag) - 2)
            if label.cell_len > words:
                label.truncate(words, overflow="ellipsis")
            label = label.append("  ").append(flag, style="bold")
        table.add_row(
            f"#{idea_id}",
            status_label(idea),
            str(figures.revisions),
            pct(figures.word_edit_rate),
            bar(figures.word_edit_rate),
            label,
        )
    rest = ids[len(shown) :]
    if rest:
        table.add_row("", "", "", "", "", Text(tail_summary(session, rest), style="dim"))
    return table


def tail_summary(session: Session, ids: list[int]) -> str:
    """The ideas a table leaves out, in one line: how many, by status, how many edited."""
    from brainstorm.events import Status

    counts = {status: 0 for status in Status}
    edited = 0
    for idea_id in ids:
        idea = session.ideas[idea_id]
        counts[idea.status] += 1
        edited += bool(idea.revisions)
    by_status = ", ".join(f"{n:,} {status.value}" for status, n in counts.items() if n)
    return (
        f"… and {len(ids):,} more ideas (#{ids[0]}–#{ids[-1]}: {by_status}; {edited:,} edited)"
        f" — `brainstorm stats {session.id} --all` lists every one"
    )


def idea_label(session: Session, idea_id: int, width: int = 50) -> str:
    idea = session.ideas[idea_id]
    text = " ".join(visible(idea.title or idea.text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def diversity_table(
    session: Session, report: DuplicateReport, *, limit: int | None = GROUPS_SHOWN
) -> Table:
    from rich.table import Table
    from rich.text import Text

    from brainstorm.presentation import GROUP_MEMBERS_SHOWN, duplicate_flag

    table = Table(
        title="Diversity (near-duplicates)", title_justify="left", box=None, show_header=False
    )
    table.add_column("figure", style="bold", no_wrap=True)
    table.add_column("value")
    method = f"{report.method} similarity ≥ {report.threshold:.2f}"
    if report.method == "embeddings" and report.embedding_model:
        method += f" ({report.embedding_model})"
    table.add_row("compared", Text(visible(f"{report.ideas:,} ideas, {method}")))
    if report.note and report.requested == "auto":  # an explicit choice was warned about
        table.add_row("", Text(f"auto: {report.note}", style="dim"))
    table.add_row(
        "distinct ideas",
        f"{report.distinct:,} of {report.ideas:,} ({pct(report.distinct_share)})"
        f" · {report.duplicated_ideas:,} in {len(report.groups):,} duplicate group(s)",
    )
    distance = report.mean_pairwise_distance
    table.add_row("mean pairwise distance", "–" if distance is None else f"{distance:.2f}")
    # Largest groups first; each named by its leader, its size and a few members.
    groups = sorted(report.groups, key=lambda g: (-g.size, g.leader))
    for group in groups if limit is None else groups[:limit]:
        others = group.ids[1:]
        members = duplicate_flag(others[:GROUP_MEMBERS_SHOWN], len(others)).removeprefix("≈ ")
        table.add_row(
            Text(f"#{group.leader} ≈ {members}"),
            Text(
                f"{idea_label(session, group.leader)} ({group.size:,} ideas,"
                f" ≥ {group.similarity:.2f})"
            ),
        )
    if limit is not None and len(groups) > limit:
        table.add_row(
            Text(f"… {len(groups) - limit:,} more groups", style="dim"),
            Text(f"`brainstorm stats {session.id} --all` lists every one", style="dim"),
        )
    return table


def human_first_table(session: Session, rounds: HumanFirstFigures) -> Table:
    from rich.table import Table
    from rich.text import Text

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
        table.add_row("word edit rate", "", pct(revision.word_edit_rate))
        table.add_row("accepted as-is", "", str(revision.accepted_as_is))
    share = rounds.model_duplicate_share
    table.add_row("duplicated one of yours", "", f"{rounds.model_duplicating_human} ({pct(share)})")
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
