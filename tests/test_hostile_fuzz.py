"""Fuzzing with arbitrary Unicode — controls, NUL, bidi and zero-width characters, tags, lone
surrogates, combining marks, long lines — through the reply splitter, the store, every export
writer and the YAML front matter: nothing raises, no hidden character reaches markdown or JSON
raw, the front matter always reads back to the same values, and the stored text round-trips
exactly. Examples are bounded and the deadline is loose, so the suite stays quick on two busy
cores."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from brainstorm.events import (
    GenerationCompleted,
    IdeaAdded,
    IdeaDrafted,
    IdeaRevised,
    Note,
    PromptSent,
)
from brainstorm.export.formats import FORMATS, export_session
from brainstorm.export.front_matter import yaml_string
from brainstorm.export.selection import ExportOptions
from brainstorm.ideation import IdeaStreamSplitter, parse_structured, split_ideas
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.textsafe import is_hidden, visible

HOSTILE = [
    "\x00",
    "\x1b",
    "\x07",
    "\r",
    "\x85",
    "\x9b",
    "\u202e",
    "\u202a",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u061c",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufe0f",
    "\U000e0041",
    "\U000e007f",
    "\u115f",
    "\u0301",  # combining acute
    "\u0489",  # combining cyrillic millions sign
    "\ud800",  # lone surrogates
    "\udfff",
    "\ud83d",
    "👩",
    "ب",
    "א",
    "\n",
    "\t",
    " ",
    '"',
    "{",
    "[",
]
# Pieces of structure a reply (or markdown, or YAML) may read as something.
MARKERS = ["1. ", "2) ", "- ", "* ", "**", "# ", "---", "```", "<b>", "&amp;", ": "]

pieces = st.one_of(
    st.characters(exclude_categories=()),  # anything Python allows, lone surrogates too
    st.sampled_from(HOSTILE),
    st.sampled_from(MARKERS),
)
hostile_text = st.lists(pieces, max_size=40).map("".join)
# Now and then one 100 kB line, hostile characters at both ends and in the middle.
some_text = st.one_of(
    hostile_text,
    hostile_text.map(lambda t: (t + "lorem ipsum " * 4200 + t) * 2),
)
FUZZ = settings(
    max_examples=60,
    deadline=5000,  # generous: two cores shared with other runs
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(some_text, st.lists(st.integers(0, 200), max_size=8))
@example("1. a\u202eb\n2. \ud800\x00\n\u2028- c", [3, 7])
def test_the_reply_splitter_takes_anything(reply: str, cuts: list[int]) -> None:
    ideas = split_ideas(reply)
    splitter = IdeaStreamSplitter()
    streamed = []
    previous = 0
    for cut in sorted(c for c in cuts if c <= len(reply)):
        streamed += splitter.feed(reply[previous:cut])
        previous = cut
    streamed += splitter.feed(reply[previous:])
    streamed += splitter.finish()
    assert streamed == ideas
    for idea in ideas:
        visible(idea.text)  # never raises; its own test says what it shows
        visible(idea.title or "")


@FUZZ
@given(st.lists(st.tuples(hostile_text, hostile_text.filter(str.strip)), max_size=5), hostile_text)
def test_structured_replies_take_anything(items: list[tuple[str, str]], junk: str) -> None:
    document = json.dumps({"ideas": [{"title": t, "text": x} for t, x in items]})
    parsed = parse_structured(document)
    assert parsed is not None
    assert [(d.text, d.title) for d in parsed] == [(x.strip(), t.strip() or None) for t, x in items]
    parse_structured(junk)  # anything else: ideas or None, never an exception
    parse_structured(document[: len(document) // 2] + junk)


@FUZZ
@given(hostile_text)
@example("\ud800 \u202e \U000e0041 \x00 \u2028")
def test_yaml_strings_read_back_exactly_and_hide_nothing(value: str) -> None:
    written = yaml_string(value)
    assert yaml.safe_load(f"key: {written}") == {"key": value}
    assert not any(is_hidden(c) for c in written)
    assert "\n" not in written


def as_utf16(text: str) -> str:
    """The text as UTF-16 reads it: a surrogate pair is the one character it encodes (JSON
    reads an escaped pair so); lone surrogates stay."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


@settings(FUZZ, max_examples=20)  # each example writes, fsyncs and exports a session
@given(
    topic=hostile_text.filter(str.strip),
    drafted=some_text,
    revised=hostile_text.filter(str.strip),
    title=hostile_text,
    added=hostile_text.filter(str.strip),
    model=hostile_text.filter(bool),
)
@example(
    topic="Invoices \u202egnirts\u200b",
    drafted="Pay \u202eevil\u200bcorp \ud83d",
    revised="Pay \u2066evil\u2069 corp",
    title="\U000e0041\x00",
    added="mine \u2028 \ufeff",
    model="[bold]m\u202e",
)
@example(  # a surrogate pair as two code points (a UTF-16 pair split between two chunks)
    topic="t",
    drafted="Pay \ud83d\ude00 \ud800",
    revised="r",
    title="",
    added="a",
    model="\ud800\udc00",
)
def test_the_store_keeps_the_text_and_exports_show_it(
    topic: str, drafted: str, revised: str, title: str, added: str, model: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = SessionStore(Path(tmp))
        with store.create(topic, technique="open", default_model=model) as writer:
            appended = [
                writer.append(
                    PromptSent(prompt_id="p1", prompt=drafted[:200], model=model, backend="b")
                ),
                writer.append(
                    IdeaDrafted(
                        idea=1, prompt_id="p1", text=drafted, title=title, model=model, backend="b"
                    )
                ),
                writer.append(GenerationCompleted(prompt_id="p1", ideas=[1])),
                writer.append(IdeaRevised(idea=1, text=revised, title=title[::-1])),
                writer.append(IdeaAdded(idea=2, text=added, title=title)),
                writer.append(Note(text=drafted[:100])),
            ]
            live = writer.session.model_dump()
            path = store.path_for(writer.session_id)
        events, warnings = read_events(path)
        assert warnings == []
        assert events[1:] == appended  # every character, exactly
        loaded = store.load(writer.session_id).session
        assert loaded.model_dump() == live
        assert (loaded.ideas[1].original, loaded.ideas[1].text) == (
            as_utf16(drafted),
            as_utf16(revised),
        )

    options = {"include_rejected": True, "history": True}
    for name in FORMATS:
        document = export_session(loaded, ExportOptions(format=name, **options))
        document.encode("utf-8")  # nothing unprintable
        # Nothing left for `visible` to escape: no control, nothing hidden, only the ordinary
        # uses it keeps (an emoji's selector or joiner).
        assert visible(document) == document, name
        if name == "json":
            data = json.loads(document)
            assert data["session"]["topic"] == as_utf16(topic.strip())
            assert data["ideas"][0]["text"] == as_utf16(revised)
        if name == "md":
            end = document.index("\n---\n", 3)
            front = yaml.safe_load(document[4:end])
            assert front["topic"] == as_utf16(topic.strip())
            assert front["models"] == [as_utf16(model)]
