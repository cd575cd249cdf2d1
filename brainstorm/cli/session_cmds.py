"""Sessions: new, list, show, ask, reveal, techniques."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from brainstorm.cli.common import JsonFlag, SessionArg, duplicate_report, get_state, open_writer
from brainstorm.cli.console import stderr, stdout
from brainstorm.cli.errors import fail_on_user_errors, warn
from brainstorm.cli.idea_view import idea_json, render_idea, session_json
from brainstorm.cli.json_output import print_json
from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from rich.text import Text

    from brainstorm.models import Session


def register(app: typer.Typer) -> None:
    app.command("new")(new)
    app.command("list")(list_sessions)
    app.command("show")(show)
    app.command("techniques")(techniques)
    app.command("reveal")(reveal)


def new(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help="What to brainstorm about.")],
    technique: Annotated[
        str | None, typer.Option("--technique", "-t", help="Technique from `techniques`.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Session id to use instead of a generated one.")
    ] = None,
    human_first: Annotated[
        bool,
        typer.Option(
            "--human-first",
            help="Write your own ideas first: the model's ideas are generated but hidden until"
            " you run `brainstorm reveal`.",
        ),
    ] = False,
) -> None:
    """Start a session and print its id."""
    from rich.text import Text

    from brainstorm.ideation import get_technique

    with fail_on_user_errors():
        state = get_state(ctx)
        technique_name = get_technique(technique or state.settings.technique).name
        with state.store.create(
            topic,
            technique=technique_name,
            default_model=state.settings.model,
            name=name,
            human_first=human_first,
        ) as writer:
            typer.echo(writer.session_id)
            if human_first:
                stderr.print(
                    Text(
                        "Human-first: write your ideas with `brainstorm add"
                        f" {writer.session_id} TEXT`; ideas you `ask` for stay hidden until"
                        f" `brainstorm reveal {writer.session_id}`.",
                        style="dim",
                    )
                )


def reveal(
    ctx: typer.Context,
    session: SessionArg,
    as_json: JsonFlag = False,
) -> None:
    """Show the model's hidden ideas of a human-first session (recorded; cannot be undone)."""
    from rich.text import Text

    from brainstorm.rounds import reveal as reveal_ideas

    with fail_on_user_errors(), open_writer(ctx, session) as writer:
        hidden = [i.id for i in writer.session.ideas.values() if i.hidden]
        count = reveal_ideas(writer)
        revealed = [writer.session.ideas[i] for i in hidden] if count else []
    if as_json:
        print_json({"session": writer.session_id, "revealed": [idea_json(i) for i in revealed]})
        return
    if not count:
        stdout.print(Text(f"Nothing hidden in {writer.session_id}: already revealed.", style="dim"))
        return
    for idea in revealed:
        stdout.print(render_idea(idea))
    stdout.print(
        Text(
            f"Revealed {count} model idea(s). Compare them with yours:"
            f" `brainstorm stats {writer.session_id}`.",
            style="dim",
        )
    )


def list_sessions(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List sessions, most recently active first."""
    from rich.table import Table
    from rich.text import Text

    from brainstorm.cli.hints import repair_hint

    with fail_on_user_errors():
        summaries = get_state(ctx).store.summaries()
    if as_json:
        print_json(
            [
                {
                    "id": s.id,
                    "topic": s.topic,
                    "created_at": s.created_at.isoformat(),
                    "updated_at": s.updated_at.isoformat(),
                    "counts": s.counts,
                    "models": s.models,
                    "warnings": s.warnings,
                }
                for s in summaries
            ]
        )
        return
    if not summaries:
        stderr.print('No sessions yet. Start one with: brainstorm new "your topic"')
        return
    # The id is what every other command takes: it is never cut. The topic gets the room
    # left, or (when that is too little to read) a line of its own under the id.
    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 1, 0, 0))
    id_width = max(len(s.id) for s in summaries)
    room = stdout.width - id_width - len(" draft acc. rej. yours Dec 01 23:46 ")
    topic_inline = room >= 16
    table.add_column("session", no_wrap=True, min_width=id_width)
    if topic_inline:
        width = min(max(Text(visible(s.topic)).cell_len for s in summaries), room)
        table.add_column("topic", width=width, no_wrap=True, overflow="ellipsis")
    for column in ("draft", "acc.", "rej.", "yours"):
        table.add_column(column, justify="right", no_wrap=True, min_width=len(column))
    table.add_column("last active", no_wrap=True)
    for s in summaries:
        topic = Text(visible(s.topic))
        counts = [str(s.counts.get(key, "-")) for key in ("draft", "accepted", "rejected", "yours")]
        when = s.updated_at.astimezone().strftime("%b %d %H:%M")
        if topic_inline:
            table.add_row(s.id, topic, *counts, when)
        else:
            table.add_row(s.id, *counts, when)
            topic.truncate(id_width - 2, overflow="ellipsis")
            table.add_row(Text("  ").append_text(topic), style="dim")
    stdout.print(table)
    for s in summaries:
        for message in s.warnings:
            warn(message)
        if s.unreadable:
            stderr.print(Text(repair_hint(s.id), style="dim"))


def show(
    ctx: typer.Context,
    session: SessionArg,
    as_json: JsonFlag = False,
    show_replies: Annotated[
        bool,
        typer.Option(
            "--replies",
            help="Show each prompt's reply exactly as the model sent it, each line marked with"
            " the idea it went into (`none`: text no idea came from).",
        ),
    ] = False,
) -> None:
    """Show a session's ideas with their review status.

    --replies shows every prompt's reply instead, exactly as the model sent it: each line
    marked with the idea it went into, or `none` for text no idea came from. --json has both
    (`ideas`, and `prompts` with each reply verbatim)."""
    from rich.text import Text

    with fail_on_user_errors():
        state = get_state(ctx)
        loaded = state.store.load(session)
        for message in loaded.warnings:
            warn(message)
        s = loaded.session
        report = duplicate_report(state, s)[0] if not show_replies or as_json else None
    if as_json:
        print_json(session_json(s, loaded.warnings, report))
        return
    stdout.print(_header(s))
    if show_replies:
        _print_replies(s)
        return
    assert report is not None
    ideas = s.visible_ideas()
    hidden = len(s.ideas) - len(ideas)
    if not ideas:
        stdout.print(Text("No ideas yet. Ask for some with `brainstorm ask`.", style="dim"))
    for idea in ideas:
        stdout.print()
        stdout.print(render_idea(idea, report.near(idea.id)))
    if report.groups:
        stdout.print(
            Text(
                f"\n≈ marks near-duplicates: {len(report.groups)} group(s),"
                f" {report.distinct} distinct of {report.ideas} ideas"
                f" ({report.method} similarity ≥ {report.threshold:.2f}).",
                style="dim",
            )
        )
    if hidden:
        stdout.print(
            Text(
                f"\n{hidden} model idea(s) hidden until you reveal them"
                f" (`brainstorm reveal {s.id}`).",
                style="dim",
            )
        )


def _header(s: Session) -> Text:
    from rich.text import Text

    counts = s.count_by_status()
    header = Text(visible(s.topic), style="bold")
    header.append(visible(f"\n{s.id} · {s.technique or 'open'} · "), style="dim")
    header.append(counts_words(counts), style="dim")
    return header


def counts_words(counts: dict[str, int]) -> str:
    """ "3 draft, 2 accepted, 1 rejected, 2 yours": accepted counts the model's ideas only."""
    return (
        f"{counts.get('draft', 0)} draft, {counts.get('accepted', 0)} accepted,"
        f" {counts.get('rejected', 0)} rejected, {counts.get('yours', 0)} yours"
    )


def _print_replies(s: Session) -> None:
    from rich.text import Text

    from brainstorm.cli.replies_view import LEGEND, render_replies

    shown = render_replies(s)
    if not shown:
        stdout.print(Text("No prompts yet. Ask for ideas with `brainstorm ask`.", style="dim"))
        return
    for text in shown:
        stdout.print()
        stdout.print(text, end="")
    stdout.print(Text(f"\n{LEGEND}", style="dim"))


def techniques(as_json: JsonFlag = False) -> None:
    """List the brainstorming techniques (templates in prompts/)."""
    from rich.table import Table
    from rich.text import Text

    from brainstorm.ideation import load_techniques

    with fail_on_user_errors():
        found = load_techniques()
    if as_json:
        print_json(
            [
                {
                    "name": t.name,
                    "title": t.title,
                    "description": t.description,
                    "path": str(t.path),
                }
                for t in found.values()
            ]
        )
        return
    table = Table(box=None, header_style="bold")
    table.add_column("name")
    table.add_column("technique")
    for t in found.values():
        # A user's own template may hold anything: text, never markup, nothing hidden.
        table.add_row(Text(visible(t.name)), Text(visible(f"{t.title}: {t.description}")))
    stdout.print(table)
    if not sys.stdout.isatty():
        return
    stdout.print(Text("Use one with --technique NAME.", style="dim"))
