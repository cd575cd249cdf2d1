"""The installed command with `--backend openai` against the fake OpenAI-compatible server: the
failures a person meets (key missing or wrong, a cut stream), the structured-output fallback
note, and the help. The happy paths against a real server are in test_openai_server.py."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import BRAINSTORM
from tests.fakes.openai_server import FakeOpenAI

KEY = "sk-cli-secret-7b21c0"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server
    assert not server.errors, "\n".join(server.errors)


@pytest.fixture
def cli(tmp_path: Path, fake: FakeOpenAI) -> Any:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BRAINSTORM_", "OLLAMA_"))}
    base = {k: v for k, v in base.items() if not k.startswith("OPENAI_")}
    base |= {
        "BRAINSTORM_SESSIONS_DIR": str(tmp_path / "sessions"),
        "BRAINSTORM_CONFIG": str(tmp_path / "no-config.toml"),
        "BRAINSTORM_BACKEND": "openai",
        "BRAINSTORM_MODEL": "fake-model",
        "OLLAMA_HOST": fake.url,  # --host's environment variable, for every backend
        "NO_COLOR": "1",
    }

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [BRAINSTORM, *args], env=base | env, capture_output=True, text=True, timeout=60
        )

    return run


def test_help_names_the_backend(cli: Any) -> None:
    shown = cli("--help")
    flat = " ".join(shown.stdout.split())
    assert "ollama, openai (an OpenAI-compatible server at --host" in flat
    assert "OPENAI_API_KEY" in flat


def test_missing_and_wrong_key(cli: Any, fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.api_key = KEY
    session = cli("new", "Quieter offices").stdout.strip()
    missing = cli("ask", session)
    assert missing.returncode == 1  # a reply that failed, as with Ollama's errors
    assert f"error: The OpenAI-compatible server at {fake.url} needs an API key" in missing.stderr
    assert "Set OPENAI_API_KEY" in missing.stderr

    wrong = "sk-wrong-0000-1111"
    refused = cli("ask", session, "--json", OPENAI_API_KEY=wrong)
    assert refused.returncode == 1
    assert "refused the API key in OPENAI_API_KEY" in refused.stderr
    for text in (
        refused.stdout,
        refused.stderr,
        (tmp_path / "sessions").joinpath(f"{session}.jsonl").read_text(),
    ):
        assert wrong not in text and KEY not in text

    allowed = cli("ask", session, OPENAI_API_KEY=KEY)
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.count("DRAFT") == 3 and KEY not in allowed.stdout + allowed.stderr


def test_cut_stream_keeps_the_partial_draft(cli: Any, fake: FakeOpenAI) -> None:
    fake.cut_after = 6  # mid-way through the second idea
    session = cli("new", "Quieter offices").stdout.strip()
    cut = cli("ask", session, "--json")
    assert cut.returncode == 1
    data = json.loads(cut.stdout)
    assert data["status"] == "failed" and "broke mid-way through" in data["error"]
    assert [idea["incomplete"] for idea in data["ideas"]] == [False, True]
    assert data["ideas"][0]["text"] == "A tool library in the stairwell."


def test_structured_output_the_server_cannot_do_is_said_once(cli: Any, fake: FakeOpenAI) -> None:
    fake.refuse_json_schema = fake.refuse_json_object = True
    session = cli("new", "Quieter offices").stdout.strip()
    asked = cli("ask", session, "--structured", "-o", "top_k=20", "-o", "temperature=0.5")
    assert asked.returncode == 0, asked.stderr
    warnings = [line for line in asked.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: not sent to the OpenAI-compatible server (the API has no field for them): top_k",
        f"warning: The OpenAI-compatible server at {fake.url} does not accept structured"
        " output (response_format), so ideas are split from its plain replies.",
    ]
    assert asked.stdout.count("DRAFT") == 3 and "Seed swaps at school." in asked.stdout
    assert [body.get("temperature") for body in fake.chats()] == [0.5, 0.5, 0.5]


def test_a_batch_says_the_backends_notes_after_it_and_records_only_what_was_sent(
    cli: Any, fake: FakeOpenAI, tmp_path: Path
) -> None:
    fake.refuse_json_schema = fake.refuse_json_object = True
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("quieter rooms\ncheaper lunches\n")
    args = ("batch", str(prompts), "--structured", "-o", "num_ctx=8192", "-o", "seed=4", "-j", "1")
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert (
        lines.count(
            "warning: not sent to the OpenAI-compatible server (the API has no"
            " field for them): num_ctx"
        )
        == 1
    )
    summary = next(i for i, line in enumerate(lines) if line.startswith("2 completed"))
    notes = [line for line in lines[summary:] if line.startswith("note:")]
    assert notes == [
        f"note: The OpenAI-compatible server at {fake.url} does not accept structured"
        " output (response_format), so ideas are split from its plain replies."
    ]
    log = next((tmp_path / "sessions").glob("*.jsonl")).read_text().splitlines()
    sent = [json.loads(line) for line in log if '"prompt_sent"' in line]
    assert [event["options"] for event in sent] == [{"seed": 4}, {"seed": 4}]
