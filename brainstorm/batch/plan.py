"""Planning a batch: which session each entry goes to, which prompts it makes, what is done.

Sessions (in order): the entry's `session`, else `--session`, else the batch's default session
`batch-<file name slug>`. Without `--resume` every run gets a new default session
(`batch-ideas-txt`, then `batch-ideas-txt.2`, `.3`…); with `--resume` the newest one is
continued. Named sessions are used if they exist and created if not. A session held by another
process (another batch, the app, `ask`) makes the batch stop before it starts.

Ensembles (`BatchOptions.ensemble`): every entry runs once per (model × temperature × seed)
combination, each a prompt of its own with the batch key `<entry key>@<source>` (e.g.
`k1:…@llama3.2 @ t=0.9`), so `--resume` runs again only the members that did not complete. An
entry's own `model`, or a `temperature` / `seed` in its options, wins over the ensemble's.

Every prompt's request is made by `ask.build_request`, exactly as for `ask` and the app (a
human-first session not revealed yet gets its replies stored hidden).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from brainstorm.ask import AskRequest, build_request
from brainstorm.batch.entries import BatchEntry, BatchError, BatchFile, LocatedEntry
from brainstorm.batch.parse import at
from brainstorm.ideation import Technique, TechniqueError, get_technique
from brainstorm.llm.base import Backend
from brainstorm.session_writer import SessionWriter
from brainstorm.sources import Ensemble, Source
from brainstorm.store import SessionStore, slugify, validate_session_name
from brainstorm.store_errors import StoreError


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
    # --models / --temperatures / --seeds: every entry runs once per combination. An entry's
    # own model (or temperature / seed option) wins, as entry fields win over flags.
    ensemble: Ensemble | None = None


@dataclass
class SessionTarget:
    """A session the batch writes to: opened (and locked) up front, or created just before the
    first request."""

    name: str | None  # None: the batch's default session
    writer: SessionWriter | None = None
    new_topic: str | None = None
    new_technique: str | None = None
    completed: set[str] = field(default_factory=set)

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
    source: Source  # the model (and temperature / seed) asked for
    technique: Technique
    options: dict[str, Any]  # the entry's and the flags', under the source's own
    skip: bool = False  # already completed (--resume)
    request: AskRequest | None = None  # made once the backend answered (`create_sessions`)
    # In an ensemble, the member of the entry's ensemble this prompt is ("llama3.2 @ t=0.9")
    # and its own batch key; None for an entry that runs once.
    member: str | None = None
    member_key: str | None = None

    @property
    def entry(self) -> BatchEntry:
        return self.located.entry

    @property
    def model(self) -> str:
        """The model asked for (the one that answers is on the request's source)."""
        return self.request.source.model if self.request is not None else self.source.model

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
        self._techniques: dict[str, Technique] = {}  # by name, read once per batch

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
        self.warnings.extend(writer.warnings)
        target.completed = {
            record.batch_key
            for record in writer.session.prompts.values()
            if record.outcome == "completed" and record.batch_key
        }

    def _plan_prompts(self, located: LocatedEntry) -> list[PlannedPrompt]:
        """The prompt(s) of one entry: one, or one per ensemble member."""
        entry = located.entry
        opts = self.options
        target = self.targets[entry.session or opts.session]
        technique = self._technique_for(located, target)
        options = {**opts.options, **entry.options}
        ensemble = opts.ensemble or Ensemble((opts.model,))
        own = Ensemble(
            (entry.model,) if entry.model else ensemble.models,
            () if "temperature" in entry.options else ensemble.temperatures,
            () if "seed" in entry.options else ensemble.seeds,
        )
        sources = own.sources()
        planned = [PlannedPrompt(located, target, source, technique, options) for source in sources]
        if len(planned) > 1 or own.varies_options:
            for prompt in planned:
                prompt.member = prompt.source.label(options)
                prompt.member_key = f"{located.key}@{prompt.member}"
        for prompt in planned:
            prompt.skip = opts.resume and prompt.key in target.completed
        return planned

    def _technique_for(self, located: LocatedEntry, target: SessionTarget) -> Technique:
        session_technique = target.writer.session.technique if target.writer else None
        name = (
            located.entry.technique
            or self.options.technique
            or session_technique
            or target.new_technique
            or self.options.default_technique
        )
        if name not in self._techniques:  # read from the templates once per batch
            try:
                self._techniques[name] = get_technique(name)
            except TechniqueError as problem:
                raise BatchError(f"{at(self.batch.source, located.where)}: {problem}") from None
        return self._techniques[name]

    def create_sessions(self, backend: Backend) -> None:
        """Create the sessions that do not exist yet, then make every prompt's request. Call
        after the backend answered, so that a dead server leaves no empty session behind."""
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
                    default_model=self.options.model,
                    name=target.name,
                )
            else:
                target.writer = self._create_default(target)
        for planned in self.to_run:
            planned.request = self._request(planned, backend)

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
                    default_model=self.options.model,
                    name=name,
                )
            except StoreError:
                if not self.store.path_for(name).exists():
                    raise  # not a lost race with another batch: a real problem
        raise BatchError(f"could not find a free session name after {base}")

    def _topic(self, planned: PlannedPrompt) -> str:
        """What the model brainstorms about: the entry's topic, else --topic, else the topic
        of the named session it goes to; a prompt with none of these is its own topic."""
        entry = planned.entry
        topic = entry.topic or self.options.topic
        if topic is None and planned.target.explicit and planned.target.writer is not None:
            topic = planned.target.writer.session.topic
        return topic if topic is not None else entry.prompt

    def _request(self, planned: PlannedPrompt, backend: Backend) -> AskRequest:
        writer = planned.target.writer
        assert writer is not None
        return build_request(
            writer.session,
            planned.entry.prompt,
            technique=planned.technique,
            backend=backend,
            sources=[planned.source],
            options=planned.options,
            structured=self.options.structured,
            topic=self._topic(planned),
            batch_key=planned.key,
        )


def plan_batch(store: SessionStore, batch: BatchFile, options: BatchOptions) -> BatchPlan:
    plan = BatchPlan(store, batch, options)
    plan.prepare()
    return plan
