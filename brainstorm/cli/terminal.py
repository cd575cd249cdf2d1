"""The command line's output streams, guarded: whatever reaches the terminal through our Rich
consoles has its invisible and direction-changing characters shown (`textsafe.show_hidden`).

Every piece of text from a model or a person goes through `textsafe.visible` where it is
printed; this is the last guard for anything that did not (a message built somewhere new), so
that a reader never sees a line reordered by a U+202E they cannot see. It leaves C0/C1 controls
alone, since Rich's own colours are escape sequences. `--json` output does not come this way:
it is written with `textsafe.json_visible` (the exact data, hidden characters as JSON escapes).
"""

from __future__ import annotations

import sys
from typing import IO, Literal, cast

from brainstorm.textsafe import show_hidden


class GuardedStream:
    """`sys.stdout` or `sys.stderr`, looked up at every write (so redirection and test capture
    keep working), with hidden characters shown."""

    def __init__(self, name: Literal["stdout", "stderr"]) -> None:
        self.name = name

    @property
    def stream(self) -> IO[str]:
        stream = getattr(sys, self.name)
        # While a Rich Live display (a status spinner, a progress bar) runs, sys.stdout is its
        # proxy; a console writes past it, as Rich's own default consoles do.
        return cast(IO[str], getattr(stream, "rich_proxied_file", stream))

    def write(self, text: str) -> int:
        self.stream.write(show_hidden(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", None) or "utf-8"


def guarded(name: Literal["stdout", "stderr"]) -> IO[str]:
    """A stream for `rich.console.Console(file=...)`."""
    return cast(IO[str], GuardedStream(name))
