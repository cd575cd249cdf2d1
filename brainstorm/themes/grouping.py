"""Grouping ideas into themes: which ideas go together, and the words that characterise each
group. Pure and deterministic: the same ideas (ids and texts) and vectors give the same themes.

**Vectors.** Each idea is a unit vector: its embedding when the caller has one for every idea
(the ``embeddings`` method, `brainstorm.duplicates`' vectors), otherwise its TF-IDF vector over
words (scikit-learn's `TfidfVectorizer`: English stop words out, sub-linear term frequency,
words in more than half of the ideas out, since they are the topic itself rather than a
theme). TF-IDF is also what the labels are made of, whatever the vectors.

**Groups.** k-means (scikit-learn's `KMeans`, k-means++ seeding, a fixed ``random_state``) on
the unit vectors, which makes it spherical k-means: ideas go with the centre they point most
alike to. k = round(√(n/2)) (the usual rule of thumb for k-means; 40 ideas → 4 themes) capped
by ``max_themes`` and by the number of distinct vectors. Agglomerative clustering was the other
candidate; its pairwise distances cost n² memory (10,000 ideas: 400 MB), where k-means stays
linear, so one method serves 5 ideas and 10,000 alike.

**Other.** An idea *fits nowhere* when it shares no word with the vocabulary (nothing to group
it by) or ends up alone in its group: those ideas form the "other" theme. So every idea is in
exactly one theme.

**Words.** A theme's characteristic words are the terms whose mean TF-IDF weight in the theme
exceeds their mean weight in the other ideas the most (at most `TERMS`): what sets the theme
apart, not merely what is frequent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["DEFAULT_MAX_THEMES", "TERMS", "Grouping", "group_ideas", "theme_count"]

DEFAULT_MAX_THEMES = 8
#: Characteristic words kept per theme (the default label shows them).
TERMS = 3
#: k-means restarts: more for small sessions, where they cost nothing and matter most.
_RESTARTS_SMALL, _RESTARTS_LARGE, _SMALL = 10, 3, 2000
_SEED = 0

Items = Sequence[tuple[int, str]]
Vector = npt.NDArray[np.floating[Any]]


@dataclass(frozen=True)
class Grouping:
    """Themes' ideas (ids ascending; largest theme first, ties by lowest id), each theme's
    characteristic words, and the ideas that fit nowhere. Every idea given is in exactly one
    of ``groups`` or ``other``."""

    groups: list[list[int]]
    terms: list[list[str]]
    other: list[int]
    method: Literal["text", "embeddings"]


def theme_count(ideas: int, max_themes: int) -> int:
    """How many groups k-means makes of ``ideas`` ideas (before distinct vectors cap it)."""
    return max(1, min(max_themes, round(math.sqrt(ideas / 2))))


def group_ideas(
    items: Items,
    *,
    max_themes: int = DEFAULT_MAX_THEMES,
    vectors: Mapping[int, Vector] | None = None,
) -> Grouping:
    """Group ``items`` ((idea id, text) pairs, ids unique). With ``vectors`` (an embedding for
    every idea id) the groups follow the embeddings; otherwise the words."""
    if max_themes < 1:
        raise ValueError(f"at most {max_themes} themes: give 1 or more")
    ordered = sorted(items)
    ids = [idea_id for idea_id, _ in ordered]
    method: Literal["text", "embeddings"] = "embeddings" if vectors is not None else "text"
    if not ordered:
        return Grouping([], [], [], method)
    words, vocabulary = _tfidf([text for _, text in ordered])
    if vectors is not None:
        points = _unit_rows(np.stack([np.asarray(vectors[i], dtype=np.float64) for i in ids]))
        usable = np.linalg.norm(points, axis=1) > 0
    else:
        points = None
        usable = np.diff(words.indptr) > 0  # ideas with at least one word
    rows = np.flatnonzero(usable)
    labels = _cluster(words, points, rows, max_themes)
    groups: list[list[int]] = []
    members: list[npt.NDArray[np.int64]] = []
    for label in np.unique(labels):
        chosen = rows[labels == label]
        if len(chosen) >= 2:
            members.append(chosen)
    members.sort(key=lambda m: (-len(m), int(m[0])))
    grouped = np.zeros(len(ids), dtype=bool)
    for chosen in members:
        grouped[chosen] = True
        groups.append([ids[i] for i in chosen])
    other = [ids[i] for i in np.flatnonzero(~grouped)]
    terms = [_characteristic(words, vocabulary, chosen) for chosen in members]
    return Grouping(groups, terms, other, method)


def _tfidf(texts: list[str]) -> tuple[csr_matrix, list[str]]:
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

    # A word in more than half the ideas is the topic, not a theme (once there are enough
    # ideas for "half" to mean something, and unless that leaves no word at all: ideas that
    # all say the same thing are one theme).
    for max_df in (0.5, 1.0) if len(texts) >= 10 else (1.0,):
        vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, max_df=max_df)
        try:
            matrix = csr_matrix(vectorizer.fit_transform(texts))
        except ValueError:  # no word left (only stop words, digits, punctuation, or pruned)
            continue
        return matrix, [str(term) for term in vectorizer.get_feature_names_out()]
    return csr_matrix((len(texts), 0), dtype=np.float64), []


def _unit_rows(matrix: Vector) -> npt.NDArray[np.float64]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0))


def _distinct_rows(words: csr_matrix, points: Vector | None, rows: npt.NDArray[np.int64]) -> int:
    if points is not None:
        return len(np.unique(np.round(points[rows], 9), axis=0))
    seen = set()
    for row in rows.tolist():
        start, stop = words.indptr[row], words.indptr[row + 1]
        seen.add(
            (words.indices[start:stop].tobytes(), np.round(words.data[start:stop], 9).tobytes())
        )
    return len(seen)


def _cluster(
    words: csr_matrix, points: Vector | None, rows: npt.NDArray[np.int64], max_themes: int
) -> npt.NDArray[np.int64]:
    """A group label per row in ``rows`` (rows with a usable vector)."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    k = min(theme_count(len(rows), max_themes), _distinct_rows(words, points, rows))
    if k <= 1:
        return np.zeros(len(rows), dtype=np.int64)
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import normalize

    data = points[rows] if points is not None else normalize(words[rows])
    model = KMeans(
        n_clusters=k,
        n_init=_RESTARTS_SMALL if len(rows) <= _SMALL else _RESTARTS_LARGE,
        random_state=_SEED,
    )
    return np.asarray(model.fit_predict(data), dtype=np.int64)


def _characteristic(
    words: csr_matrix, vocabulary: list[str], chosen: npt.NDArray[np.int64]
) -> list[str]:
    """The words that set the ideas in ``chosen`` apart from the rest (see module doc)."""
    if not vocabulary:
        return []
    inside = np.zeros(words.shape[0], dtype=bool)
    inside[chosen] = True
    mean_in = np.asarray(words[inside].mean(axis=0)).ravel()
    rest = words[~inside]
    mean_out = np.asarray(rest.mean(axis=0)).ravel() if rest.shape[0] else np.zeros_like(mean_in)
    score = mean_in - mean_out
    # Highest score first; ties by the word itself, so the order never depends on the sort.
    order = sorted(np.flatnonzero(score > 0).tolist(), key=lambda j: (-round(score[j], 12), j))
    if not order:
        order = sorted(np.flatnonzero(mean_in > 0).tolist(), key=lambda j: (-mean_in[j], j))
    return [vocabulary[j] for j in order[:TERMS]]
