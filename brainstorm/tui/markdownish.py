"""Model text with its inline markdown shown as emphasis: `**bold**` in bold, `*italic*` in
italics, the markers dropped (inline `code` keeps its backticks: they tell it apart).

Never markup: the text stays literal (Rich / Textual markup like `[b]` is shown as typed) and
control characters are written out first (`textsafe.visible`), so a reply can neither style
the screen nor drive the terminal.

A reply still being written may stop inside an emphasis (`**Idea 2`): with `open_ended`, an
opening `**` or `*` that has no closing one yet styles the rest of the text, as it will look
once the closing marker arrives."""

from __future__ import annotations

import re

from textual.content import Content

from brainstorm.textsafe import visible

# Bold (** or __), then italic (* or _ not inside a word). An emphasis
# starts and ends next to a non-space character, as in CommonMark, so "5 * 3 * 2" stays text.
_INLINE = re.compile(
    r"(?P<bold>\*\*|__)(?=\S)(?P<bold_text>.+?)(?<=\S)(?P=bold)"
    r"|(?<![\w*])\*(?=[^\s*])(?P<star_text>.+?)(?<=[^\s*])\*(?![\w*])"
    r"|(?<![\w_])_(?=[^\s_])(?P<under_text>.+?)(?<=[^\s_])_(?![\w_])"
)
_OPEN_BOLD = re.compile(r"(?<!\*)\*\*(?=\S)(?!.*\*\*)")
_OPEN_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])(?!.*\*)")


def markdownish(text: str, *, open_ended: bool = False) -> Content:
    """`text` (the model's, or a person's) as `Content` with inline emphasis applied."""
    return _render(visible(text), open_ended=open_ended)


def _render(text: str, *, open_ended: bool) -> Content:
    pieces: list[Content] = []
    position = 0
    for match in _INLINE.finditer(text):
        pieces.append(Content(text[position : match.start()]))
        if match.group("bold_text") is not None:
            inner = _render(match.group("bold_text"), open_ended=False)
            pieces.append(inner.stylize_before("bold"))
        else:
            italic = match.group("star_text") or match.group("under_text") or ""
            pieces.append(_render(italic, open_ended=False).stylize_before("italic"))
        position = match.end()
    tail = text[position:]
    if open_ended:
        for opener, marker, style in ((_OPEN_BOLD, "**", "bold"), (_OPEN_ITALIC, "*", "italic")):
            found = opener.search(tail)
            if found is not None:
                rest = tail[found.start() + len(marker) :]
                pieces.append(Content(tail[: found.start()]))
                pieces.append(_render(rest, open_ended=True).stylize_before(style))
                tail = ""
                break
    pieces.append(Content(tail))
    return Content("").join(pieces)
