"""Themes (brainstorm/themes/): every idea in exactly one theme, the same themes for the same
ideas, renames surviving a regrouping, model labels stored as DRAFTs (against the fake Ollama),
and what is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainstorm import themes
from brainstorm.ask import build_theme_label
from brainstorm.converge_events import OTHER_THEME, ThemeLabelAccepted, ThemeLabelled
from brainstorm.events import IdeaStatusChanged, Status
from brainstorm.llm.ollama import OllamaBackend
from brainstorm.session_log import read_events
from brainstorm.session_writer import SessionWriter
from brainstorm.store import SessionStore
from brainstorm.themes.labels import label_from_reply, write_model_label
from tests.fakes import FakeOllama
from tests.session_support import draft

NOISE = [
    "Noise-cancelling headphones for every desk",
    "Noise-cancelling headphones with a busy light",
    "Acoustic panels to absorb noise in meeting rooms",
    "Noise meter that warns when the open space gets loud",
    "Noise-free quiet zone with acoustic curtains",
]
PLANTS = [
    "Moss walls with plants between the desks",
    "Green plants on every desk to soften sound",
    "A wall of ferns and plants by the entrance",
    "Plants chosen by each team for their corner",
    "Hanging plants over the kitchen counter",
]
KITCHEN = [
    "Move the coffee machine into the kitchen",
    "Kitchen with a door that closes",
    "Coffee breaks in the kitchen, not at desks",
    "Soft-close cabinets in the kitchen",
    "A second coffee kitchen on the top floor",
]
IDEAS = NOISE + PLANTS + KITCHEN


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[SessionWriter]:
    with SessionStore(tmp_path).create("quieter offices") as w:
        yield w


def group(writer: SessionWriter, max_themes: int = 8) -> bool:
    grouping = themes.group_ideas(themes.theme_items(writer.session), max_themes=max_themes)
    return themes.regroup(writer, grouping, max_themes=max_themes)


def members(writer: SessionWriter) -> list[set[int]]:
    board = writer.session.themes
    assert board is not None
    return [set(t.ideas) for t in board.themes.values()]


# --- grouping -----------------------------------------------------------------------------------

WORDS = ["noise", "plants", "coffee", "desk", "light", "booth", "garden", "quiet", "lunch", "x"]
texts = st.lists(st.sampled_from(WORDS), min_size=0, max_size=6).map(" ".join) | st.text(
    max_size=30
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=0, max_size=40), st.integers(1, 8), st.randoms())
def test_every_idea_is_in_exactly_one_theme(ideas: list[str], max_themes: int, rnd: object) -> None:
    ids = list(range(1, len(ideas) + 1))
    rnd.shuffle(ids)  # type: ignore[attr-defined]
    items = list(zip(ids, ideas, strict=True))
    grouping = themes.group_ideas(items, max_themes=max_themes)
    placed = [i for g in grouping.groups for i in g] + grouping.other
    assert sorted(placed) == sorted(ids)  # a partition: each idea once, none lost
    assert len(grouping.groups) <= max_themes
    assert all(len(g) >= 2 and g == sorted(g) for g in grouping.groups)
    assert len(grouping.terms) == len(grouping.groups)
    # The same ideas in another order: the same themes.
    again = themes.group_ideas(list(reversed(items)), max_themes=max_themes)
    assert again == grouping


def test_themes_follow_the_words() -> None:
    grouping = themes.group_ideas(list(enumerate(IDEAS, 1)), max_themes=3)
    found = sorted(sorted(g) for g in grouping.groups)
    assert found == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12, 13, 14, 15]]
    terms = {tuple(sorted(g)): t for g, t in zip(grouping.groups, grouping.terms, strict=True)}
    assert "noise" in terms[(1, 2, 3, 4, 5)]
    assert "plants" in terms[(6, 7, 8, 9, 10)]
    assert "kitchen" in terms[(11, 12, 13, 14, 15)] or "coffee" in terms[(11, 12, 13, 14, 15)]


def test_ideas_with_nothing_to_group_by_go_to_other() -> None:
    items = [(1, "noise booths"), (2, "noise booths please"), (3, "the and of"), (4, "!!!")]
    grouping = themes.group_ideas(items, max_themes=4)
    assert grouping.groups == [[1, 2]]
    assert grouping.other == [3, 4]


def test_embeddings_decide_the_groups_when_given() -> None:
    items = [(1, "alpha"), (2, "beta"), (3, "gamma"), (4, "delta"), (5, "epsilon"), (6, "zeta")]
    east, west = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    vectors = {1: east, 2: west, 3: east, 4: west, 5: east * 2, 6: west + 0.01}
    grouping = themes.group_ideas(items, max_themes=2, vectors=vectors)
    assert grouping.method == "embeddings"
    assert sorted(grouping.groups) == [[1, 3, 5], [2, 4, 6]]


def test_at_most_max_themes_and_one_theme_for_a_few_ideas() -> None:
    assert themes.theme_count(4, 8) == 1
    assert themes.theme_count(40, 8) == 4
    assert themes.theme_count(10_000, 8) == 8
    assert themes.theme_count(10_000, 3) == 3
    with pytest.raises(ValueError):
        themes.group_ideas([(1, "x")], max_themes=0)


# --- stored themes ------------------------------------------------------------------------------


def test_a_grouping_is_stored_as_an_event_and_not_repeated(writer: SessionWriter) -> None:
    for text in IDEAS:
        draft(writer, text)
    assert group(writer, 3)
    assert not group(writer, 3)  # the same themes: nothing new recorded
    events = [e for e in read_events(writer.path)[0] if e.type == "themes_grouped"]
    assert len(events) == 1
    board = writer.session.themes
    assert board is not None and board.method == "text" and board.max_themes == 3
    assert sorted(i for t in board.themes.values() for i in t.ideas) == list(range(1, 16))
    assert all(t.label_author == "words" and t.label for t in board.themes.values())


def test_rejected_and_hidden_ideas_are_not_grouped(writer: SessionWriter) -> None:
    for text in IDEAS[:5]:
        draft(writer, text)
    writer.append(IdeaStatusChanged(idea=2, status=Status.REJECTED))
    eligible = [i for i, _ in themes.theme_items(writer.session)]
    assert eligible == [1, 3, 4, 5]


def test_a_rename_survives_regrouping_after_new_ideas(writer: SessionWriter) -> None:
    for text in IDEAS:
        draft(writer, text)
    group(writer, 3)
    noise = next(t for t in writer.session.themes.themes.values() if 1 in t.ideas)  # type: ignore[union-attr]
    themes.rename(writer, noise.id, "Quiet tech", by="ana")
    for text in ("Noise-cancelling booths for calls", "Noise curtains around the desks"):
        draft(writer, text)
    assert group(writer, 3)
    board = writer.session.themes
    assert board is not None
    kept = board.themes[noise.id]
    assert kept.label == "Quiet tech" and kept.label_author == "human"
    assert kept.labelled_by == "ana"
    assert {1, 2, 3, 4, 5} <= set(kept.ideas)
    assert themes.jaccard(noise.ideas, kept.ideas) >= themes.SAME_THEME


def test_a_theme_that_no_longer_exists_loses_its_name(writer: SessionWriter) -> None:
    for text in IDEAS:
        draft(writer, text)
    group(writer, 3)
    noise = next(t for t in writer.session.themes.themes.values() if 1 in t.ideas)  # type: ignore[union-attr]
    themes.rename(writer, noise.id, "Quiet tech")
    for idea_id in (1, 2, 3, 4):  # most of its ideas rejected: the theme is gone
        writer.append(IdeaStatusChanged(idea=idea_id, status=Status.REJECTED))
    group(writer, 3)
    board = writer.session.themes
    assert board is not None
    assert noise.id not in board.themes
    assert all(t.label != "Quiet tech" for t in board.themes.values())
    assert board.highest_id > noise.id  # new themes never reuse an old id


def test_still_exists_means_jaccard_at_least_one_half() -> None:
    from brainstorm.converge_events import ThemeBoard, ThemeRecord
    from brainstorm.event_base import utc_now

    old = ThemeBoard(
        seq=1,
        at=utc_now(),
        method="text",
        max_themes=8,
        themes={3: ThemeRecord(id=3, label="Mine", label_author="human", ideas=[1, 2, 3, 4])},
        highest_id=3,
    )
    half = themes.Grouping([[1, 2, 3, 4, 5, 6, 7, 8]], [["a"]], [], "text")  # 4/8 = 0.5
    below = themes.Grouping([[1, 2, 3, 5, 6, 7, 8, 9]], [["a"]], [], "text")  # 3/9 < 0.5
    eligible = range(1, 10)
    assert themes.carry_over(old, half, eligible)[0].label == "Mine"
    carried = themes.carry_over(old, below, eligible)[0]
    assert carried.label == "a" and carried.id == 4
    # Two groups cannot both inherit the theme: the better overlap does.
    split = themes.Grouping([[1, 2, 3], [4, 5]], [["a"], ["b"]], [], "text")
    records = themes.carry_over(old, split, eligible)
    assert [(r.id, r.label) for r in records] == [(3, "Mine"), (4, "b")]


def test_rename_and_accept_are_checked(writer: SessionWriter) -> None:
    with pytest.raises(themes.ThemeError, match="no themes yet"):
        themes.rename(writer, 1, "x")
    for text in [*IDEAS, "!!!"]:
        draft(writer, text)
    group(writer, 3)
    with pytest.raises(themes.ThemeError, match="no theme T99"):
        themes.rename(writer, 99, "x")
    with pytest.raises(themes.ThemeError, match="keeps its name"):
        themes.rename(writer, OTHER_THEME, "x")
    with pytest.raises(themes.ThemeError, match="cannot be empty"):
        themes.rename(writer, 1, "  \n ")
    with pytest.raises(themes.ThemeError, match="control characters"):
        themes.rename(writer, 1, "evil\x1b[31m")
    with pytest.raises(themes.ThemeError, match="not a model draft"):
        themes.accept_label(writer, 1)
    assert themes.rename(writer, 1, "  Two\nlines  ").label == "Two lines"
    assert themes.parse_theme_ref("T3") == 3 and themes.parse_theme_ref("t12") == 12
    with pytest.raises(themes.ThemeError):
        themes.parse_theme_ref("three")


def test_theme_views_follow_the_ideas_as_they_are_now(writer: SessionWriter) -> None:
    for text in IDEAS:
        draft(writer, text)
    group(writer, 3)
    writer.append(IdeaStatusChanged(idea=1, status=Status.REJECTED))
    late = draft(writer, "A brand new idea about parking")
    views, ungrouped = themes.theme_views(writer.session)
    shown = [i.id for v in views for i in v.ideas]
    assert 1 not in shown and late not in shown
    assert [i.id for i in ungrouped] == [late]


# --- model labels -------------------------------------------------------------------------------


@pytest.fixture
async def backend(fake_ollama: FakeOllama) -> AsyncIterator[OllamaBackend]:
    fake_ollama.add_model(
        "llama3.2", reply='**Label:** "Quiet tech"\n\nThese ideas are about noise.'
    )
    async with OllamaBackend(fake_ollama.url) as backend:
        yield backend


async def test_a_model_label_is_stored_as_a_draft_until_accepted(
    writer: SessionWriter, backend: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    for text in IDEAS:
        draft(writer, text)
    group(writer, 3)
    board = writer.session.themes
    assert board is not None
    theme = board.themes[1]
    ideas = [writer.session.ideas[i] for i in theme.ideas]
    request = build_theme_label(writer.session, theme, ideas, backend=backend, model="llama3.2")
    labelled = await write_model_label(writer, backend, request, theme.id)
    assert labelled.label == "Quiet tech"
    assert labelled.label_author == "model" and labelled.label_status == "draft"
    assert labelled.label_is_draft and labelled.label_model == "llama3.2"
    sent = fake_ollama.last_request("/api/chat")
    prompt = sent.messages[-1]["content"]
    assert "quieter offices" in prompt and ideas[0].text in prompt
    stored = [e for e in read_events(writer.path)[0] if isinstance(e, ThemeLabelled)]
    assert stored[-1].reply == '**Label:** "Quiet tech"\n\nThese ideas are about noise.'
    # A regrouping keeps the draft a draft; accepting makes it the person's choice.
    draft(writer, "Noise-cancelling booths for calls")
    group(writer, 3)
    assert writer.session.themes.themes[theme.id].label_is_draft  # type: ignore[union-attr]
    accepted = themes.accept_label(writer, theme.id, by="ben")
    assert accepted.label_status == "accepted" and accepted.labelled_by == "ben"
    assert any(isinstance(e, ThemeLabelAccepted) for e in read_events(writer.path)[0])


@pytest.mark.parametrize(
    ("reply", "label"),
    [
        ("Quiet tech", "Quiet tech"),
        ("1. **Quiet tech.**", "Quiet tech"),
        ("\n\nName: 'Green corners'\nbecause…", "Green corners"),
        ("# Kitchen moves", "Kitchen moves"),
        ("evil\x1b[31m red", "evil[31m red"),
        ("", None),
        ("   \n  ", None),
        ("x" * 200, "x" * 79 + "…"),
    ],
)
def test_the_label_is_read_from_the_reply(reply: str, label: str | None) -> None:
    assert label_from_reply(reply) == label
