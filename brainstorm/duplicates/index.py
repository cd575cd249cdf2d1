"""The near-duplicate index: every idea compared once, when it arrives or its text changes.

State (see the package docstring for what it means to a reader):

- per idea: its canonical text, how many ideas it is a near-duplicate of (``count``), its
  nearest near-duplicates (``near``: an exact prefix of them, nearest first, ties to the lower
  id, at most `NEAR_KEPT`), the earlier *leaders* it is a near-duplicate of (``links``) and the
  leader of its group;
- for the session: the sum of the similarities of every pair (the mean pairwise distance).

A new or changed idea costs one row of similarities against every idea (O(n)): its own
figures come from the row, and the row says which other ideas gain (or lose) it as a
neighbour. An idea whose leader status flips costs one more row (its later near-duplicates
gain or lose a link); flips are processed in id order (`_cascade`), so the result is the same
as building the index from scratch in id order. New ideas with the highest ids (the usual
case) are compared in blocks of rows (`_append`), which is also how an index is built.
"""

from __future__ import annotations

import hashlib
import heapq
from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from brainstorm.duplicates.progress import ProgressCallback, Tally, pairs_to_compare
from brainstorm.duplicates.similarity import (
    BLOCK_ROWS,
    EPSILON,
    Similarity,
    canonical,
    text_digest,
    word_form,
)

if TYPE_CHECKING:
    from brainstorm.duplicates.saved import Saved

__all__ = ["NEAR_KEPT", "NEAR_SHOWN", "DuplicateIndex", "Entry"]

#: Nearest near-duplicates kept per idea (more are counted, not named)…
NEAR_KEPT = 8
#: …and at least this many are always known exactly (a list that falls below is refilled).
NEAR_SHOWN = 3
#: Beyond this share of edited ideas, building the index afresh is cheaper than updating it.
REBUILD_SHARE = 0.25

Key = tuple[float, int]  # (-similarity, idea id): nearest first, then the lower id
Positions = npt.NDArray[np.int64]
Scores = npt.NDArray[np.float32]


def word_hash(text: str) -> int:
    """A 63-bit hash of a canonical text's `word_form`: equal hashes count as the same words
    in the same order (similarity 1.0); a collision is a 2⁻⁶³ chance."""
    form = word_form(text).encode("utf-8", "surrogatepass")  # a lone surrogate hashes too
    digest = hashlib.blake2b(form, digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


_NO_POSITIONS: Positions = np.zeros(0, dtype=np.int64)
_NO_SCORES: Scores = np.zeros(0, dtype=np.float32)


@dataclass
class Entry:
    """One idea in the index (see the module docstring)."""

    digest: bytes  # of the canonical text compared (`text_digest`): what changes with it
    position: int  # its column in the index's arrays
    leader: int = 0
    leader_score: float = 1.0
    links: dict[int, float] = field(default_factory=dict)
    near: list[Key] = field(default_factory=list)


class DuplicateIndex:
    """Near-duplicates of a set of ideas ((id, text) pairs), kept up to date by `update`."""

    # Per position (see `_grow`).
    _present: npt.NDArray[np.bool_]
    _leader: npt.NDArray[np.bool_]
    _id_arr: Positions
    _words: Positions
    _count: Positions
    _near_len: Positions
    _last_score: Scores
    _last_id: Positions

    def __init__(self, similarity: Similarity, saved: Saved | None = None) -> None:
        self.similarity = similarity
        self._cut = similarity.threshold - EPSILON
        self._reset()
        self._pending = saved  # stored state, unpacked when something changes

    def _reset(self) -> None:
        self.entries: dict[int, Entry] = {}
        self.total = 0.0  # Σ similarity over every unordered pair of ideas
        self._linked_to: dict[int, set[int]] = {}  # leader → ideas linking to it
        self._stale: set[int] = set()  # ideas whose nearest list fell below NEAR_SHOWN
        self._recent: tuple[int, int, Positions, Scores] = (-1, -1, _NO_POSITIONS, _NO_SCORES)
        self._ids: list[int] = []  # per position (a position is never reused)
        self._keys: list[str] = []  # per position: what `Similarity.block` compares
        self._size = 0
        self._capacity = 0
        self._grow(64)

    # -- arrays per position -------------------------------------------------------------------

    def _grow(self, extra: int) -> None:
        if self._size + extra <= self._capacity:
            return
        capacity = max(64, 2 * (self._size + extra))
        old = self._size

        def resized(name: str, dtype: type, fill: float | bool) -> None:
            fresh: npt.NDArray[np.generic] = np.full(capacity, fill, dtype=dtype)
            if old:
                fresh[:old] = getattr(self, name)[:old]
            setattr(self, name, fresh)

        resized("_present", np.bool_, False)
        resized("_leader", np.bool_, False)
        resized("_id_arr", np.int64, 0)
        resized("_words", np.int64, -1)
        resized("_count", np.int64, 0)
        resized("_near_len", np.int64, 0)
        resized("_last_score", np.float32, np.inf)
        resized("_last_id", np.int64, 0)
        self._capacity = capacity

    def _allocate(self, idea_id: int, digest: bytes, key: str, words: int) -> int:
        self._grow(1)
        position = self._size
        self._size += 1
        self._ids.append(idea_id)
        self._keys.append(key)
        self._id_arr[position] = idea_id
        self._words[position] = words
        self.entries[idea_id] = Entry(digest, position, leader=idea_id)
        return position

    def _prepared(self, text: str) -> tuple[bytes, str, int]:
        """(digest, key, word-form hash) of a canonical text."""
        key = self.similarity.prepare(text) if self.similarity.method == "text" else text
        return text_digest(text), key, word_hash(text)

    def _present_positions(self) -> Positions:
        return np.flatnonzero(self._present[: self._size]).astype(np.int64)

    def _scores(self, rows: list[int], columns: Positions) -> Scores:
        keys = self._keys
        return self.similarity.block(
            [keys[p] for p in rows],
            [keys[p] for p in columns.tolist()],
            self._words[rows],
            self._words[columns],
        )

    def _row(self, position: int) -> tuple[Positions, Scores]:
        """Similarities of one idea with every other idea present."""
        columns = self._present_positions()
        columns = columns[columns != position]
        return columns, self._scores([position], columns)[0]

    # -- updating ------------------------------------------------------------------------------

    def update(
        self, items: Iterable[tuple[int, str]], progress: ProgressCallback | None = None
    ) -> bool:
        """Bring the index to exactly ``items`` (idea id, text): compare what is new or
        changed, forget what is gone. Returns whether anything changed. ``progress`` hears
        how far the comparisons are (only when there are some)."""
        texts = {idea_id: canonical(text) for idea_id, text in items}
        wanted = {idea_id: text_digest(text) for idea_id, text in texts.items()}
        if wanted == self.digests():
            return False
        self._unpack()
        entries = self.entries
        gone = [i for i, entry in entries.items() if wanted.get(i) != entry.digest]
        new = sorted(i for i, d in wanted.items() if i not in entries or entries[i].digest != d)
        if not gone and not new:
            return False
        if len(gone) > max(NEAR_KEPT, REBUILD_SHARE * len(entries)):
            self._reset()
            gone, new = [], sorted(wanted)
            entries = self.entries
        leaving = set(gone)
        top = max((i for i in entries if i not in leaving), default=min(new, default=0) - 1)
        middle = [i for i in new if i < top]  # e.g. revealed, or written out of order
        tally = Tally(progress, ideas=len(wanted), compared=len(new), fresh=not entries)
        tally.start(pairs_to_compare(len(entries), len(gone), len(middle), len(new) - len(middle)))
        dirty: list[int] = []
        for idea_id in gone:
            self._remove(idea_id, dirty)
            tally.add(len(self.entries))
        for idea_id in middle:
            self._add(idea_id, self._prepared(texts[idea_id]), dirty)
            tally.add(len(self.entries) - 1)
        self._cascade(dirty)
        self._append([(i, self._prepared(texts[i])) for i in new if i > top], tally)
        self._refill()
        tally.finish()
        return True

    def _remove(self, idea_id: int, dirty: list[int]) -> None:
        entry = self.entries[idea_id]
        position = entry.position
        self._present[position] = False
        columns, row = self._row(position)
        self.total -= float(row.sum(dtype=np.float64))
        similar = row >= self._cut
        near, scores = columns[similar], row[similar]
        self._count[near] -= 1
        # Only lists whose last entry it does not come after can hold it.
        last = self._last_score[near]
        held = (scores > last) | ((scores == last) & (idea_id <= self._last_id[near]))
        for q, score in zip(near[held].tolist(), scores[held].tolist(), strict=True):
            other = self.entries[self._ids[q]]
            key = (-score, idea_id)
            if key in other.near:
                other.near.remove(key)
                self._sync_near(q, other)
        if self._leader[position]:
            self._leader[position] = False
            for follower in self._linked_to.pop(idea_id, set()):
                del self.entries[follower].links[idea_id]
                heapq.heappush(dirty, follower)
        for leader in entry.links:
            self._linked_to[leader].discard(idea_id)
        del self.entries[idea_id]
        self._stale.discard(idea_id)

    def _add(self, idea_id: int, prepared: tuple[bytes, str, int], dirty: list[int]) -> None:
        """One idea among the others (any id): its row; its leader is settled by `_cascade`."""
        position = self._allocate(idea_id, *prepared)
        columns, row = self._row(position)
        self._present[position] = True
        self._recent = (position, self._size, columns, row)  # `_cascade` may need it again
        self._take_row(idea_id, position, columns, row)
        entry = self.entries[idea_id]
        links = (row >= self._cut) & self._leader[columns] & (self._id_arr[columns] < idea_id)
        entry.links = dict(
            zip(self._id_arr[columns[links]].tolist(), row[links].tolist(), strict=True)
        )
        for leader in entry.links:
            self._linked_to[leader].add(idea_id)
        heapq.heappush(dirty, idea_id)

    def _append(self, items: list[tuple[int, tuple[bytes, str, int]]], tally: Tally) -> None:
        """Ideas with higher ids than every idea present, in id order, a block of rows at a
        time (each row against the ideas before it: the lower triangle)."""
        for start in range(0, len(items), BLOCK_ROWS):
            block = items[start : start + BLOCK_ROWS]
            before = self._present_positions()
            rows = [self._allocate(idea_id, *prepared) for idea_id, prepared in block]
            columns = np.concatenate([before, np.asarray(rows, dtype=np.int64)])
            scores = self._scores(rows, columns)
            for offset, ((idea_id, _), position) in enumerate(zip(block, rows, strict=True)):
                valid = len(before) + offset
                row, cols = scores[offset, :valid], columns[:valid]
                self._present[position] = True
                self._take_row(idea_id, position, cols, row)
                links = (row >= self._cut) & self._leader[cols]
                entry = self.entries[idea_id]
                if links.any():
                    ids = self._id_arr[cols[links]].tolist()
                    entry.links = dict(zip(ids, row[links].tolist(), strict=True))
                    for leader in ids:
                        self._linked_to[leader].add(idea_id)
                self._settle(idea_id, entry)
            tally.add(len(before) * len(block) + len(block) * (len(block) - 1) // 2)

    def _take_row(self, idea_id: int, position: int, columns: Positions, row: Scores) -> None:
        """Fold a new idea's row in: the pair sum, its neighbours' counts and nearest lists,
        and its own."""
        self.total += float(row.sum(dtype=np.float64))
        similar = row >= self._cut
        near, scores = columns[similar], row[similar]
        before = self._count[near]
        self._count[near] = before + 1
        last = self._last_score[near]
        takes = (
            (self._near_len[near] == before)
            | (scores > last)
            | ((scores == last) & (idea_id < self._last_id[near]))
        )
        for q, score in zip(near[takes].tolist(), scores[takes].tolist(), strict=True):
            other = self.entries[self._ids[q]]
            insort(other.near, (-score, idea_id))
            del other.near[NEAR_KEPT:]
            self._sync_near(q, other)
        entry = self.entries[idea_id]
        self._count[position] = len(near)
        entry.near = self._nearest(near, scores)
        self._sync_near(position, entry)

    def _nearest(self, positions: Positions, scores: Scores) -> list[Key]:
        """The NEAR_KEPT nearest (highest score, then lowest id) among these neighbours."""
        ids = self._id_arr[positions]
        if len(positions) > 4 * NEAR_KEPT:
            cut = np.partition(scores, len(scores) - NEAR_KEPT)[len(scores) - NEAR_KEPT]
            above = scores > cut
            tied = np.flatnonzero(scores == cut)
            need = NEAR_KEPT - int(above.sum())
            tied = tied[np.argsort(ids[tied], kind="stable")[:need]]
            pick = np.concatenate([np.flatnonzero(above), tied])
            ids, scores = ids[pick], scores[pick]
        keys = sorted(zip((-scores).tolist(), ids.tolist(), strict=True))
        return keys[:NEAR_KEPT]

    def _sync_near(self, position: int, entry: Entry) -> None:
        self._near_len[position] = len(entry.near)
        if entry.near:
            self._last_score[position] = -entry.near[-1][0]
            self._last_id[position] = entry.near[-1][1]
        else:
            self._last_score[position] = np.inf
        if len(entry.near) < NEAR_SHOWN and self._count[position] > len(entry.near):
            self._stale.add(self._ids[position])

    def _settle(self, idea_id: int, entry: Entry) -> bool:
        """Its leader from its links (itself when it has none); whether it is a leader now."""
        position = entry.position
        if entry.links:
            entry.leader, entry.leader_score = min(
                ((i, s) for i, s in entry.links.items()), key=lambda link: (-link[1], link[0])
            )
            self._leader[position] = False
            return False
        entry.leader, entry.leader_score = idea_id, 1.0
        self._leader[position] = True
        self._linked_to.setdefault(idea_id, set())
        return True

    def _cascade(self, dirty: list[int]) -> None:
        """Settle ideas whose links changed, in id order; an idea that becomes (or stops being)
        a leader links (or unlinks) its later near-duplicates, which are settled next."""
        done = -1
        while dirty:
            idea_id = heapq.heappop(dirty)
            if idea_id == done or idea_id not in self.entries:
                continue
            done = idea_id
            entry = self.entries[idea_id]
            was = bool(self._leader[entry.position])
            now = self._settle(idea_id, entry)
            if now == was:
                continue
            if now:
                recent = self._recent
                if recent[0] == entry.position and recent[1] == self._size:
                    columns, row = recent[2], recent[3]  # no idea came in since: still whole
                else:
                    columns, row = self._row(entry.position)
                later = (row >= self._cut) & (self._id_arr[columns] > idea_id)
                ids = self._id_arr[columns[later]].tolist()
                for follower, score in zip(ids, row[later].tolist(), strict=True):
                    self.entries[follower].links[idea_id] = score
                    self._linked_to[idea_id].add(follower)
                    heapq.heappush(dirty, follower)
            else:
                for follower in self._linked_to.pop(idea_id, set()):
                    del self.entries[follower].links[idea_id]
                    heapq.heappush(dirty, follower)

    def _refill(self) -> None:
        """Recompute the nearest list of ideas that lost too many of theirs (rare: it takes
        NEAR_KEPT − NEAR_SHOWN edits among one idea's nearest)."""
        for idea_id in sorted(self._stale):
            entry = self.entries.get(idea_id)
            if entry is None:
                continue
            columns, row = self._row(entry.position)
            similar = row >= self._cut
            entry.near = self._nearest(columns[similar], row[similar])
            self._sync_near(entry.position, entry)
        self._stale.clear()

    # -- reading -------------------------------------------------------------------------------

    def count(self, idea_id: int) -> int:
        """How many other ideas this one is a near-duplicate of."""
        return int(self._count[self.entries[idea_id].position])

    # -- stored state (brainstorm.duplicates.saved) --------------------------------------------

    def digests(self) -> dict[int, bytes]:
        """Each idea's canonical-text digest: what the index was last updated with."""
        if self._pending is not None:
            return self._pending.digest_map()
        return {idea_id: entry.digest for idea_id, entry in self.entries.items()}

    def snapshot(self) -> Saved:
        """The state as arrays (what is stored, and what reports are made from)."""
        if self._pending is not None:
            return self._pending
        from brainstorm.duplicates.saved import pack

        return pack(self)

    def _unpack(self) -> None:
        """A stored state becomes live state when something changes (only then: a report of
        an unchanged session reads the arrays)."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        from brainstorm.duplicates.saved import unpack

        try:
            unpack(self, pending)
        except (ValueError, KeyError):  # a damaged file: compare everything again
            self._reset()
