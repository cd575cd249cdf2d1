"""Secrets stay secret: credentials in a host URL (`http://user:pass@host:11434`) and API keys
are sent to the server, and never appear in a message, a progress line, a session file, an
export or `--json` output — not even when the server echoes them back."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from brainstorm.llm.base import BackendUnavailable, ChatRequest, Message, ServerError
from brainstorm.llm.ollama import OllamaBackend
from brainstorm.llm.urls import basic_auth, credentials, redact, scrub
from tests.cli_support import Run
from tests.fakes import FakeOllama, free_port

USER, PASSWORD, API_KEY = "alice", "s3cret-pw-9f2", "ollama-key-77d1"
SECRETS = (PASSWORD, API_KEY, base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())


def with_credentials(url: str, user: str = USER, password: str = PASSWORD) -> str:
    return url.replace("://", f"://{user}:{password}@", 1)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in (*SECRETS, f"{USER}:"):
            assert secret not in text, f"{secret!r} leaked"


def test_redact_basic_auth_credentials_and_scrub() -> None:
    assert redact("http://u:p@h:11434/x") == "http://h:11434/x"
    assert redact("u:p@h:11434") == "h:11434"
    assert redact("https://h") == "https://h"
    assert redact("http://u:p@[::1") == "[::1"  # malformed: nothing before the @ survives
    assert basic_auth("http://u%40x:p%3Aw@h:1") == ("u@x", "p:w")
    assert basic_auth("http://h:1") is None and basic_auth("h:1") is None
    assert set(credentials("http://u:p%40ss@h")) == {"u", "p%40ss", "p@ss", "dTpwQHNz"}
    assert scrub("key abc and abcdef", ["abc", "abcdef", ""]) == "key *** and ***"


def ask() -> ChatRequest:
    return ChatRequest(model="llama3.2", messages=[Message("user", "Ideas?")])


async def test_url_credentials_go_as_basic_auth_and_are_never_echoed(
    fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_API_KEY", API_KEY)
    fake_ollama.add_model("llama3.2", reply="One. Two.")
    async with OllamaBackend(with_credentials(fake_ollama.url)) as backend:
        assert backend.location == fake_ollama.url
        assert USER not in repr(backend) and PASSWORD not in repr(backend)
        chunks = [chunk async for chunk in backend.stream_chat(ask())]
        assert "".join(c.text for c in chunks) == "One. Two."
        sent = fake_ollama.last_request("/api/chat").headers["authorization"]
        assert base64.b64decode(sent.removeprefix("Basic ")) == f"{USER}:{PASSWORD}".encode()

        # A proxy that quotes what it got: the password, the basic-auth token, the key.
        token = sent.removeprefix("Basic ")
        fake_ollama.fail_with(401, f"bad login {USER}:{PASSWORD} ({token}), key {API_KEY}")
        with pytest.raises(ServerError) as refused:
            [chunk async for chunk in backend.stream_chat(ask())]
    message = str(refused.value)
    assert "refused access (401" in message and "***" in message
    assert_no_secret(message)


async def test_an_unreachable_or_invalid_host_is_named_without_credentials() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    async with OllamaBackend(with_credentials(dead)) as backend:
        with pytest.raises(BackendUnavailable) as down:
            await backend.list_models()
    assert f"Cannot reach Ollama at {dead}" in str(down.value)
    assert_no_secret(str(down.value))
    with pytest.raises(BackendUnavailable) as invalid:
        OllamaBackend(with_credentials("http://127.0.0.1:99999"))
    assert "is not a valid Ollama address" in str(invalid.value)
    assert_no_secret(str(invalid.value))


def test_no_output_path_shows_credentials(
    run: Run, fake_ollama: FakeOllama, sessions: Path, tmp_path: Path
) -> None:
    """A session created, asked (plain and --json), shown, exported and batch-run against a
    server whose URL carries credentials; and the errors of a dead host with credentials."""
    host = with_credentials(fake_ollama.url)
    env = {"OLLAMA_HOST": host, "OLLAMA_API_KEY": API_KEY}
    created = run("new", "Quieter offices", **env)
    session = created.stdout.strip()
    outputs = [created.stdout, created.stderr]
    for args in (
        ("ask", session),
        ("ask", session, "--json"),
        ("show", session),
        ("show", session, "--json"),
        ("export", session),
        ("export", session, "--format", "json"),
        ("models",),
        ("models", "--json"),
    ):
        result = run(*args, **env)
        assert result.returncode == 0, (args, result.stderr)
        outputs += [result.stdout, result.stderr]
    asked = run("ask", session, **env)
    assert f"at {fake_ollama.url}" in asked.stderr  # the server is named, without credentials
    assert fake_ollama.last_request("/api/chat").headers["authorization"].startswith("Basic ")

    batch = tmp_path / "prompts.txt"
    batch.write_text("alpha\nbeta\n", encoding="utf-8")
    batched = run("batch", str(batch), "--json", **env)
    assert batched.returncode == 0, batched.stderr
    assert f"at {fake_ollama.url}" in batched.stderr
    outputs += [batched.stdout, batched.stderr]

    dead = f"http://127.0.0.1:{free_port()}"
    for args in (("ask", session), ("ask", session, "--json"), ("models",)):
        failed = run(*args, OLLAMA_HOST=with_credentials(dead), OLLAMA_API_KEY=API_KEY)
        assert failed.returncode == 3
        assert f"Cannot reach Ollama at {dead}" in failed.stderr
        outputs += [failed.stdout, failed.stderr]
    failed_batch = run("batch", str(batch), OLLAMA_HOST=with_credentials(dead))
    assert failed_batch.returncode == 3
    outputs += [failed_batch.stdout, failed_batch.stderr]

    # Session files and the derived files beside them (near-duplicate indexes), as bytes.
    files = [p.read_bytes() for p in sessions.rglob("*") if p.is_file()]
    assert any(p.suffix == ".jsonl" for p in sessions.iterdir()), "no session file was written"
    assert_no_secret(*outputs)
    for data in files:
        assert not any(secret.encode() in data for secret in (*SECRETS, f"{USER}:")), data[:80]
    json.loads(run("show", session, "--json", **env).stdout)  # still valid JSON
