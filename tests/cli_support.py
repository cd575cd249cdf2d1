"""Running the installed `brainstorm` command in tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

BRAINSTORM = str(Path(sys.executable).with_name("brainstorm"))

Run = Callable[..., subprocess.CompletedProcess[str]]


def new_session(run: Run, topic: str = "Quieter offices") -> str:
    result = run("new", topic)
    assert result.returncode == 0, result.stderr
    return str(result.stdout.strip())


def show_json(run: Run, session: str) -> dict[str, Any]:
    result = run("show", session, "--json")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def read_until_closed(controller: int) -> bytes:
    """Everything a child wrote to a pseudo-terminal, read from its controller side until the
    child closes the terminal (then the controller is closed too)."""
    screen = b""
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not data:
            break
        screen += data
    os.close(controller)
    return screen
