"""Human-first rounds (brainstorm/rounds.py): hiding, revealing, what review may touch, and the
comparison figures on a hand-made session; ensembles (brainstorm/ensemble.py) against the fake
Ollama: fan-out, concurrency, source labels, partial failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from brainstorm import review
from brainstorm.ask import AskRequest
from brainstorm.cli.errors import ensemble_exit_code as exit_code
from brainstorm.duplicates import Similarity, session_duplicates
from brainstorm.ensemble import run_ensemble
from brainstorm.events import Status
from brainstorm.generate import generate
from brainstorm.llm.base import Message
from brainstorm.llm.ollama import OllamaBackend
from brainstorm.presentation import source_label
from brainstorm.rounds import (
    RevealError,
    comparison_texts,
    drafts_hidden,
    hidden_count,
    human_first_figures,
    reveal,
)
from brainstorm.session_writer import SessionWriter
from brainstorm.sources import Ensemble, Source, parse_floats, parse_ints, parse_names
from brainstorm.store import SessionStore
from tests.fakes import FakeOllama
from tests.session_support import draft


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions")


@pytest.fixture
def writer(store: SessionStore) -> Iterator[SessionWriter]:
    with store.create("Quieter offices", human_first=True) as w:
        yield w


def test_model_ideas_stay_hidden_until_revealed(writer: SessionWriter, store: SessionStore) -> None:
    session = writer.session
    assert drafts_hidden(session) and not session.revealed
    mine = review.add(writer, "Moss walls that absorb sound")
    hidden = draft(writer, "Plant moss walls to absorb sound", hidden=True)
    assert [i.id for i in writer.session.visible_ideas()] == [mine.id]
    assert hidden_count(writer.session) == 1
    # Nobody has seen it, so nobody can review it.
    for act in (
        lambda: review.edit(writer, hidden, "changed"),
        lambda: review.set_status(writer, hidden, Status.ACCEPTED),
    ):
        with pytest.raises(review.ReviewError, match="hidden until you reveal"):
            act()

    assert reveal(writer) == 1
    assert reveal(writer) == 0  # nothing more to reveal: nothing recorded
    reloaded = store.load(writer.session_id).session
    assert reloaded.revealed and reloaded.revealed_at is not None
    assert [i.id for i in reloaded.visible_ideas()] == [mine.id, hidden]
    assert not drafts_hidden(reloaded) and hidden_count(reloaded) == 0
    assert review.set_status(writer, hidden, Status.ACCEPTED)
    kinds = [line for line in writer.path.read_text().splitlines() if "ideas_revealed" in line]
    assert len(kinds) == 1


def test_reveal_refuses_sessions_that_were_not_human_first(store: SessionStore) -> None:
    with store.create("Open session") as plain:
        assert not drafts_hidden(plain.session)
        with pytest.raises(RevealError, match="not started human-first"):
            reveal(plain)


def test_comparison_figures_on_a_hand_made_session(writer: SessionWriter) -> None:
    # Before the reveal: three ideas of the person's, four hidden model ideas.
    h1 = review.add(writer, "Moss walls that absorb sound").id
    h2 = review.add(writer, "Quiet hours every morning").id
    h3 = review.add(writer, "A seed library").id
    m1 = draft(writer, "Plant moss walls to absorb sound", hidden=True)  # ≈ h1
    m2 = draft(writer, "Noise-cancelling phone booths for calls", hidden=True)
    m3 = draft(writer, "Quiet hours every morning!", hidden=True)  # = h2
    m4 = draft(writer, "Carpet the floors to dampen footsteps", hidden=True)

    before = human_first_figures(writer.session)
    assert before is not None and not before.revealed
    assert (before.human.ideas, before.model.ideas) == (3, 4)
    assert before.model_duplicating_human is None and before.duplicates is None
    assert before.model_revision is None  # nothing to say until the person has seen them

    reveal(writer)
    # The person reviews: edits m2 and accepts it, accepts m1 as-is, rejects m3; rejects h3.
    review.edit(writer, m2, "Phone booths for calls")
    review.set_status(writer, m2, Status.ACCEPTED)
    review.set_status(writer, m1, Status.ACCEPTED)
    review.set_status(writer, m3, Status.REJECTED)
    review.set_status(writer, h3, Status.REJECTED)
    # After the reveal: outside the comparison.
    review.add(writer, "Phone booths with a window")
    late = draft(writer, "Moss walls, again", hidden=False)

    figures = human_first_figures(writer.session)
    assert figures is not None and figures.revealed and figures.revealed_at is not None
    assert figures.human.model_dump() == {"ideas": 3, "accepted": 2, "rejected": 1, "draft": 0}
    assert figures.model.model_dump() == {"ideas": 4, "accepted": 2, "rejected": 1, "draft": 1}
    assert figures.after_reveal == {"human": 1, "model": 1}
    revision = figures.model_revision
    assert revision is not None and revision.model_ideas == 4
    assert (revision.edited_model_ideas, revision.accepted_as_is) == (1, 1)
    # m2: "Noise-cancelling phone booths for calls" → "Phone booths for calls":
    # 1 word deleted, 1 substituted ("phone" → "Phone"); final words 6 + 4 + 4 + 6.
    assert revision.word_edit_rate == pytest.approx(2 / (6 + 4 + 4 + 6))
    assert figures.model_duplicating_human == 2
    assert figures.duplicates is not None
    assert [(d.model_idea, d.human_idea) for d in figures.duplicates] == [(m1, h1), (m3, h2)]
    assert figures.duplicates[1].similarity == 1.0
    assert figures.model_duplicate_share == pytest.approx(2 / 4)
    assert (figures.method, figures.threshold) == ("text", 0.8)
    assert m4 not in {d.model_idea for d in figures.duplicates}
    assert late not in {d.model_idea for d in figures.duplicates}
    data = figures.as_json()
    assert data["human"]["ideas"] == 3 and data["model_duplicate_share"] == 0.5
    assert len(comparison_texts(writer.session)) == 7

    # A stricter threshold finds only the exact copy.
    strict = human_first_figures(writer.session, Similarity.text(0.99))
    assert strict is not None and strict.model_duplicating_human == 1


def test_duplicates_over_a_session_leave_hidden_ideas_out(writer: SessionWriter) -> None:
    a = review.add(writer, "Moss walls that absorb sound").id
    b = review.add(writer, "moss walls that absorb SOUND").id
    hidden = draft(writer, "Moss walls that absorb sound", hidden=True)
    report = session_duplicates(writer.session, Similarity.text())
    assert [g.ids for g in report.groups] == [(a, b)] and report.ideas == 2
    reveal(writer)
    report = session_duplicates(writer.session, Similarity.text())
    assert [g.ids for g in report.groups] == [(a, b, hidden)]


def test_a_reply_arriving_after_the_reveal_is_shown_and_counts_as_the_models(
    writer: SessionWriter,
) -> None:
    reveal(writer)
    late = draft(writer, "Asked before the reveal", hidden=True)  # prompt was sent hidden
    idea = writer.session.ideas[late]
    assert not idea.hidden and idea.before_reveal
    figures = human_first_figures(writer.session)
    assert figures is not None and figures.model.ideas == 1


def test_non_human_first_sessions_have_no_comparison(store: SessionStore) -> None:
    with store.create("Open") as plain:
        review.add(plain, "An idea")
        assert human_first_figures(plain.session) is None
        assert not plain.session.ideas[1].before_reveal


# --- ensembles --------------------------------------------------------------------------------


def test_sources_are_every_combination_in_order() -> None:
    sources = Ensemble(("a", "b"), (0.3, 0.9)).sources()
    assert [(s.model, s.temperature) for s in sources] == [
        ("a", 0.3),
        ("a", 0.9),
        ("b", 0.3),
        ("b", 0.9),
    ]
    assert Ensemble(("a",)).sources() == [Source("a")]
    assert len(Ensemble(("a",), (0.5,), (1, 2, 3)).sources()) == 3
    with pytest.raises(ValueError, match="at most"):
        Ensemble(("a",), tuple(0.1 * i for i in range(10)), tuple(range(10))).sources()
    assert Source("llama3.2", 0.9).label() == "llama3.2 @ t=0.9"
    assert Source("m", None, 7).label({"temperature": 0.5}) == "m @ t=0.5, seed 7"
    assert Source("m").label() == "m"


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (parse_names, " llama3.2, qwen3 ,llama3.2", ["llama3.2", "qwen3"]),
        (parse_floats, "0.3,0.9", [0.3, 0.9]),
        (parse_floats, "1", [1.0]),
        (parse_ints, "1, 2,2", [1, 2]),
    ],
)
def test_lists_parse(parse: object, text: str, expected: list[object]) -> None:
    assert parse(text) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (parse_names, " , ", "at least one model"),
        (parse_floats, "0.3,hot", "not a number"),
        (parse_floats, "-1", "≥ 0"),
        (parse_floats, "nan", "≥ 0"),
        (parse_ints, "1.5", "whole number"),
    ],
)
def test_bad_lists_are_refused(parse: object, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(text)  # type: ignore[operator]


def spec(sources: list[Source], hidden: bool = False) -> AskRequest:
    return AskRequest(
        prompt="ideas",
        messages=(Message("user", "Ideas for quieter offices?"),),
        sources=tuple(sources),
        options={"num_ctx": 2048},
        hidden=hidden,
    )


async def test_ensemble_runs_concurrently_and_labels_every_draft(
    fake_ollama: FakeOllama, writer: SessionWriter
) -> None:
    fake_ollama.add_model("llama3.2", reply="1. Moss walls.\n2. Quiet hours.")
    fake_ollama.add_model("qwen3", reply="1. Phone booths.")
    fake_ollama.chunk_delay = 0.02
    sources = Ensemble(("llama3.2", "qwen3"), (0.3, 0.9)).sources()
    done: list[str] = []
    deltas: dict[Source, str] = {}

    def on_delta(source: Source, text: str) -> None:
        deltas[source] = deltas.get(source, "") + text

    async with OllamaBackend(fake_ollama.url) as backend:
        results = await run_ensemble(
            writer,
            backend,
            spec(sources, hidden=drafts_hidden(writer.session)),
            on_delta=on_delta,
            on_done=lambda r: done.append(r.label),
        )
    assert fake_ollama.max_in_flight >= 2
    assert [r.source for r in results] == sources and all(r.ok for r in results)
    assert exit_code(results) == 0 and len(done) == 4
    assert deltas[sources[0]].startswith("1. Moss walls.")
    sent = {(r.model, r.options["temperature"]) for r in fake_ollama.requests_to("/api/chat")}
    assert sent == {("llama3.2", 0.3), ("llama3.2", 0.9), ("qwen3", 0.3), ("qwen3", 0.9)}
    assert all(r.options["num_ctx"] == 2048 for r in fake_ollama.requests_to("/api/chat"))
    ideas = writer.session.ideas
    assert len(ideas) == 6 and all(i.hidden for i in ideas.values())  # human-first: hidden
    reveal(writer)
    labels = sorted(source_label(i) for i in writer.session.ideas.values())
    assert labels == [
        "ollama:llama3.2 @ t=0.3",
        "ollama:llama3.2 @ t=0.3",
        "ollama:llama3.2 @ t=0.9",
        "ollama:llama3.2 @ t=0.9",
        "ollama:qwen3 @ t=0.3",
        "ollama:qwen3 @ t=0.9",
    ]
    # Idea ids never collide although the replies were stored concurrently.
    assert sorted(ideas) == list(range(1, 7))


async def test_one_missing_model_fails_alone(fake_ollama: FakeOllama, store: SessionStore) -> None:
    fake_ollama.add_model("llama3.2")
    with store.create("x") as w:
        async with OllamaBackend(fake_ollama.url) as backend:
            results = await run_ensemble(w, backend, spec(Ensemble(("llama3.2", "gone")).sources()))
        assert [r.ok for r in results] == [True, False]
        assert exit_code(results) == 1
        failed = results[1]
        assert failed.error is not None and "gone" in failed.error.message
        outcomes = {p.model: p.outcome for p in w.session.prompts.values()}
        assert outcomes == {"llama3.2": "completed", "gone": "failed"}


async def test_nothing_can_run_when_the_server_is_down(
    dead_ollama_url: str, store: SessionStore
) -> None:
    with store.create("x") as w:
        async with OllamaBackend(dead_ollama_url) as backend:
            results = await run_ensemble(w, backend, spec(Ensemble(("a", "b"), (0.5,)).sources()))
        assert exit_code(results) == 3 and not any(r.ok for r in results)


async def test_single_source_is_plain_generate(
    fake_ollama: FakeOllama, store: SessionStore
) -> None:
    fake_ollama.add_model("llama3.2")
    with store.create("x") as w:
        async with OllamaBackend(fake_ollama.url) as backend:
            (result,) = await run_ensemble(w, backend, spec([Source("llama3.2")]))
            plain = await generate(w, backend, spec([Source("llama3.2")]))
        assert len(result.ideas) == len(plain.ideas) == 3
        assert "temperature" not in fake_ollama.requests_to("/api/chat")[0].options
