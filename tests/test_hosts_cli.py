"""Several Ollama hosts through the installed command: a batch spread over three hosts with
one killed mid-way (every prompt completes exactly once, the JSON lines name the host that
answered and the retry), `--resume` on other hosts, `models` per host, and the settings."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brainstorm.config import load_settings
from brainstorm.events import GenerationCompleted, GenerationRetried, PromptSent
from brainstorm.session_log import read_events
from tests.cli_support import BRAINSTORM
from tests.fakes import FakeOllama

CHUNKS = ["1. Idea one.\n", "2. Idea two.\n", "3. Idea three."]


@pytest.fixture
def fakes() -> Iterator[list[FakeOllama]]:
    servers = [FakeOllama(chunk_delay=0.01).start() for _ in range(3)]
    for server in servers:
        server.add_model("llama3.2", chunks=CHUNKS)
    yield servers
    for server in servers:
        server.stop()
    assert not any(server.errors for server in servers)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BRAINSTORM_", "OLLAMA_"))}
    return clean | {
        "BRAINSTORM_SESSIONS_DIR": str(tmp_path / "sessions"),
        "BRAINSTORM_CONFIG": str(tmp_path / "no-config.toml"),
        "BRAINSTORM_BACKEND": "ollama",
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }


def run(env: dict[str, str], *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BRAINSTORM, *args], env=env | extra, capture_output=True, text=True, timeout=120
    )


def lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def prompts_file(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "ideas.txt"
    path.write_text("".join(f"ideas for office number {n}\n" for n in range(1, count + 1)))
    return path


def stop_when(server: FakeOllama, chats: int) -> threading.Thread:
    """Kill `server` (every open reply cut off) once its `chats`-th reply has started."""

    def watch() -> None:
        if server.wait_until(lambda: len(server.requests_to("/api/chat")) >= chats, 60):
            server.stop()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_batch_over_three_hosts_survives_one_killed_mid_way(
    env: dict[str, str], fakes: list[FakeOllama], tmp_path: Path
) -> None:
    urls = [server.url for server in fakes]
    killer = stop_when(fakes[2], 3)
    result = run(env, "--host", ",".join(urls), "batch", str(prompts_file(tmp_path, 24)), "--json")
    killer.join(timeout=5)
    assert result.returncode == 0, result.stderr
    done = lines(result.stdout)
    # Every prompt exactly once, completed, on a host of the three; none twice.
    assert sorted(d["index"] for d in done) == list(range(1, 25))
    assert {d["status"] for d in done} == {"completed"}
    assert {d["host"] for d in done} <= set(urls) and len({d["host"] for d in done}) == 3
    retried = [d for d in done if d["retries"]]
    assert retried, "the killed host's reply in flight is retried elsewhere"
    for line in retried:
        assert [r["host"] for r in line["retries"]] == [urls[2]] and line["host"] != urls[2]
    assert "3 hosts, 1 per host" in result.stderr and "concurrency 3" in result.stderr
    assert f"{len(retried)} retried on another host" in result.stderr
    assert f"note: Ollama at {urls[2]} failed" in result.stderr
    # The session: one prompt_sent and one outcome per entry; the retries recorded.
    events, _ = read_events(tmp_path / "sessions" / f"{done[0]['session']}.jsonl")
    keys = Counter(e.batch_key for e in events if isinstance(e, PromptSent))
    assert len(keys) == 24 and set(keys.values()) == {1}
    completed = [e for e in events if isinstance(e, GenerationCompleted)]
    assert len(completed) == 24 and {e.host for e in completed} == {d["host"] for d in done}
    assert len([e for e in events if isinstance(e, GenerationRetried)]) == len(retried)
    shown = json.loads(run(env, "--host", urls[0], "show", done[0]["session"], "--json").stdout)
    assert {idea["host"] for idea in shown["ideas"]} <= set(urls)
    prompts = {p["batch_key"]: p for p in shown["prompts"]}
    for line in done:  # show --json names the same host and retries as the batch's lines
        prompt = prompts[line["batch_key"]]
        assert (prompt["host"], prompt["status"]) == (line["host"], "completed")
        assert [r["host"] for r in prompt["retries"]] == [r["host"] for r in line["retries"]]


def test_resume_runs_what_did_not_complete_on_other_hosts(
    env: dict[str, str], fakes: list[FakeOllama], tmp_path: Path
) -> None:
    first, *others = fakes
    first.fail_with(500, "runner crashed", path="/api/chat", times=2)
    batch = str(prompts_file(tmp_path, 6))
    one = run(env, "batch", batch, "--json", OLLAMA_HOST=first.url)
    assert one.returncode == 4, one.stderr  # one host: no retry, as always
    failed = [d["index"] for d in lines(one.stdout) if d["status"] == "failed"]
    assert len(failed) == 2 and all(not d["retries"] for d in lines(one.stdout))

    hosts = ",".join(server.url for server in others)
    again = run(env, "batch", batch, "--resume", "--json", BRAINSTORM_HOSTS=hosts)
    assert again.returncode == 0, again.stderr
    rerun = lines(again.stdout)
    assert sorted(d["index"] for d in rerun) == sorted(failed)
    assert {d["status"] for d in rerun} == {"completed"}
    assert {d["host"] for d in rerun} <= {server.url for server in others}
    assert len(first.requests_to("/api/chat")) == 6  # nothing went to the first host again
    events, _ = read_events(tmp_path / "sessions" / f"{rerun[0]['session']}.jsonl")
    prompts = {e.prompt_id: e.batch_key for e in events if isinstance(e, PromptSent)}
    done = Counter(prompts[e.prompt_id] for e in events if isinstance(e, GenerationCompleted))
    assert len(done) == 6 and set(done.values()) == {1}  # each exactly once, across hosts


def test_models_lists_each_hosts_models(
    env: dict[str, str], fakes: list[FakeOllama], dead_ollama_url: str
) -> None:
    fakes[1].add_model("qwen3")
    hosts = ("--host", fakes[0].url, "--host", fakes[1].url)
    listed = run(env, *hosts, "models", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [(m["host"], m["name"]) for m in json.loads(listed.stdout)] == [
        (fakes[0].url, "llama3.2:latest"),
        (fakes[1].url, "llama3.2:latest"),
        (fakes[1].url, "qwen3:latest"),
    ]
    table = run(env, "--host", f"{fakes[1].url},{dead_ollama_url}", "models")
    assert table.returncode == 0, table.stderr
    assert "host" in table.stdout and f"{fakes[1].url}  qwen3:latest" in table.stdout
    assert f"warning: {dead_ollama_url} did not answer: Cannot reach Ollama" in table.stderr
    fakes[0].add_model("nomic-embed-text")  # at 80 columns the other columns give way
    narrow = run(env, "--host", f"{fakes[0].url},{fakes[1].url}", "models", COLUMNS="80")
    assert f"{fakes[0].url}  nomic-embed-text:latest" in narrow.stdout, narrow.stdout
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 80, narrow.stdout
    down = run(env, "--host", f"{dead_ollama_url},http://127.0.0.1:9", "models")
    assert down.returncode == 3 and "None of the 2 Ollama hosts answers" in down.stderr
    single = run(env, "--host", fakes[0].url, "models", "--json")
    assert {m["host"] for m in json.loads(single.stdout)} == {fakes[0].url}


def test_the_openai_backend_takes_one_server(env: dict[str, str]) -> None:
    hosts = "http://127.0.0.1:9/v1,http://127.0.0.1:10/v1"
    result = run(env, "--backend", "openai", "--host", hosts, "models")
    assert result.returncode == 3 and "talks to one server, and 2 hosts" in result.stderr
    assert "--backend chooses it" in result.stderr
    assert "LiteLLM" in result.stderr


# --- settings ---------------------------------------------------------------------------------


@pytest.fixture
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith(("BRAINSTORM_", "OLLAMA_")):
            monkeypatch.delenv(name)
    config = tmp_path / "config.toml"
    monkeypatch.setenv("BRAINSTORM_CONFIG", str(config))
    return config


def test_hosts_from_flags_environment_and_config(
    clean_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().hosts == () and load_settings().host is None
    clean_settings.write_text('hosts = ["gpu1:11434", "gpu2:11434"]\nper_host = 2\n')
    settings = load_settings()
    assert settings.hosts == ("gpu1:11434", "gpu2:11434") and settings.host == "gpu1:11434"
    assert settings.per_host == 2
    monkeypatch.setenv("OLLAMA_HOST", "laptop:11434")  # the environment beats the file…
    assert load_settings().hosts == ("laptop:11434",)
    monkeypatch.setenv("BRAINSTORM_HOSTS", "a:1, b:2,,a:1")  # …ours beats Ollama's
    assert load_settings().hosts == ("a:1", "b:2")
    flags = load_settings(hosts=["c:3", "d:4,e:5"])  # --host c:3 --host d:4,e:5
    assert flags.hosts == ("c:3", "d:4", "e:5") and flags.host == "c:3"
    assert load_settings(hosts=None).hosts == ("a:1", "b:2")


def test_one_host_is_the_host_setting_as_before(clean_settings: Path) -> None:
    clean_settings.write_text('host = "http://file:1"\n')
    settings = load_settings()
    assert settings.host == "http://file:1" and settings.hosts == ("http://file:1",)
