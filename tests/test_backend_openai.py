"""OpenAICompatBackend against the fake OpenAI-compatible server (tests/fakes/openai_server.py):
the real `openai.AsyncOpenAI` client over real HTTP, nothing mocked. Streaming and its stats,
options (sent or not), structured output and its fallbacks, models, embeddings, and every
failure a person meets, each as a `BackendError` in the Ollama backend's words, none of them
showing the API key or the URL's credentials. The same backend against a real server (llama.cpp's)
is in test_openai_server.py."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import pytest

from brainstorm.cli.hints import cli_hint
from brainstorm.config import Settings
from brainstorm.llm import open_embedder, options_note, select_backend, sent_options, take_notes
from brainstorm.llm.base import (
    Backend,
    BackendError,
    BackendUnavailable,
    ChatRequest,
    Chunk,
    Embedder,
    Message,
    ModelNotFound,
    ServerError,
    StreamInterrupted,
)
from brainstorm.llm.openai_compat import OpenAICompatBackend
from brainstorm.llm.urls import credentials, openai_base_url, redact
from tests.fakes import unused_url
from tests.fakes.openai_server import REPLY, FakeOpenAI

MODEL = "fake-model"
KEY = "sk-test-0123456789abcdef"
SCHEMA = {
    "type": "object",
    "properties": {"ideas": {"type": "array", "items": {"type": "string"}}},
    "required": ["ideas"],
}


def ask(model: str = MODEL, **kwargs: Any) -> ChatRequest:
    return ChatRequest(
        model=model,
        messages=[Message("system", "You brainstorm."), Message("user", "Ideas for a street?")],
        **kwargs,
    )


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server
    assert not server.errors, "the fake server failed:\n" + "\n".join(server.errors)


@pytest.fixture
async def backend(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    async with OpenAICompatBackend(fake.url) as b:
        yield b


async def collect(stream: AsyncIterator[Chunk], into: list[Chunk] | None = None) -> list[Chunk]:
    items = into if into is not None else []
    async for item in stream:
        items.append(item)
    return items


async def failure(backend: OpenAICompatBackend, request: ChatRequest) -> tuple[Exception, str]:
    got: list[Chunk] = []
    with pytest.raises(BackendError) as caught:
        await collect(backend.stream_chat(request), got)
    return caught.value, "".join(c.text for c in got)


# --- streaming --------------------------------------------------------------------------------


async def test_streams_the_reply_with_stats_and_satisfies_the_protocols(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    assert isinstance(backend, Backend) and isinstance(backend, Embedder)
    chunks = await collect(backend.stream_chat(ask()))
    assert "".join(c.text for c in chunks) == REPLY
    assert len(chunks) > 3 and [c.done for c in chunks].count(True) == 1 and chunks[-1].done
    stats = chunks[-1].stats
    assert stats is not None and stats.done_reason == "stop"
    assert stats.prompt_eval_count == 21 and stats.eval_count == len(chunks) - 1
    assert stats.total_duration and stats.total_duration >= (stats.eval_duration or 0) > 0
    body = fake.chats()[0]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["messages"][1] == {"role": "user", "content": "Ideas for a street?"}
    assert "response_format" not in body


async def test_length_finish_means_cut_off(backend: OpenAICompatBackend, fake: FakeOpenAI) -> None:
    fake.finish_reason = "length"
    chunks = await collect(backend.stream_chat(ask(options={"num_predict": 5})))
    assert chunks[-1].stats is not None and chunks[-1].stats.done_reason == "length"
    assert fake.chats()[0]["max_tokens"] == 5


async def test_options_with_a_field_are_sent_and_the_others_named(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    options = {
        "temperature": 0.3,
        "seed": 7,
        "top_p": 0.9,
        "num_predict": 40,
        "stop": ["\n\n"],
        "num_ctx": 4096,
        "top_k": 20,
    }
    await collect(backend.stream_chat(ask(options=options)))
    body = fake.chats()[0]
    assert {k: body.get(k) for k in ("temperature", "seed", "top_p", "max_tokens", "stop")} == {
        "temperature": 0.3,
        "seed": 7,
        "top_p": 0.9,
        "max_tokens": 40,
        "stop": ["\n\n"],
    }
    assert not {"num_ctx", "top_k", "num_predict", "options"} & body.keys()
    sent, dropped = sent_options(backend, options)
    assert dropped == ["num_ctx", "top_k"]
    assert sent == {k: v for k, v in options.items() if k not in ("num_ctx", "top_k")}
    note = options_note(backend, options)
    assert note is not None and note.endswith(": num_ctx, top_k") and "\n" not in note
    assert options_note(backend, {"temperature": 1}) is None
    # Ollama's "no limit" (-1) has no OpenAI form but leaving max_tokens out.
    assert backend.sent_options({"num_predict": -1}) == ({}, ["num_predict"])


async def test_a_server_that_refuses_usage_is_asked_again_without_it(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    fake.refuse_stream_options = True
    first = await collect(backend.stream_chat(ask()))
    second = await collect(backend.stream_chat(ask()))
    assert "".join(c.text for c in second) == REPLY
    assert first[-1].stats is not None and first[-1].stats.eval_count is None
    assert first[-1].stats.done_reason == "stop"
    assert ["stream_options" in body for body in fake.chats()] == [True, False, False]


# --- structured output ------------------------------------------------------------------------


async def test_structured_output_uses_a_json_schema(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    chunks = await collect(backend.stream_chat(ask(format=SCHEMA)))
    assert "".join(c.text for c in chunks).startswith('{"ideas": [')
    fmt = fake.chats()[0]["response_format"]
    assert fmt == {"type": "json_schema", "json_schema": {"name": "ideas", "schema": SCHEMA}}
    assert take_notes(backend) == []


async def test_json_schema_refused_falls_back_to_json_object_and_remembers(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    fake.refuse_json_schema = True  # llama-cpp-python 0.3.x answers it with a 500
    for _ in range(2):
        chunks = await collect(backend.stream_chat(ask(format=SCHEMA)))
        assert "".join(c.text for c in chunks).startswith('{"ideas": [')
    types = [body["response_format"]["type"] for body in fake.chats()]
    assert types == ["json_schema", "json_object", "json_object"]
    assert fake.chats()[1]["response_format"]["schema"] == SCHEMA
    assert backend.structured_mode == "json_object" and take_notes(backend) == []


async def test_no_structured_output_at_all_falls_back_to_plain_with_one_note(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    fake.refuse_json_schema = fake.refuse_json_object = True
    chunks = await collect(backend.stream_chat(ask(format=SCHEMA)))
    assert "".join(c.text for c in chunks) == REPLY  # plain text, split into ideas later
    notes = take_notes(backend)
    assert len(notes) == 1 and "does not accept structured output" in notes[0]
    assert fake.url in notes[0]
    await collect(backend.stream_chat(ask(format=SCHEMA)))
    assert take_notes(backend) == []  # said once
    assert [b.get("response_format", {}).get("type") for b in fake.chats()] == [
        "json_schema",
        "json_object",
        None,
        None,
    ]


async def test_a_server_error_on_structured_output_is_not_taken_for_a_refusal_forever(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    fake.fail = (500, {"error": {"message": "out of memory"}})
    error, _ = await failure(backend, ask(format=SCHEMA))
    assert isinstance(error, ServerError) and error.status == 500 and "out of memory" in str(error)
    fake.fail = None
    await collect(backend.stream_chat(ask(format=SCHEMA)))
    assert backend.structured_mode == "json_schema"  # nothing worked before: nothing learned


# --- models and embeddings --------------------------------------------------------------------


async def test_lists_models_and_rejects_an_unknown_one_before_sending(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    fake.embedding_models.add("fake-embed")
    assert [m.name for m in await backend.list_models()] == [MODEL, "fake-embed"]
    error, _ = await failure(backend, ask("llama3.2"))
    assert isinstance(error, ModelNotFound)
    assert error.message == (
        f"Model 'llama3.2' is not served by the OpenAI-compatible server at {fake.url}."
    )
    assert error.hint is not None and "fake-model, fake-embed" in error.hint
    assert fake.chats() == []


async def test_a_server_that_reports_an_unknown_model_itself(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    await collect(backend.stream_chat(ask()))  # the model list is now known to have it
    del fake.models[MODEL]  # vLLM's 404: "The model `x` does not exist."
    error, _ = await failure(backend, ask())
    assert isinstance(error, ModelNotFound) and "'fake-model' is not served" in error.message


async def test_embeddings_come_back_in_input_order(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    fake.embedding_models.add("fake-embed")
    texts = ["a quiet room", "seed swap", "a quiet room"]
    vectors = await backend.embed("fake-embed", texts)
    assert len(vectors) == 3 and vectors[0] == vectors[2] != vectors[1]
    body = next(r.body for r in fake.requests if r.path == "/v1/embeddings")
    assert body["input"] == texts and body["encoding_format"] == "float"
    assert await backend.embed("fake-embed", []) == []


async def test_embedding_failures_say_what_to_set(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    with pytest.raises(ModelNotFound) as missing:
        await backend.embed("nomic-embed-text", ["x"])
    assert missing.value.hint is not None and "embedding_model" in missing.value.hint
    with pytest.raises(ServerError) as chat_only:
        await backend.embed(MODEL, ["x"])  # served, but not for embeddings
    assert "embedding=True" in chat_only.value.message
    assert chat_only.value.hint is not None and "embedding_model" in chat_only.value.hint


async def test_pull_is_not_supported(backend: OpenAICompatBackend, fake: FakeOpenAI) -> None:
    with pytest.raises(BackendError) as caught:
        async for _ in backend.pull("llama3.2"):
            pass
    assert "not supported on this backend" in caught.value.message
    assert fake.requests == []


# --- failures ---------------------------------------------------------------------------------


async def test_server_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    url = unused_url()
    async with OpenAICompatBackend(url) as backend:
        with pytest.raises(BackendUnavailable) as listing:
            await backend.list_models()
        error, _ = await failure(backend, ask())
    assert isinstance(error, BackendUnavailable)
    expected = f"Cannot reach the OpenAI-compatible server at {url}/v1."
    assert listing.value.message == error.message == expected
    assert error.hint is not None and "llama_cpp.server" in error.hint


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (500, {"detail": "llama_decode returned -3"}, "failed with status 500: llama_decode"),
        (503, {"error": {"message": "server overloaded"}}, "is busy (503: server overloaded)"),
        (429, {"error": {"message": "slow down"}}, "is busy (429: slow down)"),
        (400, {"error": {"message": "bad temperature"}}, "rejected the request (400: bad temp"),
        (422, {"detail": [{"msg": "field required"}]}, "rejected the request (422: field req"),
    ],
)
async def test_error_statuses(
    backend: OpenAICompatBackend, fake: FakeOpenAI, status: int, body: Any, words: str
) -> None:
    await backend.list_models()
    fake.fail = (status, body)
    error, _ = await failure(backend, ask())
    assert isinstance(error, ServerError) and error.status == status
    assert error.message.startswith(f"The OpenAI-compatible server at {fake.url} ")
    assert words in error.message and error.hint


async def test_stream_cut_mid_way_keeps_what_arrived(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    fake.cut_after = 3
    error, text = await failure(backend, ask())
    assert isinstance(error, StreamInterrupted)
    assert error.message == (
        f"The connection to the OpenAI-compatible server at {fake.url} broke mid-way through"
        " the reply from 'fake-model'."
    )
    assert text == REPLY[:24]


async def test_stream_that_ends_without_finishing(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    fake.end_without_finish = True  # what llama.cpp's server does to a stream it interrupts
    error, text = await failure(backend, ask())
    assert isinstance(error, StreamInterrupted) and text == REPLY
    assert "ended before the server said it was finished" in error.message
    assert error.hint is not None and "--interrupt_requests False" in error.hint


async def test_error_event_mid_stream(backend: OpenAICompatBackend, fake: FakeOpenAI) -> None:
    fake.error_after = 2
    error, text = await failure(backend, ask())
    assert isinstance(error, ServerError) and text == REPLY[:16]
    assert error.message == (
        f"The OpenAI-compatible server at {fake.url} reported an error during the reply from"
        " 'fake-model': the model runner crashed."
    )


async def test_closing_the_stream_stops_the_request(
    backend: OpenAICompatBackend, fake: FakeOpenAI
) -> None:
    fake.hold_after = 2
    stream = backend.stream_chat(ask())
    assert (await anext(stream)).text and (await anext(stream)).text
    assert await asyncio.to_thread(fake.held.wait, 10)
    await stream.aclose()
    # The parked stream notices the client leaving (it watches its socket).
    assert await asyncio.to_thread(fake.left.wait, 10)
    assert fake.disconnects == 1


# --- secrets ----------------------------------------------------------------------------------


async def test_missing_and_wrong_keys_say_so_without_showing_the_key(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.api_key = KEY
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    async with OpenAICompatBackend(fake.url) as backend:
        with pytest.raises(ServerError) as missing:
            await backend.list_models()
    assert missing.value.status == 401 and "needs an API key" in missing.value.message
    assert missing.value.hint is not None and "OPENAI_API_KEY" in missing.value.hint

    wrong = "sk-wrong-key-9876543210"
    monkeypatch.setenv("OPENAI_API_KEY", wrong)
    async with OpenAICompatBackend(fake.url) as backend:
        error, _ = await failure(backend, ask())
        assert repr(backend) == f"OpenAICompatBackend({fake.url!r})"
    assert isinstance(error, ServerError) and "refused the API key in OPENAI_API_KEY" in str(error)
    assert wrong not in str(error) and "***" in str(error)  # the fake echoed it back
    assert fake.requests[-1].headers["authorization"] == f"Bearer {wrong}"

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    async with OpenAICompatBackend(fake.url) as backend:
        assert "".join([c.text async for c in backend.stream_chat(ask())]) == REPLY


async def test_credentials_in_the_host_url_are_sent_but_never_shown(fake: FakeOpenAI) -> None:
    port = fake.url.split(":")[2].split("/")[0]
    secret_url = f"http://alice:s3cret-pw@127.0.0.1:{port}/v1"
    async with OpenAICompatBackend(secret_url, api_key="") as backend:
        assert backend.location == fake.url and "s3cret" not in repr(backend)
        await collect(backend.stream_chat(ask()))
        fake.fail = (500, {"detail": "proxy says: bad password s3cret-pw for alice"})
        error, _ = await failure(backend, ask())
    assert "s3cret" not in str(error) and "alice" not in str(error)
    token = fake.requests[0].headers["authorization"].removeprefix("Basic ")  # sent as basic auth
    assert base64.b64decode(token) == b"alice:s3cret-pw"
    # A server that wants a key echoes the Authorization header it got: the basic-auth token.
    fake.fail, fake.api_key = None, KEY
    async with OpenAICompatBackend(secret_url, api_key="") as backend:
        refused, _ = await failure(backend, ask())
    assert isinstance(refused, ServerError) and refused.status == 401
    assert "refused the user name and password in the server's URL" in refused.message
    assert token not in str(refused) and "s3cret" not in str(refused)


def test_base_urls_and_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert openai_base_url(None) == "http://127.0.0.1:8000/v1"
    assert openai_base_url("127.0.0.1:8080") == "http://127.0.0.1:8080/v1"
    assert openai_base_url("http://gpu:4000/") == "http://gpu:4000/v1"
    assert openai_base_url("https://h/api/v1/") == "https://h/api/v1"
    assert openai_base_url("http://u:p@h:1/v1") == "http://u:p@h:1/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://lm-studio:1234/v1")
    assert openai_base_url(None) == "http://lm-studio:1234/v1"
    for bad in ("ftp://h/v1", "http://h:99999/v1", "http://:80", "http://h/v1?x=1"):
        with pytest.raises(ValueError):
            openai_base_url(bad)
    assert redact("http://u:p%40ss@h:1/v1") == "http://h:1/v1"
    assert redact("u:p@h:11434") == "h:11434"
    assert redact("http://h:1/v1") == "http://h:1/v1"
    assert redact("http://u:p@[::1") == "[::1"  # malformed: still nothing before the @
    assert set(credentials("http://u:p%40ss@h/v1")) == {"u", "p%40ss", "p@ss", "dTpwQHNz"}
    with pytest.raises(BackendUnavailable) as bad_host:
        OpenAICompatBackend("ftp://user:pw@h/v1")
    assert "pw" not in str(bad_host.value) and "--host" in (cli_hint(bad_host.value) or "")


def test_no_backend_shows_url_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: credentials in a host URL stay out of every message and the app's header,
    whichever backend is chosen (the Ollama client itself never gets them)."""
    from brainstorm.llm import server_location
    from brainstorm.llm.ollama import OllamaBackend

    with pytest.raises(BackendUnavailable) as bad:
        OllamaBackend("http://bob:hunter2@h:99999")
    assert "hunter2" not in str(bad.value) and "bob" not in str(bad.value)
    assert "'http://h:99999' is not a valid Ollama address." in bad.value.message
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    for backend, shown in [
        ("ollama", "http://gpu:11434"),
        ("auto", "http://gpu:11434"),
        ("openai", "http://gpu:11434/v1"),
    ]:
        settings = Settings(backend=backend, host="http://bob:hunter2@gpu:11434")
        assert server_location(settings) == shown
    assert server_location(Settings(backend="embedded")) == "the embedded model"


# --- selection --------------------------------------------------------------------------------


async def test_select_backend_and_embedder_for_openai(fake: FakeOpenAI) -> None:
    settings = Settings(backend="openai", host=fake.url, model=MODEL, duplicates="embeddings")
    selection = await select_backend(settings)
    try:
        assert isinstance(selection.backend, OpenAICompatBackend)
        assert selection.describe() == "openai:fake-model" and selection.notice is None
    finally:
        await selection.backend.aclose()
    embedder = open_embedder(settings)
    assert isinstance(embedder, OpenAICompatBackend) and embedder.location == fake.url
    await embedder.aclose()
    assert open_embedder(replace(settings, duplicates="text")) is None


def test_the_core_and_help_do_not_import_the_openai_client() -> None:
    code = (
        "import sys, brainstorm.llm, brainstorm.generate, brainstorm.duplicates, brainstorm.cli;"
        " from brainstorm.cli.commands import app;"
        " print(sorted({m.split('.')[0] for m in sys.modules} & {'openai', 'httpx2'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
