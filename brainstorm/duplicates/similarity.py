"""How two ideas are compared: canonical texts, the text and embeddings methods, and the
similarity matrices the near-duplicate index is built from (see `brainstorm.duplicates`)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from brainstorm.llm.base import BackendError, Embedder
from brainstorm.models import Idea

if TYPE_CHECKING:
    from brainstorm.config import Settings

__all__ = [
    "BLOCK_ROWS",
    "DEFAULT_THRESHOLDS",
    "EPSILON",
    "Match",
    "Method",
    "Requested",
    "Similarity",
    "best_matches",
    "build_similarity",
    "canonical",
    "idea_text",
    "similarity_from_settings",
    "text_digest",
    "text_key",
    "text_similarity",
    "word_form",
]

Method = Literal["text", "embeddings"]
Requested = Literal["text", "embeddings", "auto"]
Items = Sequence[tuple[int, str]]  # (idea id, text)
Matrix = npt.NDArray[np.float64]
Ids = npt.NDArray[np.int64]

DEFAULT_THRESHOLDS: dict[Method, float] = {"text": 0.80, "embeddings": 0.85}
#: Rows of a similarity matrix computed at a time (memory: BLOCK_ROWS × ideas × 4 bytes).
BLOCK_ROWS = 512
EPSILON = 1e-6  # rounding slack when comparing a similarity with the threshold
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


def word_form(base: str) -> str:
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
    if word_form(canonical(a)) == word_form(canonical(b)):
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
    #: Vectors by `text_digest` from the vectors file beside the session (older texts too: an
    #: edited idea's old similarities are taken back with its old text's vector).
    stored: dict[bytes, npt.NDArray[np.float64]] = field(default_factory=dict, repr=False)

    @classmethod
    def text(cls, threshold: float | None = None) -> Similarity:
        return cls("text", _threshold("text", threshold), requested="text")

    @property
    def fell_back(self) -> bool:
        """The settings asked for embeddings (or auto) and text is used instead."""
        return self.requested != self.method and self.requested != "auto"

    def is_duplicate(self, similarity: float) -> bool:
        return similarity >= self.threshold - EPSILON

    @property
    def settings_key(self) -> str:
        """What a cached result depends on besides the texts: method, threshold, model."""
        model = self.embedding_model if self.method == "embeddings" else None
        return f"{self.method}|{self.threshold!r}|{model or ''}"

    def prepare(self, base: str) -> str:
        """What the text method compares for a canonical text (its sorted words)."""
        return _key(base)

    def block(
        self, rows: Sequence[str], columns: Sequence[str], row_words: Ids, column_words: Ids
    ) -> npt.NDArray[np.float32]:
        """Similarities (float32) of canonical texts, given the text method's `prepare`d keys
        (or, for embeddings, the canonical texts) and an id per `word_form` (equal ids mean
        the same words in the same order: exactly 1.0, whatever the method). The index calls
        this with one row or a block of rows against every idea."""
        if not rows or not columns:
            return np.zeros((len(rows), len(columns)), dtype=np.float32)
        if self.method == "text":
            values = process.cdist(rows, columns, scorer=fuzz.ratio, dtype=np.float32, workers=-1)
            values /= np.float32(100.0)
        else:
            # Rounded so that a row computed alone and in a block compare the same way.
            product = self._vectors(rows) @ self._vectors(columns).T
            values = np.round(product, 6).astype(np.float32)
        values[row_words[:, None] == column_words[None, :]] = 1.0
        return np.asarray(values, dtype=np.float32)

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
        row_ids = np.fromiter((ids.setdefault(word_form(t), len(ids)) for t in rows), np.int64)
        col_ids = np.fromiter((ids.setdefault(word_form(t), len(ids)) for t in columns), np.int64)
        values[row_ids[:, None] == col_ids[None, :]] = 1.0
        return values

    def _vectors(self, texts: Sequence[str]) -> Matrix:
        try:
            return np.stack([self._vector(t) for t in texts])
        except KeyError as missing:
            raise ValueError(
                f"no embedding for {missing.args[0]!r}: pass every text to build_similarity"
            ) from None

    def _vector(self, text: str) -> npt.NDArray[np.float64]:
        vector = self.vectors.get(text)
        if vector is None:
            vector = self.stored.get(text_digest(text))
            if vector is None:
                raise KeyError(text)
        return vector


def text_digest(text: str) -> bytes:
    """The 16-byte BLAKE2 hash of a canonical text (what derived files are keyed by).
    surrogatepass: a lone surrogate in a reply is kept as text, so it must hash too."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


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
        same = reuse is not None and reuse.embedding_model == embedding_model
        vectors = dict(reuse.vectors) if reuse is not None and same else {}
        stored = reuse.stored if reuse is not None and same else {}
        for text in {canonical(t) for t in texts} - vectors.keys():
            known = stored.get(text_digest(text))
            if known is not None:
                vectors[text] = known
        todo = sorted({canonical(t) for t in texts} - vectors.keys())
        try:
            got = await embedder.embed(embedding_model, todo) if todo else []
        except BackendError as problem:
            reason = problem.message
        else:
            for text, vector in zip(todo, got, strict=True):
                array = np.asarray(vector, dtype=np.float64)
                norm = float(np.linalg.norm(array))
                unit = array / norm if norm else array
                # float32 values: what the vectors file stores, so a stored vector compares
                # exactly like a fresh one.
                vectors[text] = unit.astype(np.float32).astype(np.float64)
            return Similarity(
                "embeddings",
                _threshold("embeddings", threshold),
                requested=requested,
                embedding_model=embedding_model,
                vectors=vectors,
                stored=stored,
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
