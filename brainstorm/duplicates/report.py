"""What the near-duplicate index tells a reader, in bounded size: per idea its group and its
few nearest near-duplicates with a count of the rest; per group its leader, size and members
(each idea is listed in one group only, so the whole report grows with the ideas, not their
pairs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from brainstorm.duplicates.index import NEAR_SHOWN, DuplicateIndex
from brainstorm.duplicates.similarity import Method, Requested, Similarity

__all__ = ["DuplicateGroup", "DuplicateReport", "NearDuplicates", "report_of"]


@dataclass(frozen=True)
class DuplicateGroup:
    """A leader and the ideas that restate it (ids ascending, the leader first of all: it is
    the earliest). ``similarity``: the least similar member's similarity to the leader."""

    leader: int
    ids: tuple[int, ...]
    similarity: float

    @property
    def size(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class NearDuplicates:
    """One idea's near-duplicates: the nearest few (nearest first) and how many there are."""

    nearest: tuple[int, ...]
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.nearest)


_NONE = NearDuplicates((), 0)


@dataclass(frozen=True)
class DuplicateReport:
    """Near-duplicates among a set of ideas, and how diverse the set is (see the package doc)."""

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
    _near: dict[int, NearDuplicates] = field(default_factory=dict, repr=False)

    @property
    def distinct_share(self) -> float | None:
        return self.distinct / self.ideas if self.ideas else None

    @property
    def duplicated_ideas(self) -> int:
        """Ideas that belong to some group."""
        return sum(group.size for group in self.groups)

    def group_of(self, idea_id: int) -> DuplicateGroup | None:
        return self._group_of.get(idea_id)

    def near(self, idea_id: int) -> NearDuplicates:
        return self._near.get(idea_id, _NONE)

    def duplicates_of(self, idea_id: int) -> list[int]:
        """This idea's nearest near-duplicates (at most NEAR_SHOWN; `near` counts them all)."""
        return list(self.near(idea_id).nearest)

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
                {
                    "leader": group.leader,
                    "size": group.size,
                    "ideas": list(group.ids),
                    "similarity": round(group.similarity, 4),
                }
                for group in self.groups
            ],
        }


def report_of(index: DuplicateIndex, similarity: Similarity) -> DuplicateReport:
    """The report of an index that is up to date (made from its arrays: a few NumPy passes
    and one small tuple per idea that has near-duplicates)."""
    saved = index.snapshot()
    n = len(saved.ideas)
    near = {
        idea: NearDuplicates(nearest, count)
        for idea, (nearest, count) in saved.nearest(NEAR_SHOWN).items()
    }
    groups: list[DuplicateGroup] = []
    group_of: dict[int, DuplicateGroup] = {}
    leaders, sizes = np.unique(saved.leader, return_counts=True)
    if n and (sizes > 1).any():
        order = np.lexsort((saved.ideas, saved.leader))  # by leader, then id
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        members = saved.ideas[order]
        weakest = np.minimum.reduceat(saved.leader_score[order], starts)
        for leader, start, size, similarity_min in zip(
            leaders.tolist(), starts.tolist(), sizes.tolist(), weakest.tolist(), strict=True
        ):
            if size < 2:
                continue
            ids = tuple(members[start : start + size].tolist())
            group = DuplicateGroup(leader, ids, similarity_min)
            groups.append(group)
            group_of.update(dict.fromkeys(ids, group))
    mean_distance = None
    if n >= 2:
        mean_distance = max(0.0, 1.0 - saved.total / (n * (n - 1) / 2))
    return DuplicateReport(
        method=similarity.method,
        requested=similarity.requested,
        threshold=similarity.threshold,
        ideas=n,
        groups=groups,
        distinct=len(leaders),
        mean_pairwise_distance=mean_distance,
        embedding_model=similarity.embedding_model,
        note=similarity.note,
        _group_of=group_of,
        _near=near,
    )
