"""The `stats` tables for when to stop asking: the exhaustion curve round by round, the plain
verdict with what to do about it, and the model's ideas against people's side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from brainstorm.exhaustion import Exhaustion, SideSimilarity

#: Rounds listed (the latest); earlier ones are summed up in a line (JSON has them all).
ROUNDS_SHOWN = 12
BAR = 10


def _bar(new: int, ideas: int) -> Text:
    filled = round(BAR * new / ideas) if ideas else 0
    bar = Text("█" * filled, style="green")
    bar.append("·" * (BAR - filled), style="dim")
    return bar


def exhaustion_table(curve: Exhaustion) -> Table:
    table = Table(
        title="When to stop asking (new distinct ideas per prompt)",
        title_justify="left",
        box=None,
        header_style="bold",
        pad_edge=False,
        expand=True,  # without it Rich drops or cuts the first columns when a prompt is long
    )
    for column in ("round", "ideas", "new", "", "distinct / generated"):
        table.add_column(column, no_wrap=True, min_width=len(column) or BAR)
    table.add_column("prompt", no_wrap=True, overflow="ellipsis", ratio=1)
    rounds = curve.rounds
    if len(rounds) > ROUNDS_SHOWN:
        earlier = rounds[:-ROUNDS_SHOWN]
        table.add_row(
            Text(f"1–{earlier[-1].number}", style="dim"),
            str(sum(r.ideas for r in earlier)),
            str(sum(r.new for r in earlier)),
            "",
            f"{earlier[-1].total_distinct} / {earlier[-1].total_ideas}",
            Text(f"({len(earlier)} earlier prompts)", style="dim"),
        )
        rounds = rounds[-ROUNDS_SHOWN:]
    for r in rounds:
        prompt = " ".join(visible(r.prompt).split())
        table.add_row(
            str(r.number),
            str(r.ideas),
            str(r.new),
            _bar(r.new, r.ideas),
            f"{r.total_distinct} / {r.total_ideas}",
            Text(prompt) if prompt else Text("(the topic alone)", style="dim"),
        )
    return table


def verdict_lines(curve: Exhaustion, session_id: str) -> list[Text]:
    lines = [Text(curve.verdict(), style="bold yellow" if curve.exhausted else "")]
    if curve.hidden_rounds:
        lines.append(
            Text(f"{curve.hidden_rounds} round(s) hidden until you reveal them.", style="dim")
        )
    if curve.exhausted:
        lines.append(
            Text(
                "Try another technique or angle (`brainstorm techniques`), or converge:"
                f" `brainstorm themes {session_id}`, `brainstorm vote {session_id} IDEA...`,"
                f" `brainstorm rank {session_id}`.",
                style="dim",
            )
        )
    return lines


def _mean(value: float | None, count: int) -> str:
    return f"{value:.3f} ({count} ideas)" if value is not None else f"– ({count} ideas)"


def side_table(side: SideSimilarity) -> Table:
    table = Table(
        title="How alike the ideas are (mean pairwise similarity)",
        title_justify="left",
        box=None,
        show_header=False,
    )
    table.add_column("figure", style="bold")
    table.add_column("value")
    table.add_row("model's ideas", _mean(side.model, side.model_ideas))
    table.add_row("people's ideas", _mean(side.human, side.human_ideas))
    method = side.method + (f" ({visible(side.embedding_model)})" if side.embedding_model else "")
    how = f"by {method} similarity; 1 = all the same"
    if side.sampled:
        how += f"; each side sampled to {side.sampled} ideas"
    table.add_row("", Text(how, style="dim"))
    from brainstorm.exhaustion import RESEARCH_CONTEXT

    table.add_row("", Text(RESEARCH_CONTEXT, style="dim"))
    return table
