"""When to stop asking (brainstorm/exhaustion.py): the exhaustion curve on sessions with known
duplicates, the plain verdict, and the model's ideas against people's side by side."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from brainstorm import review
from brainstorm.duplicates import Similarity, session_duplicates
from brainstorm.event_base import utc_now
from brainstorm.events import GenerationCompleted, IdeaDrafted, PromptSent
from brainstorm.exhaustion import exhaustion_curve, side_similarity
from brainstorm.session_writer import SessionWriter
from brainstorm.store import SessionStore

START = utc_now()


def round_of(writer: SessionWriter, number: int, texts: list[str], *, hidden: bool = False) -> None:
    prompt_id = f"p{number}"
    writer.append(
        PromptSent(
            prompt_id=prompt_id,
            prompt=f"round {number}",
            model="llama3.2",
            backend="ollama",
            at=START + timedelta(minutes=number),
            hidden=hidden,
        )
    )
    ids = writer.allocate_idea_ids(len(texts))
    for idea_id, text in zip(ids, texts, strict=True):
        writer.append(
            IdeaDrafted(
                idea=idea_id,
                prompt_id=prompt_id,
                text=text,
                model="llama3.2",
                backend="ollama",
                hidden=hidden,
            )
        )
    writer.append(GenerationCompleted(prompt_id=prompt_id, ideas=ids))


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[SessionWriter]:
    with SessionStore(tmp_path).create("quieter offices") as w:
        yield w


def curve(writer: SessionWriter):  # type: ignore[no-untyped-def]
    session = writer.session
    return exhaustion_curve(session, session_duplicates(session, Similarity.text()))


FRESH = ["Moss walls in the corridor", "Quiet hours every morning", "Phone booths for calls"]


def test_the_curve_counts_new_distinct_ideas_round_by_round(writer: SessionWriter) -> None:
    round_of(writer, 1, FRESH)
    round_of(writer, 2, ["Moss walls in the corridors", "A library-style silent zone"])
    round_of(writer, 3, ["quiet hours every morning!", "Phone booths for calls", "Moss walls"])
    result = curve(writer)
    assert [(r.ideas, r.new, r.total_ideas, r.total_distinct) for r in result.rounds] == [
        (3, 3, 3, 3),
        (2, 1, 5, 4),
        (3, 1, 8, 5),  # "Moss walls" alone is new; the others restate round 1
    ]
    assert result.recent_ideas == 8 and result.recent_new == 5
    assert not result.exhausted
    assert "still add new ideas" in result.verdict()


def test_rounds_that_repeat_themselves_are_called_exhausted(writer: SessionWriter) -> None:
    round_of(writer, 1, FRESH)
    for number in (2, 3, 4):
        round_of(writer, number, [text.upper() for text in FRESH] + ["Moss walls in the corridor."])
    result = curve(writer)
    assert [r.new for r in result.rounds] == [3, 0, 0, 0]
    assert result.recent_share == 0 and result.exhausted
    assert "added almost nothing new" in result.verdict()
    data = result.as_json()
    assert data["exhausted"] is True and len(data["rounds"]) == 4
    assert data["rounds"][-1]["total_distinct"] == 3


def test_a_persons_earlier_idea_is_not_new_when_the_model_restates_it(
    writer: SessionWriter,
) -> None:
    review.add(writer, "Phone booths for calls")
    round_of(writer, 1, FRESH)
    assert [r.new for r in curve(writer).rounds] == [2]


def test_too_few_rounds_and_hidden_rounds(tmp_path: Path) -> None:
    with SessionStore(tmp_path).create("t", human_first=True) as writer:
        round_of(writer, 1, FRESH, hidden=True)
        result = curve(writer)
        assert result.rounds == [] and result.hidden_rounds == 1
        assert not result.exhausted and "too few" in result.verdict()


def test_model_and_people_side_by_side(writer: SessionWriter) -> None:
    round_of(writer, 1, ["Moss walls", "Moss walls", "Moss walls!"])
    review.add(writer, "Quiet hours every morning")
    review.add(writer, "A zebra crossing made of carpets")
    side = side_similarity(writer.session, Similarity.text())
    assert side.model_ideas == 3 and side.human_ideas == 2
    assert side.model == pytest.approx(1.0)
    assert side.human is not None and side.human < 0.6
    assert "0.377" in side.as_json()["context"]
    small = side_similarity(writer.session, Similarity.text(), sample=2)
    assert small.sampled == 2 and small.model == pytest.approx(1.0)
