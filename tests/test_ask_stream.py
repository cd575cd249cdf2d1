"""`brainstorm ask` on a terminal prints each idea, marked DRAFT, as soon as it is complete —
before the reply ends (checked on a pseudo-terminal, with the fake server holding the reply
open). Pipes and --json keep printing once, at the end (tests/test_cli.py)."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import time
from collections.abc import Callable

from tests.cli_support import BRAINSTORM, Run, new_session
from tests.fakes import FakeOllama
from tests.fakes.ollama_server import split_reply

ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07)")
REPLY = (
    "Here are three ideas:\n"
    "1. **Phone booths**: soundproof booths for calls.\n"
    "2. **Quiet hours**: no meetings before noon.\n"
    "3. **Noise maps**: show loud areas on a screen."
)


class Terminal:
    """The command running on a pseudo-terminal: what it has written so far."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            args,
            env=env | {"TERM": "xterm", "COLUMNS": "80", "LINES": "24"},
            stdin=slave,
            stdout=slave,
            stderr=slave,
        )
        os.close(slave)
        self.output = ""

    @property
    def text(self) -> str:
        """The output without terminal escapes (bold, cursor moves of the live line)."""
        return ESCAPES.sub("", self.output)

    def read_until(self, done: Callable[[str], bool], timeout: float = 30.0) -> bool:
        """Read what the command writes until `done(text)` or it closes the terminal.
        `timeout` only stops a broken test from hanging (the live line redraws all the
        time, so it bounds the whole wait): it is not how the test waits."""
        deadline = time.monotonic() + timeout
        while not done(self.text):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                return False
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the command exited and closed its end
                return done(self.text)
            if not chunk:
                return done(self.text)
            self.output += chunk.decode("utf-8", "replace")
        return True

    def close(self) -> int:
        self.read_until(lambda _: False, timeout=30.0)
        os.close(self.master)
        return self.process.wait(timeout=20)


def test_ask_on_a_terminal_prints_ideas_as_they_complete(
    run: Run, env: dict[str, str], fake_ollama: FakeOllama
) -> None:
    session = new_session(run)
    fake_ollama.reply_for("llama3.2", REPLY)
    chunks = split_reply(REPLY)
    fake_ollama.hold(after=chunks.index("3. ") + 2)  # "3. **Noise": ideas 1 and 2 complete
    terminal = Terminal([BRAINSTORM, "ask", session], env)
    try:
        # Printed blocks (not the live line, which shows the idea being written) start with
        # the DRAFT badge and the title.
        assert terminal.read_until(lambda out: "DRAFT  Quiet hours" in out), terminal.output
        # The reply is still open: the first ideas arrived before it ended.
        assert fake_ollama.held == 1 and terminal.process.poll() is None
        early = terminal.text
        assert early.index("DRAFT  Phone booths") < early.index("DRAFT  Quiet hours")
        assert "     soundproof booths for calls." in early
        assert "saved to" not in early and "loud areas" not in early
    finally:
        fake_ollama.release()
        code = terminal.close()
    assert code == 0, terminal.output
    whole = terminal.text
    assert "DRAFT  Noise maps" in whole  # the last idea, once the reply ended
    assert whole.count("DRAFT  Phone booths") == 1  # printed once, not again at the end
    assert f"3 draft idea(s) saved to {session} as #1, #2 and #3." in " ".join(whole.split())


def test_a_pipe_still_gets_the_numbered_ideas_at_the_end(run: Run, fake_ollama: FakeOllama) -> None:
    session = new_session(run)
    fake_ollama.reply_for("llama3.2", REPLY)
    result = run("ask", session)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines if line.startswith("#")] == [
        ["#1", "DRAFT"],
        ["#2", "DRAFT"],
        ["#3", "DRAFT"],
    ]
    assert "\x1b" not in result.stdout  # nothing of the live display went down the pipe


def test_json_on_a_terminal_is_still_one_document(
    run: Run, env: dict[str, str], fake_ollama: FakeOllama
) -> None:
    session = new_session(run)
    fake_ollama.reply_for("llama3.2", REPLY)
    terminal = Terminal([BRAINSTORM, "ask", session, "--json"], env)
    assert terminal.close() == 0, terminal.output
    data = json.loads(terminal.text)
    assert [idea["id"] for idea in data["ideas"]] == [1, 2, 3]
