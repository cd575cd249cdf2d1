"""`brainstorm ask` interrupted: Ctrl-C (SIGINT) or SIGTERM stops the reply, keeps what arrived,
says exactly what was kept, and exits 130 / 143."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import pytest

from brainstorm.store import SessionStore
from tests.cli_support import BRAINSTORM, Run, new_session
from tests.fakes import FakeOllama

TIMEOUT = 30


@pytest.mark.parametrize(("how", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_reply_and_says_what_was_kept(
    how: signal.Signals,
    code: int,
    run: Run,
    env: dict[str, str],
    fake_ollama: FakeOllama,
    sessions: Path,
) -> None:
    session = new_session(run)
    fake_ollama.reply_for("llama3.2", "1. Moss walls.\n2. Quiet hours.\n3. Phone booths.\n")
    fake_ollama.hold(after=6)  # parks mid-reply
    child = subprocess.Popen(
        [BRAINSTORM, "ask", session, "more"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert fake_ollama.wait_for_held(1, timeout=TIMEOUT)
        child.send_signal(how)
        out, err = child.communicate(timeout=TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
        fake_ollama.release()
    assert child.returncode == code, err
    assert "Traceback" not in err
    assert fake_ollama.wait_for_disconnect(1, timeout=TIMEOUT)  # the request was closed
    stored = SessionStore(sessions).load(session).session
    (record,) = stored.prompts.values()
    assert record.outcome == "cancelled"
    said = re.search(rf"{how.name}: stopped\. (.*)", err)
    assert said is not None, err
    if record.ideas:  # what the message lists is exactly what was stored
        listed = [int(n) for n in re.findall(r"#(\d+)", said.group(1).split("(")[0])]
        assert listed == record.ideas
        last = stored.ideas[record.ideas[-1]]
        assert last.incomplete and f"#{last.id} marked INCOMPLETE" in said.group(1)
        for idea_id in record.ideas:
            assert f"#{idea_id}" in out  # printed as drafts too
    else:
        assert "Nothing had arrived yet" in said.group(1)
