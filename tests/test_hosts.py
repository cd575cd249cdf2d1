"""Several Ollama hosts (brainstorm/llm/pool.py) against real fake servers: which host a reply
goes to (least busy, has the model, has it loaded, per-host limits), a failed host set aside
for a cool-down, and `generate` retrying once on another host with the failure recorded and
nothing the model wrote lost. Nothing sleeps: streams are parked with `hold()`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from brainstorm.ask import AskRequest
from brainstorm.events import (
    GenerationCompleted,
    GenerationFailed,
    GenerationRetried,
    IdeaDrafted,
    PromptSent,
)
from brainstorm.generate import generate
from brainstorm.llm.base import ChatRequest, Chunk, Message, ModelNotFound
from brainstorm.llm.pool import HostPool
from brainstorm.session_log import read_events
from brainstorm.session_writer import SessionWriter
from brainstorm.sources import Source
from brainstorm.store import SessionStore
from tests.fakes import FakeOllama

CHUNKS = ["1. Moss walls.\n", "2. Quiet hours.\n", "3. Phone", " booths.\n"]
MODEL = "llama3.2"


@pytest.fixture
def fakes() -> Iterator[list[FakeOllama]]:
    servers = [FakeOllama().start() for _ in range(3)]
    for server in servers:
        server.add_model(MODEL, chunks=CHUNKS)
    yield servers
    for server in servers:
        server.stop()
    assert not any(server.errors for server in servers)


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[SessionWriter]:
    with SessionStore(tmp_path).create("quieter offices") as w:
        yield w


def chat(model: str = MODEL) -> ChatRequest:
    return ChatRequest(model=model, messages=[Message("user", "Ideas for quieter offices?")])


def ask(model: str = MODEL) -> AskRequest:
    return AskRequest(
        prompt="ideas",
        messages=(Message("user", "Ideas for quieter offices?"),),
        sources=(Source(model),),
        technique="open",
    )


async def drain(pool: HostPool, model: str = MODEL) -> list[Chunk]:
    return [chunk async for chunk in pool.stream_chat(chat(model))]


def chats(server: FakeOllama) -> int:
    return len(server.requests_to("/api/chat"))


@pytest.fixture
async def pool(fakes: list[FakeOllama]) -> AsyncIterator[HostPool]:
    async with HostPool([f.url for f in fakes], per_host=2) as pool:
        yield pool


# --- routing ----------------------------------------------------------------------------------


async def test_each_reply_goes_to_the_least_busy_host(
    fakes: list[FakeOllama], pool: HostPool
) -> None:
    for server in fakes:
        server.hold(after=1)
    replies = [asyncio.create_task(drain(pool)) for _ in range(4)]
    # One each, then the first host again (ties go to the host listed first).
    assert await fakes[0].wait_for_held_async(2)
    assert await fakes[1].wait_for_held_async(1) and await fakes[2].wait_for_held_async(1)
    assert [chats(server) for server in fakes] == [2, 1, 1]
    assert [status.busy for status in pool.status()] == [2, 1, 1]
    for server in fakes:
        server.release()
    done = await asyncio.gather(*replies)
    hosts = [reply[-1].host for reply in done]
    assert sorted(hosts) == sorted([fakes[0].url, fakes[0].url, fakes[1].url, fakes[2].url])
    assert all(chunk.host == reply[-1].host for reply in done for chunk in reply)
    assert [status.busy for status in pool.status()] == [0, 0, 0]


async def test_no_host_gets_more_than_its_limit_the_rest_wait(fakes: list[FakeOllama]) -> None:
    for server in fakes[:2]:
        server.hold(after=1)
    async with HostPool([f.url for f in fakes[:2]], per_host=1) as pool:
        replies = [asyncio.create_task(drain(pool)) for _ in range(5)]
        assert await fakes[0].wait_for_held_async(1) and await fakes[1].wait_for_held_async(1)
        assert [chats(server) for server in fakes[:2]] == [1, 1]  # three wait in the pool
        assert [(s.busy, s.limit) for s in pool.status()] == [(1, 1), (1, 1)]
        for server in fakes[:2]:
            server.release()
        done = await asyncio.gather(*replies)
    assert len(done) == 5 and all(reply[-1].done for reply in done)
    assert chats(fakes[0]) + chats(fakes[1]) == 5


async def test_a_reply_goes_only_to_hosts_that_have_its_model(fakes: list[FakeOllama]) -> None:
    fakes[1].add_model("qwen3", chunks=CHUNKS)
    fakes[1].hold(after=1)
    async with HostPool([f.url for f in fakes], per_host=2) as pool:
        replies = [asyncio.create_task(drain(pool, "qwen3")) for _ in range(2)]
        assert await fakes[1].wait_for_held_async(2)  # both on the one host that has it
        fakes[1].release()
        done = await asyncio.gather(*replies)
        assert {reply[-1].host for reply in done} == {fakes[1].url}
        assert chats(fakes[0]) == chats(fakes[2]) == 0
        with pytest.raises(ModelNotFound, match="not pulled on any of the Ollama hosts"):
            await drain(pool, "mistral")
    assert all(chats(server) == (2 if server is fakes[1] else 0) for server in fakes)


async def test_a_model_stays_on_the_host_that_has_it_loaded(fakes: list[FakeOllama]) -> None:
    fakes[2].loaded["llama3.2:latest"] = datetime.now(UTC) + timedelta(minutes=5)  # /api/ps
    async with HostPool([f.url for f in fakes], per_host=1) as pool:
        first = await drain(pool)
        assert first[-1].host == fakes[2].url  # not the first, idle host: the loaded one
        assert len(fakes[0].requests_to("/api/ps")) == 1  # asked once, with /api/tags
        second = await drain(pool)
        assert second[-1].host == fakes[2].url
    assert len(fakes[2].requests_to("/api/tags")) == 1


async def test_a_failed_host_is_set_aside_then_asked_again_after_its_cooldown(
    fakes: list[FakeOllama],
) -> None:
    now = [0.0]
    fakes[0].fail_with(500, "runner crashed", path="/api/chat", times=1)
    pool = HostPool([f.url for f in fakes[:2]], per_host=1, cooldown=30, clock=lambda: now[0])
    async with pool:
        with pytest.raises(Exception, match="runner crashed") as failed:
            await drain(pool)
        assert getattr(failed.value, "host", None) == fakes[0].url
        assert pool.retry_elsewhere(chat(), failed.value)  # the other host has the model
        assert [s.up for s in pool.status()] == [False, True]
        assert "set aside for 30 s" in pool.take_notes()[0] and pool.take_notes() == []
        assert (await drain(pool))[-1].host == fakes[1].url  # the first host is free, but aside
        now[0] = 31.0
        fakes[1].hold(after=1)
        busy = asyncio.create_task(drain(pool))  # the second host (it has the model loaded)
        assert await fakes[1].wait_for_held_async(1)
        assert (await drain(pool))[-1].host == fakes[0].url  # back, after asking it again
        fakes[1].release()
        await busy
        assert [s.up for s in pool.status()] == [True, True]
    assert len(fakes[0].requests_to("/api/tags")) == 2 and chats(fakes[0]) == 2


async def test_a_request_error_is_not_the_hosts_fault(fakes: list[FakeOllama]) -> None:
    fakes[0].fail_with(400, "invalid options", path="/api/chat", times=1)
    async with HostPool([f.url for f in fakes[:2]]) as pool:
        with pytest.raises(Exception, match="invalid options") as failed:
            await drain(pool)
        assert not pool.retry_elsewhere(chat(), failed.value)
        assert [s.up for s in pool.status()] == [True, True]


async def test_no_host_answering_is_one_clear_error(dead_ollama_url: str) -> None:
    async with HostPool([dead_ollama_url, "http://127.0.0.1:9"]) as pool:
        with pytest.raises(Exception, match="None of the 2 Ollama hosts answers"):
            await pool.list_models()
        assert [s.up for s in pool.status()] == [False, False]


# --- generate: one retry on another host, recorded ------------------------------------------


def logged(writer: SessionWriter) -> list[object]:
    return list(read_events(writer.path)[0])


async def test_a_reply_cut_on_one_host_is_retried_on_another_and_recorded(
    writer: SessionWriter, fakes: list[FakeOllama]
) -> None:
    fakes[0].cut_mid_stream(after=2, times=1)  # the first host breaks off mid-reply
    async with HostPool([f.url for f in fakes[:2]]) as pool:
        outcome = await generate(writer, pool, ask())
        again = await generate(writer, pool, ask())
    assert outcome.status == "completed" and outcome.host == fakes[1].url
    assert [(r.host, len(r.ideas)) for r in outcome.retries] == [(fakes[0].url, 2)]
    events = logged(writer)
    sent = [e for e in events if isinstance(e, PromptSent)]
    retried = [e for e in events if isinstance(e, GenerationRetried)]
    done = [e for e in events if isinstance(e, GenerationCompleted)]
    assert len(sent) == 2 and len(done) == 2 and len(retried) == 1  # one outcome per prompt
    assert retried[0].host == fakes[0].url and "broke mid-way" in retried[0].reason
    drafts = {e.idea: e for e in events if isinstance(e, IdeaDrafted)}
    # What the failed attempt wrote is kept, its last idea marked incomplete.
    kept = [drafts[i] for i in retried[0].ideas]
    assert [(d.text, d.incomplete, d.host) for d in kept] == [
        ("Moss walls.", False, fakes[0].url),
        ("Quiet hours.", True, fakes[0].url),
    ]
    assert done[0].host == fakes[1].url and done[0].ideas[:2] == retried[0].ideas
    assert {drafts[i].host for i in done[0].ideas[2:]} == {fakes[1].url}
    record = writer.session.prompts[sent[0].prompt_id]
    assert record.outcome == "completed" and record.host == fakes[1].url
    assert [(r.host, r.ideas) for r in record.retries] == [(fakes[0].url, retried[0].ideas)]
    # The reply keeps every character that arrived: the failed attempt's, then the answer.
    first_attempt = "".join(CHUNKS[:2])
    assert record.reply == first_attempt + "".join(CHUNKS)
    assert record.retries[0].reply_chars == len(first_attempt)
    assert again.host == fakes[1].url and not again.retries  # the first host is set aside


async def test_a_prompt_is_retried_once_only(
    writer: SessionWriter, fakes: list[FakeOllama]
) -> None:
    for server in fakes:
        server.error_mid_stream(after=1, message="CUDA error: out of memory")
    async with HostPool([f.url for f in fakes]) as pool:
        outcome = await generate(writer, pool, ask())
    assert outcome.status == "failed" and "out of memory" in str(outcome.error)
    assert [r.host for r in outcome.retries] == [fakes[0].url]
    assert outcome.host == fakes[1].url and chats(fakes[2]) == 0
    failed = [e for e in logged(writer) if isinstance(e, GenerationFailed)]
    assert len(failed) == 1 and failed[0].host == fakes[1].url
    assert [idea.incomplete for idea in outcome.ideas] == [True, True]  # one per attempt


async def test_no_retry_when_no_other_host_has_the_model(
    writer: SessionWriter, fakes: list[FakeOllama]
) -> None:
    fakes[0].add_model("qwen3", chunks=CHUNKS)
    fakes[0].cut_mid_stream(after=1, times=1)
    async with HostPool([f.url for f in fakes[:2]]) as pool:
        outcome = await generate(writer, pool, ask("qwen3"))
    assert outcome.status == "failed" and not outcome.retries
    assert outcome.host == fakes[0].url and [i.text for i in outcome.ideas] == ["Moss walls."]
