"""Inline markdown in model text (tui/markdownish.py): emphasis drawn, markers dropped, and
nothing else interpreted — markup and control characters stay visible text."""

from __future__ import annotations

import pytest

from brainstorm.tui.markdownish import markdownish


def styled(text: str, *, open_ended: bool = False) -> tuple[str, list[tuple[str, str]]]:
    content = markdownish(text, open_ended=open_ended)
    plain = content.plain
    return plain, [(plain[s.start : s.end], str(s.style)) for s in content.spans]


@pytest.mark.parametrize(
    ("text", "plain", "spans"),
    [
        ("**Phone booths**: for calls", "Phone booths: for calls", [("Phone booths", "bold")]),
        ("__Quiet__ hours", "Quiet hours", [("Quiet", "bold")]),
        ("soundproof *booths* now", "soundproof booths now", [("booths", "italic")]),
        ("an _aside_ here", "an aside here", [("aside", "italic")]),
        ("5 * 3 * 2 and snake_case_name", "5 * 3 * 2 and snake_case_name", []),
        ("a ** b ** c", "a ** b ** c", []),
        ("`code_here` stays", "`code_here` stays", []),
        (
            "**[bold red]x[/]** [link=http://e.x]y[/link]",
            "[bold red]x[/] [link=http://e.x]y[/link]",
            [("[bold red]x[/]", "bold")],
        ),
        ("\x1b[31m**red**", "\\x1b[31mred", [("red", "bold")]),
    ],
)
def test_emphasis_and_nothing_else(text: str, plain: str, spans: list[tuple[str, str]]) -> None:
    assert styled(text) == (plain, spans)


def test_unclosed_emphasis_while_writing_styles_the_rest() -> None:
    assert styled("**Idea 2 with a long", open_ended=True) == (
        "Idea 2 with a long",
        [("Idea 2 with a long", "bold")],
    )
    assert styled("keep *this", open_ended=True) == ("keep this", [("this", "italic")])
    # Stored text is finished: an unclosed marker is shown as it is.
    assert styled("**Idea 2 with a long") == ("**Idea 2 with a long", [])
