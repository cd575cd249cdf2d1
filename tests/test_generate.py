"""From a request to stored drafts (brainstorm/generate.py, brainstorm/ensemble.py) against the
fake Ollama: what is recorded for each end of a reply, and a stop that hands back its outcome."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from brainstorm.ask import AskRequest
from brainstorm.ensemble import run_ensemble
from brainstorm.events import GenerationCompleted, GenerationFailed, PromptSent
from brainstorm.generate import CANCELLED_REASON, GenerationOutcome, Stop, generate
from brainstorm.llm.base import Message, ModelNotFound
from brainstorm.llm.ollama import OllamaBackend
from brainstorm.session_log import read_events
from brainstorm.session_writer import SessionWriter
from brainstorm.sources import Source
from brainstorm.store import SessionStore
from tests.fakes import FakeOllama

REPLY = "1. Moss walls.\n2. Quiet hours.\n3. Phone booths.\n"
CHUNKS = ["1. Moss walls.\n", "2. Quiet hours.\n", "3. Phone", " booths.\n"]


def request(*sources: Source, options: dict[str, object] | None = None) -> AskRequest:
    return AskRequest(
        prompt="ideas",
        messages=(Message("user", "Ideas for quieter offices?"),),
        sources=sources or (Source("llama3.2"),),
        technique="open",
        options=dict(options or {}),
    )


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[SessionWriter]:
    with SessionStore(tmp_path).create("quieter offices") as w:
        yield w


@pytest.fixture
async def backend(fake_ollama: FakeOllama) -> AsyncIterator[OllamaBackend]:
    fake_ollama.add_model("llama3.2", chunks=CHUNKS)
    fake_ollama.add_model("qwen3", chunks=CHUNKS)
    async with OllamaBackend(fake_ollama.url) as backend:
        yield backend


def logged(writer: SessionWriter) -> list[object]:
    return list(read_events(writer.path)[0])


async def test_a_finished_reply_is_stored_as_drafts_with_its_outcome(
    writer: SessionWriter, backend: OllamaBackend
) -> None:
    outcome = await generate(writer, backend, request(options={"seed": 3}))
    assert outcome.status == "completed" and outcome.ok and outcome.text == REPLY
    assert [idea.text for idea in outcome.ideas] == ["Moss walls.", "Quiet hours.", "Phone booths."]
    assert outcome.label == "llama3.2 @ seed 3"
    events = logged(writer)
    sent = next(e for e in events if isinstance(e, PromptSent))
    assert sent.model == "llama3.2" and sent.options == {"seed": 3} and sent.prompt == "ideas"
    done = next(e for e in events if isinstance(e, GenerationCompleted))
    assert done.ideas == [1, 2, 3] and done.prompt_id == outcome.prompt_id


async def test_a_stop_returns_what_was_kept(
    writer: SessionWriter, backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    fake_ollama.hold(after=3)  # "1. Moss walls.", "2. Quiet hours.", "3. Phone" arrive
    stop = Stop()
    arrived: list[str] = []
    enough = asyncio.Event()

    def on_delta(text: str) -> None:
        arrived.append(text)
        if len(arrived) == 3:
            enough.set()

    task = asyncio.create_task(generate(writer, backend, request(), on_delta=on_delta, stop=stop))
    await enough.wait()
    stop.request()
    outcome = await task  # returned, not raised
    assert outcome.cancelled and outcome.status == "cancelled" and not outcome.ok
    assert outcome.text == "".join(CHUNKS[:3])
    assert [idea.text for idea in outcome.ideas] == ["Moss walls.", "Quiet hours.", "Phone"]
    assert [idea.id for idea in outcome.incomplete_ideas] == [3]
    assert await fake_ollama.wait_for_disconnect_async(1)  # the request really stopped
    failed = [e for e in logged(writer) if isinstance(e, GenerationFailed)]
    assert len(failed) == 1 and failed[0].cancelled and failed[0].reason == CANCELLED_REASON
    assert failed[0].ideas == [1, 2, 3]
    assert writer.session.prompts[outcome.prompt_id or ""].outcome == "cancelled"


async def test_a_stop_asked_before_sending_sends_nothing(
    writer: SessionWriter, backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    stop = Stop()
    stop.request()
    outcome = await generate(writer, backend, request(), stop=stop)
    assert outcome.cancelled and outcome.prompt_id is None and outcome.ideas == []
    assert fake_ollama.requests_to("/api/chat") == []
    assert not writer.session.prompts


async def test_cancelling_the_task_records_the_partial_then_raises(
    writer: SessionWriter, backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    fake_ollama.hold(after=1)
    first = asyncio.Event()
    task = asyncio.create_task(
        generate(writer, backend, request(), on_delta=lambda _text: first.set(), stop=Stop())
    )
    await first.wait()
    task.cancel()  # not through the Stop: the cancellation goes on
    with pytest.raises(asyncio.CancelledError):
        await task
    (record,) = writer.session.prompts.values()
    assert record.outcome == "cancelled" and record.ideas == [1]
    assert writer.session.ideas[1].incomplete and writer.session.ideas[1].text == "Moss walls."


async def test_a_missing_model_is_returned_as_a_failed_outcome(
    writer: SessionWriter, backend: OllamaBackend
) -> None:
    outcome = await generate(writer, backend, request(Source("gone")))
    assert outcome.status == "failed" and isinstance(outcome.error, ModelNotFound)
    assert outcome.ideas == []
    (record,) = writer.session.prompts.values()
    assert record.outcome == "failed" and "gone" in (record.reason or "")


async def test_an_ensemble_stop_returns_every_outcome_in_order(
    writer: SessionWriter, backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    fake_ollama.hold(after=1)
    stop = Stop()
    started: set[Source] = set()
    both = asyncio.Event()
    done: list[GenerationOutcome] = []

    def on_delta(source: Source, _text: str) -> None:
        started.add(source)
        if len(started) == 2:
            both.set()

    sources = (Source("llama3.2", 0.3), Source("qwen3", 0.9))
    task = asyncio.create_task(
        run_ensemble(
            writer, backend, request(*sources), stop=stop, on_delta=on_delta, on_done=done.append
        )
    )
    await both.wait()
    stop.request()
    outcomes = await task
    assert [o.source for o in outcomes] == list(sources)
    assert all(o.cancelled for o in outcomes) and len(done) == 2
    assert [o.label for o in outcomes] == ["llama3.2 @ t=0.3", "qwen3 @ t=0.9"]
    assert sorted(i for o in outcomes for i in (idea.id for idea in o.ideas)) == [1, 2]
    assert {r.outcome for r in writer.session.prompts.values()} == {"cancelled"}
