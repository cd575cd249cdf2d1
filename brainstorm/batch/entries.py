"""A batch's entries: what each line or table of a batch file asks, and its stable key.

An entry's key (`batch_keys`) is what `--resume` goes by: `id:<id>` for an entry with an
explicit id, otherwise a hash of its normalised content and of how many identical entries
came before it.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from brainstorm.store import validate_session_name
from brainstorm.store_errors import InvalidSessionName

BatchFormat = Literal["toml", "jsonl", "text"]
FORMATS: tuple[str, ...] = get_args(BatchFormat)


class BatchError(Exception):
    """A problem with a batch file or plan, worded for the person; raised before any request."""


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    topic: str | None = None
    technique: str | None = None
    model: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    session: str | None = None

    @field_validator("topic", "technique", "model")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return _optional_text(value)

    @field_validator("session")
    @classmethod
    def _session_name(cls, value: str | None) -> str | None:
        value = _optional_text(value)
        if value is None:
            return None
        try:
            return validate_session_name(value)
        except InvalidSessionName as problem:
            raise ValueError(str(problem)) from None

    @field_validator("options")
    @classmethod
    def _json_options(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise ValueError(
                "options must hold only strings, numbers, booleans, lists and tables"
            ) from None
        return value


class BatchEntry(_Fields):
    """One prompt of a batch file. A prompt with no topic is brainstormed on its own."""

    prompt: str = ""
    id: str | None = None

    @field_validator("prompt")
    @classmethod
    def _strip_prompt(cls, value: str) -> str:
        return value.strip()

    @field_validator("id")
    @classmethod
    def _strip_id(cls, value: str | None) -> str | None:
        return _optional_text(value)

    @model_validator(mode="after")
    def _something_to_ask(self) -> BatchEntry:
        if not self.prompt and not self.topic:
            raise ValueError("an entry needs a prompt (or at least a topic)")
        return self


class FileDefaults(_Fields):
    """File-wide values at the top of a TOML batch, used by entries that do not set them."""


@dataclass(frozen=True)
class LocatedEntry:
    entry: BatchEntry
    where: str  # "line 4", "[[prompt]] 3", "prompts[2]"
    index: int  # 1-based position in the batch
    key: str  # the batch_key recorded on its prompt_sent event


@dataclass(frozen=True)
class BatchFile:
    source: str  # for messages: the path as given, or "<stdin>"
    name: str  # the file name the default session is named after ("stdin" for -)
    format: BatchFormat
    entries: list[LocatedEntry]


def _normal(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(unicodedata.normalize("NFC", text).split())


def entry_content(entry: BatchEntry) -> str:
    """The part of an entry that decides what is asked, normalised (Unicode NFC, runs of
    whitespace collapsed, keys sorted). Where the reply is stored is not part of it."""
    content = {
        "prompt": _normal(entry.prompt),
        "topic": _normal(entry.topic),
        "technique": entry.technique,
        "model": entry.model,
        "options": entry.options,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def batch_keys(entries: list[BatchEntry]) -> list[str]:
    """Stable keys: `id:<id>` for entries with an explicit id, otherwise a hash of the entry's
    content and of how many identical entries precede it. Editing, adding or reordering other
    entries keeps a key; the same prompt listed twice gets two keys (and runs twice)."""
    seen: Counter[str] = Counter()
    keys: list[str] = []
    for entry in entries:
        if entry.id is not None:
            keys.append(f"id:{entry.id}")
            continue
        content = entry_content(entry)
        seen[content] += 1
        keyed = f"{content}\n{seen[content]}".encode("utf-8", "surrogatepass")
        digest = hashlib.sha256(keyed).hexdigest()
        keys.append(f"k1:{digest[:24]}")
    return keys
