"""What every command shares: settings, the session store, error reporting, idea rendering.

Imported by every command module, so by `brainstorm --help` too: only Typer and the standard
library at the top. Rich, pydantic (settings, models), RapidFuzz and NumPy are imported by the
functions that use them, when a command runs (`tests/test_cli.py` holds --help to that)."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar, cast

import typer

from brainstorm.cli.terminal import guarded
from brainstorm.textsafe import json_visible, visible

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from brainstorm.config import Settings
    from brainstorm.duplicates import DuplicateReport, NearDuplicates, Similarity
    from brainstorm.generate import GenerationOutcome
    from brainstorm.llm import BackendSelection
    from brainstorm.llm.base import BackendError
    from brainstorm.models import Idea, Session
    from brainstorm.sources import Ensemble
    from brainstorm.store import SessionStore

T = TypeVar("T")

# Exit codes (documented in the README).
EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_BACKEND = 3


def exit_code_for(problem: BackendError) -> int:
    """3 when nothing can run until the set-up is fixed (server down, model not pulled),
    else 1."""
    from brainstorm.llm.base import is_setup_error

    return EXIT_BACKEND if is_setup_error(problem) else EXIT_USER_ERROR


def ensemble_exit_code(outcomes: Sequence[GenerationOutcome]) -> int:
    """0 when every source answered; 3 when none could run because the server or the models
    were not there (every failure is of that kind); 1 when any other source failed."""
    from brainstorm.llm.base import is_setup_error

    errors = [outcome.error for outcome in outcomes if outcome.error is not None]
    if not errors:
        return EXIT_OK
    if len(errors) == len(outcomes) and all(is_setup_error(e) for e in errors):
        return EXIT_BACKEND
    return EXIT_USER_ERROR


# Arguments and options several commands take, declared once.
SessionArg = Annotated[str, typer.Argument(help="Session id (or a unique prefix).")]
IdeaArg = Annotated[str, typer.Argument(help="Idea id as `show` prints it.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ModelOptions = Annotated[
    list[str] | None,
    typer.Option(
        "--option",
        "-o",
        metavar="KEY=VALUE",
        help="Model option key=value (temperature, seed, num_ctx, num_predict…). Repeatable.",
    ),
]
StructuredFlag = Annotated[
    bool,
    typer.Option(
        "--structured/--plain",
        help="Ask for JSON-structured ideas (needs a model that follows a schema).",
    ),
]
# The ensemble flags of `ask` and `batch` (checked by `parse_sources`).
ModelsOption = Annotated[
    str | None,
    typer.Option(
        "--models",
        metavar="NAMES",
        help="Ask several models at once, comma-separated (e.g. llama3.2,qwen3)."
        " [default: --model]",
        show_default=False,
    ),
]
TemperaturesOption = Annotated[
    str | None,
    typer.Option(
        "--temperatures",
        metavar="NUMBERS",
        help="One reply per temperature too, comma-separated (e.g. 0.3,0.9).",
    ),
]
SeedsOption = Annotated[
    str | None,
    typer.Option(
        "--seeds", metavar="NUMBERS", help="One reply per seed too, comma-separated (e.g. 1,2,3)."
    ),
]


class _LazyConsole:
    """Becomes a Rich console on first use (Rich takes longer to import than `--help` runs):
    the instance turns into a `rich.console.Console` itself, so everything that takes a
    console (progress bars, ``with console:``, isinstance checks afterwards) gets a real one."""

    def __init__(self, **options: Any) -> None:
        self._options = options

    def _become_console(self) -> Console:
        from rich.console import Console

        options = self.__dict__.pop("_options")
        self.__class__ = Console  # type: ignore[assignment]
        console = cast("Console", self)
        Console.__init__(console, **options)
        return console

    def __getattr__(self, name: str) -> Any:
        if name == "_options":  # not set yet, or already a console
            raise AttributeError(name)
        return getattr(self._become_console(), name)

    def __enter__(self) -> Console:
        return self._become_console().__enter__()

    def __exit__(self, *exc: object) -> None:
        console = cast("Any", self)
        console.__exit__(*exc)


# Guarded streams: no hidden character reaches the terminal raw (cli/terminal.py).
stdout = cast("Console", _LazyConsole(file=guarded("stdout"), highlight=False, soft_wrap=True))
stderr = cast(
    "Console", _LazyConsole(file=guarded("stderr"), stderr=True, highlight=False, soft_wrap=True)
)


@dataclass
class CliState:
    flags: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def settings(self) -> Settings:
        from brainstorm.config import load_settings

        return load_settings(**self.flags)

    @cached_property
    def store(self) -> SessionStore:
        from brainstorm.store import SessionStore

        return SessionStore(self.settings.sessions_dir)


def get_state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):  # pragma: no cover - set by the callback
        root.obj = CliState()
    return root.obj


def error(message: str, hint: str | None = None, code: int = EXIT_USER_ERROR) -> NoReturn:
    from rich.text import Text

    line = Text("error: ", style="bold red")
    line.append(visible(message))
    stderr.print(line)
    if hint:
        stderr.print(Text(visible(hint), style="dim"))
    raise typer.Exit(code)


def warn(message: str) -> None:
    from rich.text import Text

    line = Text("warning: ", style="yellow")
    line.append(visible(message))
    stderr.print(line)


@contextmanager
def fail_on_user_errors() -> Iterator[None]:
    """Turn the errors a person can meet into one clear line on stderr and an exit code."""
    try:
        yield
    except Exception as problem:
        from brainstorm.cli.hints import cli_hint
        from brainstorm.config import ConfigError
        from brainstorm.ideation import TechniqueError
        from brainstorm.llm.base import BackendError
        from brainstorm.store import StoreError

        if isinstance(problem, BackendError):
            error(problem.message, cli_hint(problem), exit_code_for(problem))
        if isinstance(problem, StoreError | ConfigError | TechniqueError):
            error(str(problem), cli_hint(problem))
        raise


@asynccontextmanager
async def selected_backend(settings: Settings) -> AsyncIterator[BackendSelection]:
    """The backend the settings choose (`llm.select_backend`), closed when the block ends.
    A weak model's quality note is said once on stderr (even with --json: honesty first)."""
    from rich.text import Text

    from brainstorm.llm import select_backend

    selection = await select_backend(settings)
    try:
        if selection.notice:
            stderr.print(Text(visible(f"note: {selection.notice}"), style="yellow"))
        yield selection
    finally:
        await selection.backend.aclose()


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    import asyncio

    return asyncio.run(coroutine)


def parse_options(pairs: list[str] | None) -> dict[str, Any]:
    """`--option key=value` pairs to model options; values are read as JSON when they parse
    (numbers, true/false), else kept as strings."""
    options: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{pair!r} is not key=value", param_hint="--option")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        options[key.strip()] = value
    return options


def parse_ensemble(
    models: str | None,
    temperatures: str | None,
    seeds: str | None,
    *,
    default_model: str,
) -> Ensemble:
    """The ensemble that --models / --temperatures / --seeds ask for (``default_model`` alone
    without them). Bad lists are usage errors (exit 2), naming the option."""
    from brainstorm.sources import Ensemble, parse_floats, parse_ints, parse_names

    try:
        names = parse_names(models) if models is not None else [default_model]
    except ValueError as problem:
        raise typer.BadParameter(str(problem), param_hint="--models") from None
    try:
        temps = parse_floats(temperatures) if temperatures is not None else []
    except ValueError as problem:
        raise typer.BadParameter(str(problem), param_hint="--temperatures") from None
    try:
        seed_list = parse_ints(seeds) if seeds is not None else []
    except ValueError as problem:
        raise typer.BadParameter(str(problem), param_hint="--seeds") from None
    ensemble = Ensemble(tuple(names), tuple(temps), tuple(seed_list))
    try:
        ensemble.sources()  # checks the number of combinations
    except ValueError as problem:
        raise typer.BadParameter(str(problem), param_hint="--models") from None
    return ensemble


def print_json(data: Any) -> None:
    """JSON for scripts, indented for people down to `JSON_DEPTH` levels (an idea of `show`
    is one line). Python's indenting encoder is pure Python and took most of `show --json`'s
    time on 10,000 ideas; below that depth the C encoder writes each value in one go.
    Hidden characters and lone surrogates go out as \\u escapes (`textsafe.json_visible`): the
    exact data to any JSON reader, nothing hidden or unprintable on a terminal."""
    out = sys.stdout
    for chunk in _json_chunks(data, 0):
        out.write(json_visible(chunk))
    out.write("\n")


JSON_DEPTH = 2
_compact = json.JSONEncoder(ensure_ascii=False, default=str, separators=(", ", ": ")).encode


def _json_chunks(value: Any, level: int) -> Iterator[str]:
    if level >= JSON_DEPTH or not isinstance(value, dict | list) or not value:
        yield _compact(value)
        return
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict):
        yield "{"
        for n, (key, item) in enumerate(value.items()):
            yield (",\n" if n else "\n") + inner + _compact(str(key)) + ": "
            yield from _json_chunks(item, level + 1)
        yield "\n" + pad + "}"
        return
    yield "["
    for n, item in enumerate(value):
        yield (",\n" if n else "\n") + inner
        yield from _json_chunks(item, level + 1)
    yield "\n" + pad + "]"


# --- rendering --------------------------------------------------------------------------------

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
    line.append(visible(f"     {' · '.join(details)}"), style="dim")
    return line


def idea_json(idea: Idea, report: DuplicateReport | None = None) -> dict[str, Any]:
    """An idea for --json. With ``report``: its nearest near-duplicates (at most a few),
    how many it has, and the leader of its group (None when in none)."""
    from brainstorm.metrics import idea_metrics
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
        "original": idea.original,
        "text": idea.text,
        "revisions": idea.revision_count,
        "incomplete": idea.incomplete,
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


def similarity_for(
    settings: Settings,
    texts: list[str],
    *,
    vectors: Path | None = None,
    owner: bool = False,
) -> Similarity:
    """How ideas are compared, as the settings say. Only the "embeddings" and "auto" methods
    talk to Ollama, embedding those of ``texts`` that the ``vectors`` file (beside the
    session) has no vector for; ``owner`` (holding the session's writer lock) stores the new
    ones there. When embeddings cannot be had, text similarity is used, with a warning if
    embeddings were asked for explicitly."""
    from brainstorm.duplicates import Similarity, similarity_from_settings

    if settings.duplicates == "text":
        return Similarity.text(settings.duplicate_threshold)
    known: Similarity | None = None
    if vectors is not None and settings.embedding_model:
        from brainstorm.duplicates.cache import load_vectors

        stored = load_vectors(vectors, settings.embedding_model)
        known = Similarity("embeddings", embedding_model=settings.embedding_model, stored=stored)
    similarity = run_async(similarity_from_settings(settings, texts, reuse=known))
    if similarity.fell_back and similarity.note:
        warn(similarity.note)
    if owner and vectors is not None and similarity.method == "embeddings":
        from brainstorm.duplicates.cache import save_vectors
        from brainstorm.duplicates.similarity import text_digest

        if any(text_digest(t) not in similarity.stored for t in similarity.vectors):
            save_vectors(vectors, similarity)
    return similarity


def duplicate_report(
    state: CliState, session: Session, extra_texts: list[str] | None = None
) -> tuple[DuplicateReport, Similarity]:
    """Near-duplicates among the session's visible ideas, by the method the settings choose,
    and the similarity used (``extra_texts`` are embedded too, for the human-first figures).

    Through the derived index beside the session file: only ideas new or changed since it was
    written are compared. It is written only when no other process holds the session (this
    command then holds the writer lock for the moment it takes); otherwise computed in
    memory."""
    from brainstorm.duplicates import DuplicateTracker, session_items
    from brainstorm.duplicates.cache import derived_paths
    from brainstorm.store import writer_lock_if_free

    path = state.store.path_for(session.id)
    texts = [text for _, text in session_items(session)] + (extra_texts or [])
    with writer_lock_if_free(state.store, session.id) as owner:
        vectors = derived_paths(path)[1]
        similarity = similarity_for(state.settings, texts, vectors=vectors, owner=owner)
        report = DuplicateTracker(path, owner=owner).report(session, similarity)
    return report, similarity
