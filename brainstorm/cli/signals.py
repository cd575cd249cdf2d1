"""Ctrl-C and SIGTERM while a command talks to a model: stop the replies in flight, keep
what arrived, say what was kept, and exit 130 / 143."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from contextlib import suppress

from brainstorm.generate import Stop

EXIT_INTERRUPTED = {"SIGINT": 130, "SIGTERM": 143}


class StopOnSignals:
    """While active, the first SIGINT or SIGTERM calls ``stop.request()`` (after
    ``announce(name)``) instead of ending the process, and puts the default handlers back: a
    second Ctrl-C stops at once. Only possible on the main thread of a Unix event loop;
    elsewhere nothing is installed. `received` names the signal that came, if one did."""

    def __init__(self, stop: Stop, announce: Callable[[str], None] | None = None) -> None:
        self.stop = stop
        self.announce = announce
        self.received: str | None = None
        self._installed: list[signal.Signals] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def exit_code(self) -> int | None:
        """130 after SIGINT, 143 after SIGTERM, None when no signal came."""
        return EXIT_INTERRUPTED.get(self.received or "")

    def __enter__(self) -> StopOnSignals:
        self._loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                self._loop.add_signal_handler(signum, self._received, signum.name)
            except (NotImplementedError, RuntimeError, ValueError):
                continue
            self._installed.append(signum)
        return self

    def _received(self, name: str) -> None:
        self._restore()
        self.received = name
        if self.announce is not None:
            self.announce(name)
        self.stop.request()

    def _restore(self) -> None:
        while self._installed and self._loop is not None:
            with suppress(Exception):
                self._loop.remove_signal_handler(self._installed.pop())

    def __exit__(self, *exc: object) -> None:
        self._restore()
