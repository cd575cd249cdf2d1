"""The two terminal streams every command writes to, `stdout` and `stderr`: Rich consoles made
on first use, over guarded streams (no hidden character reaches the terminal raw).

Imported by `brainstorm --help` too (through every command module): Rich is imported only when
a console is first used."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from brainstorm.cli.terminal import guarded

if TYPE_CHECKING:
    from rich.console import Console


class _LazyConsole:
    """Becomes a Rich console on first use (Rich takes longer to import than `--help` runs):
    the instance turns into a `rich.console.Console` itself, so everything that takes a
    console (progress bars, ``with console:``, isinstance checks afterwards) gets a real one."""

    def __init__(self, **options: Any) -> None:
        self._options = options

    def _become_console(self) -> Console:
        from rich.console import Console

        options = self.__dict__.pop("_options")
        self.__class__ = Console  # type: ignore[assignment]
        console = cast("Console", self)
        Console.__init__(console, **options)
        return console

    def __getattr__(self, name: str) -> Any:
        if name == "_options":  # not set yet, or already a console
            raise AttributeError(name)
        return getattr(self._become_console(), name)

    def __enter__(self) -> Console:
        return self._become_console().__enter__()

    def __exit__(self, *exc: object) -> None:
        console = cast("Any", self)
        console.__exit__(*exc)


# Guarded streams: no hidden character reaches the terminal raw (cli/terminal.py).
stdout = cast("Console", _LazyConsole(file=guarded("stdout"), highlight=False, soft_wrap=True))
stderr = cast(
    "Console", _LazyConsole(file=guarded("stderr"), stderr=True, highlight=False, soft_wrap=True)
)
