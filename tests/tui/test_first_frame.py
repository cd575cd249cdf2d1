"""The first frame (`tui.first_frame`), drawn before Textual loads, is the frame Textual then
draws: the same characters in the same cells, in the same colours, for the sizes and the
sessions people have — or it is not drawn at all."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from brainstorm.config import Settings
from brainstorm.events import IdeaDrafted, IdeaStatusChanged, Status, event_to_json
from brainstorm.store import SessionStore
from brainstorm.tui.app import BrainstormApp
from brainstorm.tui.first_frame import Frame, colour_system, paint, render, to_ansi
from tests.fakes import FakeOllama
from tests.session_support import draft
from tests.tui.conftest import MODEL, screen_text

TOPIC_SETS = {
    "few": ["Quieter offices", "Less food waste"],
    "many": [f"Topic number {n}" for n in range(60)],
    "long and wide": [
        "A very long topic about making the school canteen waste less food every single day",
        "给学生减少食物浪费的方法",  # wide characters: two cells each
        "Café ☕ ideas with emoji 🚀 and accents",
    ],
    "hostile": [
        "[bold red]markup[/] stays text",
        "Esc \x1b[31mred\u202eRLO",  # an escape sequence and a right-to-left override
    ],
}
SIZES = [(80, 24), (100, 30), (64, 16), (132, 40)]
LONG_HOST = "http://" + "a-very-long-host-name." * 5 + "example:11434"


def seed(store: SessionStore, topics: list[str]) -> None:
    for n, topic in enumerate(topics):
        with store.create(topic, default_model=MODEL) as writer:
            for i in range(n % 4):
                idea = draft(writer, f"idea {i} on {topic}")
                if i == 1:
                    writer.append(IdeaStatusChanged(idea=idea, status=Status.ACCEPTED))
    store.summaries()  # as any listing leaves them: kept beside each log


def cell_style(app: BrainstormApp, x: int, y: int) -> tuple[str | None, str | None, bool]:
    """(colour, background, bold) of the cell at x, y as Textual draws it."""
    style = app.screen.get_style_at(x, y)
    colour = style.color.triplet.hex if style.color and style.color.triplet else None
    background = style.bgcolor.triplet.hex if style.bgcolor and style.bgcolor.triplet else None
    return colour, background, bool(style.bold)


def frame_text(frame: Frame) -> list[str]:
    return ["".join(span.text for span in line) for line in frame.lines]


CASES = [
    *(("textual-dark", size, topics) for size in SIZES for topics in TOPIC_SETS),
    ("textual-light", (80, 24), "few"),
    ("textual-light", (132, 40), "many"),
]


@pytest.mark.parametrize(
    ("theme", "size", "topics"), CASES, ids=[f"{t}-{w}x{h}-{s}" for t, (w, h), s in CASES]
)
async def test_the_first_frame_is_what_textual_draws_first(
    fake_ollama: FakeOllama, tmp_path: Path, theme: str, size: tuple[int, int], topics: str
) -> None:
    width, height = size
    store = SessionStore(tmp_path / "sessions")
    seed(store, TOPIC_SETS[topics])
    settings = Settings(
        sessions_dir=store.root, host=fake_ollama.url, backend="ollama", theme=theme
    )
    fake_ollama.hold(after=0, path="/api/tags")  # the banner stays at "connecting…"
    summaries = store.kept_summaries()
    assert summaries is not None
    frame = render(settings, summaries, width, height)
    assert frame is not None
    assert all(cell_len(line) == width for line in frame_text(frame))

    app = BrainstormApp(settings, first_summaries=summaries)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        shown = screen_text(app).splitlines()
        table_right = width - 2  # the scrollbar's cells are Textual's to draw
        for y, line in enumerate(frame_text(frame)[:-1]):  # the footer's keys come later
            assert line[:table_right] == shown[y][:table_right], f"row {y}"
        for y, spans in enumerate(frame.lines[:-1]):
            x = 0
            for span in spans:
                for char in span.text:
                    if x < table_right:
                        colour, background, bold = cell_style(app, x, y)
                        assert background == span.colours[1], f"background at {x},{y}"
                        if char != " ":
                            assert (colour, bold) == (span.colours[0], span.bold), f"{char!r}"
                    x += cell_len(char)
        if len(summaries) > height - 5:  # a scrollbar: its track, below the thumb
            track = frame.lines[-2][-1].colours[1]
            assert cell_style(app, width - 1, height - 2)[1] == track
    fake_ollama.release()


def test_hostile_topics_are_shown_as_escapes_never_sent_to_the_terminal(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    seed(store, TOPIC_SETS["hostile"])
    settings = Settings(sessions_dir=store.root, backend="ollama")
    summaries = store.kept_summaries()
    assert summaries is not None
    frame = render(settings, summaries, 132, 30)
    assert frame is not None
    ansi = to_ansi(frame, "256")
    assert "\u202e" not in ansi and "\x1b[31m" not in ansi
    assert "<U+202E>" in ansi and "\\x1b[31m" in ansi and "[bold red]markup[/]" in ansi


@pytest.mark.parametrize(
    ("case", "why"),
    [
        ("control", ""),  # the same sessions and settings, nothing in the way: drawn
        ("no sessions", "nothing to list: Textual's empty list says how to start"),
        ("unreadable", "the screen adds a repair notice"),
        ("other theme", "no palette known for it"),
        ("long host", "the banner would wrap"),
        ("tiny", "too small a terminal"),
    ],
)
def test_not_drawn_when_it_could_differ(tmp_path: Path, case: str, why: str) -> None:
    store = SessionStore(tmp_path / "sessions")
    if case != "no sessions":
        seed(store, TOPIC_SETS["few"])
    if case == "unreadable":
        (store.root / "broken.jsonl").write_text("not json\n")
    settings = Settings(
        sessions_dir=store.root,
        backend="ollama",
        theme="nord" if case == "other theme" else "textual-dark",
        host=LONG_HOST if case == "long host" else None,
    )
    summaries = store.summaries()
    size = (30, 6) if case == "tiny" else (80, 24)
    frame = render(settings, summaries, *size)
    assert (frame is not None) if case == "control" else (frame is None), why


def test_only_whole_summaries_are_drawn_before_textual(tmp_path: Path) -> None:
    """A log changed behind the writer's back (its summary not kept with it) would need to be
    replayed (slow, and pydantic): then the first frame is Textual's."""
    store = SessionStore(tmp_path / "sessions")
    seed(store, TOPIC_SETS["few"])
    assert store.kept_summaries() is not None
    event = IdeaDrafted(idea=9, text="appended by hand", model=MODEL, backend="ollama", seq=99)
    with store.path_for(store.ids()[0]).open("a") as log:
        log.write(event_to_json(event) + "\n")
    assert store.kept_summaries() is None
    store.summaries()
    kept = store.kept_summaries()
    assert kept is not None and [s.id for s in kept] == [s.id for s in store.summaries()]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"TERM": "xterm-256color"}, "256"),
        ({"TERM": "screen-256color", "COLORTERM": "truecolor"}, "truecolor"),
        ({"TERM": "xterm-kitty"}, "256"),
        ({"TERM": "xterm-256"}, None),  # Rich reads the part after the last "-": 16 colours
        ({"TERM": "xterm-256color", "NO_COLOR": ""}, None),  # set at all: Textual drops colours
        ({"TERM": "dumb", "COLORTERM": "truecolor"}, None),
        ({"TERM": "xterm"}, None),
        ({"TERM": "dumb"}, None),
        ({"TERM": "xterm-256color", "TEXTUAL_COLOR_SYSTEM": "standard"}, None),
    ],
)
def test_colours_are_written_only_as_rich_would(environ: dict[str, str], expected: str) -> None:
    assert colour_system(environ) == expected


def test_nothing_is_drawn_without_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SessionStore(tmp_path / "sessions")
    seed(store, TOPIC_SETS["few"])
    # Colours it could write, so only the missing terminal stands in the way: pytest's
    # standard input is not one (CI's neither), and the app is left to draw alone.
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("NO_COLOR", "TEXTUAL_COLOR_SYSTEM", "TEXTUAL_FILTERS"):
        monkeypatch.delenv(name, raising=False)
    assert not sys.stdin.isatty()
    assert paint(Settings(sessions_dir=store.root)) is None
