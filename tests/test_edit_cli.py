"""`brainstorm edit`: titles belong to people too, and text that is not UTF-8 is refused with
one clear sentence (issue 13). End to end through the installed command and the fake Ollama."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from brainstorm.store import SessionStore
from tests.cli_support import BRAINSTORM, Run, new_session, show_json
from tests.fakes import FakeOllama

TITLED_REPLY = (
    "1. **Tool library**: A shared shed where neighbours lend each other tools.\n"
    "2. **Seed swap**: A seed library in the school entrance hall.\n"
)


def titled_session(run: Run, fake_ollama: FakeOllama) -> str:
    fake_ollama.reply_for("llama3.2", TITLED_REPLY)
    session = new_session(run)
    result = run("ask", session)
    assert result.returncode == 0, result.stderr
    return session


def ideas_of(run: Run, session: str) -> dict[int, dict[str, object]]:
    return {idea["id"]: idea for idea in show_json(run, session)["ideas"]}


def test_an_edited_text_keeps_the_models_title(run: Run, fake_ollama: FakeOllama) -> None:
    session = titled_session(run, fake_ollama)
    edited = run("edit", session, "1", "--text", "A tool shed run by the neighbours")
    assert edited.returncode == 0, edited.stderr
    idea = ideas_of(run, session)[1]
    assert (idea["title"], idea["original_title"]) == ("Tool library", "Tool library")
    assert idea["text"] == "A tool shed run by the neighbours"
    assert idea["metrics"]["title_changed"] is False  # type: ignore[index]
    shown = run("show", session).stdout
    # The title stays above the person's text.
    assert re.search(r"Tool library\n +A tool shed run by the neighbours", shown), shown


def test_title_edits_show_count_and_export(
    run: Run, fake_ollama: FakeOllama, sessions: Path, tmp_path: Path
) -> None:
    session = titled_session(run, fake_ollama)
    log = SessionStore(sessions).path_for(session)

    same = run("edit", session, "2", "--title", "Seed swap")
    assert same.returncode == 0 and "unchanged: nothing recorded" in same.stdout

    before = log.read_bytes()
    retitled = run("edit", session, "2", "--title", "  Seeds\nfor all ")
    assert retitled.returncode == 0, retitled.stderr
    assert log.read_bytes().startswith(before)  # appended, never rewritten
    assert "Seeds for all" in retitled.stdout and "title edited" in retitled.stdout

    both = run("edit", session, "1", "--text", "A tool shed run by neighbours", "--title", "Shed")
    assert both.returncode == 0, both.stderr
    assert run("accept", session, "1", "2").returncode == 0

    ideas = ideas_of(run, session)
    seeds = ideas[2]
    # A title change alone is a revision: the text is the model's, the title the person's.
    assert (seeds["title"], seeds["original_title"]) == ("Seeds for all", "Seed swap")
    assert seeds["text"] == seeds["original"] == "A seed library in the school entrance hall."
    assert (seeds["revisions"], seeds["accepted_as_is"]) == (1, False)
    figures = seeds["metrics"]
    assert isinstance(figures, dict)
    # "Seed swap" → "Seeds for all": 3 word edits over the 11 words of title and text.
    assert figures["title_changed"] is True
    assert figures["word_edits"] == 3 and figures["final_words"] == 11
    assert figures["word_edit_rate"] == 3 / 11
    assert figures["kept_words"] == 8  # the text's 8 words; none of the model's title

    stats = run("stats", session, "--json")
    assert stats.returncode == 0, stats.stderr
    session_figures = json.loads(stats.stdout)["session"]
    assert session_figures["titles_changed"] == 2
    assert session_figures["edited_model_ideas"] == 2

    exported = run("export", session, "--history")
    assert exported.returncode == 0, exported.stderr
    markdown = exported.stdout
    assert "## 2. Seeds for all\n\n**ACCEPTED after edits**" in markdown
    assert "## 1. Shed\n\n**ACCEPTED after edits**" in markdown
    assert "> **Seed swap**" in markdown  # the model's title, in the history
    assert "ACCEPTED as-is" not in markdown

    history = run("history", session, "2")
    assert history.returncode == 0, history.stderr
    assert "Seed swap" in history.stdout and "Seeds for all" in history.stdout

    removed = run("edit", session, "2", "--title", "")
    assert removed.returncode == 0, removed.stderr
    seeds = ideas_of(run, session)[2]
    assert (seeds["title"], seeds["original_title"], seeds["revisions"]) == (None, "Seed swap", 2)


# --- text that is not UTF-8 -------------------------------------------------------------------


def test_edit_file_that_is_not_utf8_is_refused_naming_the_file(
    run: Run, sessions: Path, tmp_path: Path
) -> None:
    session = new_session(run)
    assert run("ask", session).returncode == 0
    log = SessionStore(sessions).path_for(session)
    before = log.read_bytes()
    latin1 = tmp_path / "idea-latin1.txt"
    latin1.write_bytes("Un café pour tous\n".encode("latin-1"))

    result = run("edit", session, "1", "--file", str(latin1))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{latin1} is not UTF-8 text (byte 0xe9 at offset 6)" in result.stderr
    assert "nothing was recorded" in result.stderr
    assert log.read_bytes() == before


def test_edit_stdin_that_is_not_utf8_is_refused(
    env: dict[str, str], run: Run, sessions: Path
) -> None:
    session = new_session(run)
    assert run("ask", session).returncode == 0
    log = SessionStore(sessions).path_for(session)
    before = log.read_bytes()
    result = subprocess.run(
        [BRAINSTORM, "edit", session, "1", "--file", "-"],
        env=env,
        input="Un café".encode("latin-1"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    stderr = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in stderr
    assert "the text on standard input is not UTF-8 text (byte 0xe9" in stderr
    assert log.read_bytes() == before


def test_editor_saving_bytes_that_are_not_utf8_records_nothing_and_keeps_the_text(
    run: Run, sessions: Path, tmp_path: Path
) -> None:
    session = new_session(run)
    assert run("ask", session).returncode == 0
    log = SessionStore(sessions).path_for(session)
    before = log.read_bytes()
    editor = tmp_path / "latin1_editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "pathlib.Path(sys.argv[1]).write_bytes('Un café pour tous'.encode('latin-1'))\n"
    )

    result = run("edit", session, "1", VISUAL=f"{sys.executable} {editor}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "the editor saved text that is not UTF-8 (byte 0xe9 at offset 6)" in result.stderr
    assert log.read_bytes() == before  # no revision, and no "caf\xe9" escapes saved
    kept = re.search(r"Your text is kept in (\S+\.md)", result.stderr)
    assert kept is not None, result.stderr
    kept_file = Path(kept.group(1))
    try:
        assert kept_file.read_bytes() == "Un café pour tous".encode("latin-1")
        assert f"brainstorm edit {session} 1 --file {kept_file}" in result.stderr
    finally:
        kept_file.unlink()
    assert show_json(run, session)["ideas"][0]["revisions"] == 0
