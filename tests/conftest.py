"""Fixtures shared by every test module. Keep this file generic: feature-specific fixtures
belong next to the tests that use them."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import BRAINSTORM, Run
from tests.fakes import FakeOllama, unused_url


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    """A running fake Ollama server (no models until a test adds them); stopped afterwards.

    Fails the test if the fake itself raised unexpectedly, so a bug in the fake can never
    pass for a bug (or a fix) in the code under test.
    """
    with FakeOllama() as server:
        yield server
    assert not server.errors, "the fake Ollama server failed:\n" + "\n".join(server.errors)


@pytest.fixture
def dead_ollama_url() -> str:
    """`http://127.0.0.1:PORT` with nothing listening there (Ollama "not running")."""
    return unused_url()


# --- the installed command, pointed at the fake server ------------------------------------------


@pytest.fixture
def sessions(tmp_path: Path) -> Path:
    """The sessions directory the `run` fixture's commands use."""
    return tmp_path / "sessions"


@pytest.fixture
def env(sessions: Path, tmp_path: Path, fake_ollama: FakeOllama) -> dict[str, str]:
    """Environment for the command: the fake server (with llama3.2), our sessions directory,
    no config file, no colour, and none of the caller's BRAINSTORM_/OLLAMA_ settings."""
    fake_ollama.add_model("llama3.2")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BRAINSTORM_", "OLLAMA_"))}
    return clean | {
        "BRAINSTORM_SESSIONS_DIR": str(sessions),
        "BRAINSTORM_CONFIG": str(tmp_path / "no-config.toml"),
        "BRAINSTORM_BACKEND": "ollama",
        "OLLAMA_HOST": fake_ollama.url,
        "NO_COLOR": "1",
    }


@pytest.fixture
def run(env: dict[str, str]) -> Run:
    """`run("ask", session, ..., input=None, **extra_env)` runs the installed command."""

    def _run(*args: str, input: str | None = None, **extra_env: str) -> Any:
        return subprocess.run(
            [BRAINSTORM, *args],
            env=env | extra_env,
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return _run
