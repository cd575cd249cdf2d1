"""`textsafe`: invisible and direction-changing characters are shown as escapes (Trojan Source,
CVE-2021-42574), ordinary writing is left alone, and the editor's escapes map back exactly."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from brainstorm.textsafe import (
    HIDDEN_RANGES,
    editable,
    is_hidden,
    json_visible,
    show_hidden,
    visible,
)

RLO, ZWSP, ZWJ, ZWNJ, VS16 = "\u202e", "\u200b", "\u200d", "\u200c", "\ufe0f"
BIDI = [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), "\u200e", "\u200f"]
SCOTLAND = "\U0001f3f4" + "".join(chr(0xE0000 + ord(c)) for c in "gbsct") + "\U000e007f"
# Prepended concatenation marks: format characters that print as a sign (not escaped).
PRINTED_FORMATS = {*range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x110BD, 0x110CD}


def hidden(code: int) -> bool:
    return any(low <= code <= high for low, high in HIDDEN_RANGES)


# Characters that must never reach a terminal raw, whatever surrounds them.
NEVER_RAW = {
    *(chr(c) for c in range(0x20) if c not in (9, 10)),
    *map(chr, range(0x7F, 0xA0)),
    *BIDI,
    "\u061c",
    "\u2028",
    "\u2029",
    "\ufeff",
    ZWSP,
    "\u2060",
}


def test_the_trojan_source_characters_are_shown_as_code_points() -> None:
    assert visible(f"admin{RLO} }}{{ if") == "admin<U+202E> }{ if"
    assert visible(f"pay{ZWSP}pal") == "pay<U+200B>pal"
    for char in BIDI:
        assert visible(f"a{char}b") == f"a<U+{ord(char):04X}>b"
    assert visible("\u2066x\u2069 \u061c \ufeffbom") == "<U+2066>x<U+2069> <U+061C> <U+FEFF>bom"


def test_terminal_controls_keep_their_short_escapes() -> None:
    assert visible("red\x1b[31m bell\x07 back\rspace\x9b tab\tnewline\n") == (
        "red\\x1b[31m bell\\x07 back\\rspace\\x9b tab\tnewline\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        "שלום עולם, זה רעיון",  # Hebrew
        "مرحبا بالعالم",  # Arabic
        "می\u200cخواهم",  # Persian: ZWNJ between letters it shapes
        "क्\u200dष",  # Devanagari: ZWJ asks for a half form
        f"👨{ZWJ}👩{ZWJ}👧",  # family: emoji ZWJ sequence
        f"👩🏽{ZWJ}💻",  # skin tone, then ZWJ
        f"❤{VS16}{ZWJ}🔥",  # heart on fire: selector, then ZWJ
        f"❤{VS16} 1{VS16}\u20e3 葛\U000e0100",  # one selector after a visible character
        SCOTLAND,
        "\u0600\u0661\u0662",  # Arabic number sign: a printed sign
        "Zalgo: z\u0301\u0302\u0303",  # combining marks are visible
        "\u00a0\u2003\u3000",  # spaces look like spaces
    ],
)
def test_ordinary_writing_is_untouched(text: str) -> None:
    assert visible(text) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"a{ZWJ}b", "a<U+200D>b"),  # a joiner between Latin letters hides nothing but bytes
        (f"a{ZWNJ}b", "a<U+200C>b"),
        (f"{ZWJ}👩", "<U+200D>👩"),
        (f"👩{ZWJ}", "👩<U+200D>"),
        (f"x{VS16}{VS16}{VS16}", "x\ufe0f<U+FE0F><U+FE0F>"),  # a run smuggles data
        (f"{VS16}x", "<U+FE0F>x"),
        (f" {VS16}", " <U+FE0F>"),
        ("\U000e0068\U000e0069", "<U+E0068><U+E0069>"),  # ASCII smuggling in tag characters
        (SCOTLAND + "\U000e0061", SCOTLAND + "<U+E0061>"),
        ("\U0001f3f4\U000e0061\U000e007f", "\U0001f3f4<U+E0061><U+E007F>"),
        ("line\u2028sep\u2029para", "line<U+2028>sep<U+2029>para"),
        ("soft\u00adhyphen", "soft<U+00AD>hyphen"),
        ("\u115f\u1160\u3164\uffa0", "<U+115F><U+1160><U+3164><U+FFA0>"),
        ("\u180e\u034f", "<U+180E><U+034F>"),
        ("lone \ud800 \udfff", "lone <U+D800> <U+DFFF>"),
        ("\ufffe\U0010ffff", "<U+FFFE><U+10FFFF>"),
        ("\x00nul", "\\x00nul"),
    ],
)
def test_hidden_characters_are_escaped(text: str, shown: str) -> None:
    assert visible(text) == shown


def test_every_format_character_of_this_python_is_covered() -> None:
    """The table is fixed (fast, and it says exactly what is escaped); this fails when a newer
    Unicode adds format characters it misses."""
    missing = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Cf", "Zl", "Zp", "Cs")
        and code not in PRINTED_FORMATS
        and not hidden(code)
    ]
    assert missing == []
    assert not any(hidden(code) for code in PRINTED_FORMATS)


def test_the_scan_agrees_with_the_table_at_every_boundary() -> None:
    edges = {c for low, high in HIDDEN_RANGES for c in (low - 1, low, high, high + 1)}
    for code in sorted(edges & set(range(0xA0, sys.maxunicode + 1))):
        char = chr(code)
        assert (visible(char) == f"<U+{code:04X}>") == hidden(code), f"U+{code:04X}"


text_with_hostiles = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=()),  # anything Python allows, lone surrogates too
        st.sampled_from([*sorted(NEVER_RAW), ZWJ, ZWNJ, VS16, "\ud83d", "👩", "ب", SCOTLAND[1]]),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=2000)
@given(text_with_hostiles)
@example(f"👩{ZWJ}{RLO}👩")
@example(SCOTLAND * 2)
def test_nothing_hidden_survives_and_escaping_is_idempotent(text: str) -> None:
    shown = visible(text)
    assert not NEVER_RAW & set(shown)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in shown)
    shown.encode("utf-8")  # printable on any UTF-8 terminal: no lone surrogate left
    assert visible(shown) == shown


@settings(max_examples=300, deadline=2000)
@given(text_with_hostiles, st.data())
def test_the_editor_saves_the_exact_text_the_person_did_not_change(
    text: str, data: st.DataObject
) -> None:
    prepared = editable(text)
    assert prepared.shown == visible(text)
    assert prepared.restore(prepared.shown) == text  # untouched: the exact characters
    # Typing anywhere keeps every escape that is still whole as its character.
    at = data.draw(st.integers(0, len(prepared.shown)))
    cut = next((end for start, end, _ in prepared.escapes if start < at < end), at)
    typed = prepared.shown[:cut] + "NEW" + prepared.shown[cut:]
    original_at = len(prepared.restore(prepared.shown[:cut]))
    assert prepared.restore(typed) == text[:original_at] + "NEW" + text[original_at:]


def test_the_editor_maps_escapes_back_only_where_the_person_left_them() -> None:
    prepared = editable(f"keep {RLO}evil{ZWSP} ok")
    assert prepared.shown == "keep <U+202E>evil<U+200B> ok"
    assert prepared.count == 2
    assert prepared.restore("keep <U+202E>evil<U+200B> OK") == f"keep {RLO}evil{ZWSP} OK"
    # Deleting an escape deletes its character.
    assert prepared.restore("keep evil<U+200B> ok") == f"keep evil{ZWSP} ok"
    # An escape the person typed stays literal text, as does one they cut into.
    assert prepared.restore("<U+202E> keep <U+202E>evil ok") == f"<U+202E> keep {RLO}evil ok"
    assert prepared.restore("keep <U+202Eevil<U+200B> ok") == f"keep <U+202Eevil{ZWSP} ok"
    # Text that merely looks like an escape in the original is not an escape.
    literal = editable("a literal <U+202E> stays text")
    assert literal.count == 0
    assert literal.restore("a literal <U+202E> stays TEXT") == "a literal <U+202E> stays TEXT"
    controls = editable("bell\x07 and \r return")
    assert controls.shown == "bell\\x07 and \\r return"
    assert controls.restore("bell\\x07 and \\r return!") == "bell\x07 and \r return!"


@settings(max_examples=300, deadline=2000)
@given(st.dictionaries(text_with_hostiles, text_with_hostiles, max_size=4))
@example({"t": f"a{RLO}b\ud800c\x9b\U000e0041 👨{ZWJ}👩 é\n\t\x1b"})
def test_json_keeps_the_data_and_shows_nothing_hidden(data: dict[str, str]) -> None:
    document = json_visible(json.dumps(data, ensure_ascii=False, indent=2))
    assert json.loads(document) == data  # the exact characters, lone surrogates included
    assert not any(is_hidden(c) for c in document)
    document.encode("utf-8")


def test_the_console_guard_shows_hidden_characters_but_keeps_terminal_colours(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rich.console import Console

    from brainstorm.cli.terminal import guarded

    assert (
        show_hidden(f"\x1b[1mbold{RLO}\x1b[0m 👨{ZWJ}👩") == "\x1b[1mbold<U+202E>\x1b[0m 👨\u200d👩"
    )
    console = Console(file=guarded("stdout"), force_terminal=True, color_system="standard")
    console.print(f"[bold]leaked {RLO}text{ZWSP}[/]")  # text that skipped `visible`
    printed = capsys.readouterr().out
    assert "leaked <U+202E>text<U+200B>" in printed
    assert "\x1b[1m" in printed  # Rich's own styling still reaches the terminal
