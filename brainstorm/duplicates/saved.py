"""The near-duplicate index's state as arrays: what the derived file holds, and what reports are
made from (a session that did not change is reported straight from the file's arrays)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from brainstorm.duplicates.index import NEAR_KEPT, NEAR_SHOWN, Entry

if TYPE_CHECKING:
    from brainstorm.duplicates.index import DuplicateIndex

__all__ = ["Saved", "digest_array", "digest_list", "pack", "unpack"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float32]


_DTYPES = {
    "digests": np.uint8,
    "keys": np.uint8,
    "leader_score": np.float32,
    "link_scores": np.float32,
    "near_scores": np.float32,
}


@dataclass(frozen=True)
class Saved:
    """One row per idea in id order; ``*_ptr`` delimit each idea's part of a ragged column."""

    ideas: Ints
    digests: npt.NDArray[np.uint8]  # n × 16: `text_digest` of the canonical text
    keys: npt.NDArray[np.uint8]  # UTF-8 of what is compared, all ideas end to end
    key_ptr: Ints
    words: Ints  # `word_hash`
    leader: Ints
    leader_score: Floats
    count: Ints
    link_ptr: Ints
    link_ids: Ints
    link_scores: Floats
    near_ptr: Ints
    near_ids: Ints
    near_scores: Floats
    total: float

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "total"}

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[np.generic]], total: float) -> Saved:
        """ValueError (or KeyError) unless the arrays hang together."""
        columns: dict[str, Any] = {}
        for f in fields(cls):
            if f.name != "total":
                column = arrays[f.name]
                if column.dtype != _DTYPES.get(f.name, np.int64):
                    raise ValueError(f"{f.name}: {column.dtype}")
                columns[f.name] = column
        saved = cls(**columns, total=total)
        n = len(saved.ideas)
        ideas = saved.ideas
        if saved.digests.shape != (n, DIGEST) or saved.digests.dtype != np.uint8:
            raise ValueError("digests")
        if any(len(a) != n for a in (saved.words, saved.leader, saved.count)):
            raise ValueError("columns of different lengths")
        if len(saved.leader_score) != n or len(np.unique(ideas)) != n:
            raise ValueError("bad ideas")
        for name in ("key", "link", "near"):
            pointer = getattr(saved, f"{name}_ptr")
            size = len(saved.keys) if name == "key" else len(getattr(saved, f"{name}_ids"))
            if len(pointer) != n + 1 or pointer[0] != 0 or pointer[-1] != size:
                raise ValueError(f"{name} rows")
            if np.any(np.diff(pointer) < 0):
                raise ValueError(f"{name} rows")
        if len(saved.link_scores) != len(saved.link_ids):
            raise ValueError("link rows")
        if len(saved.near_scores) != len(saved.near_ids):
            raise ValueError("near rows")
        lengths = np.diff(saved.near_ptr)
        if np.any(lengths > np.minimum(saved.count, NEAR_KEPT)) or np.any(
            lengths < np.minimum(saved.count, NEAR_SHOWN)
        ):
            raise ValueError("nearest lists")
        if not np.isin(saved.near_ids, ideas).all():
            raise ValueError("a nearest idea that is not there")
        _check_leaders(saved)
        _check_order(saved.near_ptr, saved.near_ids, saved.near_scores)
        return saved

    def digest_map(self) -> dict[int, bytes]:
        return dict(zip(self.ideas.tolist(), digest_list(self.digests), strict=True))

    def nearest(self, limit: int) -> dict[int, tuple[tuple[int, ...], int]]:
        """Per idea with near-duplicates: (its `limit` nearest, how many it has)."""
        result: dict[int, tuple[tuple[int, ...], int]] = {}
        ptr, ids = self.near_ptr.tolist(), self.near_ids.tolist()
        for row, (idea, count) in enumerate(
            zip(self.ideas.tolist(), self.count.tolist(), strict=True)
        ):
            if count:
                start = ptr[row]
                result[idea] = (tuple(ids[start : min(start + limit, ptr[row + 1])]), count)
        return result


def _check_leaders(saved: Saved) -> None:
    """A leader has no links; any other idea links to leaders only, its own among them."""
    is_leader = saved.leader == saved.ideas
    links = np.diff(saved.link_ptr)
    if np.any((links == 0) != is_leader):
        raise ValueError("a leader with links, or a member without")
    leaders = saved.ideas[is_leader]
    if not np.isin(saved.link_ids, leaders).all() or not np.isin(saved.leader, leaders).all():
        raise ValueError("a link to an idea that leads nothing")
    own = np.repeat(saved.leader, links) == saved.link_ids
    rows = np.repeat(np.arange(len(links)), links)
    if len(np.unique(rows[own])) != int((~is_leader).sum()):
        raise ValueError("a member not linked to its leader")


def _check_order(pointer: Ints, ids: Ints, scores: Floats) -> None:
    """Each row nearest first, then lower id."""
    if len(ids) < 2:
        return
    same_row = np.ones(len(ids) - 1, dtype=bool)
    ends = pointer[1:-1]
    same_row[ends[(ends > 0) & (ends < len(ids))] - 1] = False
    first, second = scores[:-1], scores[1:]
    ordered = (first > second) | ((first == second) & (ids[:-1] < ids[1:]))
    if np.any(same_row & ~ordered):
        raise ValueError("a nearest list out of order")


DIGEST = 16  # bytes of a text digest


def digest_array(digests: list[bytes]) -> npt.NDArray[np.uint8]:
    """Digests as an n × 16 array (NumPy's bytes type would drop trailing zero bytes)."""
    return np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(len(digests), DIGEST)


def digest_list(array: npt.NDArray[np.uint8]) -> list[bytes]:
    blob = array.tobytes()
    return [blob[k : k + DIGEST] for k in range(0, len(blob), DIGEST)]


def _ragged(rows: list[list[tuple[int, float]]]) -> tuple[Ints, Ints, Floats]:
    pointer = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(row) for row in rows], out=pointer[1:])
    ids = np.fromiter((i for row in rows for i, _ in row), dtype=np.int64, count=pointer[-1])
    scores = np.fromiter((s for row in rows for _, s in row), dtype=np.float32, count=pointer[-1])
    return pointer, ids, scores


def pack(index: DuplicateIndex) -> Saved:
    """The live state of ``index`` as arrays."""
    order = sorted(index.entries.items())
    positions = np.asarray([entry.position for _, entry in order], dtype=np.int64)
    # surrogatepass both ways: a key may hold a lone surrogate (kept from a reply).
    encoded = [index._keys[p].encode("utf-8", "surrogatepass") for p in positions.tolist()]
    key_ptr = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=key_ptr[1:])
    link_ptr, link_ids, link_scores = _ragged([sorted(e.links.items()) for _, e in order])
    near_ptr, near_ids, near_scores = _ragged([[(i, -k) for k, i in e.near] for _, e in order])
    return Saved(
        ideas=np.asarray([i for i, _ in order], dtype=np.int64),
        digests=digest_array([e.digest for _, e in order]),
        keys=np.frombuffer(b"".join(encoded), dtype=np.uint8),
        key_ptr=key_ptr,
        words=index._words[positions],
        leader=np.asarray([e.leader for _, e in order], dtype=np.int64),
        leader_score=np.asarray([e.leader_score for _, e in order], dtype=np.float32),
        count=index._count[positions],
        link_ptr=link_ptr,
        link_ids=link_ids,
        link_scores=link_scores,
        near_ptr=near_ptr,
        near_ids=near_ids,
        near_scores=near_scores,
        total=index.total,
    )


def unpack(index: DuplicateIndex, saved: Saved) -> None:
    """Make ``saved`` the live state of an empty ``index`` (ValueError/KeyError when the
    state does not hang together: a damaged or hand-edited file)."""
    n = len(saved.ideas)
    ideas = saved.ideas.tolist()
    blob, key_ptr = saved.keys.tobytes(), saved.key_ptr.tolist()
    index._grow(n)
    index._size = n
    index._ids = list(ideas)
    index._keys = [
        blob[key_ptr[k] : key_ptr[k + 1]].decode("utf-8", "surrogatepass") for k in range(n)
    ]
    index._id_arr[:n] = saved.ideas
    index._words[:n] = saved.words
    index._count[:n] = saved.count
    index._present[:n] = True
    index._leader[:n] = saved.leader == saved.ideas
    leaders = saved.ideas[saved.leader == saved.ideas].tolist()
    index._linked_to = {leader: set() for leader in leaders}
    link_ptr, link_ids = saved.link_ptr.tolist(), saved.link_ids.tolist()
    link_scores = saved.link_scores.tolist()
    near_ptr, near_ids = saved.near_ptr.tolist(), saved.near_ids.tolist()
    near_scores = saved.near_scores.tolist()
    digests, leader_ids = digest_list(saved.digests), saved.leader.tolist()
    leader_scores = saved.leader_score.tolist()
    for position, idea in enumerate(ideas):
        links = {
            link_ids[k]: link_scores[k] for k in range(link_ptr[position], link_ptr[position + 1])
        }
        leader = leader_ids[position]
        if (leader == idea) == bool(links) or (links and leader not in links):
            raise ValueError(f"idea #{idea}: inconsistent leader")
        near = [
            (-near_scores[k], near_ids[k])
            for k in range(near_ptr[position], near_ptr[position + 1])
        ]
        if near != sorted(near):
            raise ValueError(f"idea #{idea}: nearest list out of order")
        entry = Entry(digests[position], position, leader, leader_scores[position])
        entry.links, entry.near = links, near
        index.entries[idea] = entry
        for other in links:
            index._linked_to[other].add(idea)  # KeyError: a link to an idea that leads nothing
        index._sync_near(position, entry)
    index.total = saved.total
