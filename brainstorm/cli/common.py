"""What the commands share besides output and errors: the options several take (declared once),
the settings and session store of a run, the backend they select, option and ensemble parsing,
and the duplicate report `show`, `stats` and `themes` use.

Imported by every command module, so by `brainstorm --help` too: only Typer and the standard
library at the top. Rich, pydantic (settings, models), RapidFuzz and NumPy are imported by the
functions that use them, when a command runs (`tests/test_cli.py` holds --help to that)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from brainstorm.cli.console import stderr
from brainstorm.cli.errors import error, warn
from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from brainstorm.config import Settings
    from brainstorm.duplicates import DuplicateReport, Similarity
    from brainstorm.llm import BackendSelection
    from brainstorm.models import Session
    from brainstorm.session_writer import SessionWriter
    from brainstorm.sources import Ensemble
    from brainstorm.store import SessionStore

T = TypeVar("T")


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


@contextmanager
def open_writer(ctx: typer.Context, ref: str) -> Iterator[SessionWriter]:
    """The session's writer, closed when the block ends. What the writer had to record on
    opening (a line torn by a crash) is said once, here, on stderr."""
    with get_state(ctx).store.open_writer(ref) as writer:
        for message in writer.warnings:
            warn(message)
        yield writer


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


# --- rendering --------------------------------------------------------------------------------


def similarity_for(
    settings: Settings,
    texts: list[str],
    *,
    vectors: Path | None = None,
    owner: bool = False,
    strict: bool = False,
    quiet: bool = False,
) -> Similarity:
    """How ideas are compared, as the settings say. Only the "embeddings" and "auto" methods
    talk to Ollama, embedding those of ``texts`` that the ``vectors`` file (beside the
    session) has no vector for; ``owner`` (holding the session's writer lock) stores the new
    ones there. When embeddings cannot be had, "auto" uses text similarity; so does
    "embeddings", with a warning (none when ``quiet``), unless ``strict`` (a command whose
    answer is the comparison itself): then it is an error naming the embedding model."""
    from brainstorm.duplicates import Similarity, similarity_from_settings

    if settings.duplicates == "text":
        return Similarity.text(settings.duplicate_threshold)
    known: Similarity | None = None
    if vectors is not None and settings.embedding_model:
        from brainstorm.duplicates.cache import load_vectors

        stored = load_vectors(vectors, settings.embedding_model)
        known = Similarity("embeddings", embedding_model=settings.embedding_model, stored=stored)
    similarity = run_async(similarity_from_settings(settings, texts, reuse=known))
    if similarity.fell_back and strict:
        model = settings.embedding_model
        reason = (similarity.note or "").removeprefix("text similarity used: ")
        error(
            f"near-duplicates by embeddings need the embedding model {model!r}, which could"
            f" not be used: {reason}",
            f"Embeddings come from Ollama: with the server running (--backend ollama or auto),"
            f" pull the model with `brainstorm models pull {model}` (or `ollama pull {model}`)"
            " or name another in the embedding_model setting. --duplicates auto uses text"
            " similarity when embeddings cannot be had.",
        )
    if similarity.fell_back and similarity.note and not quiet:
        warn(similarity.note)
    if owner and vectors is not None and similarity.method == "embeddings":
        from brainstorm.duplicates.cache import save_vectors
        from brainstorm.duplicates.similarity import text_digest

        if any(text_digest(t) not in similarity.stored for t in similarity.vectors):
            save_vectors(vectors, similarity)
    return similarity


def duplicate_report(
    state: CliState,
    session: Session,
    extra_texts: list[str] | None = None,
    *,
    strict: bool = False,
) -> tuple[DuplicateReport, Similarity]:
    """Near-duplicates among the session's visible ideas, by the method the settings choose,
    and the similarity used (``extra_texts`` are embedded too, for the human-first figures;
    ``strict``: see `similarity_for`).

    Through the derived index beside the session file: only ideas new or changed since it was
    written are compared. It is written only when no other process holds the session (this
    command then holds the writer lock for the moment it takes); otherwise computed in
    memory. A long comparison (a session with no index yet) shows a progress line on a
    terminal (`dup_progress`)."""
    from brainstorm.cli.dup_progress import DuplicateProgress
    from brainstorm.duplicates import DuplicateTracker, session_items
    from brainstorm.duplicates.cache import derived_paths
    from brainstorm.store import writer_lock_if_free

    path = state.store.path_for(session.id)
    texts = [text for _, text in session_items(session)] + (extra_texts or [])
    with writer_lock_if_free(state.store, session.id) as owner:
        vectors = derived_paths(path)[1]
        similarity = similarity_for(
            state.settings, texts, vectors=vectors, owner=owner, strict=strict
        )
        with DuplicateProgress(derived_paths(path)[0] if owner else None) as progress:
            tracker = DuplicateTracker(path, owner=owner)
            report = tracker.report(session, similarity, progress=progress)
    return report, similarity
