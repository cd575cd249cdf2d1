"""OllamaBackend against the fake Ollama server: the real `ollama.AsyncClient` over real HTTP,
nothing mocked. Covers streaming, structured output, options, models, pulls, every failure a
person meets (each as a `BackendError` with one clear sentence and a hint) and cancelling."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TypeVar

import pydantic
import pytest
from ollama._client import _parse_host  # the client's own rules, as the oracle for ours

from brainstorm.cli.hints import cli_hint
from brainstorm.llm.base import (
    Backend,
    BackendError,
    BackendUnavailable,
    ChatRequest,
    Chunk,
    Fix,
    Message,
    ModelNotFound,
    PullProgress,
    ServerError,
    StreamInterrupted,
    is_setup_error,
)
from brainstorm.llm.ollama import OllamaBackend, resolve_host
from brainstorm.llm.ollama_errors import START_HINT
from tests.fakes import BUSY_MESSAGE, FakeOllama

MODEL = "llama3.2"
REPLY = "Plant beans. Build a pond. Invite the neighbours."


def ask(model: str = MODEL, **kwargs: object) -> ChatRequest:
    return ChatRequest(
        model=model,
        messages=[
            Message("system", "You are a brainstorming partner."),
            Message("user", "Ideas for a small garden?"),
        ],
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
async def backend(fake_ollama: FakeOllama) -> AsyncIterator[OllamaBackend]:
    fake_ollama.add_model(MODEL, reply=REPLY)
    async with OllamaBackend(fake_ollama.url) as b:
        yield b


T = TypeVar("T")


async def collect(stream: AsyncIterator[T], into: list[T] | None = None) -> list[T]:
    """Drain a stream; `into` keeps what arrived even when the stream then fails."""
    items = into if into is not None else []
    async for item in stream:
        items.append(item)
    return items


def assert_person_readable(error: BackendError) -> None:
    """One sentence plus a hint; no chained exception for a traceback to show."""
    assert error.message.endswith(".") and "\n" not in error.message
    assert error.hint
    assert str(error) == f"{error.message}\n{error.hint}"
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


# --- the protocol and the host ---------------------------------------------------------------


async def test_it_is_a_backend(backend: OllamaBackend, fake_ollama: FakeOllama) -> None:
    typed: Backend = backend  # mypy checks the protocol; isinstance checks at runtime
    assert isinstance(typed, Backend)
    assert backend.name == "ollama"
    assert backend.location == fake_ollama.url


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        "1.2.3.4",
        ":56789",
        "1.2.3.4:56789",
        "http://1.2.3.4",
        "https://1.2.3.4",
        "https://example.com:56789/path/",
        "example.com/path",
        "[0001:002:003:0004::1]:56789",
        "https://[0001:002:003:0004::1]",
    ],
)
def test_host_is_resolved_like_the_client_does(
    host: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    assert resolve_host(host) == _parse_host(host)


async def test_ollama_host_env_is_used_when_no_host_is_given(
    fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_ollama.add_model(MODEL)
    monkeypatch.setenv("OLLAMA_HOST", f":{fake_ollama.port}")
    async with OllamaBackend() as b:
        assert b.location == fake_ollama.url
        assert [m.name for m in await b.list_models()] == [f"{MODEL}:latest"]


@pytest.mark.parametrize("host", ["http://[::1", "localhost:notaport"])
def test_an_invalid_host_is_a_clear_error(host: str) -> None:
    with pytest.raises(BackendUnavailable) as caught:
        OllamaBackend(host)
    assert host in caught.value.message
    assert_person_readable(caught.value)


# --- streaming -------------------------------------------------------------------------------


async def test_stream_chat_yields_text_then_a_final_chunk_with_stats(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    chunks = await collect(backend.stream_chat(ask()))

    assert "".join(c.text for c in chunks) == REPLY
    assert len(chunks) > 3
    assert all(not c.done and c.stats is None and c.text for c in chunks[:-1])
    final = chunks[-1]
    assert final.done and final.stats is not None
    assert final.stats.done_reason == "stop"
    assert final.stats.eval_count == len(chunks) - 1
    assert final.stats.total_duration and final.stats.load_duration
    assert final.stats.prompt_eval_count and final.stats.prompt_eval_duration
    assert final.stats.tokens_per_second is not None

    sent = fake_ollama.last_request("/api/chat")
    assert sent.stream is True
    assert sent.messages == [
        {"role": "system", "content": "You are a brainstorming partner."},
        {"role": "user", "content": "Ideas for a small garden?"},
    ]
    assert "format" not in sent.body and "options" not in sent.body


async def test_options_pass_through_unchanged(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    options = {"temperature": 0.3, "seed": 42, "num_ctx": 8192, "num_predict": 3, "top_p": 0.9}
    chunks = await collect(backend.stream_chat(ask(options=options)))
    assert fake_ollama.last_request("/api/chat").options == options
    # num_predict really reached the "model": it stopped after 3 tokens.
    assert chunks[-1].stats is not None and chunks[-1].stats.done_reason == "length"
    assert len(chunks) == 4


class Idea(pydantic.BaseModel):
    title: str
    text: str


class Ideas(pydantic.BaseModel):
    ideas: list[Idea]


async def test_structured_output_sends_the_schema_and_gets_matching_json(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    schema = Ideas.model_json_schema()
    chunks = await collect(backend.stream_chat(ask(format=schema)))
    assert fake_ollama.last_request("/api/chat").format == schema
    ideas = Ideas.model_validate_json("".join(c.text for c in chunks))
    assert len(ideas.ideas) == 3


async def test_list_models(backend: OllamaBackend, fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model("qwen3:0.6b", size=522_653_767, parameter_size="751.63M", family="qwen3")
    models = await backend.list_models()
    assert [m.name for m in models] == [f"{MODEL}:latest", "qwen3:0.6b"]
    qwen = models[1]
    assert qwen.size == 522_653_767
    assert qwen.parameter_size == "751.63M"
    assert qwen.quantization == "Q4_K_M"
    assert qwen.family == "qwen3"


async def test_list_models_when_none_are_pulled(fake_ollama: FakeOllama) -> None:
    async with OllamaBackend(fake_ollama.url) as b:
        assert await b.list_models() == []


async def test_pull_yields_progress_and_installs_the_model(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_pullable("tinyllama")
    progress: list[PullProgress] = [p async for p in backend.pull("tinyllama")]
    assert progress[0].status == "pulling manifest"
    assert progress[-1].status == "success"
    downloading = [p for p in progress if p.digest]
    assert downloading and all(p.total for p in downloading)
    assert any(p.completed == p.total for p in downloading)
    assert "tinyllama:latest" in [m.name for m in await backend.list_models()]
    # ...and the freshly pulled model answers.
    chunks = await collect(backend.stream_chat(ask("tinyllama")))
    assert chunks[-1].done


# --- failures --------------------------------------------------------------------------------


async def test_server_not_running(dead_ollama_url: str) -> None:
    async with OllamaBackend(dead_ollama_url) as b:
        # Plain calls get the client's ConnectionError, streams the raw httpx.ConnectError:
        # both must read the same.
        for attempt in (
            b.list_models(),
            collect(b.stream_chat(ask())),
            collect(b.pull(MODEL)),
        ):
            with pytest.raises(BackendUnavailable) as caught:
                await attempt
            assert caught.value.message == f"Cannot reach Ollama at {dead_ollama_url}."
            assert caught.value.hint == START_HINT
            assert is_setup_error(caught.value)
            assert_person_readable(caught.value)


async def test_model_not_pulled(backend: OllamaBackend, fake_ollama: FakeOllama) -> None:
    with pytest.raises(ModelNotFound) as caught:
        await collect(backend.stream_chat(ask("mistral")))
    error = caught.value
    assert error.model == "mistral"
    assert "'mistral'" in error.message and fake_ollama.url in error.message
    assert error.hint == "Pull it with `ollama pull mistral`." and error.fixes == (Fix.PULL,)
    # The command line adds its own way; the app offers its pull dialog instead.
    assert "`brainstorm models pull mistral`" in (cli_hint(error) or "")
    assert_person_readable(error)


async def test_pulling_a_model_the_library_does_not_have(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    seen: list[PullProgress] = []
    with pytest.raises(ModelNotFound) as caught:
        async for p in backend.pull("no-such-model"):
            seen.append(p)
    assert [p.status for p in seen] == ["pulling manifest"]
    assert caught.value.model == "no-such-model"
    assert "'no-such-model'" in caught.value.message
    assert caught.value.hint is not None and "ollama.com/library" in caught.value.hint
    assert not fake_ollama.installed("no-such-model")


async def test_an_empty_model_name_fails_before_any_request(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    with pytest.raises(ModelNotFound):
        await collect(backend.stream_chat(ask("")))
    assert fake_ollama.requests == []


@pytest.mark.parametrize(
    ("status", "message", "words"),
    [
        (500, "llama runner process has terminated: exit status 2", "failed with status 500"),
        (503, BUSY_MESSAGE, "is busy"),
        (400, "invalid options", "rejected the request"),
        (404, "404 page not found", "no such endpoint"),
    ],
)
async def test_http_error_statuses_become_server_errors(
    backend: OllamaBackend, fake_ollama: FakeOllama, status: int, message: str, words: str
) -> None:
    fake_ollama.fail_with(status, message)
    for attempt in (collect(backend.stream_chat(ask())), backend.list_models()):
        with pytest.raises(ServerError) as caught:
            await attempt
        error = caught.value
        assert error.status == status
        assert fake_ollama.url in error.message and words in error.message
        assert message.rstrip(".") in error.message
        assert_person_readable(error)


async def test_error_line_inside_the_stream(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    fake_ollama.error_mid_stream(after=2, message="an error was encountered while running")
    received: list[Chunk] = []
    with pytest.raises(ServerError) as caught:
        await collect(backend.stream_chat(ask()), into=received)
    # The caller still has the partial text it accumulated.
    assert "".join(c.text for c in received) == "Plant beans. "
    error = caught.value
    assert not isinstance(error, StreamInterrupted)
    assert "an error was encountered while running" in error.message
    assert f"'{MODEL}'" in error.message and fake_ollama.url in error.message
    assert_person_readable(error)


@pytest.mark.parametrize(("after", "partial"), [(3, "Plant beans. Build "), (0, "")])
async def test_connection_cut_mid_stream(
    backend: OllamaBackend, fake_ollama: FakeOllama, after: int, partial: str
) -> None:
    fake_ollama.cut_mid_stream(after=after)
    received: list[Chunk] = []
    with pytest.raises(StreamInterrupted) as caught:
        await collect(backend.stream_chat(ask()), into=received)
    assert "".join(c.text for c in received) == partial
    assert fake_ollama.url in caught.value.message and f"'{MODEL}'" in caught.value.message
    assert ("mid-way" in caught.value.message) == bool(partial)
    assert_person_readable(caught.value)


async def test_stream_ending_without_the_done_line(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    fake_ollama.end_mid_stream(after=2)
    received: list[Chunk] = []
    with pytest.raises(StreamInterrupted) as caught:
        await collect(backend.stream_chat(ask()), into=received)
    assert "".join(c.text for c in received) == "Plant beans. "
    assert_person_readable(caught.value)


async def test_pull_cut_mid_way(backend: OllamaBackend, fake_ollama: FakeOllama) -> None:
    fake_ollama.add_pullable("tinyllama")
    fake_ollama.cut_mid_stream(after=3, path="/api/pull")
    with pytest.raises(StreamInterrupted) as caught:
        await collect(backend.pull("tinyllama"))
    assert "'tinyllama'" in caught.value.message
    assert not fake_ollama.installed("tinyllama")


async def test_read_timeout_is_an_interruption(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model(MODEL)
    fake_ollama.hold(after=1)  # the "model" stalls after one token and never resumes
    async with OllamaBackend(fake_ollama.url, timeout=0.2) as b:
        received: list[Chunk] = []
        with pytest.raises(StreamInterrupted) as caught:
            await collect(b.stream_chat(ask()), into=received)
    assert len(received) == 1
    assert "time-out" in caught.value.message
    assert_person_readable(caught.value)


async def test_a_server_that_is_not_ollama(fake_ollama: FakeOllama) -> None:
    # /api/tags answering with something else than Ollama's shape.
    fake_ollama.add_model(MODEL)
    fake_ollama.fail_with(200, "not a tags list", path="/api/tags")
    async with OllamaBackend(fake_ollama.url) as b:
        with pytest.raises(ServerError) as caught:
            await b.list_models()
    assert "does not answer like Ollama" in caught.value.message


# --- cancelling ------------------------------------------------------------------------------


async def test_closing_the_stream_stops_the_request(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    fake_ollama.hold(after=2)
    stream = backend.stream_chat(ask())
    assert (await anext(stream)).text == "Plant "
    assert (await anext(stream)).text == "beans. "
    await stream.aclose()
    assert await fake_ollama.wait_for_disconnect_async(1)
    assert fake_ollama.disconnects[0].path == "/api/chat"
    assert await fake_ollama.wait_until_async(lambda: fake_ollama.in_flight == 0)


async def test_cancelling_the_task_stops_the_request(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    fake_ollama.hold(after=1)
    received: list[Chunk] = []
    task = asyncio.create_task(collect(backend.stream_chat(ask()), into=received))
    assert await fake_ollama.wait_for_held_async(1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await fake_ollama.wait_for_disconnect_async(1)
    # The backend is still usable afterwards.
    fake_ollama.release()
    assert (await collect(backend.stream_chat(ask())))[-1].done


async def test_cancelling_a_pull_stops_it(backend: OllamaBackend, fake_ollama: FakeOllama) -> None:
    fake_ollama.add_pullable("tinyllama")
    fake_ollama.hold(after=2, path="/api/pull")
    stream = backend.pull("tinyllama")
    assert (await anext(stream)).status == "pulling manifest"
    await stream.aclose()
    assert await fake_ollama.wait_for_disconnect_async(1)
    assert not fake_ollama.installed("tinyllama")


async def test_concurrent_streams_run_in_parallel(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    fake_ollama.hold(after=1)
    tasks = [asyncio.create_task(collect(backend.stream_chat(ask()))) for _ in range(3)]
    assert await fake_ollama.wait_for_held_async(3)
    assert fake_ollama.max_in_flight == 3
    fake_ollama.release()
    results = await asyncio.gather(*tasks)
    assert ["".join(c.text for c in chunks) for chunks in results] == [REPLY] * 3


async def test_requests_carry_json_bodies(backend: OllamaBackend, fake_ollama: FakeOllama) -> None:
    await collect(backend.stream_chat(ask(options={"temperature": 0})))
    raw = fake_ollama.last_request("/api/chat").raw
    assert json.loads(raw)["options"] == {"temperature": 0}


async def test_consecutive_replies_reuse_one_connection(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    # The final chunk is only yielded once the response is fully read, so httpx keeps the
    # connection alive even for a caller that stops at `done`.
    for _ in range(3):
        async for chunk in backend.stream_chat(ask()):
            if chunk.done:
                break
    await backend.list_models()
    assert fake_ollama.connections_opened == 1
    assert fake_ollama.disconnects == []


async def test_pull_when_the_registry_is_unreachable(
    backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_pullable("tinyllama")
    fake_ollama.error_mid_stream(
        after=1,
        message='pull model manifest: Get "https://registry.ollama.ai/v2/library/tinyllama/'
        'manifests/latest": dial tcp: lookup registry.ollama.ai: no such host',
        path="/api/pull",
    )
    with pytest.raises(ServerError) as caught:
        await collect(backend.pull("tinyllama"))
    assert "'tinyllama'" in caught.value.message and fake_ollama.url in caught.value.message
    assert caught.value.hint is not None and "internet connection" in caught.value.hint
    assert_person_readable(caught.value)
