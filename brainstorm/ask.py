"""The one request builder: what to send for a prompt, built the same way everywhere.

`brainstorm ask`, scripted batches, the app's prompt box and its follow-ups all describe what
they want (a session, a technique, the person's text, plain or structured, where it goes) and
call `build_request` (or `build_follow_up` for work on one idea). The result, an `AskRequest`,
holds everything `generate` needs and records: the messages (built here, and only here, so the
structured-output schema always matches the instruction in the text), the sources with the
models that will really answer (resolved once, against the backend), and whether the replies
are stored hidden (a human-first round).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from brainstorm.converge_events import ThemeRecord
from brainstorm.ideation import (
    DEFAULT_TECHNIQUE,
    FOLLOW_UP_TITLES,
    IDEAS_SCHEMA,
    Technique,
    TechniqueError,
    build_follow_up_messages,
    build_messages,
    build_theme_label_messages,
    get_technique,
)
from brainstorm.llm import resolve_model, sent_options
from brainstorm.llm.base import Backend, Message
from brainstorm.models import Idea, Session
from brainstorm.rounds import drafts_hidden
from brainstorm.sources import Source


@dataclass(frozen=True)
class AskRequest:
    """One prompt, ready to send to each of its sources and to record."""

    prompt: str  # what the person asked, as the session history shows it
    messages: tuple[Message, ...]
    sources: tuple[Source, ...]  # with the models that really answer; never empty
    technique: str | None = None
    # Under each source's own; only those the backend sends (`llm.sent_options`), so that
    # drafts record exactly what the model was given.
    options: dict[str, Any] = field(default_factory=dict)
    # Options asked for that the backend does not send (the OpenAI-compatible API has no
    # field for num_ctx, top_k…), to be said once (`llm.options_note`).
    unsent_options: dict[str, Any] = field(default_factory=dict)
    schema: dict[str, Any] | None = None  # ask for structured output matching this schema
    hidden: bool = False  # a human-first round: the replies are stored hidden
    parent_idea: int | None = None  # a follow-up names the idea it works on
    follow_up: str | None = None
    batch_key: str | None = None  # batches mark their prompts so --resume can skip them
    #: How many sources were asked for: more than `len(sources)` when a backend with one
    #: built-in model made several the same (the caller may want to say so).
    requested_sources: int = 1

    @property
    def structured(self) -> bool:
        return self.schema is not None

    @property
    def source(self) -> Source:
        """The first (for most requests, the only) source."""
        return self.sources[0]


def resolve_sources(backend: Backend, sources: Sequence[Source]) -> tuple[Source, ...]:
    """The sources with the model each will really run (a backend with one built-in model
    runs it whatever was asked) and only the temperature and seed it sends, duplicates that
    leaves dropped."""
    resolved = dict.fromkeys(_resolve(backend, s) for s in sources)
    if not resolved:
        raise ValueError("a request needs at least one source")
    return tuple(resolved)


def _resolve(backend: Backend, source: Source) -> Source:
    own = {"temperature": source.temperature, "seed": source.seed}
    sent, _ = sent_options(backend, {k: v for k, v in own.items() if v is not None})
    return Source(resolve_model(backend, source.model), sent.get("temperature"), sent.get("seed"))


def choose_technique(*names: str | None, fallback: bool = False) -> tuple[Technique, str | None]:
    """The technique named first among ``names`` (None skipped; none at all: the default).

    With ``fallback``, a technique that cannot be loaded gives way to the default one, and
    the second value says why (for a status line); without it, the `TechniqueError` is
    raised."""
    name = next((n for n in names if n), DEFAULT_TECHNIQUE)
    try:
        return get_technique(name), None
    except TechniqueError as problem:
        if not fallback or name == DEFAULT_TECHNIQUE:
            raise
        return get_technique(DEFAULT_TECHNIQUE), f"{problem} Using the default technique."


def build_request(
    session: Session,
    prompt: str,
    *,
    technique: Technique,
    backend: Backend,
    sources: Sequence[Source],
    options: Mapping[str, Any] | None = None,
    structured: bool = False,
    topic: str | None = None,
    batch_key: str | None = None,
) -> AskRequest:
    """A round of ``technique`` on the session's topic (or ``topic``), with the person's
    ``prompt`` as extra instruction. A prompt that is itself the topic (a batch entry with
    no topic of its own) adds no instruction."""
    prompt = prompt.strip()
    subject = topic if topic is not None else session.topic
    instruction = "" if prompt == subject.strip() else prompt
    messages = build_messages(technique, subject, instruction, structured=structured)
    return _request(
        session,
        prompt,
        messages,
        backend=backend,
        sources=sources,
        technique=technique.name,
        options=options,
        structured=structured,
        batch_key=batch_key,
    )


def build_follow_up(
    session: Session,
    idea: Idea,
    kind: str,
    *,
    backend: Backend,
    model: str,
    instruction: str = "",
    structured: bool = False,
) -> AskRequest:
    """Work on one idea (``kind``: expand, variations, critique), by one model. Raises
    ValueError for an unknown kind."""
    messages = build_follow_up_messages(
        kind,
        session.topic,
        idea.text,
        title=idea.title,
        prompt=instruction,
        structured=structured,
    )
    shown = f"{kind} #{idea.id}: {FOLLOW_UP_TITLES.get(kind, '')}".strip()
    return _request(
        session,
        shown,
        messages,
        backend=backend,
        sources=[Source(model)],
        technique=session.technique,
        structured=structured,
        parent_idea=idea.id,
        follow_up=kind,
    )


#: Ideas of a theme shown to the model when it names the theme (the first, by id).
LABEL_SAMPLE = 12
#: Characters of each idea shown (a label needs the gist, not every word).
LABEL_IDEA_CHARS = 200


def build_theme_label(
    session: Session,
    theme: ThemeRecord,
    ideas: Sequence[Idea],
    *,
    backend: Backend,
    model: str,
    options: Mapping[str, Any] | None = None,
) -> AskRequest:
    """Ask ``model`` to name one theme from (some of) its ``ideas`` and characteristic words.
    The reply is a label, not ideas: `brainstorm.themes.labels` sends it and stores the
    label as a DRAFT."""
    texts = []
    for idea in list(ideas)[:LABEL_SAMPLE]:
        text = (
            f"{idea.title.strip()}: {idea.text}" if idea.title and idea.title.strip() else idea.text
        )
        text = " ".join(text.split())
        texts.append(text if len(text) <= LABEL_IDEA_CHARS else text[: LABEL_IDEA_CHARS - 1] + "…")
    messages = build_theme_label_messages(session.topic, texts, theme.terms)
    return _request(
        session,
        f"name theme T{theme.id}",
        messages,
        backend=backend,
        sources=[Source(model)],
        technique=None,
        options=options,
    )


def _request(
    session: Session,
    prompt: str,
    messages: list[Message],
    *,
    backend: Backend,
    sources: Sequence[Source],
    technique: str | None,
    options: Mapping[str, Any] | None = None,
    structured: bool = False,
    parent_idea: int | None = None,
    follow_up: str | None = None,
    batch_key: str | None = None,
) -> AskRequest:
    sent, unsent = sent_options(backend, options or {})
    return AskRequest(
        prompt=prompt,
        messages=tuple(messages),
        sources=resolve_sources(backend, sources),
        technique=technique,
        options=sent,
        unsent_options={name: (options or {})[name] for name in unsent},
        schema=IDEAS_SCHEMA if structured else None,
        hidden=drafts_hidden(session),
        parent_idea=parent_idea,
        follow_up=follow_up,
        batch_key=batch_key,
        requested_sources=len(sources),
    )
