"""`brainstorm themes`: group a session's ideas into themes, name them, accept the model's
names. Thin over `brainstorm.themes`, which the app calls too.

Only Typer and the shared CLI module are imported at the top (start-up stays fast); the core,
Rich and scikit-learn load when the command runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from brainstorm.cli.common import JsonFlag, SessionArg, get_state, run_async
from brainstorm.cli.console import stderr, stdout
from brainstorm.cli.errors import error, exit_code_for, fail_on_user_errors, warn
from brainstorm.cli.json_output import print_json

if TYPE_CHECKING:
    from brainstorm.cli.common import CliState
    from brainstorm.config import DuplicateMethod
    from brainstorm.converge_events import ThemeBoard
    from brainstorm.models import Idea, Session
    from brainstorm.session_writer import SessionWriter
    from brainstorm.themes import ThemeView

#: Ideas listed under each theme unless --all.
IDEAS_SHOWN = 8


def register(app: typer.Typer) -> None:
    app.command("themes")(themes)


def themes(
    ctx: typer.Context,
    session: SessionArg,
    max_themes: Annotated[
        int,
        typer.Option("--max", min=1, max=50, help="At most this many themes (besides Other)."),
    ] = 8,
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            help="Group by text (TF-IDF words), embeddings (the embedding_model setting, via"
            " Ollama) or auto (embeddings when that model answers). [default: the duplicates"
            " setting, text]",
            show_default=False,
        ),
    ] = None,
    label: Annotated[
        bool,
        typer.Option(
            "--label",
            help="Ask the model to name each theme. Its names are DRAFTs until you accept"
            " (--accept) or rename (--rename) them; names you chose are never replaced.",
        ),
    ] = False,
    rename: Annotated[
        tuple[str, str] | None,
        typer.Option("--rename", metavar="ID LABEL", help="Name a theme yourself (no regrouping)."),
    ] = None,
    accept: Annotated[
        list[str] | None,
        typer.Option(
            "--accept",
            metavar="ID",
            help="Accept the model's DRAFT name of a theme as it is (no regrouping). Repeatable.",
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", help="Your name on renames and accepted names. [default: voter setting, login]"
        ),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help=f"List every idea (default: {IDEAS_SHOWN} per theme).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Group the session's ideas (visible, not rejected) into themes and show them.

    Every idea is in exactly one theme; ideas that fit none are in Other. The grouping is
    stored in the session (recorded only when it changed); regrouping after new ideas keeps
    the names of themes that still exist. Theme ids look like T3."""
    if method is not None and method not in ("text", "embeddings", "auto"):
        raise typer.BadParameter("use text, embeddings or auto", param_hint="--method")
    if (rename or accept) and label:
        raise typer.BadParameter("--label regroups; --rename and --accept do not: use one")
    state = get_state(ctx)
    with fail_on_user_errors():
        if rename or accept:
            _name_themes(state, session, rename, accept or [], by, as_json, every)
            return
        _group(state, session, max_themes, method, label, as_json, every)


def _person(state: CliState, by: str | None) -> str:
    from brainstorm.votes import clean_voter, default_voter

    return clean_voter(by) if by is not None else default_voter(state.settings.voter)


def _name_themes(
    state: CliState,
    session: str,
    rename: tuple[str, str] | None,
    accept: list[str],
    by: str | None,
    as_json: bool,
    every: bool,
) -> None:
    from brainstorm import themes

    person = _person(state, by)
    with state.store.open_writer(session) as writer:
        ids = [themes.parse_theme_ref(ref) for ref in accept]
        if rename is not None:
            themes.rename(writer, themes.parse_theme_ref(rename[0]), rename[1], by=person)
        for theme_id in ids:
            themes.accept_label(writer, theme_id, by=person)
        _show(writer.session, writer.session.themes, as_json, every, stored=True, changed=False)


def _group(
    state: CliState,
    session: str,
    max_themes: int,
    method: str | None,
    label: bool,
    as_json: bool,
    every: bool,
) -> None:
    from brainstorm.store_errors import SessionLocked
    from brainstorm.themes import theme_items

    current = state.store.load(session).session
    if not theme_items(current):  # nothing to group: nothing stored
        if as_json:
            _show(current, None, as_json, every, stored=False, changed=False)
        else:
            stdout.print(f"No ideas to group in {current.id} yet (rejected ideas are not grouped).")
        return
    try:
        writer = state.store.open_writer(session)
    except SessionLocked as locked:
        if label:
            raise
        warn(f"{locked}: the themes are shown, not stored")
        loaded = state.store.load(session)
        board = _grouping(state, loaded.session, max_themes, method, None)
        _show(loaded.session, board, as_json, every, stored=False, changed=False)
        return
    with writer:
        changed = _grouping(state, writer.session, max_themes, method, writer) is not None
        problem = _model_labels(state, writer) if label else None
        _show(writer.session, writer.session.themes, as_json, every, stored=True, changed=changed)
    if problem is not None:
        message, hint, code = problem
        error(message, hint, code)


def _grouping(
    state: CliState,
    session: Session,
    max_themes: int,
    method: str | None,
    writer: SessionWriter | None,
) -> ThemeBoard | None:
    """Group the ideas; with ``writer`` store the grouping (returns the board when it changed,
    else None), without it return the board unstored."""
    from brainstorm import themes
    from brainstorm.cli.common import similarity_for
    from brainstorm.duplicates import canonical

    items = themes.theme_items(session)
    requested = method or state.settings.duplicates
    vectors = None
    note = None
    embedding_model = None
    if requested != "text" and items:
        from dataclasses import replace

        from brainstorm.duplicates.cache import derived_paths

        # `--method` is checked by the command, and Settings checks it again.
        settings = replace(state.settings, duplicates=cast("DuplicateMethod", requested))
        # The vectors file beside the session (`brainstorm.duplicates`): only texts never
        # embedded are sent; the writer stores the new ones.
        vectors_file = derived_paths(state.store.path_for(session.id))[1]
        texts = [text for _, text in items]
        similarity = similarity_for(settings, texts, vectors=vectors_file, owner=writer is not None)
        note = similarity.note
        if similarity.method == "embeddings":
            embedding_model = similarity.embedding_model
            vectors = {i: similarity.vectors[canonical(text)] for i, text in items}
    grouping = themes.group_ideas(items, max_themes=max_themes, vectors=vectors)
    options: dict[str, Any] = {
        "max_themes": max_themes,
        "requested": requested,
        "embedding_model": embedding_model,
        "note": note,
    }
    if writer is None:
        return themes.preview(session, grouping, **options)
    return writer.session.themes if themes.regroup(writer, grouping, **options) else None


def _model_labels(state: CliState, writer: SessionWriter) -> tuple[str, str | None, int] | None:
    """Ask the model to name every theme whose name no person chose. Returns the error to
    report after the themes are shown (what was named before it stays)."""
    from brainstorm.llm.base import BackendError
    from brainstorm.themes import ThemeError, theme_views
    from brainstorm.themes.labels import needs_model_label

    views, _ = theme_views(writer.session)
    todo = [view for view in views if needs_model_label(view.theme)]
    if not todo:
        return None
    try:
        run_async(_label_all(state, writer, todo))
    except BackendError as problem:
        return (
            f"themes not named by the model: {problem.message}",
            problem.hint,
            exit_code_for(problem),
        )
    except ThemeError as problem:
        return (str(problem), None, 1)
    return None


async def _label_all(state: CliState, writer: SessionWriter, todo: list[ThemeView]) -> None:
    from brainstorm.ask import build_theme_label
    from brainstorm.cli.common import selected_backend
    from brainstorm.themes.labels import write_model_label

    async with selected_backend(state.settings) as selection:
        for view in todo:
            request = build_theme_label(
                writer.session,
                view.theme,
                view.ideas,
                backend=selection.backend,
                model=selection.model,
            )
            await write_model_label(writer, selection.backend, request, view.theme.id)


# --- showing ------------------------------------------------------------------------------------


def _theme_json(view: ThemeView) -> dict[str, Any]:
    theme = view.theme
    return {
        "id": f"T{theme.id}",
        "number": theme.id,
        "label": theme.label,
        "label_author": theme.label_author,
        "label_status": theme.label_status,
        "label_model": theme.label_model,
        "labelled_by": theme.labelled_by,
        "other": theme.is_other,
        "terms": theme.terms,
        "size": len(view.ideas),
        "ideas": [idea.id for idea in view.ideas],
    }


def _show(
    session: Session,
    board: ThemeBoard | None,
    as_json: bool,
    every: bool,
    *,
    stored: bool,
    changed: bool,
) -> None:
    from brainstorm.themes import theme_views

    views, ungrouped = theme_views(session, board)
    if as_json:
        print_json(
            {
                "session": session.id,
                "topic": session.topic,
                "stored": stored,
                "changed": changed,
                "method": board.method if board else None,
                "requested": board.requested if board else None,
                "embedding_model": board.embedding_model if board else None,
                "note": board.note if board else None,
                "max_themes": board.max_themes if board else None,
                "themes": [_theme_json(view) for view in views],
                "ungrouped": [idea.id for idea in ungrouped],
            }
        )
        return
    _print_themes(session, board, views, ungrouped, every, stored=stored, changed=changed)


def _idea_line(idea: Idea, width: int = 72) -> Any:
    from rich.text import Text

    from brainstorm.presentation import status_label
    from brainstorm.textsafe import visible

    text = " ".join(visible(f"{idea.title}: {idea.text}" if idea.title else idea.text).split())
    text = text if len(text) <= width else text[: width - 1] + "…"
    line = Text(f"    #{idea.id:<4} ")
    line.append(f"{status_label(idea):<14}", style="bold" if idea.status.value == "draft" else "")
    line.append(f" {text}")
    return line


def _print_themes(
    session: Session,
    board: ThemeBoard | None,
    views: list[ThemeView],
    ungrouped: list[Idea],
    every: bool,
    *,
    stored: bool,
    changed: bool,
) -> None:
    from rich.text import Text

    from brainstorm.presentation import theme_label_source
    from brainstorm.textsafe import visible

    if board is None:
        stdout.print(Text(f"No themes yet in {session.id}.", style="dim"))
        return
    grouped = sum(len(v.ideas) for v in views if not v.theme.is_other)
    other = sum(len(v.ideas) for v in views if v.theme.is_other)
    count = sum(not v.theme.is_other for v in views)
    method = "embeddings" if board.method == "embeddings" else "text (TF-IDF words)"
    if board.embedding_model:
        method += f", {board.embedding_model}"
    head = Text(f"{visible(session.topic)} ({session.id}): ", style="bold")
    head.append(f"{grouped} ideas in {count} theme{'s' * (count != 1)}")
    head.append(f", {other} in Other" if other else "")
    head.append(f" · by {method} · at most {board.max_themes}")
    stdout.print(head)
    if board.note:
        stdout.print(Text(visible(board.note), style="dim"))
    status = "regrouped and stored" if changed else "as stored" if stored else "not stored"
    stdout.print(Text(f"({status}; grouped {board.at.astimezone():%Y-%m-%d %H:%M})", style="dim"))
    for view in views:
        theme = view.theme
        stdout.print()
        line = Text("   " if theme.is_other else f"T{theme.id:<3}", style="bold")
        line.append(visible(theme.label), style="bold")
        line.append(f"  {len(view.ideas)} idea{'s' * (len(view.ideas) != 1)} · ")
        line.append(
            theme_label_source(theme), style="bold yellow" if theme.label_is_draft else "dim"
        )
        stdout.print(line)
        shown = view.ideas if every else view.ideas[:IDEAS_SHOWN]
        for idea in shown:
            stdout.print(_idea_line(idea))
        if len(view.ideas) > len(shown):
            stdout.print(
                Text(f"    … and {len(view.ideas) - len(shown)} more (--all)", style="dim")
            )
    if ungrouped:
        stdout.print()
        stdout.print(
            Text(f"Not grouped yet (new since the grouping): {len(ungrouped)}", style="bold")
        )
        for idea in ungrouped if every else ungrouped[:IDEAS_SHOWN]:
            stdout.print(_idea_line(idea))
    drafts = [v.theme for v in views if v.theme.label_is_draft]
    if drafts:
        ref = f"T{drafts[0].id}"
        stderr.print(
            Text(
                f"Model names are drafts: accept one with `brainstorm themes {session.id}"
                f' --accept {ref}` or name it yourself with `--rename {ref} "…"`.',
                style="dim",
            )
        )
