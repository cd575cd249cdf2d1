"""Drawing a `CardView` as lines (strips) for the line-API board, and guessing its height
without drawing it.

A card is a frame around a head line (number, badge, flags, source on the right), the title,
the text and the figures, then one blank line. Model text goes in as `Content` (never parsed as
markup) after `textsafe.visible`, so `[bold]` stays text and an ANSI escape shows as `\\x1b[31m`;
only its inline markdown emphasis is drawn as such (`tui/markdownish.py`).
The frame says the status at a glance (a dashed frame is a DRAFT); the highlighted card gets
a double frame and a `▶` in the gutter while the board has the focus, a dim `›` otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.style import Style

from brainstorm.models import Author, Idea
from brainstorm.textsafe import visible
from brainstorm.tui.markdownish import markdownish
from brainstorm.tui.widgets.card_view import CardView

#: top-left, horizontal, top-right, vertical, bottom-left, bottom-right
FRAMES: dict[str, tuple[str, str, str, str, str, str]] = {
    "round": ("╭", "─", "╮", "│", "╰", "╯"),
    "dashed": ("┏", "╍", "┓", "╏", "┗", "┛"),
    "double": ("╔", "═", "╗", "║", "╚", "╝"),
}
FRAME_OF_KIND = {"draft": "dashed", "live": "dashed"}  # the others: round
GUTTER = 2  # the highlight marker's column, and a space
FRAME_WIDTH = 4  # the frame and one column of padding on each side
CHROME = 3  # frame lines above and below, and the blank line after the card

Cursor = Literal["focused", "blurred"] | None
#: A part's style: (part name, card kind or None) → partial style from the board's CSS.
PartStyle = Callable[[str, str | None], Style]


def literal(text: str) -> Content:
    """Text that is not ours, for display: no markup, control characters written out."""
    return Content(visible(text))


def inner_width(width: int) -> int:
    """The text columns of a card drawn ``width`` columns wide."""
    return max(8, width - GUTTER - FRAME_WIDTH)


def card_lines(view: CardView, inner: int, part: PartStyle) -> list[Content]:
    """The card's text, styled and wrapped to ``inner`` columns (no frame)."""
    kind = view.kind
    head = Content.assemble(
        (view.ref, part("ref", None)), " ", (f" {view.badge} ", part("badge", kind))
    )
    if view.incomplete:
        head += Content.assemble(" ", (" INCOMPLETE ", part("incomplete", None)))
    if view.echo:
        head += Content.assemble(" ", (" ECHOES PROMPT ", part("echo", None)))
    if view.flag:
        head += Content.assemble(" ", (f" {view.flag} ", part("duplicate", None)))
    source = literal(view.source).stylize(part("source", None))
    gap = inner - head.cell_length - source.cell_length
    lines = (head + Content(" " * max(2, gap)) + source).wrap(inner)
    if view.title:
        lines += markdownish(view.title).stylize_before(part("title", None)).wrap(inner)
    body = markdownish(view.text, open_ended=view.writing)
    lines += body.stylize_before(part("body", kind)).wrap(inner)
    if view.meta:
        lines += literal(view.meta).stylize(part("meta", None)).wrap(inner)
    return lines


def render_card(
    view: CardView,
    width: int,
    base: Style,
    part: PartStyle,
    *,
    cursor: Cursor = None,
    meta: dict[str, object] | None = None,
) -> list[Strip]:
    """The card as ``width``-column lines on ``base`` (the board's own style)."""
    inner = inner_width(width)
    if cursor == "focused":
        frame, frame_style = FRAMES["double"], base + part("frame", "cursor")
    else:
        frame = FRAMES[FRAME_OF_KIND.get(view.kind, "round")]
        frame_style = base + part("frame", view.kind)
    marker_style = (base + part("marker", cursor) if cursor else base).rich_style
    rich_frame = frame_style.rich_style
    rich_base = base.rich_style
    top_left, across, top_right, side, bottom_left, bottom_right = frame
    blank_gutter = Segment(" " * GUTTER, rich_base)
    marker = {"focused": "▶ ", "blurred": "› "}.get(cursor or "", "  ")
    span = inner + FRAME_WIDTH - 2
    strips = [
        Strip(
            [blank_gutter, Segment(top_left + across * span + top_right, rich_frame)],
            GUTTER + span + 2,
        )
    ]
    for number, line in enumerate(card_lines(view, inner, part)):
        gutter = Segment(marker, marker_style) if number == 0 else blank_gutter
        body = line.render_segments(base)
        fill = inner - line.cell_length
        strips.append(
            Strip(
                [
                    gutter,
                    Segment(side, rich_frame),
                    Segment(" ", rich_base),
                    *body,
                    Segment(" " * max(0, fill) + " ", rich_base),
                    Segment(side, rich_frame),
                ],
                GUTTER + inner + FRAME_WIDTH,
            )
        )
    strips.append(
        Strip(
            [blank_gutter, Segment(bottom_left + across * span + bottom_right, rich_frame)],
            GUTTER + span + 2,
        )
    )
    strips.append(Strip.blank(width, rich_base))
    lines = [strip.extend_cell_length(width, rich_base).crop(0, width) for strip in strips]
    return [strip.apply_meta(meta) for strip in lines] if meta else lines


def hint_line(text: str, width: int, base: Style, part: PartStyle) -> Strip:
    """One line of our own words (the empty board's hint), in the board's `empty` style."""
    hint = Content(text).stylize(part("empty", None))
    return Strip(hint.render_segments(base), hint.cell_length).crop_extend(0, width, None)


def _wrapped(text: str, inner: int) -> int:
    if "\n" not in text:
        return -(-len(text) // inner) or 1
    return sum(-(-len(line) // inner) or 1 for line in text.split("\n"))


def estimate_height(idea: Idea, width: int) -> int:
    """A card's height without drawing it (a little low for long words; drawing it corrects
    it). Costs a microsecond or two, so every card of a large session has one at once."""
    inner = inner_width(width)
    lines = CHROME + 1 + _wrapped(idea.text, inner)
    if idea.title:
        lines += _wrapped(idea.title, inner)
    meta = len(idea.technique or "") + 34 * idea.incomplete
    if idea.revisions:
        meta += 60 if idea.author is Author.MODEL else 14
    return lines + -(-meta // inner)
