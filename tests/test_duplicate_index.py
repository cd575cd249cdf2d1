"""The incremental near-duplicate index and its derived file (brainstorm/duplicates/): kept up to
date idea by idea it says exactly what a fresh computation says; each new idea costs one row;
the file is rebuilt when deleted, made with other settings or damaged, and written only by the
session's writer; the all-alike worst case stays bounded."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainstorm import review
from brainstorm.duplicates import (
    NEAR_SHOWN,
    Comparing,
    DuplicateIndex,
    DuplicateReport,
    Similarity,
    find_duplicates,
    session_duplicates,
)
from brainstorm.duplicates.cache import INDEX_SUFFIX, load_index, save_index
from brainstorm.duplicates.report import report_of
from brainstorm.events import IdeaDrafted
from brainstorm.session_writer import SessionWriter
from brainstorm.store import SessionStore

WORDS = ["moss", "wall", "quiet", "room", "booth", "phone", "seed", "library", "lamp", "calls"]
TEXTS = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)


def summary(report: DuplicateReport) -> dict[str, Any]:
    """Everything a reader is shown, with the mean rounded (a running sum vs a fresh one)."""
    return {
        "groups": [(g.leader, g.ids, round(g.similarity, 5)) for g in report.groups],
        "near": {i: (n.nearest, n.count) for i, n in report._near.items()},
        "distinct": report.distinct,
        "ideas": report.ideas,
        "mean": None
        if report.mean_pairwise_distance is None
        else round(report.mean_pairwise_distance, 6),
    }


class CountingSimilarity(Similarity):
    """The text method, counting the rows it is asked to compare."""

    rows: int = 0

    def block(self, rows: Sequence[str], *args: Any, **kwargs: Any) -> Any:
        self.rows += len(rows)
        return super().block(rows, *args, **kwargs)


Operation = tuple[str, int, str]
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(1, 40), TEXTS),
        st.tuples(st.just("edit"), st.integers(0, 99), TEXTS),
        st.tuples(st.just("remove"), st.integers(0, 99), st.just("")),
        st.tuples(st.just("update"), st.just(0), st.just("")),
        st.tuples(st.just("store"), st.just(0), st.just("")),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    operations=OPERATIONS,
    threshold=st.sampled_from([0.5, 0.7, 0.8, 1.0]),
    kept=st.sampled_from([3, 4, 8]),
)
def test_kept_up_to_date_it_equals_a_fresh_computation(
    operations: list[Operation], threshold: float, kept: int, tmp_path_factory: Any
) -> None:
    """Random sessions: ideas added (in or out of id order), edited, removed (hidden), with
    updates and a trip through the file at random points; then the same as from scratch."""
    path = tmp_path_factory.mktemp("index") / f"s{INDEX_SUFFIX}"
    with pytest.MonkeyPatch.context() as patch:
        # Short nearest lists, so that lists run out and are refilled.
        patch.setattr("brainstorm.duplicates.index.NEAR_KEPT", kept)
        patch.setattr("brainstorm.duplicates.saved.NEAR_KEPT", kept)
        similarity = Similarity.text(threshold)
        ideas: dict[int, str] = {}
        index = DuplicateIndex(similarity)
        for kind, number, text in operations:
            if kind == "add":
                ideas[number] = text
            elif kind == "edit" and ideas:
                ideas[sorted(ideas)[number % len(ideas)]] = text
            elif kind == "remove" and ideas:
                del ideas[sorted(ideas)[number % len(ideas)]]
            elif kind == "update":
                index.update(ideas.items())
            elif kind == "store":
                index.update(ideas.items())
                save_index(path, index)
                loaded = load_index(path, similarity)
                assert loaded is not None
                index = loaded
        index.update(ideas.items())
        incremental = report_of(index, similarity)
        fresh = find_duplicates(sorted(ideas.items()), similarity)
    assert summary(incremental) == summary(fresh)
    for idea_id in ideas:
        assert len(incremental.duplicates_of(idea_id)) <= NEAR_SHOWN


def test_a_new_idea_is_compared_once_against_the_others() -> None:
    similarity = CountingSimilarity()
    items = [(i, f"idea number {i} about {WORDS[i % len(WORDS)]}") for i in range(1, 301)]
    index = DuplicateIndex(similarity)
    index.update(items)
    assert similarity.rows == 300  # each idea once, in blocks (the lower triangle)
    similarity.rows = 0
    assert index.update(items) is False and similarity.rows == 0
    index.update([*items, (301, "a seed library")])
    assert similarity.rows == 1
    similarity.rows = 0
    edited = [*items[:99], (100, "moss walls"), *items[100:], (301, "a seed library")]
    index.update(edited)
    assert similarity.rows == 2  # its old text's row goes out, its new one comes in
    similarity.rows = 0
    # A leader whose group loses it: one more row for each idea that becomes a leader.
    group = [(1, "moss walls"), (2, "Moss walls!"), (3, "a seed library"), (4, "moss  walls")]
    index = DuplicateIndex(similarity)
    index.update(group)
    assert [g.ids for g in report_of(index, similarity).groups] == [(1, 2, 4)]
    similarity.rows = 0
    index.update([(1, "quiet lamp"), *group[1:]])
    assert similarity.rows == 2 + 1  # #2 now leads #4
    assert [g.ids for g in report_of(index, similarity).groups] == [(2, 4)]


def writer_with_ideas(store: SessionStore, texts: list[str]) -> SessionWriter:
    writer = store.create("Quieter offices", default_model="m")
    writer.append_many(
        [
            IdeaDrafted(idea=n, text=text, model="m", backend="ollama")
            for n, text in enumerate(texts, start=1)
        ]
    )
    return writer


TEXTS_6 = [
    "Phone booths for calls",
    "Quiet hours every morning",
    "phone booths, for calls!",
    "A seed library in the hall",
    "Moss walls that absorb sound",
    "quiet hours every morning",
]


def test_the_file_is_written_by_the_owner_and_rebuilt_when_deleted(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    with writer_with_ideas(store, TEXTS_6) as writer:
        session, path = writer.session, writer.path
        cache = path.with_suffix(INDEX_SUFFIX)
        similarity = Similarity.text()
        # A reader (no writer lock) computes in memory and writes nothing.
        reader = session_duplicates(session, similarity, session_path=path, owner=False)
        assert not cache.exists()
        first = session_duplicates(session, similarity, session_path=path, owner=True)
        assert cache.exists() and summary(first) == summary(reader)
        assert [g.ids for g in first.groups] == [(1, 3), (2, 6)]
        stamp = cache.stat().st_mtime_ns
        # Nothing changed: read, not written again.
        assert summary(session_duplicates(session, similarity, session_path=path, owner=True)) == (
            summary(first)
        )
        assert cache.stat().st_mtime_ns == stamp
        # An edit: the file follows it.
        review.edit(writer, 3, "Moss walls that absorb the sound")
        edited = session_duplicates(writer.session, similarity, session_path=path, owner=True)
        assert [g.ids for g in edited.groups] == [(2, 6), (3, 5)]
        assert summary(edited) == summary(find_duplicates(_items(writer), similarity))
        cache.unlink()
        again = session_duplicates(writer.session, similarity, session_path=path, owner=True)
        assert cache.exists() and summary(again) == summary(edited)
        assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary file, renamed


def _items(writer: SessionWriter) -> list[tuple[int, str]]:
    from brainstorm.duplicates import session_items

    return session_items(writer.session)


def test_the_file_is_rebuilt_after_a_change_of_threshold_or_method(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    with writer_with_ideas(store, TEXTS_6) as writer:
        path = writer.path
        cache = path.with_suffix(INDEX_SUFFIX)
        session_duplicates(writer.session, Similarity.text(0.8), session_path=path, owner=True)
        strict = Similarity.text(1.0)
        assert load_index(cache, strict) is None  # made with other settings
        report = session_duplicates(writer.session, strict, session_path=path, owner=True)
        assert report.threshold == 1.0
        assert summary(report) == summary(find_duplicates(_items(writer), strict))
        assert (
            load_index(cache, strict) is not None and load_index(cache, Similarity.text()) is None
        )
        with np.load(cache) as data:
            assert json.loads(str(data["meta"]))["settings"] == strict.settings_key
        embeddings = Similarity("embeddings", 0.85, requested="embeddings", embedding_model="e")
        assert load_index(cache, embeddings) is None


def _damage(cache: Path, how: str) -> None:
    if how == "garbage":
        cache.write_bytes(b"\x00not an npz at all")
    elif how == "truncated":
        cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 2])
    elif how == "empty":
        cache.write_bytes(b"")
    else:  # a well-formed file whose arrays do not hang together
        with np.load(cache) as data:
            arrays = {name: data[name] for name in data.files}
        if how == "lengths":
            arrays["leader"] = arrays["leader"][:-1]
        elif how == "dangling":
            arrays["near_ids"] = arrays["near_ids"] + 1000
        elif how == "leader":
            arrays["leader"] = arrays["ideas"].copy()  # every idea its own leader, with links
        elif how == "pickle":
            arrays["ideas"] = np.array([object()], dtype=object)
        with cache.open("wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "how", ["garbage", "truncated", "empty", "lengths", "dangling", "leader", "pickle"]
)
def test_a_damaged_file_is_rebuilt(tmp_path: Path, how: str) -> None:
    store = SessionStore(tmp_path)
    with writer_with_ideas(store, TEXTS_6) as writer:
        path, similarity = writer.path, Similarity.text()
        cache = path.with_suffix(INDEX_SUFFIX)
        expected = summary(
            session_duplicates(writer.session, similarity, session_path=path, owner=True)
        )
        _damage(cache, how)
        # A reader copes without writing…
        assert (
            summary(session_duplicates(writer.session, similarity, session_path=path)) == expected
        )
        # …and the owner replaces the file with a good one.
        review.add(writer, "A tool library")  # something to compare, so the index is updated
        report = session_duplicates(writer.session, similarity, session_path=path, owner=True)
        assert summary(report) == summary(find_duplicates(_items(writer), similarity))
        assert load_index(cache, similarity) is not None
        assert zipfile.is_zipfile(cache)


def test_all_alike_the_output_stays_bounded() -> None:
    # 2,000 ideas that are all near-duplicates of each other: one group; each idea names at
    # most NEAR_SHOWN others and counts the rest; the report grows with the ideas, not pairs.
    items = [(i, f"Install quiet phone booths on floor {i} for calls") for i in range(1, 2001)]
    report = find_duplicates(items, Similarity.text())
    assert [(g.leader, g.size) for g in report.groups] == [(1, 2000)]
    assert report.distinct == 1
    for idea_id, _ in items:
        near = report.near(idea_id)
        assert len(near.nearest) == NEAR_SHOWN and near.count == 1999
        assert near.more == 1999 - NEAR_SHOWN
    size = len(json.dumps(report.as_json()))
    assert size < 20 * len(items)  # one listing of each idea, not one per pair


def test_progress_counts_the_comparisons_of_a_build_then_of_what_changed() -> None:
    items = [(i, f"idea number {i} about {WORDS[i % len(WORDS)]}") for i in range(1, 1201)]
    steps: list[Comparing] = []
    index = DuplicateIndex(Similarity.text())
    index.update(items, steps.append)
    total = 1200 * 1199 // 2  # every pair once
    assert [(s.ideas, s.compared, s.fresh, s.total) for s in steps] == [
        (1200, 1200, True, total)
    ] * len(steps)
    assert [s.done for s in steps] == sorted(s.done for s in steps)  # never backwards
    assert steps[0].done == 0 and steps[-1].done == total and steps[-1].fraction == 1.0
    assert len(steps) >= 4  # one per block of rows, not one at the end only

    steps.clear()
    assert index.update(items, steps.append) is False
    assert steps == []  # nothing to compare: nothing to show

    edited = [*items[:9], (10, "moss walls"), *items[10:], (1201, "a seed library")]
    index.update(edited, steps.append)
    assert {(s.ideas, s.compared, s.fresh) for s in steps} == {(1201, 2, False)}
    assert steps[-1].done == steps[-1].total
    # Its old row out, its new row in, the new idea against every other: about three rows.
    assert 3 * 1199 <= steps[-1].total <= 3 * 1201
    with_progress = summary(report_of(index, index.similarity))
    assert with_progress == summary(find_duplicates(edited, Similarity.text()))
