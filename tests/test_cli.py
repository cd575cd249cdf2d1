"""The installed `brainstorm` command, end to end, against the fake Ollama server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from brainstorm.store import SessionStore
from tests.cli_support import Run, new_session, show_json
from tests.fakes import FakeOllama


def test_help_does_not_import_textual_or_ollama(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "brainstorm", "--help"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Usage: brainstorm" in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert "brainstorm.cli" in imported  # the measurement saw our imports
    heavy = {m for m in imported if m.split(".")[0] in {"textual", "ollama", "httpx"}}
    assert heavy == set()
    # Start-up (issue 15): nor pydantic, Rich, RapidFuzz, NumPy, asyncio or the core modules
    # behind the commands — only Typer and the command modules' signatures.
    slow = {"pydantic", "pydantic_core", "rich", "rapidfuzz", "numpy", "asyncio"}
    assert {m for m in imported if m.split(".")[0] in slow} == set()
    ours = {m for m in imported if m.startswith("brainstorm")}
    assert ours <= {"brainstorm", "brainstorm.textsafe"} | {
        m for m in ours if m.startswith("brainstorm.cli")
    }


def test_batch_formats_in_the_help_are_the_batch_formats() -> None:
    from brainstorm.batch import FORMATS
    from brainstorm.cli.batch_cmd import FORMATS as HELP_FORMATS

    assert HELP_FORMATS == FORMATS


def test_ask_stores_and_prints_drafts(run: Run, fake_ollama: FakeOllama) -> None:
    session = new_session(run)
    assert session.startswith("quieter-offices-")

    result = run("ask", session, "for open-plan teams")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("DRAFT") == 3
    assert "#1" in result.stdout and "A seed library in the school entrance hall." in result.stdout
    request = fake_ollama.last_request("/api/chat")
    assert request.model == "llama3.2"
    assert "Quieter offices" in request.messages[-1]["content"]
    assert "for open-plan teams" in request.messages[-1]["content"]

    data = show_json(run, session)
    assert data["id"] == session and data["topic"] == "Quieter offices"
    assert [i["id"] for i in data["ideas"]] == [1, 2, 3]
    first = data["ideas"][0]
    assert first["status"] == "draft" and first["author"] == "model"
    assert first["model"] == "llama3.2" and first["backend"] == "ollama"
    assert first["original"] == first["text"]
    assert first["revisions"] == 0 and first["incomplete"] is False

    listed = json.loads(run("list", "--json").stdout)
    assert [(s["id"], s["counts"]["draft"]) for s in listed] == [(session, 3)]


def test_options_and_structured_output_pass_through(run: Run, fake_ollama: FakeOllama) -> None:
    session = new_session(run)
    result = run("ask", session, "-o", "temperature=0.2", "-o", "seed=7", "--structured", "--json")
    assert result.returncode == 0, result.stderr
    request = fake_ollama.last_request("/api/chat")
    assert request.options == {"temperature": 0.2, "seed": 7}
    assert request.format["properties"]["ideas"]["type"] == "array"
    reply = json.loads(result.stdout)
    assert reply["status"] == "ok" and len(reply["ideas"]) >= 1
    assert all(idea["status"] == "draft" for idea in reply["ideas"])
    assert reply["ideas"][0]["options"] == {"temperature": 0.2, "seed": 7}


def test_review_commands_record_events(run: Run, sessions: Path, tmp_path: Path) -> None:
    session = new_session(run)
    assert run("ask", session).returncode == 0

    assert run("edit", session, "1", "--text", "A tool library run by neighbours").returncode == 0
    assert run("accept", session, "1", "#2").returncode == 0
    assert run("reject", session, "3").returncode == 0
    assert run("reopen", session, "3").returncode == 0
    added = run("add", session, "Ask the caretaker")
    assert added.returncode == 0 and "YOURS" in added.stdout

    ideas = {i["id"]: i for i in show_json(run, session)["ideas"]}
    assert ideas[1]["text"] == "A tool library run by neighbours"
    assert ideas[1]["original"].startswith("A shared calendar")
    assert (ideas[1]["status"], ideas[1]["revisions"], ideas[1]["accepted_as_is"]) == (
        "accepted",
        1,
        False,
    )
    assert (ideas[2]["status"], ideas[2]["accepted_as_is"]) == ("accepted", True)
    assert ideas[3]["status"] == "draft"
    assert (ideas[4]["author"], ideas[4]["text"]) == ("human", "Ask the caretaker")

    shown = run("show", session).stdout
    assert "ACCEPTED after edits" in shown and "ACCEPTED as-is" in shown

    log = SessionStore(sessions).path_for(session)
    lines_before = len(log.read_text().splitlines())
    unchanged = run("edit", session, "1", "--text", "A tool library run by neighbours")
    assert unchanged.returncode == 0 and "nothing recorded" in unchanged.stdout
    assert len(log.read_text().splitlines()) == lines_before

    text_file = tmp_path / "idea.txt"
    text_file.write_text("From a file\n")
    assert run("edit", session, "2", "--file", str(text_file)).returncode == 0
    assert run("edit", session, "3", "--file", "-", input="From stdin").returncode == 0
    ideas = {i["id"]: i for i in show_json(run, session)["ideas"]}
    assert (ideas[2]["text"], ideas[3]["text"]) == ("From a file", "From stdin")


def test_edit_opens_the_editor(run: Run, tmp_path: Path) -> None:
    session = new_session(run)
    assert run("ask", session).returncode == 0
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\np.write_text(p.read_text().upper())\n"
    )
    result = run("edit", session, "2", VISUAL=f"{sys.executable} {editor}")
    assert result.returncode == 0, result.stderr
    assert show_json(run, session)["ideas"][1]["text"] == (
        "A WEEKLY WALK THAT MAPS BROKEN STREET LIGHTS."
    )
    no_editor = run("edit", session, "2", VISUAL="", EDITOR="")
    assert no_editor.returncode == 2 and "$EDITOR" in no_editor.stderr


def test_hostile_model_output_is_printed_literally(run: Run, fake_ollama: FakeOllama) -> None:
    fake_ollama.reply_for(
        "llama3.2",
        "1. [bold red]Loud[/] idea\n2. Bell\x07 and \x1b[31mred\x1b[0m and \x1b]0;pwned\x07",
    )
    session = new_session(run)
    for env in ({}, {"FORCE_COLOR": "1", "NO_COLOR": ""}):
        result = run("ask", session, **env)
        assert result.returncode == 0, result.stderr
        assert "[bold red]Loud[/] idea" in result.stdout
        assert "\\x1b[31mred\\x1b[0m" in result.stdout and "\\x07" in result.stdout
        assert "\x07" not in result.stdout and "\x1b]0;" not in result.stdout
    stored = show_json(run, session)["ideas"][1]["original"]
    assert stored == "Bell\x07 and \x1b[31mred\x1b[0m and \x1b]0;pwned\x07"  # kept exactly


def test_ollama_down_exits_3_with_a_hint(run: Run, dead_ollama_url: str) -> None:
    session = new_session(run)
    result = run("ask", session, OLLAMA_HOST=dead_ollama_url)
    assert result.returncode == 3
    assert f"Cannot reach Ollama at {dead_ollama_url}" in result.stderr
    assert "ollama serve" in result.stderr and "Traceback" not in result.stderr
    models = run("models", OLLAMA_HOST=dead_ollama_url)
    assert models.returncode == 3 and "Cannot reach Ollama" in models.stderr


def test_missing_model_exits_3_and_suggests_pull(run: Run) -> None:
    session = new_session(run)
    result = run("ask", session, "--json", BRAINSTORM_MODEL="mistral")
    assert result.returncode == 3
    assert "brainstorm models pull mistral" in result.stderr
    assert json.loads(result.stdout)["status"] == "failed"


def test_server_error_exits_1(run: Run, fake_ollama: FakeOllama) -> None:
    session = new_session(run)
    fake_ollama.fail_with(500, "llama runner process has terminated", path="/api/chat")
    result = run("ask", session)
    assert result.returncode == 1
    assert "llama runner process has terminated" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("fault", ["cut", "error"])
def test_reply_cut_mid_way_keeps_partial_drafts(
    run: Run, fake_ollama: FakeOllama, fault: str
) -> None:
    session = new_session(run)
    if fault == "cut":
        fake_ollama.cut_mid_stream(after=20)
    else:
        fake_ollama.error_mid_stream(after=20, message="out of memory")
    result = run("ask", session)
    assert result.returncode == 1
    ideas = show_json(run, session)["ideas"]
    # Names what was kept, and as INCOMPLETE only the idea that was cut off (issue 14).
    refs = [f"#{i['id']}" for i in ideas]
    assert "What arrived was saved: " in result.stderr
    assert f"({refs[-1]} marked INCOMPLETE)" in result.stderr
    assert ideas and ideas[-1]["incomplete"] is True
    assert all(i["status"] == "draft" for i in ideas)
    assert "".join(i["text"] for i in ideas).startswith("A shared calendar")


def test_locked_session_is_refused_with_the_holder_pid(run: Run, sessions: Path) -> None:
    session = new_session(run)
    with SessionStore(sessions).open_writer(session):
        result = run("add", session, "mine")
    assert result.returncode == 1
    assert f"session {session} opened read-only: in use by pid {os.getpid()}" in result.stderr
    assert run("show", session).returncode == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["show", "nope"], 1, "no session 'nope'"),
        (["show", "../etc"], 1, "invalid session name"),
        (["new", "x", "--technique", "nosuch"], 1, "scamper"),
        (["accept"], 2, "Missing argument"),
        (["ask", "x", "-o", "novalue"], 2, "is not key=value"),
        (["frobnicate"], 2, "No such command"),
    ],
)
def test_errors_and_usage(run: Run, args: list[str], code: int, message: str) -> None:
    result = run(*args)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_idea_records_nothing(run: Run, sessions: Path) -> None:
    session = new_session(run)
    assert run("ask", session).returncode == 0
    log = SessionStore(sessions).path_for(session)
    before = log.read_bytes()
    result = run("accept", session, "1", "99")
    assert result.returncode == 1 and "no idea #99" in result.stderr
    assert log.read_bytes() == before


def test_models_list_and_pull(run: Run, fake_ollama: FakeOllama) -> None:
    fake_ollama.add_pullable("qwen2.5:0.5b")
    listed = json.loads(run("models", "--json").stdout)
    assert [m["name"] for m in listed] == ["llama3.2:latest"]

    pulled = run("models", "pull", "qwen2.5:0.5b")
    assert pulled.returncode == 0, pulled.stderr
    assert "pulling manifest" in pulled.stderr and "success" in pulled.stderr
    assert fake_ollama.installed("qwen2.5:0.5b")

    missing = run("models", "pull", "no-such-model")
    assert missing.returncode == 3 and "Traceback" not in missing.stderr


def test_techniques_lists_the_shipped_ones(run: Run) -> None:
    names = {t["name"] for t in json.loads(run("techniques", "--json").stdout)}
    assert {"open", "scamper", "six-hats", "reverse", "how-might-we", "starbursting"} <= names


def test_app_that_cannot_load_is_an_error_not_the_help(
    run: Run, tmp_path: Path, env: dict[str, str]
) -> None:
    # A broken install (here: a `textual` that fails to import) must say so, not print the
    # help and exit 0 as if nothing had been asked.
    broken = tmp_path / "broken" / "textual"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text('raise ImportError("textual is broken")\n')
    result = run(PYTHONPATH=str(broken.parent))
    assert result.returncode == 1
    assert "cannot start the terminal app" in result.stderr
    assert "textual is broken" in result.stderr
    assert "Usage: brainstorm" not in result.stdout


def test_list_never_cuts_a_session_id(run: Run) -> None:
    long_one = new_session(run, "Ways for a library to welcome noisy teenagers after school")
    short_one = new_session(run, "Quiet offices")
    for columns in ("80", "200"):
        listed = run("list", COLUMNS=columns)
        assert listed.returncode == 0, listed.stderr
        lines = listed.stdout.splitlines()
        assert all(len(line.rstrip()) <= int(columns) for line in lines), columns
        ids = [line.split()[0] for line in lines[1:] if not line.startswith(" ")]
        assert ids == [short_one, long_one], listed.stdout  # whole, most recent first
        assert "Ways for a library" in listed.stdout  # the topic too, cut if it must be
