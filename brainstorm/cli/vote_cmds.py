"""`brainstorm vote` and `brainstorm rank`: people's votes and the short list they make.
Thin over `brainstorm.votes`, which the app calls too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from brainstorm.cli.common import JsonFlag, SessionArg, get_state
from brainstorm.cli.console import stdout
from brainstorm.cli.errors import error, fail_on_user_errors
from brainstorm.cli.json_output import print_json

if TYPE_CHECKING:
    from brainstorm.models import Session
    from brainstorm.votes import Ranked

IdeasArg = Annotated[list[str], typer.Argument(help="Idea ids as `show` prints them.")]


def register(app: typer.Typer) -> None:
    app.command("vote")(vote)
    app.command("rank")(rank)


def vote(
    ctx: typer.Context,
    session: SessionArg,
    ideas: IdeasArg,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Who votes. [default: the voter setting, else your login]"),
    ] = None,
    points: Annotated[
        int, typer.Option("--points", min=1, max=100, help="Points to give each idea.")
    ] = 1,
    undo: Annotated[
        bool, typer.Option("--undo", help="Take back all of this voter's points on these ideas.")
    ] = False,
) -> None:
    """Vote for ideas (dot voting): each gets --points more from the voter. Drafts can be
    voted on; rejected ideas cannot. `brainstorm rank` shows the short list."""
    from rich.text import Text

    from brainstorm import review, votes
    from brainstorm.cli.hints import cli_hint
    from brainstorm.textsafe import visible

    state = get_state(ctx)
    with fail_on_user_errors():
        idea_ids = [review.parse_idea_ref(ref) for ref in ideas]
        voter = (
            votes.clean_voter(by) if by is not None else votes.default_voter(state.settings.voter)
        )
        with state.store.open_writer(session) as writer:
            try:
                if undo:
                    taken = votes.withdraw(writer, idea_ids, voter)
                else:
                    votes.vote(writer, idea_ids, voter, points)
            except review.ReviewError as problem:
                error(f"{problem}: nothing recorded", cli_hint(problem))
            tally = writer.session.votes
    name = visible(voter)
    for idea_id in idea_ids:
        now = tally.get(idea_id, {})
        total = f"now {_points(sum(now.values()))} from {len(now)} voter{'s' * (len(now) != 1)}"
        if not undo:
            stdout.print(Text(f"{name} gave #{idea_id} {_points(points)} ({total})"))
        elif taken[idea_id]:
            stdout.print(
                Text(f"took back {name}'s {_points(taken[idea_id])} on #{idea_id} ({total})")
            )
        else:
            stdout.print(
                Text(f"#{idea_id}: {name} had no points on it (nothing recorded)", style="dim")
            )


def _points(n: int) -> str:
    return f"{n} point{'s' * (n != 1)}"


def rank(
    ctx: typer.Context,
    session: SessionArg,
    every: Annotated[
        bool, typer.Option("--all", help="Add the ideas nobody voted for (0 points).")
    ] = False,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Only the first N ideas.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The short list: ideas by people's votes (ties: accepted before drafts, then id).
    Rejected ideas are not ranked; their votes count again if they are reopened."""
    from brainstorm import votes

    with fail_on_user_errors():
        loaded = get_state(ctx).store.load(session)
    s = loaded.session
    ranked = votes.ranking(s, include_unvoted=every)[:top]
    if as_json:
        print_json(
            {"session": s.id, "topic": s.topic, "ideas": [_ranked_json(s, r) for r in ranked]}
        )
        return
    _print_ranking(s, ranked)


def _theme_of(session: Session) -> dict[int, int]:
    return session.themes.theme_of() if session.themes else {}


def _ranked_json(session: Session, row: Ranked) -> dict[str, Any]:
    idea = row.idea
    theme = _theme_of(session).get(idea.id)
    return {
        "place": row.place,
        "id": idea.id,
        "votes": row.votes,
        "voters": row.voters,
        "status": idea.status.value,
        "author": idea.author.value,
        "title": idea.title,
        "text": idea.text,
        "theme": f"T{theme}" if theme else None,
    }


def _print_ranking(session: Session, ranked: list[Ranked]) -> None:
    from rich.table import Table
    from rich.text import Text

    from brainstorm.presentation import status_label
    from brainstorm.textsafe import visible

    if not ranked:
        stdout.print(
            Text(
                f"No votes in {session.id} yet: `brainstorm vote {session.id} IDEA...` gives"
                " ideas points (--all lists every idea).",
                style="dim",
            )
        )
        return
    table = Table(
        title=f"Short list: {visible(session.topic)} ({session.id})",
        title_justify="left",
        box=None,
        header_style="bold",
        pad_edge=False,
        expand=True,  # without it Rich drops the first columns when an idea is long
    )
    for column, width in (("", 3), ("#", 4), ("votes", 5), ("status", 14), ("voters", 12)):
        table.add_column(column, no_wrap=True, min_width=width)
    table.add_column("idea", no_wrap=True, overflow="ellipsis", ratio=1)
    for row in ranked:
        idea = row.idea
        voters = ", ".join(f"{visible(name)} {points}" for name, points in row.voters.items())
        text = " ".join(visible(idea.title or idea.text).split())
        table.add_row(
            str(row.place),
            f"#{idea.id}",
            str(row.votes),
            Text(status_label(idea), style="bold" if idea.status.value == "draft" else ""),
            Text(voters or "–"),
            Text(text),
        )
    stdout.print(table)
