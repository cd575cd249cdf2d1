"""The session list, drawn straight to the terminal while Textual loads.

Importing Textual and building the app takes about half a second on a small machine, longer
than the first screen should (issue 15). So a bare `brainstorm` first draws the frame Textual
is about to draw — header, connection banner, heading, the table of sessions — from the kept
session summaries, with plain escape codes, and Textual then paints the same cells over it.
Keys pressed meanwhile wait in the terminal (echo off) and reach the app when it starts.

It is drawn only when the result is certain to match, and otherwise left to Textual: both
ends of the terminal are a terminal, the colours can be written as Rich would write them
(`COLORTERM` truecolor, or a 256-colour `TERM`, and no `NO_COLOR`), the theme is one whose
colours are known here, every session's summary is kept, every session reads fine, and each
line fits. The text comes from the functions the app's own list uses (`session_table`,
`connection`); tests compare this frame with Textual's, cell by cell.

Nothing here imports Textual: that is the point.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from brainstorm.textsafe import visible
from brainstorm.tui.connection import initial_state
from brainstorm.tui.session_table import heading, layout, row_cells

if TYPE_CHECKING:
    from brainstorm.config import Settings
    from brainstorm.store import SessionSummary

Colours = tuple[str, str]  # foreground, background (#rrggbb)


@dataclass(frozen=True)
class Palette:
    """The colours Textual gives each part of the session list in one theme."""

    header: Colours
    header_dim: Colours  # the subtitle
    banner: Colours  # the "connecting…" banner (a warning)
    heading: Colours  # bold
    table_header: Colours  # bold
    cursor: Colours  # the highlighted first row, bold
    rows: tuple[Colours, Colours]  # zebra stripes: even rows, odd rows
    table: Colours  # the table below its rows
    scrollbar: Colours  # the scrollbar's track
    footer: Colours


PALETTES: dict[str, Palette] = {
    "textual-dark": Palette(
        header=("#e0e0e0", "#242f38"),
        header_dim=("#a0a3a6", "#242f38"),
        banner=("#ffc473", "#593e19"),
        heading=("#ffc473", "#121212"),
        table_header=("#e0e0e0", "#2d3740"),
        cursor=("#ddedf9", "#0178d4"),
        rows=(("#e0e0e0", "#1c1c1c"), ("#e0e0e0", "#272727")),
        table=("#e0e0e0", "#272727"),
        scrollbar=("#e0e0e0", "#000000"),
        footer=("#e0e0e0", "#242f38"),
    ),
    "textual-light": Palette(
        header=("#1f1f1f", "#d0d0d0"),
        header_dim=("#5b5b5b", "#d0d0d0"),
        banner=("#a86d1c", "#e9cea9"),
        heading=("#a86d1c", "#e0e0e0"),
        table_header=("#1f1f1f", "#c7c7c7"),
        cursor=("#dde6ed", "#004578"),
        rows=(("#1f1f1f", "#dddddd"), ("#1f1f1f", "#cecece")),
        table=("#1f1f1f", "#cecece"),
        scrollbar=("#1f1f1f", "#cacaca"),
        footer=("#1f1f1f", "#d0d0d0"),
    ),
}

NAME = "brainstorm"
HEADER_ICON = 8  # Textual's Header: the icon docked left (8 cells) …
HEADER_CLOCK = 10  # … and the clock's space docked right (10 cells)
SCROLLBAR = 2


@dataclass(frozen=True)
class Span:
    text: str
    colours: Colours
    bold: bool = False


Line = list[Span]


@dataclass(frozen=True)
class Frame:
    lines: list[Line]  # one per terminal row, each exactly as wide as the terminal


def _cells(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def _fit(text: str, width: int, *, right: bool = False) -> str:
    """`text` in exactly `width` cells, as Rich lays out a no-wrap cell: cut with "…" when
    longer, padded (on the left when right-justified) when shorter."""
    from rich.cells import set_cell_size

    if _cells(text) > width:
        text = set_cell_size(text, width - 1) + "…"
    room = width - _cells(text)
    return " " * room + text if right else text + " " * room


def render(
    settings: Settings, summaries: Sequence[SessionSummary], width: int, height: int
) -> Frame | None:
    """The frame Textual's session list will show first, or None when it cannot be known here
    for certain (see the module docstring)."""
    palette = PALETTES.get(settings.theme)
    if palette is None or not summaries or width < 40 or height < 8:
        return None
    if any(s.unreadable or s.warnings for s in summaries):
        return None  # the screen adds notices and toasts for those
    lines: list[Line] = []

    # Textual's Header: "title — subtitle" (the rest dim), centred between the icon and the
    # clock's space, cut with "…" when longer.
    room = width - HEADER_ICON - HEADER_CLOCK
    title = _fit(f"{NAME} — {settings.sessions_dir}", room).rstrip(" ")
    left = HEADER_ICON + (room - _cells(title)) // 2
    subtitle = title.removeprefix(NAME)
    lines.append(
        [
            Span(_fit(" ⭘", left), palette.header),
            Span(NAME, palette.header),
            Span(_fit(subtitle, width - left - len(NAME)), palette.header_dim),
        ]
    )

    banner = initial_state(settings).describe(settings.model)
    if _cells(banner) > width - 2:
        return None  # it would wrap: Rich's word wrapping is not repeated here
    lines.append([Span(_fit(f" {banner}", width), palette.banner)])

    longest_topic = max(_cells(visible(s.topic)) for s in summaries)
    shape = layout(width, [s.id for s in summaries], longest_topic)
    title_line = f" {heading(summaries, shape)}"
    if _cells(title_line) > width:
        return None
    lines.append([Span(_fit(title_line, width), palette.heading, bold=True)])

    columns = shape.columns
    shown_rows = height - len(lines) - 2  # the table's header row and the footer
    scrolls = len(summaries) > shown_rows
    table_width = sum(c.width + 2 for c in columns)
    right = width - table_width  # the scrollbar, or the table's own background

    def row(cells: Sequence[str], colours: Colours, bold: bool, *, labels: bool = False) -> Line:
        # Counts are right-justified under labels that are not.
        text = "".join(
            f" {_fit(cell, column.width, right=not labels and 2 <= n <= 5)} "
            for n, (cell, column) in enumerate(zip(cells, columns, strict=True))
        )
        # A row's colours run to the scrollbar (or, with none, to the edge).
        edge = palette.scrollbar if scrolls else colours
        return [
            Span(text, colours, bold),
            Span(" " * (right - SCROLLBAR), colours),
            Span(" " * SCROLLBAR, edge),
        ]

    lines.append(row([c.label for c in columns], palette.table_header, True, labels=True))
    for n, summary in enumerate(summaries[:shown_rows]):
        colours = palette.cursor if n == 0 else palette.rows[n % 2]
        lines.append(row(row_cells(summary, shape), colours, n == 0))
    while len(lines) < height - 1:
        lines.append([Span(" " * width, palette.table)])
    lines.append([Span(" " * width, palette.footer)])  # its keys come with Textual
    return Frame(lines)


def colour_system(environ: Mapping[str, str]) -> str | None:
    """How Textual (through Rich) will write colours here: "truecolor", "256", or None when
    this module should not guess. The same reading of the environment as
    `rich.console.Console._detect_color_system`, less the cases left to Textual."""
    if "NO_COLOR" in environ or environ.get("TEXTUAL_FILTERS"):
        return None
    if environ.get("TEXTUAL_COLOR_SYSTEM", "auto") != "auto":
        return None
    term = environ.get("TERM", "").strip().lower()
    if term in ("", "dumb", "unknown"):
        return None
    if environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
        return "truecolor"
    return "256" if term.rpartition("-")[2] in ("256color", "kitty") else None


def to_ansi(frame: Frame, system: str) -> str:
    """The frame as escape codes, colours written as Rich writes them for ``system``."""
    from rich.color import Color, ColorSystem

    depth = ColorSystem.TRUECOLOR if system == "truecolor" else ColorSystem.EIGHT_BIT

    def codes(colours: Colours, bold: bool) -> str:
        fg, bg = (Color.parse(c).downgrade(depth) for c in colours)
        parts = [*(["1"] if bold else []), *fg.get_ansi_codes(), *bg.get_ansi_codes(False)]
        return ";".join(parts)

    out = ["\x1b[?2026h", "\x1b[?25l"]  # one update, where the terminal supports it
    for y, line in enumerate(frame.lines, 1):
        out.append(f"\x1b[{y};1H")
        out.extend(f"\x1b[0;{codes(s.colours, s.bold)}m{s.text}" for s in line)
    out.append("\x1b[0m\x1b[?2026l")
    return "".join(out)


class Painted:
    """The terminal as the first frame left it: the alternate screen, the cursor hidden, echo
    and line editing off (so keys typed before the app starts neither show nor wait for
    Enter). `restore` puts everything back; the app's own exit leaves the alternate screen."""

    def __init__(self, summaries: list[SessionSummary], stream: TextIO, saved: list[Any]):
        self.summaries = summaries
        self._stream = stream
        self._saved = saved

    def restore(self, *, leave_screen: bool) -> None:
        import termios

        if leave_screen:
            with contextlib.suppress(OSError):  # a terminal gone away: nothing to leave
                self._stream.write("\x1b[?1049l\x1b[?25h")
                self._stream.flush()
        with contextlib.suppress(termios.error, OSError):
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, self._saved)


def paint(settings: Settings) -> Painted | None:
    """Draw the first frame on the terminal (stderr: where Textual writes), or None when it
    is not drawn. Cheap when it is not: a few checks and a `stat` per session."""
    if sys.platform == "win32":  # no termios: the app draws its own first frame
        return None
    import termios

    stream = sys.__stderr__
    system = colour_system(os.environ)
    if stream is None or system is None or not _interactive(stream):
        return None
    from brainstorm.store import SessionStore

    summaries = SessionStore(settings.sessions_dir).kept_summaries()
    if summaries is None:
        return None
    try:
        size = os.get_terminal_size(stream.fileno())
        saved = termios.tcgetattr(sys.stdin.fileno())
    except (OSError, termios.error):
        return None
    frame = render(settings, summaries, size.columns, size.lines)
    if frame is None:
        return None
    ansi = "\x1b[?1049h" + to_ansi(frame, system)
    quiet = list(saved)
    quiet[3] &= ~(termios.ECHO | termios.ICANON)
    painted = Painted(summaries, stream, saved)
    try:
        termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, quiet)
        stream.write(ansi)
        stream.flush()
    except (OSError, termios.error):
        painted.restore(leave_screen=True)
        return None
    return painted


def _interactive(stream: TextIO) -> bool:
    try:
        return sys.stdin.isatty() and stream.isatty()
    except (AttributeError, ValueError):
        return False
