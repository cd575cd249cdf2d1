"""Names are exact (issue 13): ideas the embedded model wrote are attributed to it in `show
--json` and `batch --json`, never to the configured default model. Runs the real SmolLM2 model
(marked `model`), with short replies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brainstorm.llm import EMBEDDED_MODEL, embedded_available
from tests.test_embedded import run_cli

pytestmark = [
    pytest.mark.skipif(not embedded_available(), reason="the embedded extra is not installed"),
    pytest.mark.model,
]
SHORT = ("-onum_predict=30", "-oseed=3", "-otemperature=0.7")
SOURCE = f"embedded:{EMBEDDED_MODEL}"


def test_show_json_names_the_embedded_model_that_wrote(tmp_path: Path) -> None:
    created = run_cli(tmp_path, "--backend", "embedded", "--model", "llama3.2", "new", "a garden")
    assert created.returncode == 0, created.stderr
    session = created.stdout.strip()
    asked = run_cli(tmp_path, "--backend", "embedded", "ask", session, "ideas", *SHORT)
    assert asked.returncode == 0, asked.stderr
    shown = run_cli(tmp_path, "show", session, "--json")
    data = json.loads(shown.stdout)
    assert "model" not in data  # the configured default is named as such
    assert data["default_model"] == "llama3.2"
    assert data["models"] == [EMBEDDED_MODEL]  # the model that wrote
    assert data["ideas"] and {i["model"] for i in data["ideas"]} == {EMBEDDED_MODEL}
    assert all(i["source"].startswith(f"{SOURCE} @ ") for i in data["ideas"])  # + options
    (prompt,) = data["prompts"]
    assert prompt["source"] == SOURCE and prompt["reply"]
    assert prompt["done_reason"] in ("stop", "length")
    if prompt["done_reason"] == "length":  # 30 tokens: usually cut off
        assert prompt["status"] == "incomplete" and data["ideas"][-1]["incomplete"]


def test_batch_json_names_the_embedded_model_that_answered(tmp_path: Path) -> None:
    batch = tmp_path / "ideas.txt"
    batch.write_text("school garden ideas\n")
    result = run_cli(
        tmp_path,
        "--backend",
        "embedded",
        "--model",
        "llama3.2",
        "batch",
        str(batch),
        "--json",
        *SHORT,
    )
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(text) for text in result.stdout.splitlines()]
    assert line["source"] == SOURCE
    assert line["model"] == EMBEDDED_MODEL
    assert line["member"] is None  # not an ensemble
    assert line["status"] == "completed" and line["ideas"]
    data = json.loads(run_cli(tmp_path, "show", line["session"], "--json").stdout)
    assert data["models"] == [EMBEDDED_MODEL] and data["default_model"] == "llama3.2"
