"""What every session event shares (its place in the log and its time), apart from
`brainstorm.events` so that the event modules (`events`, `converge_events`) can both build on it."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field


def utc_now() -> datetime:
    return datetime.now(UTC)


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    seq: int = 0  # assigned by the writer
    at: datetime = Field(default_factory=utc_now)
