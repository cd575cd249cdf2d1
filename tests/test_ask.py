"""The one request builder (brainstorm/ask.py): messages, structure, sources, hidden replies,
follow-ups and technique fallback — what every front end sends is built here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from brainstorm.ask import build_follow_up, build_request, choose_technique, resolve_sources
from brainstorm.ideation import (
    DEFAULT_TECHNIQUE,
    IDEAS_SCHEMA,
    STRUCTURED_INSTRUCTION,
    UnknownTechnique,
    get_technique,
)
from brainstorm.llm import EMBEDDED_MODEL, embedded_available
from brainstorm.llm.ollama import OllamaBackend
from brainstorm.presentation import model_label
from brainstorm.session_writer import SessionWriter
from brainstorm.sources import Ensemble, Source
from brainstorm.store import SessionStore


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[SessionWriter]:
    with SessionStore(tmp_path).create("quieter offices", technique="scamper") as w:
        yield w


@pytest.fixture
def ollama() -> OllamaBackend:
    return OllamaBackend("http://127.0.0.1:9")  # never contacted: building sends nothing


def test_a_prompt_becomes_the_technique_messages_on_the_session_topic(
    writer: SessionWriter, ollama: OllamaBackend
) -> None:
    technique = get_technique("scamper")
    request = build_request(
        writer.session,
        "  for remote teams ",
        technique=technique,
        backend=ollama,
        sources=[Source("llama3.2")],
        options={"num_ctx": 2048},
    )
    assert request.prompt == "for remote teams"
    system, user = request.messages
    assert system.role == "system" and system.content == technique.system
    assert "quieter offices" in user.content and "for remote teams" in user.content
    assert request.technique == "scamper"
    assert request.schema is None and not request.structured
    assert STRUCTURED_INSTRUCTION not in user.content
    assert request.sources == (Source("llama3.2"),) and request.options == {"num_ctx": 2048}
    assert not request.hidden and request.parent_idea is None


def test_structured_pairs_the_schema_with_the_instruction(
    writer: SessionWriter, ollama: OllamaBackend
) -> None:
    request = build_request(
        writer.session,
        "",
        technique=get_technique("open"),
        backend=ollama,
        sources=[Source("llama3.2")],
        structured=True,
    )
    assert request.schema == IDEAS_SCHEMA
    assert request.messages[-1].content.endswith(STRUCTURED_INSTRUCTION)


def test_a_prompt_that_is_its_own_topic_adds_no_instruction(
    writer: SessionWriter, ollama: OllamaBackend
) -> None:
    technique = get_technique("open")
    own = build_request(
        writer.session,
        "cheaper team lunches",
        technique=technique,
        backend=ollama,
        sources=[Source("m")],
        topic="cheaper team lunches",
    )
    plain = technique.render("cheaper team lunches")
    assert own.messages[-1].content == plain
    assert own.prompt == "cheaper team lunches"  # the history still shows what was asked


def test_human_first_replies_are_asked_hidden(tmp_path: Path, ollama: OllamaBackend) -> None:
    with SessionStore(tmp_path).create("x", human_first=True) as w:
        request = build_request(
            w.session, "", technique=get_technique("open"), backend=ollama, sources=[Source("m")]
        )
    assert request.hidden


def test_sources_are_resolved_once_and_labelled_one_way(
    writer: SessionWriter, ollama: OllamaBackend
) -> None:
    ensemble = Ensemble(("llama3.2", "qwen3"), (0.3, 0.9), (7,))
    request = build_request(
        writer.session,
        "",
        technique=get_technique("open"),
        backend=ollama,
        sources=ensemble.sources(),
        options={"temperature": 0.1},
    )
    assert len(request.sources) == request.requested_sources == 4
    labels = [source.label(request.options) for source in request.sources]
    assert labels == [
        "llama3.2 @ t=0.3, seed 7",
        "llama3.2 @ t=0.9, seed 7",
        "qwen3 @ t=0.3, seed 7",
        "qwen3 @ t=0.9, seed 7",
    ]
    assert model_label("ollama:qwen3", {"seed": 1}) == "ollama:qwen3 @ seed 1"
    assert ensemble.describe().startswith("4 sources: llama3.2 @ t=0.3, seed 7 · ")


@pytest.mark.skipif(not embedded_available(), reason="needs the embedded extra")
def test_a_one_model_backend_answers_for_every_model_asked() -> None:
    from brainstorm.llm.embedded import EmbeddedBackend

    backend = EmbeddedBackend()  # loads its model lazily: nothing is loaded here
    sources = Ensemble(("llama3.2", "qwen3"), (0.3,)).sources()
    resolved = resolve_sources(backend, sources)
    assert resolved == (Source(EMBEDDED_MODEL, 0.3),)  # two asked, one can run


def test_a_follow_up_works_on_the_whole_idea_with_one_model(
    writer: SessionWriter, ollama: OllamaBackend
) -> None:
    from brainstorm import review

    idea = review.add(writer, "Quiet hours after lunch", title="Quiet hours")
    request = build_follow_up(writer.session, idea, "critique", backend=ollama, model="qwen3")
    assert request.follow_up == "critique" and request.parent_idea == idea.id
    assert request.prompt.startswith(f"critique #{idea.id}: ")
    assert request.sources == (Source("qwen3"),)
    assert "Quiet hours: Quiet hours after lunch" in request.messages[-1].content
    assert request.technique == "scamper"
    with pytest.raises(ValueError, match="Unknown follow-up"):
        build_follow_up(writer.session, idea, "praise", backend=ollama, model="qwen3")


def test_technique_choice_and_fallback() -> None:
    technique, note = choose_technique(None, "scamper", "open")
    assert technique.name == "scamper" and note is None
    assert choose_technique(None, None)[0].name == DEFAULT_TECHNIQUE
    with pytest.raises(UnknownTechnique):
        choose_technique("no-such-technique")
    fallback, note = choose_technique("no-such-technique", fallback=True)
    assert fallback.name == DEFAULT_TECHNIQUE
    assert note is not None and "no-such-technique" in note and "default technique" in note
