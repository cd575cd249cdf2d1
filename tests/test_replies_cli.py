"""The record seen from the command line (issue 13): `show --json` lists every prompt with its
reply verbatim, `show --replies` prints it with the lines no idea came from marked, a token
limit marks the last idea incomplete, `ask` killed with SIGKILL mid-reply keeps the ideas that
had arrived, and every count keeps people's own ideas apart from accepted ones."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from brainstorm.store import SessionStore
from tests.cli_support import BRAINSTORM, Run, new_session, show_json
from tests.fakes import FakeOllama
from tests.test_record import FIVE, REPLY

TIMEOUT = 30


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def test_show_lists_each_prompt_with_its_reply_verbatim(run: Run, fake_ollama: FakeOllama) -> None:
    session = new_session(run)
    fake_ollama.reply_for("llama3.2", REPLY)
    ok(run("ask", session, "quieter please"))
    data = show_json(run, session)
    (prompt,) = data["prompts"]
    assert prompt["reply"] == REPLY  # byte for byte, rules, remarks and CRLF included
    assert prompt["source"] == "ollama:llama3.2" and "model" not in prompt
    assert prompt["prompt"] == "quieter please" and prompt["status"] == "completed"
    assert prompt["done_reason"] == "stop" and prompt["reply_recorded"] is True
    assert prompt["ideas"] == [idea["id"] for idea in data["ideas"]]
    unassigned = [span["text"] for span in prompt["unassigned"]]
    for span in prompt["unassigned"]:
        assert REPLY[span["start"] : span["end"]] == span["text"]
    assert any("This works because" in text for text in unassigned)
    assert any("Hope this helps" in text for text in unassigned)

    shown = ok(run("show", session, "--replies")).stdout
    for line in REPLY.splitlines():  # every line of the reply, none dropped
        assert line.strip() in shown
    assert "none │ This works because each idea costs little." in shown
    assert "none │ Hope this helps" in shown
    assert "#1 │ 1. **Moss walls**" in shown
    assert "completed" in shown and "ollama:llama3.2" in shown
    assert "text no idea came from" in shown


def test_a_token_limit_marks_the_last_idea_incomplete(run: Run, fake_ollama: FakeOllama) -> None:
    session = new_session(run)
    fake_ollama.reply_for("llama3.2", FIVE)
    asked = ok(run("ask", session, "-o", "num_predict=9", "--json"))
    result = json.loads(asked.stdout)
    assert result["results"][0]["done_reason"] == "length"
    data = show_json(run, session)
    ideas = data["ideas"]
    assert [idea["incomplete"] for idea in ideas] == [False, True]
    (prompt,) = data["prompts"]
    assert (prompt["status"], prompt["done_reason"]) == ("incomplete", "length")
    shown = ok(run("show", session)).stdout
    assert shown.count("INCOMPLETE") == 1
    assert "token limit" in ok(run("show", session, "--replies")).stdout


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Wait until another process has written something (a file has no event to wait on)."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_ask_killed_mid_reply_keeps_the_ideas_that_arrived(
    run: Run, env: dict[str, str], fake_ollama: FakeOllama, sessions: Path
) -> None:
    session = new_session(run)
    lines = FIVE.splitlines(keepends=True)
    fake_ollama.add_model("llama3.2", chunks=lines)
    fake_ollama.hold(after=4)  # four of the five ideas sent; the fifth never comes
    path = sessions / f"{session}.jsonl"
    child = subprocess.Popen(
        [BRAINSTORM, "ask", session, "five please"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert fake_ollama.wait_for_held(1, timeout=TIMEOUT)
        # The 4th idea has begun, so the 3rd is complete: it is written while the reply goes on.
        wait_for(lambda: "Idea number 3 is here." in path.read_text(), "the 3rd idea on disk")
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
        fake_ollama.release()
    assert child.returncode == -signal.SIGKILL
    data = show_json(run, session)
    (prompt,) = data["prompts"]
    assert prompt["status"] == "interrupted"
    texts = [idea["text"] for idea in data["ideas"]]
    assert texts == [f"Idea number {n} is here." for n in (1, 2, 3)]
    assert not any(idea["incomplete"] for idea in data["ideas"])
    # The text that arrived is all there, the 4th idea's too (it belongs to no idea yet).
    assert prompt["reply"] == "".join(lines[:4])
    assert [span["text"] for span in prompt["unassigned"]] == [lines[3].rstrip("\n")]
    shown = ok(run("show", session, "--replies")).stdout
    assert "interrupted" in shown and "none │ 4. Idea number 4 is here." in shown
    # The next writer records the interruption; the prompt keeps reading that way.
    ok(run("accept", session, "1"))
    assert show_json(run, session)["prompts"][0]["status"] == "interrupted"
    stored = SessionStore(sessions).load(session).session
    assert stored.prompts[prompt["id"]].outcome == "interrupted"


def counts_of(data: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = data["counts"]
    return counts


def test_your_own_ideas_are_counted_apart_from_accepted_ones(
    run: Run, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    session = new_session(run)
    ok(run("ask", session))  # three model ideas
    ok(run("accept", session, "1"))
    ok(run("reject", session, "2"))
    ok(run("add", session, "Signs asking for quiet"))
    expected = {"draft": 1, "accepted": 1, "rejected": 1, "yours": 1}
    data = show_json(run, session)
    assert counts_of(data) == expected
    assert data["default_model"] == "llama3.2" and data["models"] == ["llama3.2"]
    assert "model" not in data
    header = ok(run("show", session)).stdout.splitlines()[1]
    assert "1 draft, 1 accepted, 1 rejected, 1 yours" in header
    listed = json.loads(ok(run("list", "--json")).stdout)
    assert listed[0]["counts"] == expected
    table = ok(run("list")).stdout
    assert "yours" in table.splitlines()[0]
    out = tmp_path / "export.md"
    ok(run("export", session, "-o", str(out)))
    front = out.read_text().split("---\n")[1]
    assert "  accepted: 1\n" in front and "  yours: 1\n" in front


def test_a_session_nobody_wrote_in_names_no_model(run: Run) -> None:
    session = new_session(run)
    data = show_json(run, session)
    assert data["default_model"] == "llama3.2" and data["models"] == []
    assert data["prompts"] == []
