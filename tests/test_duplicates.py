"""Near-duplicate detection (brainstorm/duplicates/): hand-made near-duplicate and distinct
pairs, leader groups and nearest flags, the diversity figures against a direct computation,
properties of identical copies, and the embeddings path against the fake Ollama's /api/embed.
The incremental index and its file: tests/test_duplicate_index.py."""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from brainstorm.cli.hints import cli_hint
from brainstorm.config import ENV_VARS, ConfigError, Settings, load_settings
from brainstorm.duplicates import (
    BLOCK_ROWS,
    DEFAULT_THRESHOLDS,
    Similarity,
    best_matches,
    build_similarity,
    canonical,
    find_duplicates,
    text_key,
    text_similarity,
)
from brainstorm.llm import open_embedder
from brainstorm.llm.base import ModelNotFound
from brainstorm.llm.ollama import OllamaBackend
from tests.fakes import FakeOllama

NEAR_DUPLICATES = [
    (
        "A shared calendar for neighbours to lend each other tools.",
        "Neighbours lend each other tools using a shared calendar.",
    ),
    ("A seed library in the school entrance hall.", "Seed library at the school entrance"),
    ("Noise-cancelling phone booths for calls", "Phone booths for calls, with noise cancelling"),
    ("Plant moss walls to absorb sound", "Moss walls that absorb sound"),
    ("Tool library", "tool   LIBRARY!"),
]
DISTINCT = [
    ("Plant moss walls to absorb sound", "Carpet the floors to dampen footsteps"),
    ("Use white noise machines", "Install sound masking systems"),
    ("Tool library", "Seed library"),
    ("Quiet hours every morning", "Quiet hours every afternoon"),
    ("Bikes for kids", "Bikes for the elderly"),
    ("Community garden on the roof", "Community garden on the roof with beehives and compost"),
]


@pytest.mark.parametrize(("a", "b"), NEAR_DUPLICATES)
def test_near_duplicate_pairs(a: str, b: str) -> None:
    assert text_similarity(a, b) >= DEFAULT_THRESHOLDS["text"]
    report = find_duplicates([(1, a), (2, b)], Similarity.text())
    assert [g.ids for g in report.groups] == [(1, 2)]
    assert report.duplicates_of(1) == [2] and report.duplicates_of(2) == [1]
    assert (report.distinct, report.distinct_share) == (1, 0.5)


@pytest.mark.parametrize(("a", "b"), DISTINCT)
def test_distinct_pairs(a: str, b: str) -> None:
    assert text_similarity(a, b) < DEFAULT_THRESHOLDS["text"]
    report = find_duplicates([(1, a), (2, b)], Similarity.text())
    assert report.groups == [] and report.duplicates_of(1) == []
    assert (report.distinct, report.distinct_share) == (2, 1.0)


def test_text_similarity_is_token_sort_ratio_of_canonical_text() -> None:
    a, b = "Phone booths, for CALLS", "calls: phone booth"
    assert text_key(a) == "booths calls for phone"
    expected = fuzz.token_sort_ratio(canonical(a), canonical(b), processor=None) / 100
    # token_sort_ratio splits on whitespace only; our key also drops punctuation.
    assert text_similarity(a, b) == pytest.approx(
        fuzz.ratio("booths calls for phone", "booth calls phone") / 100
    )
    assert text_similarity(a, b) >= expected - 0.1


def test_a_threshold_is_a_setting() -> None:
    a, b = "Tool library", "Seed library"  # 0.67
    assert find_duplicates([(1, a), (2, b)], Similarity.text(0.6)).groups
    assert not find_duplicates([(1, a), (2, b)], Similarity.text(0.7)).groups
    with pytest.raises(ValueError, match="threshold"):
        Similarity.text(1.5)


def test_groups_are_led_by_their_first_idea_and_report_the_least_similar_member() -> None:
    ideas = [
        (1, "Moss walls that absorb sound"),
        (2, "Carpet the floors to dampen footsteps"),
        (3, "Plant moss walls to absorb sound"),
        (4, "Plant moss walls to absorb the sound"),
        (5, "Carpet the floors, to dampen footsteps!"),
        (6, "A seed library"),
    ]
    report = find_duplicates(ideas, Similarity.text())
    assert [(g.leader, g.ids) for g in report.groups] == [(1, (1, 3, 4)), (2, (2, 5))]
    first = report.group_of(1)
    assert first is not None and first.similarity == pytest.approx(
        min(text_similarity(ideas[0][1], ideas[2][1]), text_similarity(ideas[0][1], ideas[3][1]))
    )
    assert report.group_of(5) is not None and report.group_of(5).similarity == 1.0  # type: ignore[union-attr]
    assert report.distinct == 3 and report.distinct_share == pytest.approx(3 / 6)
    assert report.duplicated_ideas == 5
    # Nearest first: #4 is closer to #3 (one word more) than to #1.
    assert report.duplicates_of(4) == [3, 1] and report.near(4).count == 2
    assert report.duplicates_of(6) == [] and report.near(6).count == 0
    data = report.as_json()
    assert data["groups"][0] == {
        "leader": 1,
        "size": 3,
        "ideas": [1, 3, 4],
        "similarity": round(first.similarity, 4),
    }
    assert data["method"] == "text"


def test_a_chain_of_near_duplicates_is_not_one_group() -> None:
    # A≈B and B≈C, but A and C have little in common: single linkage would put all three in
    # one group; leader groups keep C apart, and the flags still show B resembles both.
    a, b, c = "quiet room booth", "quiet room booths phone", "room booths phone calls"
    similarity = Similarity.text(0.7)
    assert similarity.is_duplicate(text_similarity(a, b))
    assert similarity.is_duplicate(text_similarity(b, c))
    assert not similarity.is_duplicate(text_similarity(a, c))
    report = find_duplicates([(1, a), (2, b), (3, c)], similarity)
    assert [g.ids for g in report.groups] == [(1, 2)]
    assert report.group_of(3) is None and report.distinct == 2
    assert sorted(report.duplicates_of(2)) == [1, 3] and report.duplicates_of(3) == [2]


def _direct(
    items: list[tuple[int, str]], threshold: float
) -> tuple[dict[int, int], dict[int, list[int]], float]:
    """Leaders, near-duplicates (nearest first, then lower id) and the mean pairwise distance,
    computed pair by pair from the definitions, as an oracle."""
    sims = {(i, j): text_similarity(a, b) for (i, a), (j, b) in itertools.permutations(items, 2)}
    leader: dict[int, int] = {}
    for i, _ in sorted(items):
        links = [(-sims[i, j], j) for j in leader if leader[j] == j and sims[i, j] >= threshold]
        leader[i] = min(links)[1] if links else i
    near = {
        i: [
            j
            for _, j in sorted(
                (-sims[i, j], j) for j, _ in items if j != i and sims[i, j] >= threshold
            )
        ]
        for i, _ in items
    }
    pairs = list(itertools.combinations(sorted(i for i, _ in items), 2))
    mean = sum(1 - sims[p] for p in pairs) / len(pairs)
    return leader, near, mean


def test_matches_a_pair_by_pair_computation_across_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small blocks so that rows are compared block by block; repeated texts too.
    monkeypatch.setattr("brainstorm.duplicates.index.BLOCK_ROWS", 7)
    rng = random.Random(7)
    words = [
        "moss",
        "wall",
        "sound",
        "quiet",
        "room",
        "booth",
        "phone",
        "calendar",
        "tool",
        "seed",
        "library",
        "lamp",
    ]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 6))) for _ in range(40)]
    texts += texts[:5] + [t.upper() for t in texts[5:8]]
    items = list(enumerate(texts, start=1))
    report = find_duplicates(items, Similarity.text(0.75))
    leader, near, mean_distance = _direct(items, 0.75)
    groups: dict[int, list[int]] = {}
    for i, lead in leader.items():
        groups.setdefault(lead, []).append(i)
    assert [g.ids for g in report.groups] == sorted(
        tuple(sorted(g)) for g in groups.values() if len(g) > 1
    )
    assert all(report.group_of(i).leader == leader[i] for i in leader if report.group_of(i))  # type: ignore[union-attr]
    for i, others in near.items():
        assert report.duplicates_of(i) == others[:3] and report.near(i).count == len(others)
    assert report.mean_pairwise_distance == pytest.approx(mean_distance, abs=1e-5)
    assert report.distinct == len(groups)
    assert BLOCK_ROWS >= 256  # the real block size stays large (speed)
    monkeypatch.undo()  # and one block gives the same
    single = find_duplicates(items, Similarity.text(0.75))
    assert [g.ids for g in single.groups] == [g.ids for g in report.groups]
    assert single.mean_pairwise_distance == pytest.approx(report.mean_pairwise_distance)


def test_small_and_empty_sets() -> None:
    empty = find_duplicates([], Similarity.text())
    assert (empty.ideas, empty.distinct_share, empty.mean_pairwise_distance) == (0, None, None)
    one = find_duplicates([(1, "x")], Similarity.text())
    assert (one.distinct, one.distinct_share, one.mean_pairwise_distance) == (1, 1.0, None)
    same = find_duplicates([(1, "Same idea"), (2, "same  IDEA")], Similarity.text())
    assert same.mean_pairwise_distance == 0.0 and same.groups[0].ids == (1, 2)
    # Texts without letters or digits match only themselves.
    marks = find_duplicates([(1, "!!!"), (2, "???"), (3, "!!!")], Similarity.text())
    assert [g.ids for g in marks.groups] == [(1, 3)]


def test_best_matches_pairs_each_candidate_with_its_closest_reference() -> None:
    human = [(1, "Moss walls that absorb sound"), (2, "A seed library at school")]
    model = [
        (10, "Plant moss walls to absorb sound"),
        (11, "Carpet the floors"),
        (12, "Seed library at the school"),
    ]
    matches = best_matches(human, model, Similarity.text())
    assert [(m.idea, m.other) for m in matches] == [(10, 1), (12, 2)]
    assert all(m.similarity >= 0.8 for m in matches)
    assert best_matches([], model, Similarity.text()) == []


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120), st.floats(min_value=0.01, max_value=1.0))
def test_an_idea_is_a_duplicate_of_an_identical_copy(text: str, threshold: float) -> None:
    similarity = Similarity.text(threshold)
    assert text_similarity(text, text) == 1.0
    report = find_duplicates([(1, text), (2, text)], similarity)
    assert [g.ids for g in report.groups] == [(1, 2)]
    assert report.duplicates_of(1) == [2]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=8),
    st.lists(st.sampled_from([" ", "  ", "\t", "\n", " \n "]), min_size=9, max_size=9),
    st.randoms(use_true_random=False),
    st.floats(min_value=0.01, max_value=1.0),
)
def test_case_and_whitespace_do_not_matter(
    words: list[str], spaces: list[str], rng: random.Random, threshold: float
) -> None:
    words = [w for w in ("".join(word.split()) for word in words) if w]
    assume(words)
    text = " ".join(words)
    copy = spaces[0] + "".join(w + s for w, s in zip(words, spaces[1:], strict=False))
    copy = "".join(c.swapcase() if rng.random() < 0.5 else c for c in copy)
    # Our promise is about case as str.casefold sees it (a few letters, like the Turkish
    # dotless ı, change under swapcase+casefold and are outside it).
    assume(canonical(copy) == canonical(text))
    assert text_similarity(text, copy) == 1.0
    report = find_duplicates([(1, text), (2, copy)], Similarity.text(threshold))
    assert [g.ids for g in report.groups] == [(1, 2)]


def test_ascii_case_and_spacing_variants_are_duplicates_at_threshold_one() -> None:
    text = "Plant moss walls to absorb sound"
    variants = [text.upper(), text.lower(), "  plant MOSS\twalls to\nabsorb   sound ", text.title()]
    report = find_duplicates(list(enumerate([text, *variants])), Similarity.text(1.0))
    assert [g.ids for g in report.groups] == [(0, 1, 2, 3, 4)]


# --- embeddings -------------------------------------------------------------------------------

EMBEDDER = "nomic-embed-text"


@pytest.fixture
async def ollama(fake_ollama: FakeOllama) -> AsyncIterator[OllamaBackend]:
    # 256 dimensions: the fake's pseudo-random vectors of different texts are then far from
    # each other (cosine ~ ±0.1), while equal texts embed equally.
    fake_ollama.add_model(EMBEDDER, family="nomic-bert", embedding_size=256)
    async with OllamaBackend(fake_ollama.url) as backend:
        yield backend


async def test_backend_embeds_texts_in_order_and_in_batches(
    ollama: OllamaBackend, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("brainstorm.llm.ollama.EMBED_BATCH", 2)
    vectors = await ollama.embed(EMBEDDER, ["a", "b", "a", "c", "d"])
    assert len(vectors) == 5 and all(len(v) == 256 for v in vectors)
    assert vectors[0] == vectors[2] and vectors[0] != vectors[1]
    bodies = [r.body for r in fake_ollama.requests_to("/api/embed")]
    assert [b["input"] for b in bodies] == [["a", "b"], ["a", "c"], ["d"]]
    assert all(b["model"] == EMBEDDER for b in bodies)
    assert await ollama.embed(EMBEDDER, []) == []


async def test_backend_embed_names_a_missing_model(ollama: OllamaBackend) -> None:
    with pytest.raises(ModelNotFound) as caught:
        await ollama.embed("mxbai-embed-large", ["x"])
    assert "mxbai-embed-large" in caught.value.message
    assert caught.value.hint and "ollama pull mxbai-embed-large" in caught.value.hint
    assert "brainstorm models pull mxbai-embed-large" in (cli_hint(caught.value) or "")


async def test_embeddings_method_groups_equal_texts_and_separates_others(
    ollama: OllamaBackend, fake_ollama: FakeOllama
) -> None:
    texts = ["Moss walls", "moss   WALLS", "Carpet the floors", "A seed library", "Moss walls!"]
    similarity = await build_similarity(
        "embeddings", None, texts, embedder=ollama, embedding_model=EMBEDDER
    )
    assert (similarity.method, similarity.note, similarity.fell_back) == ("embeddings", None, False)
    assert similarity.threshold == DEFAULT_THRESHOLDS["embeddings"]
    # Each distinct canonical text is embedded once.
    sent = [r.body["input"] for r in fake_ollama.requests_to("/api/embed")]
    assert sent == [sorted({canonical(t) for t in texts})]
    report = find_duplicates(list(enumerate(texts, start=1)), similarity)
    # Equal words in the same order are the same idea (1.0), whatever the vectors say.
    assert [g.ids for g in report.groups] == [(1, 2, 5)]
    assert report.method == "embeddings" and report.embedding_model == EMBEDDER
    assert report.mean_pairwise_distance is not None and report.mean_pairwise_distance > 0.5
    matrix = similarity.matrix(texts, texts)
    assert matrix[0, 1] == 1.0 and abs(matrix[0, 2]) < 0.5

    # Later calls reuse the vectors and embed only new texts.
    again = await build_similarity(
        "auto",
        0.9,
        [*texts, "Quiet hours"],
        embedder=ollama,
        embedding_model=EMBEDDER,
        reuse=similarity,
    )
    assert fake_ollama.requests_to("/api/embed")[-1].body["input"] == ["quiet hours"]
    assert again.threshold == 0.9 and again.method == "embeddings"
    with pytest.raises(ValueError, match="no embedding"):
        again.matrix(["never embedded"], texts)


@settings(max_examples=25, deadline=None)
@given(text=st.text(min_size=1, max_size=60))
async def test_identical_copies_are_duplicates_with_embeddings_too(text: str) -> None:
    with FakeOllama() as fake:
        fake.add_model(EMBEDDER, embedding_size=64)
        async with OllamaBackend(fake.url) as backend:
            spaced = f"  {' '.join(text.split())}\t"
            similarity = await build_similarity(
                "embeddings", 1.0, [text, spaced], embedder=backend, embedding_model=EMBEDDER
            )
    assert similarity.method == "embeddings"
    report = find_duplicates([(1, text), (2, text), (3, spaced)], similarity)
    assert report.duplicates_of(1) == [2, 3]


async def test_auto_falls_back_to_text_when_embeddings_are_not_there(
    ollama: OllamaBackend, dead_ollama_url: str
) -> None:
    missing = await build_similarity(
        "auto", None, ["x"], embedder=ollama, embedding_model="not-pulled"
    )
    assert missing.method == "text" and missing.threshold == DEFAULT_THRESHOLDS["text"]
    assert missing.note and "not-pulled" in missing.note and not missing.fell_back
    async with OllamaBackend(dead_ollama_url) as dead:
        down = await build_similarity(
            "embeddings", 0.7, ["x"], embedder=dead, embedding_model=EMBEDDER
        )
    assert down.method == "text" and down.threshold == 0.7 and down.fell_back
    assert down.note and "Cannot reach Ollama" in down.note
    none = await build_similarity(
        "embeddings", None, ["x"], embedder=None, embedding_model=EMBEDDER
    )
    assert none.method == "text" and none.note and "Ollama backend" in none.note


# --- settings ---------------------------------------------------------------------------------


def test_duplicate_settings_from_config_file_env_and_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ENV_VARS.values():
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config.toml"
    config.write_text(
        'duplicates = "auto"\nduplicate_threshold = 0.7\nembedding_model = "mxbai-embed-large"\n'
    )
    monkeypatch.setenv("BRAINSTORM_CONFIG", str(config))
    settings = load_settings()
    assert (settings.duplicates, settings.duplicate_threshold) == ("auto", 0.7)
    assert settings.embedding_model == "mxbai-embed-large"
    monkeypatch.setenv("BRAINSTORM_DUPLICATES", "text")
    monkeypatch.setenv("BRAINSTORM_DUPLICATE_THRESHOLD", "0.9")
    settings = load_settings()
    assert (settings.duplicates, settings.duplicate_threshold) == ("text", 0.9)
    assert load_settings(duplicate_threshold=0.95).duplicate_threshold == 0.95
    assert open_embedder(settings) is None  # text: nothing to talk to
    assert Settings().duplicates == "text" and Settings().duplicate_threshold is None
    for bad in ({"duplicates": "fuzzy"}, {"duplicate_threshold": 0}, {"duplicate_threshold": 2}):
        with pytest.raises(ConfigError):
            load_settings(**bad)


async def test_open_embedder_only_for_ollama() -> None:
    assert open_embedder(Settings(duplicates="embeddings", backend="embedded")) is None
    embedder = open_embedder(Settings(duplicates="auto", host="127.0.0.1:1"))
    assert isinstance(embedder, OllamaBackend) and embedder.location == "http://127.0.0.1:1"
    await embedder.aclose()
