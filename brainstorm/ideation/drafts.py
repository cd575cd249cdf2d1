"""The draft idea: what reading a model's reply yields, before it is stored for review."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DraftIdea:
    text: str
    title: str | None = None
