"""The fake Ollama server, driven by the real `ollama` client and by raw httpx.

If these pass, code tested against the fake meets the same wire format, errors and stream
shapes it would meet against a real Ollama (see /work/shared/OLLAMA_WIRE.md).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import ollama
import pydantic
import pytest

from tests.fakes import (
    BUSY_MESSAGE,
    PULL_NOT_FOUND,
    FakeOllama,
    RecordedRequest,
    schema_example,
    split_reply,
)

USER = [{"role": "user", "content": "Give me ideas for a garden"}]
STAT_KEYS = (
    "total_duration",
    "load_duration",
    "prompt_eval_count",
    "prompt_eval_duration",
    "eval_count",
    "eval_duration",
)


@pytest.fixture
def client(fake_ollama: FakeOllama) -> ollama.Client:
    return ollama.Client(host=fake_ollama.url)


@pytest.fixture
def http(fake_ollama: FakeOllama) -> Iterator[httpx.Client]:
    """Raw HTTP to the fake, for checking the wire format itself."""
    with httpx.Client(base_url=fake_ollama.url) as client:
        yield client


def raw_lines(response: httpx.Response) -> list[str]:
    text = response.text
    assert text.endswith("\n")
    return text[:-1].split("\n")


# --- chat and generate -----------------------------------------------------------------------


def test_chat_stream_chunks_join_to_the_reply_and_end_with_stats(
    fake_ollama: FakeOllama, client: ollama.Client
) -> None:
    fake_ollama.add_model("llama3.2", reply="Plant beans. Build a pond.")
    parts = list(client.chat(model="llama3.2", messages=USER, stream=True))

    assert "".join(p.message.content or "" for p in parts) == "Plant beans. Build a pond."
    assert len(parts) > 2  # really streamed in small pieces
    assert all(not p.done for p in parts[:-1])
    final = parts[-1]
    assert final.done and final.done_reason == "stop" and final.message.content == ""
    for key in STAT_KEYS:
        assert isinstance(final[key], int) and final[key] > 0, key
    assert final.eval_count == len(parts) - 1
    assert final.created_at is not None
    assert datetime.fromisoformat(final.created_at).tzinfo is not None


def test_chat_stream_wire_format_is_chunked_ndjson_without_blank_lines(
    fake_ollama: FakeOllama, http: httpx.Client
) -> None:
    fake_ollama.add_model("llama3.2")
    body = {"model": "llama3.2", "messages": USER}  # no "stream": Ollama streams by default
    response = http.post("/api/chat", json=body)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["transfer-encoding"] == "chunked"
    assert "server" not in response.headers
    lines = raw_lines(response)
    assert all(lines)  # no blank line anywhere
    objects = [json.loads(line) for line in lines]
    assert [o["done"] for o in objects] == [False] * (len(objects) - 1) + [True]
    assert all(o["model"] == "llama3.2" for o in objects)
    assert all(o["created_at"].endswith("Z") for o in objects)
    assert set(STAT_KEYS) | {"done_reason"} <= objects[-1].keys()


def test_chat_without_stream_is_one_json_document(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model("llama3.2", reply="Just one answer.")
    response = httpx.post(
        f"{fake_ollama.url}/api/chat",
        json={"model": "llama3.2", "messages": USER, "stream": False},
    )
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    doc = response.json()  # a second document would make this fail
    assert doc["message"] == {"role": "assistant", "content": "Just one answer."}
    assert doc["done"] is True and doc["done_reason"] == "stop"

    reply = ollama.Client(host=fake_ollama.url).chat(model="llama3.2", messages=USER)
    assert reply.message.content == "Just one answer."


def test_generate_streams_response_text_and_final_context(
    fake_ollama: FakeOllama, client: ollama.Client
) -> None:
    fake_ollama.add_model("llama3.2", reply="A generated answer.")
    parts = list(client.generate(model="llama3.2", prompt="Say something", stream=True))
    assert "".join(p.response or "" for p in parts) == "A generated answer."
    assert parts[-1].done and parts[-1].context
    whole = client.generate(model="llama3.2", prompt="Say something")
    assert whole.response == "A generated answer." and whole.done


def test_explicit_chunks_arrive_exactly_as_given(
    fake_ollama: FakeOllama, client: ollama.Client
) -> None:
    fake_ollama.add_model("m", chunks=["Hel", "lo", " wor", "ld"])
    parts = list(client.chat(model="m", messages=USER, stream=True))
    assert [p.message.content for p in parts[:-1]] == ["Hel", "lo", " wor", "ld"]


def test_split_reply_keeps_every_character() -> None:
    text = "  Two  spaces\nand a\ttab. "
    assert "".join(split_reply(text)) == text
    assert split_reply("") == []


def test_name_without_tag_means_latest(fake_ollama: FakeOllama, client: ollama.Client) -> None:
    fake_ollama.add_model("qwen3")
    assert client.chat(model="qwen3:latest", messages=USER).done
    assert client.chat(model="qwen3", messages=USER).model == "qwen3"  # echoes the asked name


def test_empty_conversation_only_loads_the_model(
    fake_ollama: FakeOllama, client: ollama.Client
) -> None:
    fake_ollama.add_model("m")
    reply = client.chat(model="m", messages=[])
    assert reply.done and reply.done_reason == "load" and reply.message.content == ""


def test_num_predict_cuts_the_reply_with_done_reason_length(
    fake_ollama: FakeOllama, client: ollama.Client
) -> None:
    fake_ollama.add_model("m", reply="one two three four five six")
    parts = list(client.chat(model="m", messages=USER, stream=True, options={"num_predict": 2}))
    assert "".join(p.message.content or "" for p in parts) == "one two "
    assert parts[-1].done_reason == "length" and parts[-1].eval_count == 2


def test_requests_are_recorded_with_options_and_format(
    fake_ollama: FakeOllama, client: ollama.Client
) -> None:
    fake_ollama.add_model("m")
    schema = {"type": "object", "properties": {"x": {"type": "integer"}}}
    client.chat(model="m", messages=USER, options={"temperature": 0.2, "seed": 7}, format=schema)
    request = fake_ollama.last_request("/api/chat")
    assert request.method == "POST"
    assert request.model == "m"
    assert request.options == {"temperature": 0.2, "seed": 7}
    assert request.format == schema
    assert request.messages == USER
    assert request.stream is False
    assert request.headers["content-type"] == "application/json"


# --- replies that depend on the request ------------------------------------------------------


class Idea(pydantic.BaseModel):
    title: str
    text: str


class IdeaList(pydantic.BaseModel):
    ideas: list[Idea] = pydantic.Field(min_length=2, max_length=4)


def test_schema_format_gets_json_matching_the_schema(
    fake_ollama: FakeOllama, client: ollama.Client
) -> None:
    fake_ollama.add_model("m", reply="plain text the schema overrides")
    schema = IdeaList.model_json_schema()  # uses $defs / $ref, like the app's schemas
    parts = list(client.chat(model="m", messages=USER, format=schema, stream=True))
    text = "".join(p.message.content or "" for p in parts)
    parsed = IdeaList.model_validate_json(text)
    assert len(parsed.ideas) == 3
    assert parsed.ideas[0] == Idea(title="title 1", text="text 1")


def test_structured_reply_overrides_the_generated_example(
    fake_ollama: FakeOllama, client: ollama.Client
) -> None:
    ideas = {"ideas": [{"title": "A", "text": "a"}, {"title": "B", "text": "b"}]}
    fake_ollama.add_model("m", structured=ideas)
    reply = client.chat(model="m", messages=USER, format=IdeaList.model_json_schema())
    assert json.loads(reply.message.content or "") == ideas
    # Without a format the same model answers in prose.
    assert client.chat(model="m", messages=USER).message.content == fake_ollama.default_reply


def test_callable_reply_sees_the_request(fake_ollama: FakeOllama, client: ollama.Client) -> None:
    seen: list[RecordedRequest] = []

    def echo(request: RecordedRequest) -> str:
        seen.append(request)
        return f"You said: {request.messages[-1]['content']}"

    fake_ollama.reply_for("echo", echo)
    reply = client.chat(model="echo", messages=[{"role": "user", "content": "hello"}])
    assert reply.message.content == "You said: hello"
    assert seen[0].path == "/api/chat"


def test_schema_example_handles_common_schema_shapes() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "kind": {"enum": ["a", "b"]},
            "fixed": {"const": 3},
            "maybe": {"anyOf": [{"type": "null"}, {"type": "number", "minimum": 2}]},
            "flag": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 1},
            "nullable": {"type": ["null", "integer"]},
        },
    }
    assert schema_example(schema) == {
        "kind": "a",
        "fixed": 3,
        "maybe": 2.0,
        "flag": True,
        "tags": ["tag 1"],
        "nullable": 1,
    }


# --- other endpoints -------------------------------------------------------------------------


def test_tags_lists_installed_models_only(
    fake_ollama: FakeOllama, http: httpx.Client, client: ollama.Client
) -> None:
    assert http.get("/api/tags").json() == {"models": []}
    fake_ollama.add_model("llama3.2", parameter_size="3.2B", quantization="Q4_K_M")
    fake_ollama.add_pullable("not-yet")
    raw = http.get("/api/tags").json()["models"]
    assert [m["name"] for m in raw] == ["llama3.2:latest"]
    assert {"name", "model", "modified_at", "size", "digest", "details"} <= raw[0].keys()
    [model] = client.list().models
    assert model.model == "llama3.2:latest"
    assert model.details is not None and model.details.parameter_size == "3.2B"


def test_show_includes_model_info(fake_ollama: FakeOllama, client: ollama.Client) -> None:
    fake_ollama.add_model("llama3.2")
    shown = client.show("llama3.2")
    assert shown.modelinfo is not None and shown.modelinfo["general.architecture"] == "llama"
    assert shown.capabilities == ["completion"]
    with pytest.raises(ollama.ResponseError) as caught:
        client.show("missing")
    assert caught.value.status_code == 404 and caught.value.error == "model 'missing' not found"


def test_embed_single_and_batch_inputs(fake_ollama: FakeOllama, client: ollama.Client) -> None:
    fake_ollama.add_model("nomic-embed-text", embedding_size=4)
    one = client.embed(model="nomic-embed-text", input="a garden")
    many = client.embed(model="nomic-embed-text", input=["a garden", "a pond"])
    assert len(one.embeddings) == 1 and len(one.embeddings[0]) == 4
    assert many.embeddings[0] == one.embeddings[0] != many.embeddings[1]


def test_ps_version_and_root(
    fake_ollama: FakeOllama, http: httpx.Client, client: ollama.Client
) -> None:
    fake_ollama.add_model("m")
    assert client.ps().models == []
    client.chat(model="m", messages=USER)
    assert [m.model for m in client.ps().models] == ["m:latest"]
    assert http.get("/api/version").json() == {"version": "0.12.0"}
    root = http.get("/")
    assert root.text == "Ollama is running"
    assert root.headers["content-type"] == "text/plain; charset=utf-8"
    assert http.head("/").status_code == 200


# --- pull ------------------------------------------------------------------------------------


def test_pull_streams_progress_and_installs_the_model(
    fake_ollama: FakeOllama, client: ollama.Client
) -> None:
    fake_ollama.add_pullable("tinyllama")
    progress = list(client.pull("tinyllama", stream=True))
    statuses = [p.status for p in progress]
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    layers = [p for p in progress if (p.status or "").startswith("pulling ") and p.digest]
    assert layers
    for p in layers:
        assert p.digest is not None and p.digest.startswith("sha256:")
        assert p.status == f"pulling {p.digest[7:19]}"
        assert p.total
    completed = [p.completed for p in layers if p.digest == layers[0].digest]
    assert completed[0] is None and completed[-1] == layers[0].total  # grows to the total
    assert fake_ollama.installed("tinyllama")
    assert [m.model for m in client.list().models] == ["tinyllama:latest"]


def test_pull_without_stream_answers_once(fake_ollama: FakeOllama, client: ollama.Client) -> None:
    fake_ollama.add_pullable("tinyllama")
    assert client.pull("tinyllama").status == "success"


def test_pull_of_an_unknown_model_fails_inside_a_200_stream(
    fake_ollama: FakeOllama, http: httpx.Client, client: ollama.Client
) -> None:
    response = http.post("/api/pull", json={"model": "nope"})
    assert response.status_code == 200
    lines = [json.loads(line) for line in raw_lines(response)]
    assert lines == [{"status": "pulling manifest"}, {"error": PULL_NOT_FOUND}]

    with pytest.raises(ollama.ResponseError) as caught:
        list(client.pull("nope", stream=True))
    assert caught.value.status_code == -1 and caught.value.error == PULL_NOT_FOUND


# --- errors ----------------------------------------------------------------------------------


def test_unknown_model_is_404_with_ollama_message(
    fake_ollama: FakeOllama, http: httpx.Client, client: ollama.Client
) -> None:
    for path, extra in (("/api/chat", {"messages": USER}), ("/api/generate", {"prompt": "x"})):
        response = http.post(f"{path}", json={"model": "ghost", **extra})
        assert response.status_code == 404
        assert response.json() == {"error": "model 'ghost' not found"}
    with pytest.raises(ollama.ResponseError) as caught:
        list(client.chat(model="ghost", messages=USER, stream=True))
    assert caught.value.status_code == 404
    with pytest.raises(ollama.ResponseError):
        client.embed(model="ghost", input="x")


def test_bad_json_and_missing_model_are_400(fake_ollama: FakeOllama, http: httpx.Client) -> None:
    bad = http.post("/api/chat", content=b"{not json")
    assert bad.status_code == 400 and "error" in bad.json()
    missing = http.post("/api/chat", json={"messages": USER})
    assert missing.status_code == 400 and missing.json() == {"error": "model is required"}
    empty = http.post("/api/generate")
    assert empty.status_code == 400 and empty.json() == {"error": "missing request body"}


def test_unknown_route_and_wrong_method_are_plain_text_404(
    fake_ollama: FakeOllama, http: httpx.Client
) -> None:
    for response in (
        http.get("/api/nothing"),
        http.get("/api/chat"),
        http.post("/v2/chat", json={}),
    ):
        assert response.status_code == 404
        assert response.text == "404 page not found"
        assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(("status", "message"), [(500, "llama runner crashed"), (503, None)])
def test_injected_status_errors(
    fake_ollama: FakeOllama, client: ollama.Client, status: int, message: str | None
) -> None:
    fake_ollama.add_model("m")
    if message is None:
        fake_ollama.busy(times=1)
        message = BUSY_MESSAGE
    else:
        fake_ollama.fail_with(status, message, times=1)
    with pytest.raises(ollama.ResponseError) as caught:
        list(client.chat(model="m", messages=USER, stream=True))
    assert caught.value.status_code == status and caught.value.error == message
    # `times=1`: the next request succeeds.
    assert client.chat(model="m", messages=USER).done


def test_status_fault_can_target_one_path(fake_ollama: FakeOllama, client: ollama.Client) -> None:
    fake_ollama.add_model("m")
    fake_ollama.fail_with(500, "tags broke", path="/api/tags")
    with pytest.raises(ollama.ResponseError, match="tags broke"):
        client.list()
    assert client.chat(model="m", messages=USER).done


def test_error_line_inside_a_200_stream(fake_ollama: FakeOllama, client: ollama.Client) -> None:
    fake_ollama.add_model("m", reply="one two three four")
    fake_ollama.error_mid_stream(after=2, message="runner died")
    received: list[str] = []
    with pytest.raises(ollama.ResponseError) as caught:
        for part in client.chat(model="m", messages=USER, stream=True):
            received.append(part.message.content or "")
    assert received == ["one ", "two "]
    assert caught.value.status_code == -1 and caught.value.error == "runner died"


def test_cut_mid_stream_raises_remote_protocol_error(
    fake_ollama: FakeOllama, client: ollama.Client
) -> None:
    fake_ollama.add_model("m", reply="one two three four")
    fake_ollama.cut_mid_stream(after=3, times=1)
    received: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError):
        for part in client.chat(model="m", messages=USER, stream=True):
            received.append(part.message.content or "")
    assert received == ["one ", "two ", "three "]
    # The server keeps serving after a cut.
    assert client.chat(model="m", messages=USER).message.content == "one two three four"


def test_cut_before_a_non_streamed_answer(fake_ollama: FakeOllama, client: ollama.Client) -> None:
    fake_ollama.add_model("m")
    fake_ollama.cut_mid_stream(after=0)
    with pytest.raises(httpx.RemoteProtocolError):
        client.chat(model="m", messages=USER)


def test_end_mid_stream_ends_cleanly_without_done(
    fake_ollama: FakeOllama, client: ollama.Client
) -> None:
    fake_ollama.add_model("m", reply="one two three")
    fake_ollama.end_mid_stream(after=1)
    parts = list(client.chat(model="m", messages=USER, stream=True))
    assert [p.message.content for p in parts] == ["one "] and not parts[-1].done


def test_server_down_errors_as_the_client_raises_them(dead_ollama_url: str) -> None:
    client = ollama.Client(host=dead_ollama_url)
    with pytest.raises(ConnectionError, match="Failed to connect to Ollama"):
        client.list()
    with pytest.raises(httpx.ConnectError):
        list(client.chat(model="m", messages=USER, stream=True))


# --- timing, concurrency and disconnects -----------------------------------------------------


async def test_hold_parks_streams_and_concurrency_is_counted(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model("m", reply="alpha beta gamma")
    fake_ollama.hold(after=1)
    client = ollama.AsyncClient(host=fake_ollama.url)

    async def one() -> str:
        text = ""
        async for part in await client.chat(model="m", messages=USER, stream=True):
            text += part.message.content or ""
        return text

    tasks = [asyncio.create_task(one()) for _ in range(4)]
    assert await fake_ollama.wait_for_held_async(4)
    assert fake_ollama.in_flight == 4 and fake_ollama.max_in_flight == 4
    fake_ollama.release()
    assert await asyncio.gather(*tasks) == ["alpha beta gamma"] * 4
    assert await fake_ollama.wait_until_async(lambda: fake_ollama.in_flight == 0)
    assert fake_ollama.disconnects == []
    await client.close()  # type: ignore[no-untyped-call]


def test_client_leaving_mid_stream_is_recorded(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model("m", reply="alpha beta gamma delta")
    fake_ollama.hold(after=2)
    with (
        httpx.Client() as http,
        http.stream(
            "POST", f"{fake_ollama.url}/api/chat", json={"model": "m", "messages": USER}
        ) as response,
    ):
        lines = response.iter_lines()
        assert json.loads(next(lines))["message"]["content"] == "alpha "
        assert fake_ollama.wait_for_held(1)
    # Leaving the `with` closed the response before the stream finished.
    assert fake_ollama.wait_for_disconnect(1)
    assert fake_ollama.disconnected.is_set()
    assert fake_ollama.disconnects[0].path == "/api/chat"
    assert fake_ollama.wait_until(lambda: fake_ollama.in_flight == 0 and fake_ollama.held == 0)


def test_chunk_delay_still_notices_a_client_leaving(fake_ollama: FakeOllama) -> None:
    # A long, slow reply: if the fake did not notice the client leaving, it would stream
    # for 1000 * 50 ms; noticing makes this test take one delay.
    fake_ollama.add_model("m", reply="word " * 1000, chunk_delay=0.05)
    started = time.monotonic()
    with (
        httpx.Client() as http,
        http.stream(
            "POST", f"{fake_ollama.url}/api/chat", json={"model": "m", "messages": USER}
        ) as response,
    ):
        next(response.iter_lines())
    assert fake_ollama.wait_for_disconnect(1)
    assert time.monotonic() - started < 5


def test_stop_is_fast_with_parked_streams_and_idle_connections() -> None:
    server = FakeOllama(["m"]).start()
    server.hold(after=1)
    idle = httpx.Client()
    idle.get(f"{server.url}/api/tags")  # leaves an idle keep-alive connection
    http = httpx.Client()
    failures: list[BaseException] = []

    def stream() -> None:
        try:
            with http.stream(
                "POST", f"{server.url}/api/chat", json={"model": "m", "messages": USER}
            ) as response:
                for _ in response.iter_lines():
                    pass
        except httpx.HTTPError as exc:
            failures.append(exc)

    reader = threading.Thread(target=stream, daemon=True)
    reader.start()
    assert server.wait_for_held(1)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    reader.join(timeout=2)
    assert not reader.is_alive()
    assert failures and isinstance(failures[0], httpx.RemoteProtocolError)
    assert server.disconnects == []  # the server dropped it, not the client
    assert not [t for t in threading.enumerate() if t.name.startswith("fake-ollama")]
    server.stop()  # idempotent
    http.close()
    idle.close()


def test_fixture_reports_bugs_inside_the_fake(fake_ollama: FakeOllama, http: httpx.Client) -> None:
    # A callable reply that raises is a bug in the test's fake setup: it must surface as a
    # recorded error (the fixture fails the test on those), not pass silently.
    def broken(request: RecordedRequest) -> str:
        raise RuntimeError("boom")

    fake_ollama.add_model("m", reply=broken)
    with pytest.raises(httpx.HTTPError):
        http.post("/api/chat", json={"model": "m", "messages": USER})
    assert fake_ollama.wait_until(lambda: bool(fake_ollama.errors))
    assert "boom" in fake_ollama.errors[0]
    fake_ollama.errors.clear()  # expected here; keep the fixture's teardown check quiet
