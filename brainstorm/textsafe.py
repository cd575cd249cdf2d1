"""Model text is never ours: show it as what it is.

Rich markup is neutralised where text is rendered (Rich `Text` / Textual `Content` objects,
never markup strings). This module makes every character that could drive the terminal or hide
text from a reader visible, so what a person reads and approves is what is stored:

- C0 controls (except tab and newline), DEL and C1 controls print as ``\\x1b``-style escapes
  (``\\r`` for carriage return): a reply cannot move the cursor, recolour or retitle the terminal.
- Invisible and direction-changing characters print as ``<U+202E>``-style escapes ("Trojan
  Source", CVE-2021-42574: a RIGHT-TO-LEFT OVERRIDE makes a line display in an order other than
  the one stored). The set, `HIDDEN_RANGES`: Unicode's format characters (category Cf: the bidi
  embeddings, overrides, isolates and marks, zero-width space/joiners, word joiner, BOM, soft
  hyphen, tag characters, interlinear annotations…) except the prepended concatenation marks
  (U+0600–U+0605, U+06DD, U+070F, U+0890–U+0891, U+08E2, U+110BD, U+110CD: printed signs, not
  invisible ones); the other default-ignorable characters that render as nothing (combining
  grapheme joiner, Hangul fillers, Khmer inherent vowels, variation selectors); the line and
  paragraph separators U+2028/U+2029 (a line break to some programs and nothing to others, never
  a line break here); lone surrogates (which cannot even be printed) and noncharacters.
- Three uses of those characters are how ordinary text is written, cannot reorder anything, and
  stay as they are: one variation selector directly after a visible character (❤️ is U+2764
  U+FE0F; CJK and Mongolian variants), a zero-width joiner between two pictographs (the emoji
  sequence 👨‍👩‍👧) and a zero-width (non-)joiner between two letters of a script they shape
  (Persian می‌خواهم, Devanagari conjuncts: their effect is visible), and the tag characters of
  the three subdivision flags (🏴 England, Scotland, Wales). A run of selectors, a joiner
  anywhere else, any other tag character (the invisible "ASCII smuggling" channel) is shown.

Right-to-left text without controls (Arabic, Hebrew) is untouched: the terminal shows it as
it always does. Session logs and ``--json`` output keep the exact characters: they are data.
`visible` is for what a person reads (terminal, app, markdown); `EditableText` lets the app's
editor show the escapes and still save the exact characters the person did not touch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "HIDDEN_RANGES",
    "EditableText",
    "editable",
    "is_hidden",
    "json_visible",
    "show_hidden",
    "visible",
]

# C0 controls except tab and newline, DEL, and C1 controls (which some terminals honour).
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"

# Invisible, direction-changing or unprintable characters, shown as <U+XXXX> (module docstring).
HIDDEN_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul choseong / jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels (invisible)
    (0x180B, 0x180F),  # Mongolian free variation selectors, vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; LRM, RLM
    (0x2028, 0x2029),  # line and paragraph separators
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates, deprecated formats
    (0x3164, 0x3164),  # Hangul filler
    (0xD800, 0xDFFF),  # surrogates (only ever lone ones in a str)
    (0xFDD0, 0xFDEF),  # noncharacters
    (0xFE00, 0xFE0F),  # variation selectors 1-16
    (0xFEFF, 0xFEFF),  # zero-width no-break space (BOM)
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFFB),  # unassigned specials, interlinear annotation
    (0x13430, 0x1343F),  # Egyptian hieroglyph format controls
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
    (0xE0000, 0xE0FFF),  # tags, variation selectors 17-256, and the rest of that block
    *((plane + 0xFFFE, plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000)),
)


def _char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(
        re.escape(chr(low)) if low == high else f"{re.escape(chr(low))}-{re.escape(chr(high))}"
        for low, high in ranges
    )


_ASTRAL = 0x10000
# One scan finds everything that may need an escape, and `_shown` decides in context. The
# class holds the hidden characters of the Basic Multilingual Plane and the whole of the
# other planes as one range: a compiled class of BMP ranges is a bitmap lookup per character,
# while each astral range would cost a comparison per character of every text. Astral
# characters (emoji, mostly) are then checked one by one (`_astral_hidden`).
_BMP_HIDDEN = _char_class(tuple(r for r in HIDDEN_RANGES if r[1] < _ASTRAL))
_SUSPECT = re.compile(f"[{_CONTROL}{_BMP_HIDDEN}\U00010000-\U0010ffff]")
# The same without the C0/C1 controls, for output that holds a terminal's own escapes.
_SUSPECT_HIDDEN = re.compile(f"[{_BMP_HIDDEN}\U00010000-\U0010ffff]")


def is_hidden(char: str) -> bool:
    """Whether `char` is a control (other than tab and newline) or in `HIDDEN_RANGES`, whatever
    its context: what a context-free escaper (YAML, JSON) writes as an escape."""
    if _SUSPECT.match(char) is None:
        return False
    code = ord(char)
    return code < _ASTRAL or _astral_hidden(code)


def _astral_hidden(code: int) -> bool:
    # The astral part of HIDDEN_RANGES: tags and selectors, three format blocks, noncharacters.
    return (
        0xE0000 <= code <= 0xE0FFF
        or 0x13430 <= code <= 0x1343F
        or 0x1BCA0 <= code <= 0x1BCA3
        or 0x1D173 <= code <= 0x1D17A
        or code & 0xFFFE == 0xFFFE
    )


_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef\u180b-\u180d\u180f]")
_JOINERS = ("\u200c", "\u200d")
# Pictographs that emoji ZWJ sequences join (a generous reading of Extended_Pictographic, plus
# skin-tone modifiers and hair components, which sit in U+1F3FB–U+1F3FF and U+1F9B0–U+1F9B3).
_PICTOGRAPH = re.compile(
    "[\u00a9\u00ae\u203c\u2049\u2122\u2139\u2190-\u21ff\u2300-\u23ff\u24c2\u25a0-\u27bf"
    "\u2900-\u297f\u2b00-\u2bff\u3030\u303d\u3297\u3299\U0001f000-\U0001ffff]"
)
# Scripts whose letters ZWJ/ZWNJ visibly shape: Arabic, Syriac, Thaana, N'Ko and their
# supplements; the Indic scripts (Devanagari to Sinhala); Mongolian; Arabic presentation forms.
_SHAPED = re.compile("[\u0610-\u08ff\u0900-\u0dff\u1800-\u18af\ufb50-\ufdff\ufe70-\ufefc]")
# The tag sequences (after U+1F3F4 WAVING BLACK FLAG) of the only subdivision flags Unicode
# recommends: England, Scotland, Wales.
_FLAG = "\U0001f3f4"
_FLAG_TAGS = tuple(
    "".join(chr(0xE0000 + ord(c)) for c in name) + "\U000e007f"
    for name in ("gbeng", "gbsct", "gbwls")
)
_TAGS = re.compile("[\U000e0020-\U000e007f]")
# Every character `_ordinary` may keep (a set lookup spares the others its regexes).
_CONTEXTUAL = frozenset(
    chr(code)
    for low, high in ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x180B, 0x180F), (0xE0020, 0xE007F))
    for code in range(low, high + 1)
) | frozenset(_JOINERS)


def _visible_base(char: str) -> bool:
    """A character a selector or joiner may lean on: printed, not space, not hidden itself."""
    return not char.isspace() and not is_hidden(char)


def _ordinary(text: str, at: int) -> bool:
    """Whether the hidden character at `at` is one of the ordinary uses that stay as they are:
    a selector after a visible character, a joiner between pictographs or shaped letters, a
    tag inside a subdivision flag."""
    char = text[at]
    before = text[at - 1] if at else ""
    if _SELECTORS.match(char):
        return bool(before) and _visible_base(before)
    if char in _JOINERS:
        after = text[at + 1 : at + 2]
        if not after or not before:
            return False
        if _SHAPED.match(before) and _SHAPED.match(after):
            return True
        if before == "\ufe0f" and at >= 2:
            before = text[at - 2]  # a presentation selector between pictograph and joiner
        return char == "\u200d" and bool(_PICTOGRAPH.match(before) and _PICTOGRAPH.match(after))
    if _TAGS.match(char):
        start = at
        while start > 0 and at - start < 6 and _TAGS.match(text[start - 1]):
            start -= 1
        if start and text[start - 1] == _FLAG:
            return any(
                text.startswith(tags, start) and at < start + len(tags) for tags in _FLAG_TAGS
            )
    return False


def _shown(match: re.Match[str]) -> str:
    """What `visible` prints for one suspect character: itself or its escape."""
    char = match.group()
    code = ord(char)
    if code < 0xA0:
        return "\\r" if char == "\r" else f"\\x{code:02x}"
    if code >= _ASTRAL and not _astral_hidden(code):
        return char  # an emoji, say
    if char in _CONTEXTUAL and _ordinary(match.string, match.start()):
        return char
    return f"<U+{code:04X}>"


def visible(text: str) -> str:
    """`text` with every control, invisible and direction-changing character written out as
    an escape (``\\x1b``, ``<U+202E>``), so printing it can neither drive the terminal nor show
    a reader something other than what is stored. Newlines and tabs are kept; so are the
    ordinary uses of selectors, joiners and flag tags (see the module docstring). Idempotent.

    Use it on every piece of text a model or a person wrote (ideas, titles, topics, prompts,
    names, server messages) before it reaches a terminal, the app or a markdown-like export."""
    if _SUSPECT.search(text) is None:  # nearly all text: one scan, no copy
        return text
    return _SUSPECT.sub(_shown, text)


def show_hidden(output: str) -> str:
    """`visible` for text that is already terminal output (Rich's rendering, with its own
    colour escapes): shows the invisible and direction-changing characters, leaves C0 and C1
    controls alone. A last guard on the command line's consoles, for text that reached them
    without passing through `visible`."""
    if _SUSPECT_HIDDEN.search(output) is None:
        return output
    return _SUSPECT_HIDDEN.sub(_shown, output)


@dataclass(frozen=True)
class EditableText:
    """Text prepared for an editor: `shown` is `visible(original)`; `escapes` are the spans of
    `shown` that each stand for one character of the original. `restore` turns what the person
    saved back into text, keeping the original character for every escape they left intact and
    taking everything they typed literally."""

    original: str
    shown: str
    escapes: tuple[tuple[int, int, str], ...]  # (start, end, original character) in `shown`

    @property
    def count(self) -> int:
        return len(self.escapes)

    def restore(self, edited: str) -> str:
        """The text to save for `edited` (the editor's content).

        Unchanged → exactly the original. Otherwise the edit is aligned with `shown`: an
        escape that survives whole becomes its character again; a deleted escape removes its
        character; an escape the person typed, or one they cut into, stays the literal text
        they see (nothing is ever converted that they did not see as it was)."""
        if edited == self.shown:
            return self.original
        if not self.escapes:
            return edited
        source = _aligned(self.shown, edited)
        starts = {start: (end, char) for start, end, char in self.escapes}
        out: list[str] = []
        j = 0
        while j < len(edited):
            i = source[j]
            if i in starts:
                end, char = starts[i]
                if source[j : j + end - i] == list(range(i, end)):
                    out.append(char)
                    j += end - i
                    continue
            out.append(edited[j])
            j += 1
        return "".join(out)


def editable(text: str) -> EditableText:
    """`text` as an editor should show it (`visible(text)`), knowing where each escape stands."""
    shown: list[str] = []
    escapes: list[tuple[int, int, str]] = []
    position = done = 0
    for match in _SUSPECT.finditer(text):
        piece = _shown(match)
        if piece == match.group():
            continue
        plain = text[done : match.start()]
        shown.append(plain)
        position += len(plain)
        escapes.append((position, position + len(piece), match.group()))
        shown.append(piece)
        position += len(piece)
        done = match.end()
    shown.append(text[done:])
    return EditableText(text, "".join(shown), tuple(escapes))


def _aligned(shown: str, edited: str) -> list[int]:
    """For each character of `edited`, the index of the character of `shown` it was kept from
    (-1: typed). The common prefix and suffix first (an edit is usually in one place), then
    difflib over what lies between."""
    import difflib  # only when saving an edit of text that held hidden characters

    source = [-1] * len(edited)
    limit = min(len(shown), len(edited))
    prefix = 0
    while prefix < limit and shown[prefix] == edited[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and shown[-1 - suffix] == edited[-1 - suffix]:
        suffix += 1
    for k in range(prefix):
        source[k] = k
    for k in range(1, suffix + 1):
        source[len(edited) - k] = len(shown) - k
    middle_a = shown[prefix : len(shown) - suffix]
    middle_b = edited[prefix : len(edited) - suffix]
    matcher = difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            source[prefix + b + k] = prefix + a + k
    return source


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code >= _ASTRAL:
        if not _astral_hidden(code):
            return char
        code -= _ASTRAL
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_visible(document: str) -> str:
    """A JSON document (as `json.dumps(..., ensure_ascii=False)` writes it) with every control,
    hidden character and lone surrogate inside its strings written as a JSON ``\\u`` escape.
    Any JSON reader gets exactly the same strings back — the data is untouched — while printing
    the document shows nothing hidden and cannot fail on a lone surrogate. Context-free: even
    the ordinary uses `visible` keeps (a ZWJ inside an emoji) are escaped."""
    if _SUSPECT.search(document) is None:
        return document
    return _SUSPECT.sub(_json_escape, document)
