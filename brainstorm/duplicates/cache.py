"""Derived files next to a session: the near-duplicate index and the embedding vectors.

- ``<session>.dups.npz``: the `DuplicateIndex` state (per idea: canonical text, leader, links,
  nearest list, count; the pair sum), stamped with the method, threshold and embedding model.
- ``<session>.vectors.npz``: embedding vectors by BLAKE2 hash of the canonical text, stamped
  with the embedding model, so that only texts never embedded before are sent to the server.

Why NumPy ``.npz`` (uncompressed): the state is arrays of numbers (ids, scores, counts,
vectors) and loads in milliseconds without parsing text (JSON of 10,000 ideas' lists is
several times slower and loses float32 exactness); it is one file that is replaced whole,
atomically (temporary file, fsync, rename), so a reader never sees half of one — SQLite would
update rows in place, but a new idea changes many rows' counts anyway, and it brings journal
files and its own locking that a deletable cache does not need. No pickles (``allow_pickle``
stays off): a damaged file fails the consistency checks on loading and is rebuilt, and a
hostile one can at worst mislead the figures, never run code.

Both files are derived: never part of the event log, deletable at any time, rebuilt when
missing, damaged, or made with other settings. Only the process that holds the session's
writer lock writes them; readers compute in memory.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

from brainstorm.duplicates.index import DuplicateIndex
from brainstorm.duplicates.saved import DIGEST, Saved, digest_array, digest_list
from brainstorm.duplicates.similarity import Similarity, text_digest
from brainstorm.fileio import atomic_write

__all__ = [
    "INDEX_SUFFIX",
    "VECTORS_SUFFIX",
    "derived_paths",
    "load_index",
    "load_vectors",
    "save_index",
    "save_vectors",
]

FORMAT = 1
INDEX_SUFFIX = ".dups.npz"
VECTORS_SUFFIX = ".vectors.npz"
#: What a damaged file can raise while it is read (it is then rebuilt).
_DAMAGED = (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile)


def derived_paths(session_path: Path) -> tuple[Path, Path]:
    """(index file, vectors file) of the session file at ``session_path``."""
    return session_path.with_suffix(INDEX_SUFFIX), session_path.with_suffix(VECTORS_SUFFIX)


def _write_atomically(path: Path, arrays: dict[str, npt.NDArray[np.generic]]) -> None:
    """The arrays as one ``.npz``, replacing ``path`` whole (`fileio.atomic_write`)."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    atomic_write(path, buffer.getvalue(), replace=True)


def save_index(path: Path, index: DuplicateIndex) -> None:
    """Store the index (atomically) for the next command or app that opens the session."""
    saved = index.snapshot()
    meta = {"format": FORMAT, "settings": index.similarity.settings_key, "total": saved.total}
    _write_atomically(path, {"meta": np.array(json.dumps(meta)), **saved.arrays()})


def load_index(path: Path, similarity: Similarity) -> DuplicateIndex | None:
    """The stored index, or None when there is none, it was made with other settings (method,
    threshold, embedding model), or it is damaged."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT or meta.get("settings") != similarity.settings_key:
                return None
            saved = Saved.from_arrays(
                {name: data[name] for name in data.files}, float(meta["total"])
            )
        return DuplicateIndex(similarity, saved)
    except FileNotFoundError:
        return None
    except _DAMAGED:
        return None


# --- embedding vectors ------------------------------------------------------------------------


def load_vectors(path: Path, model: str) -> dict[bytes, npt.NDArray[np.float64]]:
    """Every stored vector from ``model``, by `text_digest`; {} when none (or damaged)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT or meta.get("model") != model:
                return {}
            digests, vectors = data["digests"], data["vectors"]
        if digests.dtype != np.uint8 or vectors.dtype != np.float32 or vectors.ndim != 2:
            return {}
        if digests.shape != (len(vectors), DIGEST):
            return {}
        matrix = vectors.astype(np.float64)
        return dict(zip(digest_list(digests), matrix, strict=True))
    except FileNotFoundError:
        return {}
    except _DAMAGED:
        return {}


def save_vectors(path: Path, similarity: Similarity) -> None:
    """Store the vectors ``similarity`` has (the stored ones and those just embedded)."""
    if similarity.embedding_model is None:
        return
    merged = dict(similarity.stored)
    merged.update((text_digest(t), v) for t, v in similarity.vectors.items())
    if merged and len({len(v) for v in merged.values()}) != 1:
        merged = {text_digest(t): v for t, v in similarity.vectors.items()}  # model changed size
    digests = list(merged)
    matrix = (
        np.stack([merged[d] for d in digests]).astype(np.float32)
        if digests
        else np.zeros((0, 0), np.float32)
    )
    meta = np.array(json.dumps({"format": FORMAT, "model": similarity.embedding_model}))

    _write_atomically(path, {"meta": meta, "digests": digest_array(digests), "vectors": matrix})
