"""Near-duplicate ideas: which ideas of a session say the same thing, and how diverse it is.

Pure core (no UI, no ollama client): the CLI, the TUI and the human-first figures all call it.

**Similarity.** Two methods, chosen by the ``duplicates`` setting:

- ``"text"`` (default; offline, deterministic, instant): each idea's text (title and text) is
  *canonicalised* — Unicode NFKC, ``str.casefold``, whitespace runs collapsed — then reduced to
  its words (runs of letters and digits; punctuation dropped) **sorted alphabetically**, and two
  ideas are compared with RapidFuzz's normalized Indel similarity (``fuzz.ratio``) of those
  sorted-word strings. That is RapidFuzz's ``token_sort_ratio`` on canonical text: 1.0 for the
  same words in any order, case, spacing or punctuation; character-level below that, so
  plurals, inflections and typos ("streetlight"/"street lights") still count as close.
  Rejected alternatives: ``token_set_ratio`` scores 1.0 whenever one idea's words are a subset
  of the other's ("Bikes" vs "Bikes for the elderly", or a short idea against any elaboration
  of it), which flags far too much in a brainstorm of short ideas; plain ``ratio`` depends on
  word order ("phone booths with noise cancelling" vs "noise-cancelling phone booths");
  ``WRatio`` mixes partial matches in and scores unrelated short texts high. On hand-made
  pairs, paraphrases score 0.83–0.94 and different ideas on the same topic 0.35–0.67
  ("Tool library"/"Seed library" 0.67, "Quiet hours every morning"/"…afternoon" 0.65),
  hence the default threshold 0.80.
- ``"embeddings"``: cosine similarity of embeddings of the canonical texts (Ollama's
  ``/api/embed``, or ``/v1/embeddings`` with the OpenAI-compatible backend), from the
  ``embedding_model`` setting (e.g. ``nomic-embed-text``). It catches
  paraphrases that share few words, but needs the server and that model, and its scale
  depends on the model: the default threshold 0.85 is a starting point; tune
  ``duplicate_threshold`` for your model.
- ``"auto"``: embeddings when the embedding model answers, otherwise text (with a note why).

Whatever the method, two ideas with the same words in the same order — after
canonicalisation, ignoring punctuation — have similarity exactly 1.0, so an idea is always a
near-duplicate of an identical copy, and of a copy that differs only in case (as ``casefold``
sees it), whitespace or punctuation, at any threshold.

**Groups.** Pairs of ideas at or above the threshold are joined with union-find; each connected
set of two or more ideas is a `DuplicateGroup` (so A≈B and B≈C put A, B and C in one group even
when A and C are further apart).

**Diversity.** ``distinct`` = number of groups counting every idea outside a group as its own
group; ``distinct_share`` = distinct / ideas (1.0: no duplicates). ``mean_pairwise_distance``
= mean of (1 − similarity) over every unordered pair of ideas (text: 0 same … 1 nothing alike;
embeddings: cosine distance, 0 … 2).

**Cost.** Similarities are computed once per distinct canonical text, in blocks of rows with
``rapidfuzz.process.cdist`` (C++, all cores) or one matrix product for embeddings, so memory
stays bounded (``BLOCK_ROWS`` × ideas beyond ``SINGLE_BLOCK`` distinct texts). With the text
method, 3,000 ideas of 5–40 words take about 1–2 s on two cores
(``benchmarks/bench_duplicates.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from brainstorm.llm.base import BackendError, Embedder
from brainstorm.models import Idea, Session

if TYPE_CHECKING:
    from brainstorm.config import Settings

__all__ = [
    "BLOCK_ROWS",
    "DEFAULT_THRESHOLDS",
    "DuplicateGroup",
    "DuplicateReport",
    "Match",
    "Method",
    "Requested",
    "Similarity",
    "best_matches",
    "build_similarity",
    "canonical",
    "find_duplicates",
    "idea_text",
    "session_duplicates",
    "session_ideas",
    "similarity_from_settings",
    "text_key",
    "text_similarity",
]

Method = Literal["text", "embeddings"]
Requested = Literal["text", "embeddings", "auto"]
Items = Sequence[tuple[int, str]]  # (idea id, text)
Matrix = npt.NDArray[np.float64]

DEFAULT_THRESHOLDS: dict[Method, float] = {"text": 0.80, "embeddings": 0.85}
#: Rows of the similarity matrix computed at a time (memory: BLOCK_ROWS × distinct texts)…
BLOCK_ROWS = 1024
#: …once there are more distinct texts than this; up to it, one matrix (≤ 128 MB).
SINGLE_BLOCK = 4096
_EPSILON = 1e-9  # rounding slack when comparing a similarity with the threshold
_NON_WORD = re.compile(r"[\W_]+")


# --- texts ------------------------------------------------------------------------------------


def canonical(text: str) -> str:
    """NFKC, casefolded, whitespace runs collapsed: texts equal here are the same idea."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def text_key(text: str) -> str:
    """What the text method compares: the canonical text's words (letters and digits) sorted.
    A text with no letters or digits keeps its canonical form, so it matches only itself."""
    return _key(canonical(text))


def _key(base: str) -> str:
    words = _NON_WORD.sub(" ", base).split()
    return " ".join(sorted(words)) if words else base


def _words(base: str) -> str:
    """A canonical text's words in order (punctuation dropped): equal here means the same
    idea (similarity 1.0) for every method."""
    words = _NON_WORD.sub(" ", base).split()
    return " ".join(words) if words else base


def idea_text(idea: Idea) -> str:
    """The text of an idea that is compared: its title (when it has one) and its text."""
    title = (idea.title or "").strip()
    return f"{title}: {idea.text}" if title else idea.text


def text_similarity(a: str, b: str) -> float:
    """The text method's similarity of two texts, 0 … 1 (one pair; for many use `Similarity`)."""
    if _words(canonical(a)) == _words(canonical(b)):
        return 1.0
    return float(fuzz.ratio(text_key(a), text_key(b))) / 100.0


# --- similarity -------------------------------------------------------------------------------


@dataclass
class Similarity:
    """How ideas are compared: the method in use, its threshold and, for embeddings, the
    vectors of the texts (by canonical text). Build one with `Similarity.text()` or
    `build_similarity` (which embeds the texts it is given).

    ``requested`` is what the settings asked for; ``note`` says why ``method`` differs from it
    (or is None)."""

    method: Method = "text"
    threshold: float = DEFAULT_THRESHOLDS["text"]
    requested: Requested = "text"
    embedding_model: str | None = None
    note: str | None = None
    vectors: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict, repr=False)

    @classmethod
    def text(cls, threshold: float | None = None) -> Similarity:
        return cls("text", _threshold("text", threshold), requested="text")

    @property
    def fell_back(self) -> bool:
        """The settings asked for embeddings (or auto) and text is used instead."""
        return self.requested != self.method and self.requested != "auto"

    def is_duplicate(self, similarity: float) -> bool:
        return similarity >= self.threshold - _EPSILON

    def missing(self, texts: Iterable[str]) -> list[str]:
        """Canonical texts the embeddings method has no vector for yet."""
        if self.method != "embeddings":
            return []
        return sorted({c for c in map(canonical, texts) if c not in self.vectors})

    def matrix(self, rows: Sequence[str], columns: Sequence[str]) -> Matrix:
        """Similarity of every text in ``rows`` with every text in ``columns`` (len(rows) ×
        len(columns)). Equal canonical texts give exactly 1.0."""
        return self._canonical_matrix([canonical(t) for t in rows], [canonical(t) for t in columns])

    def _canonical_matrix(
        self,
        rows: Sequence[str],
        columns: Sequence[str],
        row_keys: Sequence[str] | None = None,
        column_keys: Sequence[str] | None = None,
    ) -> Matrix:
        """`matrix` of texts already canonical (and, for the text method, optionally their
        `text_key`s, so that callers comparing blocks compute them once)."""
        if not rows or not columns:
            return np.zeros((len(rows), len(columns)), dtype=np.float64)
        if self.method == "text":
            scores = process.cdist(
                row_keys if row_keys is not None else [_key(t) for t in rows],
                column_keys if column_keys is not None else [_key(t) for t in columns],
                scorer=fuzz.ratio,
                dtype=np.float32,
                workers=-1,
            )
            values: Matrix = np.asarray(scores, dtype=np.float64) / 100.0
        else:
            values = self._vectors(rows) @ self._vectors(columns).T
        # Texts with the same words in the same order are the same idea, whatever the method.
        ids: dict[str, int] = {}
        row_ids = np.fromiter((ids.setdefault(_words(t), len(ids)) for t in rows), np.int64)
        col_ids = np.fromiter((ids.setdefault(_words(t), len(ids)) for t in columns), np.int64)
        values[row_ids[:, None] == col_ids[None, :]] = 1.0
        return values

    def _vectors(self, texts: Sequence[str]) -> Matrix:
        try:
            return np.stack([self.vectors[t] for t in texts])
        except KeyError as missing:
            raise ValueError(
                f"no embedding for {missing.args[0]!r}: pass every text to build_similarity"
            ) from None


def _threshold(method: Method, threshold: float | None) -> float:
    if threshold is None:
        return DEFAULT_THRESHOLDS[method]
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"a duplicate threshold is a similarity in (0, 1], not {threshold}")
    return threshold


async def build_similarity(
    requested: Requested,
    threshold: float | None,
    texts: Iterable[str],
    *,
    embedder: Embedder | None = None,
    embedding_model: str | None = None,
    reuse: Similarity | None = None,
) -> Similarity:
    """The `Similarity` the settings ask for, ready to compare ``texts``.

    For ``"embeddings"`` and ``"auto"`` this embeds every distinct canonical text that
    ``reuse`` (an earlier result, e.g. before the TUI got new ideas) has no vector for. When
    there is no embedder (the embedded model is in use) or embedding fails (server down, model not
    pulled, not an embedding model), it falls back to the text method and says why in
    ``note``; never raises for those. ``threshold`` None means the method's default."""
    if requested == "text":
        return Similarity.text(threshold)
    reason: str | None
    if embedder is None:
        reason = "embeddings need the Ollama backend or an OpenAI-compatible one"
    elif not embedding_model:
        reason = "no embedding_model is set"
    else:
        vectors = dict(reuse.vectors) if reuse and reuse.embedding_model == embedding_model else {}
        todo = sorted({canonical(t) for t in texts} - vectors.keys())
        try:
            got = await embedder.embed(embedding_model, todo) if todo else []
        except BackendError as problem:
            reason = problem.message
        else:
            for text, vector in zip(todo, got, strict=True):
                array = np.asarray(vector, dtype=np.float64)
                norm = float(np.linalg.norm(array))
                vectors[text] = array / norm if norm else array
            return Similarity(
                "embeddings",
                _threshold("embeddings", threshold),
                requested=requested,
                embedding_model=embedding_model,
                vectors=vectors,
            )
    similarity = Similarity.text(threshold)
    similarity.requested = requested
    similarity.note = f"text similarity used: {reason}"
    return similarity


async def similarity_from_settings(
    settings: Settings, texts: Iterable[str], *, reuse: Similarity | None = None
) -> Similarity:
    """`build_similarity` as the settings say (``duplicates``, ``duplicate_threshold``,
    ``embedding_model``, and the backend's server for embeddings): the one call front ends
    make. Talks to a server only when the method is "embeddings" or "auto"."""
    from brainstorm.llm import open_embedder

    embedder = open_embedder(settings)
    try:
        return await build_similarity(
            settings.duplicates,
            settings.duplicate_threshold,
            texts,
            embedder=embedder,
            embedding_model=settings.embedding_model,
            reuse=reuse,
        )
    finally:
        if embedder is not None:
            await embedder.aclose()


# --- groups -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateGroup:
    """Ideas that are near-duplicates of one another (ids ascending). ``similarity`` is the
    weakest link that joined the group: every idea is at least this similar to another one."""

    ids: tuple[int, ...]
    similarity: float


@dataclass(frozen=True)
class DuplicateReport:
    """Near-duplicates among a set of ideas, and how diverse the set is (see module doc)."""

    method: Method
    requested: Requested
    threshold: float
    ideas: int
    groups: list[DuplicateGroup]
    distinct: int
    mean_pairwise_distance: float | None
    embedding_model: str | None = None
    note: str | None = None
    _group_of: dict[int, DuplicateGroup] = field(default_factory=dict, repr=False)

    @property
    def distinct_share(self) -> float | None:
        return self.distinct / self.ideas if self.ideas else None

    @property
    def duplicated_ideas(self) -> int:
        """Ideas that belong to some group."""
        return sum(len(group.ids) for group in self.groups)

    def group_of(self, idea_id: int) -> DuplicateGroup | None:
        return self._group_of.get(idea_id)

    def duplicates_of(self, idea_id: int) -> list[int]:
        """The other ideas in this idea's group (empty when it has none)."""
        group = self._group_of.get(idea_id)
        return [i for i in group.ids if i != idea_id] if group else []

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "requested": self.requested,
            "embedding_model": self.embedding_model if self.method == "embeddings" else None,
            "threshold": self.threshold,
            "note": self.note,
            "ideas": self.ideas,
            "distinct": self.distinct,
            "distinct_share": self.distinct_share,
            "mean_pairwise_distance": self.mean_pairwise_distance,
            "duplicated_ideas": self.duplicated_ideas,
            "groups": [
                {"ideas": list(group.ids), "similarity": round(group.similarity, 4)}
                for group in self.groups
            ],
        }


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))
        self.weakest = [1.0] * size  # per root: the lowest similarity among its joining links

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int, similarity: float) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.weakest[ra] = min(self.weakest[ra], self.weakest[rb], similarity)


def find_duplicates(items: Items, similarity: Similarity) -> DuplicateReport:
    """Group the near-duplicates among ``items`` ((idea id, text) pairs, ids unique)."""
    n = len(items)
    keys: dict[str, int] = {}  # canonical text -> index among distinct texts
    key_of: list[int] = []
    for _, text in items:
        key_of.append(keys.setdefault(canonical(text), len(keys)))
    distinct_texts = list(keys)  # canonical, in first-seen order
    counts = np.bincount(np.asarray(key_of, dtype=np.int64), minlength=len(keys)).astype(np.float64)
    links = _UnionFind(len(keys))
    # Only the upper triangle of the distinct texts' matrix is used (j > i). Up to
    # SINGLE_BLOCK texts it is one symmetric call (RapidFuzz then scores each pair once);
    # beyond, blocks of rows against the columns from the block on: half the work of the
    # full matrix, in bounded memory.
    total = len(distinct_texts)
    text_keys = [_key(t) for t in distinct_texts] if similarity.method == "text" else None
    per_block = max(1, total) if total <= SINGLE_BLOCK else BLOCK_ROWS
    upper_sum = 0.0  # Σ over pairs i < j of distinct texts of count_i · count_j · similarity
    for start in range(0, total, per_block):
        stop = start + per_block
        column_texts = distinct_texts[start:]
        column_keys = text_keys[start:] if text_keys else None
        last = stop >= total  # rows == columns: pass the same lists (a symmetric call)
        block = np.triu(
            similarity._canonical_matrix(
                column_texts if last else distinct_texts[start:stop],
                column_texts,
                column_keys if last or not text_keys else text_keys[start:stop],
                column_keys,
            ),
            k=1,
        )
        upper_sum += float(counts[start:stop] @ block @ counts[start:])
        rows, columns = np.nonzero(block >= similarity.threshold - _EPSILON)
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            links.union(start + row, start + column, float(block[row, column]))

    mean_distance: float | None = None
    if n >= 2:
        # Pairs of ideas with the same text have similarity 1: Σ C(count, 2) of them.
        same_text = float((counts * (counts - 1)).sum()) / 2
        mean_similarity = (upper_sum + same_text) / (n * (n - 1) / 2)
        mean_distance = max(0.0, 1.0 - mean_similarity)

    members: dict[int, list[int]] = {}
    for (idea_id, _), key in zip(items, key_of, strict=True):
        members.setdefault(links.find(key), []).append(idea_id)
    groups: list[DuplicateGroup] = []
    group_of: dict[int, DuplicateGroup] = {}
    for root, ids in members.items():
        if len(ids) < 2:
            continue
        group = DuplicateGroup(tuple(sorted(ids)), links.weakest[root])
        groups.append(group)
        group_of.update(dict.fromkeys(ids, group))
    groups.sort(key=lambda g: g.ids[0])
    return DuplicateReport(
        method=similarity.method,
        requested=similarity.requested,
        threshold=similarity.threshold,
        ideas=n,
        groups=groups,
        distinct=len(members),
        mean_pairwise_distance=mean_distance,
        embedding_model=similarity.embedding_model,
        note=similarity.note,
        _group_of=group_of,
    )


def session_ideas(session: Session, *, include_hidden: bool = False) -> list[Idea]:
    """The ideas duplicate detection looks at: every idea a person can see (hidden model
    ideas of an unrevealed human-first round are left out, so nothing hints at them)."""
    if include_hidden:
        return list(session.ideas.values())
    return session.visible_ideas()


def session_duplicates(
    session: Session, similarity: Similarity, *, include_hidden: bool = False
) -> DuplicateReport:
    """Near-duplicates among a session's ideas, human and model, of every status."""
    ideas = session_ideas(session, include_hidden=include_hidden)
    return find_duplicates([(idea.id, idea_text(idea)) for idea in ideas], similarity)


# --- one set against another ------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    idea: int  # the idea in the set searched
    other: int  # its most similar idea in the reference set
    similarity: float


def best_matches(reference: Items, candidates: Items, similarity: Similarity) -> list[Match]:
    """For each candidate that is a near-duplicate of some reference idea (directly, not
    through a chain), its most similar reference idea. In candidate order."""
    if not reference or not candidates:
        return []
    ref_texts = [text for _, text in reference]
    matches: list[Match] = []
    for start in range(0, len(candidates), BLOCK_ROWS):
        chunk = candidates[start : start + BLOCK_ROWS]
        block = similarity.matrix([text for _, text in chunk], ref_texts)
        best = block.argmax(axis=1)
        for row, (idea_id, _) in enumerate(chunk):
            score = float(block[row, best[row]])
            if similarity.is_duplicate(score):
                matches.append(Match(idea_id, reference[int(best[row])][0], score))
    return matches
