"""The splitting corpus (tests/corpus/): real SmolLM2 replies for every technique and follow-up
(recorded by tests/corpus/record_smollm2.py, with the messages, seed and temperature used),
and written replies in the shapes larger models produce. For each, a person read the reply and
wrote down the ideas a reader would see (``expected``: title, text, and whether it only echoes
the prompt) and the text that is not an idea (``not_ideas``). The splitter must agree, lose no
text (`tests.split_invariants`), and read the reply the same way when it streams in."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from brainstorm.ideation import IdeaStreamSplitter, PromptEcho, read_reply
from brainstorm.llm.base import Message
from tests.split_invariants import check_accounts_for_reply

CORPUS = Path(__file__).parent / "corpus"
ENTRIES = sorted(CORPUS.glob("*/*.json"))


def load(path: Path) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return entry


def test_the_corpus_covers_every_technique_follow_up_and_shape() -> None:
    from brainstorm.ideation import FOLLOW_UPS, load_techniques

    recorded = [load(p) for p in ENTRIES if p.parent.name == "smollm2"]
    assert {e.get("technique") for e in recorded} >= set(load_techniques())
    assert {e.get("follow_up") for e in recorded} >= set(FOLLOW_UPS)
    for entry in recorded:
        assert entry["source"].startswith("embedded:smollm2")
        assert entry["messages"] and "seed" in entry["options"]
    shapes = {p.stem for p in ENTRIES if p.parent.name == "shapes"}
    assert len(shapes) >= 10
    for entry in map(load, ENTRIES):
        assert "expected" in entry and "not_ideas" in entry, "every reply was reviewed"


@pytest.mark.parametrize("path", ENTRIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_reply_splits_as_a_reader_would(path: Path) -> None:
    entry = load(path)
    split = read_reply(entry["reply"], structured=entry.get("structured", False))
    got = [{"title": idea.title, "text": idea.text} for idea in split.ideas]
    want = [{"title": e["title"], "text": e["text"]} for e in entry["expected"]]
    assert got == want
    assert [text.strip() for text in split.unassigned()] == entry["not_ideas"]
    check_accounts_for_reply(split)


@pytest.mark.parametrize("path", ENTRIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_echoes_of_the_prompt_are_flagged(path: Path) -> None:
    entry = load(path)
    if not entry.get("messages"):
        pytest.skip("no messages recorded with this reply")
    echo = PromptEcho([Message(m["role"], m["content"]) for m in entry["messages"]])
    split = read_reply(entry["reply"], structured=entry.get("structured", False))
    assert [echo.of(idea) for idea in split.ideas] == [
        e.get("echo_of_prompt", False) for e in entry["expected"]
    ]


@pytest.mark.parametrize("path", ENTRIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_streamed_reply_splits_the_same(path: Path) -> None:
    entry = load(path)
    if entry.get("structured"):
        pytest.skip("structured replies are read once finished")
    reply = entry["reply"]
    whole = read_reply(reply, structured=False)
    chance = random.Random(path.stem)  # the same cuts on every run
    for size in (1, 3, 17):
        splitter = IdeaStreamSplitter()
        ideas = []
        position = 0
        while position < len(reply):
            step = chance.randint(1, size)
            ideas += splitter.feed(reply[position : position + step])
            position += step
        ideas += splitter.finish()
        assert ideas == whole.ideas
        assert splitter.spans == whole.spans
