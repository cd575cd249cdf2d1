"""Revision metrics: exact values on hand-made cases, session figures, and properties checked
against independent computations (a plain dynamic-programming Levenshtein / LCS and
sacrebleu's TER)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein
from sacrebleu.metrics.ter import TER

from brainstorm.events import (
    Event,
    IdeaAdded,
    IdeaDrafted,
    IdeaRevised,
    IdeaStatusChanged,
    SessionCreated,
    Status,
)
from brainstorm.metrics.diff import word_diff
from brainstorm.metrics.idea import IdeaMetrics, edit_seconds, idea_metrics, session_idea_metrics
from brainstorm.metrics.session import aggregate, group_metrics, overall_metrics, session_metrics
from brainstorm.metrics.text import (
    char_edit_rate,
    kept_words,
    model_retention,
    model_share,
    text_figures,
    word_edit_rate,
    word_edits,
)
from brainstorm.models import Author, Idea, Revision, Session
from brainstorm.replay import apply_event

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def model_idea(original: str, *revisions: str, status: Status = Status.DRAFT) -> Idea:
    return Idea(
        id=1,
        author=Author.MODEL,
        text=revisions[-1] if revisions else original,
        original=original,
        model="llama3.2",
        created_at=T0,
        status=status,
        revisions=[Revision(text=t, at=at(10 * (i + 1))) for i, t in enumerate(revisions)],
    )


# --- independent reference implementations (plain O(n·m) dynamic programming) ----------------


def dp_levenshtein(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def dp_lcs(a: list[str], b: list[str]) -> int:
    row = [0] * (len(b) + 1)
    for x in a:
        prev = 0
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], prev + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


# --- exact values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "final", "wer", "cer", "retention", "share"),
    [
        pytest.param("the cat sat", "the cat sat", 0.0, 0.0, 1.0, 1.0, id="no edit"),
        # every word differs; 3 substitutions over 3 final words; the two spaces still match
        pytest.param("a b c", "x y z", 1.0, 3 / 5, 0.0, 0.0, id="full rewrite"),
        # +"black " +" down": 2 word insertions / 5 final words; 11 chars of 22
        pytest.param("the cat sat", "the black cat sat down", 2 / 5, 11 / 22, 1.0, 3 / 5, id="ins"),
        pytest.param("the black cat sat down", "the cat sat", 2 / 3, 11 / 22, 3 / 5, 1.0, id="del"),
        pytest.param("a b c d", "a x c d", 1 / 4, 1 / 7, 3 / 4, 3 / 4, id="one substitution"),
        pytest.param("a b", "", 1.0, 1.0, 0.0, 0.0, id="empty final"),
        pytest.param("", "", 0.0, 0.0, 1.0, 1.0, id="both empty"),
        pytest.param("", "a b", 1.0, 1.0, 0.0, 0.0, id="empty original"),
        # same words, different whitespace: no word edits; " "→"\n" and one more "\n" of 4 chars
        pytest.param("a b", "a\n\nb", 0.0, 2 / 4, 1.0, 1.0, id="whitespace only"),
        # HTER is not capped at 1: 4 edits (1 substitution, 3 deletions) over 1 final word
        pytest.param("a b c d", "x", 4.0, 7 / 7, 0.0, 0.0, id="rate above one"),
    ],
)
def test_exact_values(
    original: str, final: str, wer: float, cer: float, retention: float, share: float
) -> None:
    assert word_edit_rate(original, final) == pytest.approx(wer)
    assert char_edit_rate(original, final) == pytest.approx(cer)
    assert model_retention(original, final) == pytest.approx(retention)
    assert model_share(original, final) == pytest.approx(share)
    m = idea_metrics(model_idea(original, final))
    figures = (m.word_edit_rate, m.char_edit_rate, m.model_retention, m.model_share)
    assert figures == pytest.approx((wer, cer, retention, share))


def test_idea_metrics_counts_and_timing() -> None:
    m = idea_metrics(
        model_idea(
            "the cat sat", "the cat sat down", "the black cat sat down", status=Status.ACCEPTED
        )
    )
    assert m == IdeaMetrics(
        author=Author.MODEL,
        status=Status.ACCEPTED,
        word_edit_rate=2 / 5,
        char_edit_rate=0.5,
        model_retention=1.0,
        model_share=3 / 5,
        revisions=2,
        edit_seconds=20.0,  # created at T0, last revision at T0 + 20 s
        accepted_as_is=False,
        original_words=3,
        final_words=5,
        kept_words=3,
        word_edits=2,
        char_edits=11,
        original_chars=11,
        final_chars=22,
    )


def test_only_original_and_current_text_count() -> None:
    """An edit undone later is no edit: rates compare the original with the current text."""
    m = idea_metrics(model_idea("keep it short", "keep it very short", "keep it short"))
    assert (m.word_edit_rate, m.char_edit_rate, m.revisions) == (0.0, 0.0, 2)
    assert not m.accepted_as_is  # it was edited, even though the text came back


def test_accepted_as_is() -> None:
    assert idea_metrics(model_idea("fine as it is", status=Status.ACCEPTED)).accepted_as_is
    assert not idea_metrics(model_idea("fine as it is", status=Status.REJECTED)).accepted_as_is
    assert not idea_metrics(model_idea("fine as it is")).accepted_as_is


def test_edit_seconds() -> None:
    assert edit_seconds(model_idea("x")) is None
    assert edit_seconds(model_idea("x", "y", "z")) == 20.0
    skewed = model_idea("x")
    skewed.revisions.append(Revision(text="y", at=T0 - timedelta(seconds=5)))
    assert edit_seconds(skewed) == 0.0


def test_human_ideas_have_no_model_rates() -> None:
    idea = Idea(id=2, author=Author.HUMAN, text="my own idea", created_at=T0)
    m = idea_metrics(idea)
    assert (m.word_edit_rate, m.char_edit_rate, m.model_retention, m.model_share) == (None,) * 4
    assert (m.word_edits, m.char_edits) == (None, None)
    assert (m.original_words, m.final_words, m.kept_words) == (0, 3, 0)


# --- session figures --------------------------------------------------------------------------


def replay(*events: Event, technique: str | None = "scamper", model: str = "llama3.2") -> Session:
    session = Session.from_created(
        SessionCreated(session_id="s", topic="t", technique=technique, model=model, at=T0)
    )
    for seq, event in enumerate(events, 1):
        event.seq = seq
        apply_event(session, event)
    return session


def drafted(idea: int, text: str, second: float, model: str = "llama3.2") -> IdeaDrafted:
    return IdeaDrafted(idea=idea, text=text, model=model, backend="ollama", at=at(second))


def revised(idea: int, text: str, second: float) -> IdeaRevised:
    return IdeaRevised(idea=idea, text=text, at=at(second))


def status(idea: int, value: Status, second: float) -> IdeaStatusChanged:
    return IdeaStatusChanged(idea=idea, status=value, at=at(second))


@pytest.fixture
def session() -> Session:
    return replay(
        # 1: accepted as the model wrote it (4 words)
        drafted(1, "walking meetings on Fridays", 0),
        status(1, Status.ACCEPTED, 5),
        # 2: two revisions, accepted: 1 substitution + 1 insertion → 2 edits / 5 final words
        drafted(2, "quiet room for calls", 0),
        revised(2, "quiet booth for calls", 30),
        revised(2, "quiet booth for phone calls", 90),
        status(2, Status.ACCEPTED, 100),
        # 3: rejected untouched (3 words)
        drafted(3, "ban all meetings", 0),
        status(3, Status.REJECTED, 10),
        # 4: still a draft, cut to one word: 2 deletions / 1 final word
        drafted(4, "shared lunch table", 0),
        revised(4, "lunch", 60),
        # 5: the person's own idea, accepted (3 words)
        IdeaAdded(idea=5, text="no-meeting Wednesday mornings", at=at(20)),
        status(5, Status.ACCEPTED, 25),
    )


def test_session_figures_on_a_replayed_session(session: Session) -> None:
    figures = session_metrics(session)
    # The person's own idea (5) is counted as theirs, never as accepted.
    assert figures.by_status == {"draft": 1, "accepted": 2, "rejected": 1, "yours": 1}
    assert figures.by_author == {"model": 4, "human": 1}
    assert (figures.ideas, figures.model_ideas, figures.human_ideas) == (5, 4, 1)
    assert figures.edited_model_ideas == 2
    # word edits 0 + 2 + 0 + 2 = 4 over final words 4 + 5 + 3 + 1 = 13
    assert figures.word_edit_rate == pytest.approx(4 / 13)
    # kept words 4 + 3 + 3 + 1 = 11 ("room" is gone); original words 4 + 4 + 3 + 3 = 14
    assert figures.model_retention == pytest.approx(11 / 14)
    assert figures.model_share == pytest.approx(11 / 13)
    char_edits = sum(
        Levenshtein.distance(i.original or "", i.text) for i in session.ideas.values() if i.original
    )
    longest = sum(
        max(len(i.original or ""), len(i.text)) for i in session.ideas.values() if i.original
    )
    assert figures.char_edit_rate == pytest.approx(char_edits / longest)
    assert (figures.accepted_model_ideas, figures.accepted_as_is) == (2, 1)
    assert figures.accepted_as_is_share == 0.5
    # accepted text: idea 1 (4 model words), idea 2 (3 model + 2 person), idea 5 (3 person)
    assert (figures.model_words_in_accepted, figures.human_words_in_accepted) == (7, 5)
    assert figures.model_share_of_accepted == pytest.approx(7 / 12)
    assert figures.revisions == 3
    assert figures.mean_edit_seconds == pytest.approx((90 + 60) / 2)


def test_session_figures_reuse_the_idea_figures(session: Session) -> None:
    per_idea = session_idea_metrics(session)
    assert sorted(per_idea) == [1, 2, 3, 4, 5]
    assert aggregate(per_idea.values()) == session_metrics(session)
    accepted_only = aggregate(m for m in per_idea.values() if m.status is Status.ACCEPTED)
    assert accepted_only.word_edit_rate == pytest.approx(2 / 9)


def test_empty_and_human_only_sessions() -> None:
    empty = aggregate([])
    assert (empty.ideas, empty.word_edit_rate, empty.model_share_of_accepted) == (0, None, None)
    assert empty.by_status == {"draft": 0, "accepted": 0, "rejected": 0, "yours": 0}
    human = session_metrics(replay(IdeaAdded(idea=1, text="mine"), status(1, Status.ACCEPTED, 1)))
    assert (human.word_edit_rate, human.char_edit_rate, human.model_retention) == (None,) * 3
    assert human.accepted_as_is_share is None
    assert (human.human_words_in_accepted, human.model_share_of_accepted) == (1, 0.0)


def test_groups_by_model_and_technique(session: Session) -> None:
    other = replay(
        drafted(1, "a b c", 0, model="qwen3"),
        revised(1, "a b", 10),
        technique="six-hats",
        model="qwen3",
    )
    by_model = group_metrics([session, other], "model")
    assert list(by_model) == ["(human)", "llama3.2", "qwen3"]
    assert by_model["llama3.2"] == aggregate(
        m for m in session_idea_metrics(session).values() if m.author is Author.MODEL
    )
    assert by_model["(human)"].human_ideas == 1
    assert by_model["qwen3"].word_edit_rate == pytest.approx(1 / 2)
    by_technique = group_metrics([session, other], "technique")
    assert list(by_technique) == ["scamper", "six-hats"]
    assert by_technique["scamper"] == session_metrics(session)
    everything = overall_metrics([session, other])
    assert everything.ideas == 6
    assert everything.word_edit_rate == pytest.approx((4 + 1) / (13 + 2))


# --- word diff --------------------------------------------------------------------------------


def test_word_diff_chunks() -> None:
    assert word_diff("the cat sat on the mat", "the black cat sat on a mat") == [
        ("equal", "the "),
        ("insert", "black "),
        ("equal", "cat sat on "),
        ("delete", "the "),
        ("insert", "a "),
        ("equal", "mat"),
    ]
    assert word_diff("a b c", "a b") == [("equal", "a b "), ("delete", "c")]
    assert word_diff("", "new") == [("insert", "new")]
    assert word_diff("same", "same") == [("equal", "same")]
    assert word_diff("", "") == []


def test_word_diff_keeps_line_breaks_of_the_current_text() -> None:
    diff = word_diff("- one\n- two", "- one\n- three\n- four")
    assert "".join(text for tag, text in diff if tag != "delete") == "- one\n- three\n- four"


# --- properties -------------------------------------------------------------------------------

# Simple alphanumeric tokens (so sacrebleu's TER tokenizer sees exactly our words), few enough
# to repeat, with case variants (the comparison is case-sensitive).
WORD = st.sampled_from(["a", "b", "c", "idea", "Idea", "x1", "42", "plan", "Plan", "zz"])
SEPARATOR = st.sampled_from([" ", " ", " ", "  ", "\n", "\t"])
# At most 20 words a side: sacrebleu's TER runs its edit distance in a beam 25 words wide, which
# is exact only while both sides are shorter than that (longer, it may over-count).
WORDS = st.lists(WORD, max_size=16)


def join(words: list[str], seps: list[str]) -> str:
    return "".join(w + seps[i % len(seps)] for i, w in enumerate(words)).rstrip()


@st.composite
def edited_pair(draw: st.DrawFn) -> tuple[str, str]:
    """A model text and a person's random edit of it (or, sometimes, an unrelated text)."""
    original = draw(WORDS)
    if draw(st.integers(0, 9)) == 0:
        final = draw(WORDS)
    else:
        final = list(original)
        for _ in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(["sub", "ins", "del"]))
            if kind == "ins" or not final:
                final.insert(draw(st.integers(0, len(final))), draw(WORD))
            elif kind == "sub":
                final[draw(st.integers(0, len(final) - 1))] = draw(WORD)
            else:
                del final[draw(st.integers(0, len(final) - 1))]
    seps = draw(st.lists(SEPARATOR, min_size=1, max_size=3))
    return join(original, seps), join(final, [" "])


FAST = settings(max_examples=150, deadline=None)


@FAST
@given(edited_pair())
def test_rates_stay_within_their_bounds(pair: tuple[str, str]) -> None:
    original, final = pair
    n_o, n_f = len(original.split()), len(final.split())
    wer = word_edit_rate(original, final)
    if n_f:
        assert 0.0 <= wer <= max(n_o, n_f) / n_f
    else:
        assert wer == (1.0 if n_o else 0.0)
    for rate in (char_edit_rate, model_retention, model_share):
        assert 0.0 <= rate(original, final) <= 1.0


@FAST
@given(edited_pair())
def test_zero_exactly_when_equal(pair: tuple[str, str]) -> None:
    original, final = pair
    same_words = original.split() == final.split()
    assert (word_edit_rate(original, final) == 0.0) == same_words
    assert (model_retention(original, final) == 1.0 and model_share(original, final) == 1.0) == (
        same_words
    )
    assert (char_edit_rate(original, final) == 0.0) == (original == final)
    assert word_edit_rate(original, original) == char_edit_rate(original, original) == 0.0


@FAST
@given(edited_pair())
def test_counts_match_plain_dynamic_programming(pair: tuple[str, str]) -> None:
    original, final = pair
    ow, fw = original.split(), final.split()
    assert word_edits(original, final) == dp_levenshtein(ow, fw)
    kept = kept_words(original, final)
    assert kept == dp_lcs(ow, fw)
    dropped = len(ow) - dp_lcs(ow, fw)
    assert model_retention(original, final) * len(ow) + dropped == pytest.approx(len(ow))


ter_metric = TER(case_sensitive=True)


@FAST
@given(edited_pair())
def test_word_edits_never_below_ter(pair: tuple[str, str]) -> None:
    """TER (model text as hypothesis, final as reference) also allows shifts: never more edits."""
    original, final = pair
    score = ter_metric.sentence_score(original, [final])
    assert score.ref_length == len(final.split())
    assert score.num_edits <= word_edits(original, final)
    assert score.score / 100 <= word_edit_rate(original, final) + 1e-12


@FAST
@given(WORDS.filter(bool), st.sampled_from(["sub", "ins", "del"]), st.data())
def test_single_edit_equals_ter(words: list[str], kind: str, data: st.DataObject) -> None:
    final = list(words)
    if kind == "ins":
        final.insert(data.draw(st.integers(0, len(final))), data.draw(WORD))
    else:
        i = data.draw(st.integers(0, len(final) - 1))
        if kind == "sub":
            final[i] = data.draw(WORD.filter(lambda w: w != words[i]))
        else:
            del final[i]
    original_text, final_text = " ".join(words), " ".join(final)
    score = ter_metric.sentence_score(original_text, [final_text])
    assert word_edits(original_text, final_text) == score.num_edits == 1
    assert word_edit_rate(original_text, final_text) == pytest.approx(score.score / 100)


@settings(max_examples=60, deadline=None)
@given(st.lists(edited_pair(), min_size=1, max_size=6))
def test_session_word_edit_rate_never_below_corpus_ter(pairs: list[tuple[str, str]]) -> None:
    ideas = [model_idea(o, f) for o, f in pairs]
    figures = aggregate(idea_metrics(i) for i in ideas)
    corpus = ter_metric.corpus_score([o for o, _ in pairs], [[f for _, f in pairs]])
    assert figures.word_edit_rate is not None
    assert corpus.score / 100 <= figures.word_edit_rate + 1e-12


@FAST
@given(edited_pair())
def test_fast_path_agrees_with_the_plain_functions(pair: tuple[str, str]) -> None:
    original, final = pair
    f = text_figures(original, final)
    assert f.word_edits == word_edits(original, final)
    assert f.kept_words == kept_words(original, final)
    assert f.char_edits == Levenshtein.distance(original, final)
    m = idea_metrics(model_idea(original, final))
    assert m.word_edit_rate == word_edit_rate(original, final)
    assert m.char_edit_rate == char_edit_rate(original, final)
    assert m.model_retention == model_retention(original, final)
    assert m.model_share == model_share(original, final)


@FAST
@given(edited_pair())
def test_word_diff_rebuilds_both_texts(pair: tuple[str, str]) -> None:
    original, final = pair
    diff = word_diff(original, final)
    assert "".join(t for tag, t in diff if tag != "delete").split() == final.split()
    assert "".join(t for tag, t in diff if tag != "insert").split() == original.split()
    # no two chunks run together, and the unchanged words are exactly the kept words
    assert "".join(t for _, t in diff).split() == [w for _, t in diff for w in t.split()]
    assert sum(len(t.split()) for tag, t in diff if tag == "equal") == kept_words(original, final)
    assert all(t.strip() for _, t in diff)


@st.composite
def long_edited_pair(draw: st.DrawFn) -> tuple[str, str]:
    """Texts of a few hundred words with a few word edits: where the score hints are used."""
    original = draw(st.lists(WORD, min_size=50, max_size=300))
    final = list(original)
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(final) - 1))
        final[i : i + draw(st.integers(0, 2))] = draw(st.lists(WORD, max_size=2))
    return " ".join(original), " ".join(final)


@settings(max_examples=60, deadline=None)
@given(long_edited_pair())
def test_long_texts_agree_with_plain_rapidfuzz(pair: tuple[str, str]) -> None:
    original, final = pair
    f = text_figures(original, final)
    assert f.word_edits == Levenshtein.distance(original.split(), final.split())
    assert f.char_edits == Levenshtein.distance(original, final)
    assert f.kept_words == kept_words(original, final)


def test_metrics_module_stays_free_of_ui_and_client_imports() -> None:
    code = (
        "import sys, brainstorm.metrics.diff, brainstorm.metrics.idea; "
        "import brainstorm.metrics.session, brainstorm.metrics.text; "
        "bad = [m for m in ('textual', 'ollama') if m in sys.modules]; "
        "print(*bad); sys.exit(bool(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
