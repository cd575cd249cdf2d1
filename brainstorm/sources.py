"""Where a prompt goes: one model, or an ensemble of models × temperatures × seeds.

A `Source` is one (model, temperature, seed) combination. An `Ensemble` is the three lists a
person gives (``--models a,b --temperatures 0.3,0.9`` on the command line, the `s` dialog in
the app, the same flags on a batch); `Ensemble.sources` makes every combination. The words
for a source ("llama3.2 @ t=0.9") come from `presentation.model_label`, the same words the
cards of its ideas use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from brainstorm.presentation import model_label

#: Most sources one prompt may fan out to (a typo like --seeds 1,...,1000 should not run).
MAX_SOURCES = 64


@dataclass(frozen=True)
class Source:
    """One member of an ensemble. None leaves the option to the prompt's own options (and,
    failing those, to the model's default)."""

    model: str
    temperature: float | None = None
    seed: int | None = None

    def options(self, base: Mapping[str, Any]) -> dict[str, Any]:
        """The model options for this source: ``base`` with its temperature / seed set."""
        options = dict(base)
        if self.temperature is not None:
            options["temperature"] = self.temperature
        if self.seed is not None:
            options["seed"] = self.seed
        return options

    def label(self, base: Mapping[str, Any] | None = None) -> str:
        """ "llama3.2 @ t=0.9" — the same words as the cards of the ideas it writes."""
        return model_label(self.model, self.options(base or {}))


@dataclass(frozen=True)
class Ensemble:
    """Every model × temperature × seed (an empty list leaves that option alone)."""

    models: tuple[str, ...]
    temperatures: tuple[float, ...] = ()
    seeds: tuple[int, ...] = ()

    def sources(self) -> list[Source]:
        """Every combination, in that order. Raises ValueError for none, or more than
        `MAX_SOURCES`."""
        temps: Sequence[float | None] = self.temperatures or [None]
        seed_list: Sequence[int | None] = self.seeds or [None]
        sources = list(
            dict.fromkeys(Source(m, t, s) for m in self.models for t in temps for s in seed_list)
        )
        if not sources:
            raise ValueError("an ensemble needs at least one model")
        if len(sources) > MAX_SOURCES:
            raise ValueError(
                f"{len(sources)} combinations of models, temperatures and seeds: at most"
                f" {MAX_SOURCES} at once"
            )
        return sources

    @property
    def varies_options(self) -> bool:
        """Whether temperatures or seeds are part of it (not just a list of models)."""
        return bool(self.temperatures or self.seeds)

    def describe(self) -> str:
        """ "3 sources: llama3.2 @ t=0.3 · llama3.2 @ t=0.9 · qwen3 @ t=0.3" """
        sources = self.sources()
        labels = " · ".join(source.label() for source in sources)
        count = len(sources)
        return f"{count} source{'s' * (count != 1)}: {labels}"


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
