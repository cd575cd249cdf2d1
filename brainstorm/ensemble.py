"""Diverse ensembles: one prompt sent to several models, temperatures and seeds at once.

A `Source` is one (model, temperature, seed) combination; `ensemble_sources` makes every
combination of the lists given (``--models a,b --temperatures 0.3,0.9`` is four sources).
`run_ensemble` sends the prompt to every source concurrently, each through
`generate.generate` — the same flow as a single prompt, so each reply is stored as DRAFT ideas
with its own `prompt_sent` / `generation_completed` (or `generation_failed`) events, recording
the model and options that wrote it (`presentation.source_label` words it for cards). One
`SessionWriter` is shared; its appends are serialised, so the events of concurrent replies
interleave but never mix within a line.

A source that fails does not stop the others: its failure is recorded and returned with the
other outcomes; `exit_code` says what the CLI exits with. Cancelling `run_ensemble` cancels
every reply in flight; each is recorded as cancelled with its partial text kept.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from brainstorm.generate import GenerationOutcome, PromptSpec, generate
from brainstorm.llm import resolve_model
from brainstorm.llm.base import Backend
from brainstorm.presentation import options_label
from brainstorm.store import SessionWriter

__all__ = [
    "EnsembleResult",
    "Source",
    "ensemble_sources",
    "exit_code",
    "parse_floats",
    "parse_ints",
    "parse_names",
    "resolve_sources",
    "run_ensemble",
]

#: Most sources one prompt may fan out to (a typo like --seeds 1,...,1000 should not run).
MAX_SOURCES = 64


@dataclass(frozen=True)
class Source:
    """One member of an ensemble. None leaves the option to the prompt's own options (and,
    failing those, to the model's default)."""

    model: str
    temperature: float | None = None
    seed: int | None = None

    def options(self, base: dict[str, Any]) -> dict[str, Any]:
        """The model options for this source: ``base`` with its temperature / seed set."""
        options = dict(base)
        if self.temperature is not None:
            options["temperature"] = self.temperature
        if self.seed is not None:
            options["seed"] = self.seed
        return options

    def label(self, base: dict[str, Any] | None = None) -> str:
        """ "llama3.2 @ t=0.9" — the same words as the cards of the ideas it writes."""
        options = options_label(self.options(base or {}))
        return f"{self.model} @ {options}" if options else self.model


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_names(text: str) -> list[str]:
    """``"llama3.2, qwen3"`` → ``["llama3.2", "qwen3"]`` (duplicates dropped, order kept)."""
    names = list(dict.fromkeys(_split(text)))
    if not names:
        raise ValueError("give at least one model name, e.g. llama3.2,qwen3")
    return names


def parse_floats(text: str) -> list[float]:
    """``"0.3,0.9"`` → ``[0.3, 0.9]``: temperatures (finite, not negative)."""
    values: list[float] = []
    for part in _split(text):
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"{part!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{part!r}: a temperature is a number ≥ 0, like 0.7")
        values.append(value)
    if not values:
        raise ValueError("give at least one temperature, e.g. 0.3,0.9")
    return list(dict.fromkeys(values))


def parse_ints(text: str) -> list[int]:
    """``"1,2,3"`` → ``[1, 2, 3]``: seeds."""
    values: list[int] = []
    for part in _split(text):
        try:
            values.append(int(part))
        except ValueError:
            raise ValueError(f"{part!r} is not a whole number") from None
    if not values:
        raise ValueError("give at least one seed, e.g. 1,2,3")
    return list(dict.fromkeys(values))


def ensemble_sources(
    models: Sequence[str],
    temperatures: Sequence[float | None] = (),
    seeds: Sequence[int | None] = (),
) -> list[Source]:
    """Every (model × temperature × seed) combination, in that order; an empty list of
    temperatures or seeds leaves that option alone. Raises ValueError for none, or more
    than `MAX_SOURCES`."""
    temps: Sequence[float | None] = temperatures or [None]
    seed_list: Sequence[int | None] = seeds or [None]
    sources = list(dict.fromkeys(Source(m, t, s) for m in models for t in temps for s in seed_list))
    if not sources:
        raise ValueError("an ensemble needs at least one model")
    if len(sources) > MAX_SOURCES:
        raise ValueError(
            f"{len(sources)} combinations of models, temperatures and seeds: at most"
            f" {MAX_SOURCES} at once"
        )
    return sources


@dataclass(frozen=True)
class EnsembleResult:
    source: Source  # with the model that really answered (see `resolve_model`)
    outcome: GenerationOutcome
    options: dict[str, Any] = dataclasses.field(default_factory=dict)  # as sent to the model

    @property
    def ok(self) -> bool:
        return self.outcome.ok

    @property
    def label(self) -> str:
        """ "llama3.2 @ t=0.9": the source in the words its ideas' cards use."""
        options = options_label(self.options)
        return f"{self.source.model} @ {options}" if options else self.source.model


def resolve_sources(backend: Backend, sources: Iterable[Source]) -> list[Source]:
    """The sources with the model each will really run (a backend with one built-in model
    runs it whatever was asked), duplicates that leaves dropped."""
    return list(
        dict.fromkeys(
            dataclasses.replace(s, model=resolve_model(backend, s.model)) for s in sources
        )
    )


async def run_ensemble(
    writer: SessionWriter,
    backend: Backend,
    spec: PromptSpec,
    sources: Sequence[Source],
    *,
    concurrency: int | None = None,
    on_delta: Callable[[Source, str], None] | None = None,
    on_done: Callable[[EnsembleResult], None] | None = None,
) -> list[EnsembleResult]:
    """Send ``spec`` to every source at once (at most ``concurrency`` at a time; None: all)
    and store each reply. Returns one result per source, in the order of ``sources``
    (after `resolve_sources`). ``on_delta(source, text)`` sees the streamed text of each
    reply, ``on_done(result)`` each stored outcome as it finishes (for live cards)."""
    resolved = resolve_sources(backend, sources)
    limit = asyncio.Semaphore(concurrency or len(resolved) or 1)
    results: dict[Source, EnsembleResult] = {}

    async def one(source: Source) -> None:
        member = dataclasses.replace(spec, model=source.model, options=source.options(spec.options))
        delta = (lambda text: on_delta(source, text)) if on_delta is not None else None
        async with limit:
            outcome = await generate(writer, backend, member, on_delta=delta)
        result = EnsembleResult(source, outcome, member.options)
        results[source] = result
        if on_done is not None:
            on_done(result)

    try:
        async with asyncio.TaskGroup() as group:
            for source in resolved:
                group.create_task(one(source))
    except BaseExceptionGroup as failures:  # a store error (disk full): the first one
        raise failures.exceptions[0] from None
    return [results[source] for source in resolved]


def exit_code(results: Sequence[EnsembleResult]) -> int:
    """0 when every source answered; 3 when none could run because the server or the models
    were not there (every failure is of that kind); 1 when any other source failed."""
    failures = [r.outcome.error for r in results if r.outcome.error is not None]
    if not failures:
        return 0
    if len(failures) == len(results) and all(e.exit_code == 3 for e in failures):
        return 3
    return 1
