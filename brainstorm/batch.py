"""Scripted prompt batches: read a batch file, plan its sessions, run its prompts concurrently.

A batch is a list of prompts in one of three formats (see `parse_batch`): TOML, JSON Lines or
plain text. Everything that can be wrong with a file (syntax, unknown keys, bad session names,
unknown techniques, locked sessions) is reported before a single request is sent.

Every prompt goes through `generate.generate`, exactly as in interactive use, so its reply is
stored as draft ideas with the same events; nothing here ever marks an idea reviewed.

Resume: each entry has a stable `batch_key` (a hash of its normalised content and of how many
identical entries came before it, or its explicit `id`). `generate` records the key on the
`prompt_sent` event, and `--resume` skips every entry whose key already has a *completed*
prompt in its session. Failed, cancelled and cut-off prompts (and prompts whose process was
killed mid-reply) are not completed, so they run again.

Sessions (in order): the entry's `session`, else `--session`, else the batch's default session
`batch-<file name slug>`. Without `--resume` every run gets a new default session
(`batch-ideas-txt`, then `batch-ideas-txt.2`, `.3`…); with `--resume` the newest one is
continued. Named sessions are used if they exist and created if not.

Ensembles (`BatchOptions.models` / `temperatures` / `seeds`, i.e. `--models`, `--temperatures`,
`--seeds`): every entry runs once per (model × temperature × seed) combination, each a prompt
of its own with the batch key `<entry key>@<source>` (e.g. `k1:…@llama3.2 @ t=0.9`), so
`--resume` runs again only the members that did not complete. An entry's own `model`, or a
`temperature` / `seed` in its options, wins over the flag. Into a human-first session that is
not revealed yet, replies are stored hidden, as `ask` stores them.

Concurrency: up to N prompts in flight (an asyncio semaphore), one backend, one `SessionWriter`
per session shared by every task of this process (its appends are serialised). A session held
by another process (another batch, the app, `ask`) makes the batch stop before it starts.

Interrupts: with `handle_signals=True`, SIGINT and SIGTERM cancel the prompts in flight;
`generate` records each as cancelled, keeping the text that arrived as incomplete drafts.
Everything recorded before is already fsynced, so even a SIGKILL loses nothing finished.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import re
import signal
import sys
import time
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from brainstorm.ensemble import ensemble_sources
from brainstorm.generate import PromptSpec, generate
from brainstorm.ideation import (
    IDEAS_SCHEMA,
    Technique,
    TechniqueError,
    build_messages,
    get_technique,
)
from brainstorm.llm.base import Backend, BackendError
from brainstorm.presentation import options_label
from brainstorm.rounds import drafts_hidden
from brainstorm.store import (
    InvalidSessionName,
    SessionStore,
    SessionWriter,
    StoreError,
    slugify,
    validate_session_name,
)

BatchFormat = Literal["toml", "jsonl", "text"]
FORMATS: tuple[str, ...] = get_args(BatchFormat)
STDIN = "-"

_EXTENSIONS: dict[str, BatchFormat] = {
    ".toml": "toml",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".txt": "text",
    ".text": "text",
}
_TOML_HINT = re.compile(r"^\s*(\[\[\s*prompt\s*\]\]|prompts\s*=)", re.MULTILINE)
_ENTRY_KEYS = ("prompt", "topic", "technique", "model", "options", "session", "id")
_DEFAULT_KEYS = ("topic", "technique", "model", "options", "session")


class BatchError(Exception):
    """A problem with a batch file or plan, worded for the person; raised before any request."""


# --- entries ------------------------------------------------------------------------------------


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


class _Defaults(_Fields):
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
        digest = hashlib.sha256(f"{content}\n{seen[content]}".encode()).hexdigest()
        keys.append(f"k1:{digest[:24]}")
    return keys


# --- parsing ------------------------------------------------------------------------------------


def read_batch_source(file: str) -> tuple[bytes, str, str]:
    """The bytes of FILE (`-` = standard input), its display name and its base name."""
    if file == STDIN:
        return sys.stdin.buffer.read(), "<stdin>", "stdin"
    path = Path(file)
    try:
        return path.read_bytes(), file, path.name
    except IsADirectoryError:
        raise BatchError(f"{file} is a directory, not a batch file") from None
    except OSError as problem:
        raise BatchError(f"cannot read {file}: {problem.strerror or problem}") from None


def load_batch(file: str, fmt: BatchFormat | None = None) -> BatchFile:
    data, source, name = read_batch_source(file)
    return parse_batch(data, source=source, name=name, fmt=fmt)


def detect_format(name: str, text: str) -> BatchFormat:
    """By extension; otherwise by content: a first line starting with `{` is JSON Lines,
    a `[[prompt]]` table or `prompts =` line is TOML, anything else is plain text."""
    suffix = Path(name).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            if stripped.startswith("{"):
                return "jsonl"
            break
    if _TOML_HINT.search(text):
        return "toml"
    return "text"


def parse_batch(
    data: bytes, *, source: str, name: str, fmt: BatchFormat | None = None
) -> BatchFile:
    """Parse a batch file. Raises `BatchError` naming the line (or TOML key) of the first
    problem, and how many other entries have problems too."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        raise BatchError(f"{source}:{line}: not valid UTF-8 text") from None
    fmt = fmt or detect_format(name, text)
    if fmt == "toml":
        raw = _toml_entries(text, source)
    elif fmt == "jsonl":
        raw = _jsonl_entries(text)
    else:
        raw = _text_entries(text)
    entries: list[tuple[BatchEntry, str]] = []
    problems: list[str] = []
    for item, where, defaults in raw:
        if isinstance(item, str):  # a problem found while splitting the file
            problems.append(f"{at(source, where)}: {item}")
            continue
        merged = _apply_defaults(item, defaults)
        try:
            entries.append((BatchEntry.model_validate(merged), where))
        except ValidationError as error:
            problems.append(f"{at(source, where)}: {_describe(error)}")
    if problems:
        more = len(problems) - 1
        tail = f" (and {more} more entr{'y' if more == 1 else 'ies'} with problems)" * (more > 0)
        raise BatchError(problems[0] + tail)
    if not entries:
        raise BatchError(f"{source}: no prompts found (expected {_format_help(fmt)})")
    _check_ids(entries, source)
    keys = batch_keys([entry for entry, _ in entries])
    located = [
        LocatedEntry(entry, where, index, key)
        for index, ((entry, where), key) in enumerate(zip(entries, keys, strict=True), start=1)
    ]
    return BatchFile(source=source, name=name, format=fmt, entries=located)


_Raw = tuple[dict[str, Any] | str, str, dict[str, Any]]  # (entry or problem, where, defaults)


def at(source: str, where: str) -> str:
    """`ideas.txt:4` for a line, `ideas.toml: [[prompt]] 3` for a TOML entry."""
    if where.startswith("line "):
        return f"{source}:{where.removeprefix('line ')}"
    return f"{source}: {where}"


def _format_help(fmt: BatchFormat) -> str:
    return {
        "toml": '[[prompt]] tables with prompt = "…", or prompts = ["…", …]',
        "jsonl": 'one JSON object per line, like {"prompt": "…"}',
        "text": "one prompt per line",
    }[fmt]


def _text_entries(text: str) -> list[_Raw]:
    result: list[_Raw] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            result.append(({"prompt": stripped}, f"line {number}", {}))
    return result


def _jsonl_entries(text: str) -> list[_Raw]:
    result: list[_Raw] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            value = json.loads(line)
        except ValueError as problem:
            message = problem.msg if isinstance(problem, json.JSONDecodeError) else str(problem)
            result.append((f"not valid JSON ({message})", where, {}))
            continue
        if not isinstance(value, dict):
            hint = " (JSON Lines: one object per line, not an array)" * isinstance(value, list)
            result.append((f'expected a JSON object like {{"prompt": "…"}}{hint}', where, {}))
            continue
        result.append((value, where, {}))
    return result


def _toml_entries(text: str, source: str) -> list[_Raw]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise BatchError(f"{source}: not valid TOML: {problem}") from None
    unknown = [key for key in document if key not in ("prompt", "prompts", *_DEFAULT_KEYS)]
    if unknown:
        raise BatchError(
            f"{source}: unknown key {unknown[0]!r} (expected [[prompt]] tables or a `prompts`"
            f" list, and optionally file-wide {', '.join(_DEFAULT_KEYS)})"
        )
    defaults_raw = {key: document[key] for key in _DEFAULT_KEYS if key in document}
    try:
        defaults = _Defaults.model_validate(defaults_raw).model_dump(exclude_defaults=True)
    except ValidationError as error:
        raise BatchError(f"{source}: top-level {_describe(error)}") from None
    result: list[_Raw] = []
    for key in document:  # in document order
        if key == "prompt":
            tables = document["prompt"]
            if not isinstance(tables, list):
                raise BatchError(
                    f"{source}: key 'prompt' must be [[prompt]] tables (to list plain strings,"
                    ' use prompts = ["…", "…"])'
                )
            for number, table in enumerate(tables, start=1):
                result.append((_toml_item(table), f"[[prompt]] {number}", defaults))
        elif key == "prompts":
            items = document["prompts"]
            if not isinstance(items, list):
                raise BatchError(f"{source}: key 'prompts' must be a list of strings or tables")
            for number, item in enumerate(items, start=1):
                result.append((_toml_item(item), f"prompts[{number}]", defaults))
    return result


def _toml_item(item: object) -> dict[str, Any] | str:
    if isinstance(item, str):
        return {"prompt": item}
    if isinstance(item, dict):
        return item
    return 'expected a string or a table with prompt = "…"'


def _apply_defaults(item: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    if not defaults:
        return item
    merged = {**defaults, **item}
    if "options" in defaults and isinstance(item.get("options"), dict):
        merged["options"] = {**defaults["options"], **item["options"]}
    return merged


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        if location == "prompts":  # TOML puts keys after a [[prompt]] header into that table
            return (
                "unknown key 'prompts' (in TOML, a `prompts = [...]` list must come before"
                " the first [[prompt]] table)"
            )
        return f"unknown key {location!r} (expected {', '.join(_ENTRY_KEYS)})"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"key {location!r}: {message}" if location else message


def _check_ids(entries: list[tuple[BatchEntry, str]], source: str) -> None:
    seen: dict[str, str] = {}
    for entry, where in entries:
        if entry.id is None:
            continue
        if entry.id in seen:
            raise BatchError(
                f"{at(source, where)}: id {entry.id!r} is already used ({seen[entry.id]})"
            )
        seen[entry.id] = where


# --- planning -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchOptions:
    """What the command line says; entries' own fields win over these."""

    model: str  # for entries without a model
    default_technique: str  # the settings' technique, last resort
    technique: str | None = None  # --technique
    session: str | None = None  # --session
    topic: str | None = None  # --topic
    options: dict[str, Any] = field(default_factory=dict)  # --option, under the entries' own
    structured: bool = False
    resume: bool = False
    # Ensembles: every entry runs once per (model × temperature × seed). An entry's own model
    # (or temperature / seed option) wins over these, as entry fields win over flags.
    models: tuple[str, ...] = ()  # --models (empty: `model`)
    temperatures: tuple[float, ...] = ()  # --temperatures
    seeds: tuple[int, ...] = ()  # --seeds


@dataclass
class SessionTarget:
    """A session the batch writes to: opened (and locked) up front, or created just before the
    first request."""

    name: str | None  # None: the batch's default session
    writer: SessionWriter | None = None
    new_topic: str | None = None
    new_technique: str | None = None
    completed: set[str] = field(default_factory=set)
    existed: bool = False

    @property
    def explicit(self) -> bool:
        return self.name is not None

    @property
    def session_id(self) -> str:
        if self.writer is None:
            raise BatchError("session not created yet")
        return self.writer.session_id


@dataclass
class PlannedPrompt:
    located: LocatedEntry
    target: SessionTarget
    model: str
    technique: str
    options: dict[str, Any]
    skip: bool = False  # already completed (--resume)
    spec: PromptSpec | None = None
    # In an ensemble, the member of the entry's ensemble this prompt is ("llama3.2 @ t=0.9")
    # and its own batch key; None for an entry that runs once.
    source: str | None = None
    member_key: str | None = None

    @property
    def entry(self) -> BatchEntry:
        return self.located.entry

    @property
    def key(self) -> str:
        """The batch key recorded on its `prompt_sent`: the entry's, with the ensemble member
        appended when the entry runs once per source (so `--resume` skips each on its own)."""
        return self.member_key or self.located.key

    @property
    def index(self) -> int:
        return self.located.index

    @property
    def where(self) -> str:
        return self.located.where

    @property
    def session_id(self) -> str:
        return self.target.session_id


def default_session_base(batch_name: str) -> str:
    return validate_session_name(f"batch-{slugify(batch_name, max_length=60)}")


def default_session_runs(store: SessionStore, base: str) -> list[tuple[int, str]]:
    """The sessions earlier runs of a batch created: `base`, `base.2`, `base.3`… by run."""
    pattern = re.compile(rf"^{re.escape(base)}(?:\.(\d+))?$")
    runs: list[tuple[int, str]] = []
    for session_id in store.ids():
        match = pattern.match(session_id)
        if match:
            runs.append((int(match.group(1) or 1), session_id))
    return sorted(runs)


class BatchPlan:
    """A parsed batch bound to its sessions. Owns the session writers: use it as a context
    manager (or call `close`)."""

    def __init__(self, store: SessionStore, batch: BatchFile, options: BatchOptions) -> None:
        self.store = store
        self.batch = batch
        self.options = options
        self.targets: dict[str | None, SessionTarget] = {}
        self.prompts: list[PlannedPrompt] = []
        self.warnings: list[str] = []
        self._techniques: dict[str, Technique] = {}

    # -- lifecycle

    def __enter__(self) -> BatchPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for target in self.targets.values():
            if target.writer is not None:
                target.writer.close()

    # -- views

    @property
    def to_run(self) -> list[PlannedPrompt]:
        return [p for p in self.prompts if not p.skip]

    @property
    def skipped(self) -> list[PlannedPrompt]:
        return [p for p in self.prompts if p.skip]

    @property
    def session_ids(self) -> list[str]:
        return [t.session_id for t in self.targets.values() if t.writer is not None]

    # -- steps

    def prepare(self) -> None:
        """Check everything that can be checked without a model and lock the sessions that
        exist. Raises BatchError or StoreError (SessionLocked)."""
        by_target: dict[str | None, list[LocatedEntry]] = {}
        for located in self.batch.entries:
            name = located.entry.session or self.options.session
            by_target.setdefault(name, []).append(located)
        try:
            for name, located_entries in by_target.items():
                self.targets[name] = self._open_target(name, located_entries)
            for located in self.batch.entries:
                self.prompts.extend(self._plan_prompts(located))
        except BaseException:
            self.close()
            raise
        if not self.options.resume:
            for target in self.targets.values():
                again = sum(
                    1 for p in self.prompts if p.target is target and p.key in target.completed
                )
                if again:
                    self.warnings.append(
                        f"{again} of these prompts already completed in session"
                        f" {target.session_id}; they run again (--resume skips them)"
                    )

    def _open_target(self, name: str | None, entries: list[LocatedEntry]) -> SessionTarget:
        options = self.options
        topics = {e.entry.topic for e in entries}
        techniques = {e.entry.technique for e in entries}
        common_technique = next(iter(techniques)) if len(techniques) == 1 else None
        technique = options.technique or common_technique or options.default_technique
        if name is None:
            base = default_session_base(self.batch.name)
            common_topic = next(iter(topics)) if len(topics) == 1 else None
            topic = options.topic or common_topic or f"Batch: {self.batch.name}"
            target = SessionTarget(None, new_topic=topic, new_technique=technique)
            runs = default_session_runs(self.store, base)
            if options.resume and runs:
                self._open_existing(target, runs[-1][1])
            return target
        target = SessionTarget(name, new_technique=technique)
        if self.store.path_for(name).exists():
            self._open_existing(target, name)
            return target
        first_topic = next((e.entry.topic for e in entries if e.entry.topic), None)
        target.new_topic = options.topic or first_topic
        if target.new_topic is None:
            raise BatchError(
                f"session {name!r} does not exist yet and none of its prompts has a topic: pass"
                f" --topic, give the entries a topic, or create it first with"
                f" `brainstorm new --name {name} TOPIC`"
            )
        return target

    def _open_existing(self, target: SessionTarget, session_id: str) -> None:
        writer = self.store.open_writer(session_id)
        target.writer = writer
        target.existed = True
        self.warnings.extend(writer.warnings)
        target.completed = {
            record.batch_key
            for record in writer.session.prompts.values()
            if record.outcome == "completed" and record.batch_key
        }

    def _plan_prompts(self, located: LocatedEntry) -> list[PlannedPrompt]:
        """The prompt(s) of one entry: one, or one per ensemble member."""
        base = self._plan_prompt(located)
        entry = located.entry
        opts = self.options
        models = [entry.model] if entry.model else list(opts.models) or [opts.model]
        temperatures = [] if "temperature" in entry.options else list(opts.temperatures)
        seeds = [] if "seed" in entry.options else list(opts.seeds)
        sources = ensemble_sources(models, temperatures, seeds)
        if len(sources) == 1 and not temperatures and not seeds:
            base.model = sources[0].model
            return [base]
        planned: list[PlannedPrompt] = []
        for source in sources:
            member_options = source.options(base.options)
            label = f"{source.model} @ {options_label(member_options)}".removesuffix(" @ ")
            key = f"{located.key}@{label}"
            planned.append(
                dataclasses.replace(
                    base,
                    model=source.model,
                    options=member_options,
                    source=label,
                    member_key=key,
                    skip=opts.resume and key in base.target.completed,
                )
            )
        return planned

    def _plan_prompt(self, located: LocatedEntry) -> PlannedPrompt:
        entry = located.entry
        target = self.targets[entry.session or self.options.session]
        session_technique = target.writer.session.technique if target.writer else None
        technique_name = (
            entry.technique
            or self.options.technique
            or session_technique
            or target.new_technique
            or self.options.default_technique
        )
        try:
            technique = self.technique(technique_name)
        except TechniqueError as problem:
            raise BatchError(f"{at(self.batch.source, located.where)}: {problem}") from None
        return PlannedPrompt(
            located=located,
            target=target,
            model=entry.model or self.options.model,
            technique=technique.name,
            options={**self.options.options, **entry.options},
            skip=self.options.resume and located.key in target.completed,
        )

    def create_sessions(self) -> None:
        """Create the sessions that do not exist yet, then render every prompt. Call after the
        backend answered, so that a dead server leaves no empty session behind."""
        for target in self.targets.values():
            if target.writer is not None:
                continue
            if not any(not p.skip for p in self.prompts if p.target is target):
                continue
            assert target.new_topic is not None
            if target.name is not None:
                target.writer = self.store.create(
                    target.new_topic,
                    technique=target.new_technique,
                    model=self.options.model,
                    name=target.name,
                )
            else:
                target.writer = self._create_default(target)
        for planned in self.to_run:
            planned.spec = self._spec(planned)

    def _create_default(self, target: SessionTarget) -> SessionWriter:
        assert target.new_topic is not None
        base = default_session_base(self.batch.name)
        for _ in range(1000):
            runs = default_session_runs(self.store, base)
            number = runs[-1][0] + 1 if runs else 1
            name = base if number == 1 else f"{base}.{number}"
            try:
                return self.store.create(
                    target.new_topic,
                    technique=target.new_technique,
                    model=self.options.model,
                    name=name,
                )
            except StoreError:
                if not self.store.path_for(name).exists():
                    raise  # not a lost race with another batch: a real problem
        raise BatchError(f"could not find a free session name after {base}")

    def technique(self, name: str) -> Technique:
        """`get_technique`, read from the templates once per batch rather than per prompt."""
        if name not in self._techniques:
            self._techniques[name] = get_technique(name)
        return self._techniques[name]

    def message_topic(self, planned: PlannedPrompt) -> tuple[str, str]:
        """(topic, prompt) sent to the model: the entry's topic, else --topic, else the topic
        of the named session it goes to; a prompt with none of these is its own topic."""
        entry = planned.entry
        topic = entry.topic or self.options.topic
        if topic is None and planned.target.explicit and planned.target.writer is not None:
            topic = planned.target.writer.session.topic
        if topic is None:
            return entry.prompt, ""
        return topic, entry.prompt

    def _spec(self, planned: PlannedPrompt) -> PromptSpec:
        topic, prompt = self.message_topic(planned)
        structured = self.options.structured
        return PromptSpec(
            prompt=planned.entry.prompt,
            messages=build_messages(
                self.technique(planned.technique), topic, prompt, structured=structured
            ),
            model=planned.model,
            technique=planned.technique,
            options=planned.options,
            schema=IDEAS_SCHEMA if structured else None,
            batch_key=planned.key,
            # A human-first session keeps the model's ideas hidden until the person reveals.
            hidden=planned.target.writer is not None
            and drafts_hidden(planned.target.writer.session),
        )


def plan_batch(store: SessionStore, batch: BatchFile, options: BatchOptions) -> BatchPlan:
    plan = BatchPlan(store, batch, options)
    plan.prepare()
    return plan


# --- running ------------------------------------------------------------------------------------

Status = Literal["completed", "failed", "cancelled"]


@dataclass(frozen=True)
class PromptResult:
    prompt: PlannedPrompt
    status: Status
    prompt_id: str | None
    idea_ids: list[int]
    seconds: float
    error: str | None = None
    hint: str | None = None
    # The error's exit code: 3 when the server is unreachable or the model missing.
    error_code: int | None = None

    @property
    def session_id(self) -> str:
        return self.prompt.session_id

    def as_json(self) -> dict[str, Any]:
        entry = self.prompt.entry
        return {
            "index": self.prompt.index,
            "where": self.prompt.where,
            "batch_key": self.prompt.key,
            "prompt": entry.prompt,
            "topic": entry.topic,
            "model": self.prompt.model,
            "source": self.prompt.source,
            "technique": self.prompt.technique,
            "session": self.session_id,
            "prompt_id": self.prompt_id,
            "status": self.status,
            "ideas": self.idea_ids,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class BatchReport:
    results: list[PromptResult]
    skipped: int
    not_started: int
    interrupted_by: str | None
    elapsed: float

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def nothing_could_run(self) -> bool:
        """Every prompt failed because the server or its models were not there."""
        return bool(self.results) and all(
            r.status == "failed" and r.error_code == 3 for r in self.results
        )


class BatchProgress:
    """Hooks for showing a batch's progress; override what you need. Called on the event
    loop's thread, in order; an exception raised here stops the batch."""

    def batch_started(self, plan: BatchPlan) -> None:
        """Sessions are open, nothing is sent yet."""

    def prompt_started(self, prompt: PlannedPrompt) -> None:
        """A prompt got a concurrency slot and is about to be sent."""

    def prompt_finished(self, result: PromptResult) -> None:
        """A prompt's outcome is stored (fsynced) in its session."""

    def interrupted(self, signal_name: str) -> None:
        """SIGINT/SIGTERM arrived; the prompts in flight are being cancelled."""


async def run_batch(
    plan: BatchPlan,
    backend: Backend | None,
    *,
    concurrency: int = 4,
    progress: BatchProgress | None = None,
    handle_signals: bool = False,
) -> BatchReport:
    """Run every prompt not skipped, at most `concurrency` at a time. `plan.create_sessions()`
    must have been called. `backend` may be None when nothing is left to run. Backend errors
    become failed results; a store error (disk full) stops the batch and is raised."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if backend is None and plan.to_run:
        raise ValueError("a backend is needed: some prompts have not completed")
    progress = progress or BatchProgress()
    todo = plan.to_run
    results: list[PromptResult] = []
    semaphore = asyncio.Semaphore(concurrency)
    interrupted: list[str] = []
    started = time.perf_counter()

    async def one(planned: PlannedPrompt) -> None:
        async with semaphore:
            if interrupted:
                return
            writer = planned.target.writer
            assert writer is not None and planned.spec is not None and backend is not None
            progress.prompt_started(planned)
            began = time.perf_counter()
            try:
                outcome = await generate(writer, backend, planned.spec)
            except asyncio.CancelledError:
                result = _cancelled_result(planned, writer, time.perf_counter() - began)
                results.append(result)
                progress.prompt_finished(result)
                raise
            error: BackendError | None = outcome.error
            result = PromptResult(
                prompt=planned,
                status="completed" if outcome.ok else "failed",
                prompt_id=outcome.prompt_id,
                idea_ids=[idea.id for idea in outcome.ideas],
                seconds=time.perf_counter() - began,
                error=error.message if error else None,
                hint=error.hint if error else None,
                error_code=error.exit_code if error else None,
            )
            results.append(result)
            progress.prompt_finished(result)

    progress.batch_started(plan)
    tasks: list[asyncio.Task[None]] = []

    def interrupt(signal_name: str) -> None:
        if interrupted:
            return
        interrupted.append(signal_name)
        progress.interrupted(signal_name)
        for task in tasks:
            task.cancel()

    with _SignalsCancel(interrupt, enabled=handle_signals):
        try:
            async with asyncio.TaskGroup() as group:
                tasks.extend(group.create_task(one(planned)) for planned in todo)
        except BaseExceptionGroup as failures:  # a store or progress error: the first one
            raise failures.exceptions[0] from None
    return BatchReport(
        results=results,
        skipped=len(plan.skipped),
        not_started=len(todo) - len(results),
        interrupted_by=interrupted[0] if interrupted else None,
        elapsed=time.perf_counter() - started,
    )


def _cancelled_result(
    planned: PlannedPrompt, writer: SessionWriter, seconds: float
) -> PromptResult:
    """`generate` recorded the cancellation (and any partial text); find that record."""
    record = next(
        (
            r
            for r in reversed(writer.session.prompts.values())
            if r.batch_key == planned.key and r.outcome == "cancelled"
        ),
        None,
    )
    return PromptResult(
        prompt=planned,
        status="cancelled",
        prompt_id=record.id if record else None,
        idea_ids=list(record.ideas) if record else [],
        seconds=seconds,
        error=record.reason if record else "cancelled",
    )


class _SignalsCancel:
    """While active, the first SIGINT or SIGTERM calls `handler(name)` instead of stopping the
    process, and puts the default handlers back: a second Ctrl-C stops at once. Only possible
    on the main thread of a Unix event loop; elsewhere nothing is installed."""

    def __init__(self, handler: Callable[[str], None], *, enabled: bool) -> None:
        self.handler = handler
        self.enabled = enabled
        self.installed: list[signal.Signals] = []
        self.loop: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> _SignalsCancel:
        if not self.enabled:
            return self
        self.loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                self.loop.add_signal_handler(signum, self._received, signum.name)
            except (NotImplementedError, RuntimeError, ValueError):
                continue
            self.installed.append(signum)
        return self

    def _received(self, name: str) -> None:
        self.restore()
        self.handler(name)

    def restore(self) -> None:
        while self.installed and self.loop is not None:
            with suppress(Exception):
                self.loop.remove_signal_handler(self.installed.pop())

    def __exit__(self, *exc: object) -> None:
        self.restore()


def as_format(value: str | None) -> BatchFormat | None:
    if value is None or value == "auto":
        return None
    if value not in FORMATS:
        raise BatchError(f"unknown format {value!r} (use auto, {', '.join(FORMATS)})")
    return cast(BatchFormat, value)
