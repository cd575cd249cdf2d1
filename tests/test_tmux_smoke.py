"""Smoke test: the installed `brainstorm` command in a real terminal (tmux), against the fake
Ollama server. Keys go in with send-keys; the screen is read back with capture-pane.

The app runs in another process, so the only way to know what it shows is to read the pane:
`screen_shows` re-reads it until the text appears (bounded by a deadline). Everything else in
the suite waits on events instead.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from brainstorm.events import IdeaDrafted, Status
from brainstorm.store import SessionStore
from tests.fakes import FakeOllama

pytestmark = pytest.mark.tmux

REPO = Path(__file__).resolve().parent.parent
BRAINSTORM = REPO / ".venv" / "bin" / "brainstorm"
MODEL = "llama3.2"
REPLY = (
    "1. **Phone booths**: soundproof booths for calls.\n"
    "2. **Quiet hours**: no meetings before noon.\n"
    "3. **Noise maps**: show loud areas on a screen."
)


class Tmux:
    """One tmux server on a private socket, so the person's own tmux is never touched."""

    def __init__(self) -> None:
        self.socket = f"brainstorm-smoke-{uuid.uuid4().hex[:8]}"
        self.target = "smoke"

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        self.run(
            "new-session",
            "-d",
            "-s",
            self.target,
            "-x",
            "100",
            "-y",
            "30",
            f"env {assignments} {command}",
        )

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", self.target, *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.target)

    def alive(self) -> bool:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "has-session", "-t", self.target],
            capture_output=True,
            timeout=10,
        )
        return done.returncode == 0

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


def wait_until(
    condition: Callable[[], bool], what: str, timeout: float = 20.0, screen: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{screen}")
        time.sleep(0.05)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    if not BRAINSTORM.exists():
        pytest.skip(f"{BRAINSTORM} is not installed (run `make run` or `make test` once)")
    session = Tmux()
    yield session
    session.kill()


def app_env(fake_ollama: FakeOllama, tmp_path: Path) -> dict[str, str]:
    return {
        "BRAINSTORM_SESSIONS_DIR": str(tmp_path / "sessions"),
        "OLLAMA_HOST": fake_ollama.url,
        "BRAINSTORM_BACKEND": "ollama",
        "BRAINSTORM_MODEL": MODEL,
        "BRAINSTORM_CONFIG": str(tmp_path / "no-config.toml"),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
    }


def screen_waiter(tmux: Tmux) -> Callable[..., None]:
    def screen_shows(*texts: str) -> None:
        try:
            wait_until(lambda: all(t in tmux.screen() for t in texts), f"{texts} on screen")
        except AssertionError as failed:
            raise AssertionError(f"{failed}\n--- the screen:\n{tmux.screen()}") from None

    return screen_shows


def test_installed_command_streams_drafts_and_accepts(
    tmux: Tmux, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.add_model(MODEL, reply=REPLY)
    sessions = tmp_path / "sessions"
    tmux.start(str(BRAINSTORM), app_env(fake_ollama, tmp_path))
    screen_shows = screen_waiter(tmux)

    screen_shows("No sessions yet", f"Ollama at {fake_ollama.url} · model {MODEL}")

    tmux.keys("n")
    screen_shows("New session", "Topic")
    tmux.keys("Quiet offices", literal=True)
    tmux.keys("Enter")
    screen_shows("Ask for ideas")

    tmux.keys("for a library", literal=True)
    tmux.keys("Enter")
    screen_shows("#1  DRAFT", "#2  DRAFT", "soundproof booths for calls.", "new DRAFT ideas")

    # The prompt box keeps the focus after a reply; tab moves to the cards, where the first
    # new card is highlighted (wait for its keys in the footer before the letter).
    tmux.keys("Tab")
    screen_shows("a Accept")
    tmux.keys("a")
    screen_shows("#1  ACCEPTED as-is")

    tmux.keys("C-q")
    wait_until(lambda: not tmux.alive(), "the app to exit")

    store = SessionStore(sessions)
    (session_id,) = store.ids()
    session = store.load(session_id).session
    assert session.topic == "Quiet offices"
    assert [i.status for i in session.ideas.values()] == [
        Status.ACCEPTED,
        Status.DRAFT,
        Status.DRAFT,
    ]


def test_typing_in_a_reopened_session_is_a_prompt_not_a_review(
    tmux: Tmux, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    """The worst defect a human-in-the-loop tool can have: letters typed in a reopened
    session landed on the first card (a accepted it, e opened its editor, s the ensemble
    dialog). Typed in a real terminal, they are a prompt."""
    fake_ollama.add_model(MODEL, reply=REPLY)
    store = SessionStore(tmp_path / "sessions")
    with store.create("Quiet offices", technique="open", default_model=MODEL) as writer:
        for number, text in enumerate(("Phone booths for calls", "Quiet hours"), start=1):
            writer.append(IdeaDrafted(idea=number, text=text, model=MODEL, backend="ollama"))
        session_id = writer.session_id
    tmux.start(str(BRAINSTORM), app_env(fake_ollama, tmp_path))
    screen_shows = screen_waiter(tmux)
    screen_shows("Quiet offices", f"Ollama at {fake_ollama.url} · model {MODEL}")
    tmux.keys("Enter")
    screen_shows("#1  DRAFT", "#2  DRAFT", "tab Cards")

    sentence = "Relax, see examples: axes, desks, shelves"
    tmux.keys(sentence, literal=True)
    screen_shows(sentence)
    tmux.keys("Enter")
    screen_shows("new DRAFT ideas", "Review each: tab, then a")
    tmux.keys("C-q")
    wait_until(lambda: not tmux.alive(), "the app to exit")

    session = store.load(session_id).session
    assert [p.prompt for p in session.prompts.values()] == [sentence]
    assert [i.status for i in session.ideas.values()] == [Status.DRAFT] * 5
    assert not any(i.revisions or i.status_history for i in session.ideas.values())


# A stand-in for the `textual` package, first on PYTHONPATH: it waits for the test (a named
# pipe) and then loads the real Textual in its place, or fails as a broken install would.
TEXTUAL_GATE = """
import importlib, os, sys
if "TEXTUAL_GATE_SAID" not in os.environ:  # asked once: a second import gets the same answer
    os.environ["TEXTUAL_GATE_SAID"] = open(os.environ["TEXTUAL_GATE"]).read().strip()
if os.environ["TEXTUAL_GATE_SAID"] == "broken":
    raise ImportError("No module named 'textual' (a broken install)")
sys.path.remove(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
del sys.modules["textual"]
sys.modules["textual"] = importlib.import_module("textual")
"""


def modes_after_exit(path: Path) -> str:
    """What `stty -a` said once the app had exited (the terminal as the app left it)."""
    wait_until(lambda: path.exists() and "speed" in path.read_text(), "stty's report")
    return path.read_text()


def restored(modes: str) -> bool:
    words = modes.split()
    return "echo" in words and "icanon" in words and "-echo" not in words


@pytest.fixture
def gated(tmp_path: Path) -> tuple[dict[str, str], Path]:
    shim = tmp_path / "gate" / "textual"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text(TEXTUAL_GATE)
    fifo = tmp_path / "textual.gate"
    os.mkfifo(fifo)
    return {"PYTHONPATH": str(shim.parent), "TEXTUAL_GATE": str(fifo)}, fifo


def start_gated(
    tmux: Tmux,
    fake_ollama: FakeOllama,
    tmp_path: Path,
    gated: tuple[dict[str, str], Path],
    *,
    then: str,
) -> tuple[Path, Path]:
    """One listed session ("Quiet offices", its summary kept as after any listing), and
    `brainstorm` started behind the Textual gate; after it, the shell runs ``then`` and saves
    `stty -a`. Returns the gate and where the terminal's modes will be."""
    store = SessionStore(tmp_path / "sessions")
    with store.create("Quiet offices", default_model=MODEL):
        pass
    store.summaries()
    env, gate = gated
    modes = tmp_path / "modes.txt"
    tmux.start(
        f"sh -c '{BRAINSTORM}; {then}stty -a > {modes}; sleep 60'",
        {**app_env(fake_ollama, tmp_path), **env},
    )
    return gate, modes


def test_the_session_list_shows_before_textual_loads_and_keys_wait_for_it(
    tmux: Tmux, fake_ollama: FakeOllama, tmp_path: Path, gated: tuple[dict[str, str], Path]
) -> None:
    """A bare `brainstorm` draws the session list (`tui.first_frame`) before Textual is even
    imported; a key pressed then is not lost but answered once the app is up; and the
    terminal is given back with echo and line editing on."""
    fake_ollama.add_model(MODEL, reply=REPLY)
    gate, modes = start_gated(tmux, fake_ollama, tmp_path, gated, then="")
    screen_shows = screen_waiter(tmux)
    screen_shows("Quiet offices", f"Connecting to Ollama at {fake_ollama.url}")
    assert "New session" not in tmux.screen()  # the footer's keys are Textual's to draw
    tmux.keys("n")  # typed while Textual is not loaded yet
    gate.write_text("go\n")
    screen_shows("New session", "Topic")
    tmux.keys("Escape")
    screen_shows("n New session")
    tmux.keys("C-q")
    assert restored(modes_after_exit(modes))


def test_a_broken_install_takes_the_first_frame_down_and_says_so(
    tmux: Tmux, fake_ollama: FakeOllama, tmp_path: Path, gated: tuple[dict[str, str], Path]
) -> None:
    gate, modes = start_gated(tmux, fake_ollama, tmp_path, gated, then="echo exit=$?; ")
    screen_shows = screen_waiter(tmux)
    screen_shows("Quiet offices")
    gate.write_text("broken\n")
    screen_shows("cannot start the terminal app", "exit=1")
    assert "Quiet offices" not in tmux.screen()  # the first frame is gone with its screen
    assert restored(modes_after_exit(modes))
