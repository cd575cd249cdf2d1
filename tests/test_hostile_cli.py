"""Hostile text through the installed command: a reply holding a RIGHT-TO-LEFT OVERRIDE and a
zero-width space (Trojan Source, CVE-2021-42574) is printed with visible escapes by every
command a person reads, while the session file and `--json` keep the exact characters."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_support import Run, new_session, show_json
from tests.fakes import FakeOllama

RLO, ZWSP, LRI, PDI = "\u202e", "\u200b", "\u2066", "\u2069"
REPLY = (
    f"1. Pay the invoice to {RLO}evil{ZWSP}corp today.\n"
    f"2. Rotate the {LRI}facilitator{PDI} weekly 👨\u200d👩\u200d👧.\n"
    "3. مكتبة أدوات مشتركة in the stairwell."
)
HIDDEN = {RLO, ZWSP, LRI, PDI, "\u200e", "\u200f", "\u2028", "\ufeff", "\x1b", "\x9b"}


def assert_nothing_hidden(*outputs: str) -> None:
    for output in outputs:
        assert not HIDDEN & set(output), sorted(HIDDEN & set(output))


def test_ask_show_history_and_export_show_escapes(
    run: Run, fake_ollama: FakeOllama, sessions: Path
) -> None:
    fake_ollama.reply_for("llama3.2", REPLY)
    session = new_session(run, f"Invoices {RLO}gnirts{ZWSP}")
    asked = run("ask", session, f"cheaper {RLO}tools")
    assert asked.returncode == 0, asked.stderr
    assert "Pay the invoice to <U+202E>evil<U+200B>corp today." in asked.stdout
    assert "Rotate the <U+2066>facilitator<U+2069> weekly 👨\u200d👩\u200d👧." in asked.stdout
    assert "مكتبة أدوات مشتركة" in asked.stdout  # right-to-left text itself is untouched

    shown = run("show", session)
    assert "Invoices <U+202E>gnirts<U+200B>" in shown.stdout
    assert "<U+202E>evil<U+200B>corp" in shown.stdout

    history = run("history", session, "1")
    assert "<U+202E>evil<U+200B>corp" in history.stdout
    listed = run("list", COLUMNS="200")
    assert "Invoices <U+202E>gnirts<U+200B>" in listed.stdout
    stats = run("stats", session, COLUMNS="200")
    assert "<U+202E>" in stats.stdout

    exported = run("export", session)
    assert exported.returncode == 0, exported.stderr
    # Markdown shows `<` as `&lt;` (no HTML ever): it renders as <U+202E>evil<U+200B>corp.
    assert "&lt;U+202E>evil&lt;U+200B>corp" in exported.stdout
    # The front matter keeps the topic as data: YAML escapes, read back exactly.
    assert 'topic: "Invoices \\u202egnirts\\u200b"' in exported.stdout
    assert_nothing_hidden(
        asked.stdout,
        asked.stderr,
        shown.stdout,
        history.stdout,
        listed.stdout,
        stats.stdout,
        exported.stdout,
    )

    # The data keeps the exact characters: the session file and --json.
    stored = (sessions / f"{session}.jsonl").read_text(encoding="utf-8")
    assert f"Pay the invoice to {RLO}evil{ZWSP}corp today." in stored
    as_json = run("show", session, "--json")
    assert "\\u202eevil\\u200bcorp" in as_json.stdout  # JSON escapes: nothing hidden on screen
    assert_nothing_hidden(as_json.stdout)
    data = json.loads(as_json.stdout)
    assert data["topic"] == f"Invoices {RLO}gnirts{ZWSP}"
    assert data["ideas"][0]["text"] == f"Pay the invoice to {RLO}evil{ZWSP}corp today."
    assert (
        data["ideas"][1]["text"] == f"Rotate the {LRI}facilitator{PDI} weekly 👨\u200d👩\u200d👧."
    )
    asked_json = json.loads(run("ask", session, "--json").stdout)
    assert asked_json["ideas"][0]["text"] == f"Pay the invoice to {RLO}evil{ZWSP}corp today."


def test_a_lone_surrogate_from_the_server_is_stored_exactly(
    run: Run, fake_ollama: FakeOllama
) -> None:
    """JSON can carry half a surrogate pair; Python decodes it to a lone surrogate, which
    cannot be written as UTF-8. It is kept (as a JSON escape) and shown as <U+D83D>."""
    fake_ollama.reply_for("llama3.2", "1. Broken emoji \ud83d here.\n2. Fine.")
    session = new_session(run)
    asked = run("ask", session)
    assert asked.returncode == 0, asked.stderr
    assert "Broken emoji <U+D83D> here." in asked.stdout
    data = show_json(run, session)
    assert data["ideas"][0]["text"] == "Broken emoji \ud83d here."
    exported = run("export", session)
    assert "Broken emoji &lt;U+D83D> here." in exported.stdout
    for args in (("stats", session), ("history", session, "1"), ("list",)):
        result = run(*args)
        assert result.returncode == 0, (args, result.stderr)


def test_server_text_is_never_markup_nor_hidden(run: Run, fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model(f"[bold red]evil{RLO}model")
    listed = run("models")
    assert listed.returncode == 0, listed.stderr
    assert "[bold red]evil<U+202E>model:latest" in listed.stdout
    assert_nothing_hidden(listed.stdout)


def test_batch_progress_and_json_lines(run: Run, fake_ollama: FakeOllama, tmp_path: Path) -> None:
    fake_ollama.reply_for("llama3.2", REPLY)
    batch = tmp_path / "prompts.txt"
    batch.write_text(f"cheaper {RLO}tools\n", encoding="utf-8")
    result = run("batch", str(batch), "--json")
    assert result.returncode == 0, result.stderr
    assert "cheaper <U+202E>tools" in result.stderr
    assert_nothing_hidden(result.stdout, result.stderr)
    line = json.loads(result.stdout.splitlines()[0])
    assert line["status"] == "completed"


def test_the_hand_run_fake_reads_escapes_in_its_reply() -> None:
    from tests.fakes.serve import unescape

    assert unescape(r"1. a\u202eb\u200bc\n2. \U0001f600 \\n") == "1. a\u202eb\u200bc\n2. 😀 \\n"
