"""When to stop asking: how many new distinct ideas each round of prompting added (an
exhaustion curve), and how alike the model's ideas are compared with people's.

**Rounds.** A round is one prompt sent to one model (`PromptSent`; an ensemble prompt counts
once per source, follow-ups count too), in the order they were sent. Its ideas are the visible
ideas that reply wrote; rounds that brought no idea (failed, stopped before any text) are left
out, and so are rounds still hidden in a human-first session (counted, not shown).

**New distinct ideas.** Near-duplicates come from `brainstorm.duplicates` (its public report:
`group_of`). An idea is *new* when no earlier idea says the same thing: it is in no
near-duplicate group, or it is the first idea (lowest id, the earliest written) of its group.
People's ideas count as earlier ideas too, so the model restating a person's idea adds nothing
new. The curve is cumulative distinct ideas against cumulative ideas generated, round by round.

**Exhausted.** When the last `WINDOW` (3) rounds together added fewer than `NEW_SHARE` (10%)
new distinct ideas among the ideas they brought, asking again mostly repeats what is there.

**Side by side.** The mean pairwise similarity of the model's ideas and of people's ideas
(1 − the duplicates report's mean pairwise distance, by the same method: text or embeddings).
Above `SAMPLE` ideas a side is measured on an evenly spaced sample of them (said so), so the
figure costs the same at 10,000 ideas as at 1,000 (every pair of 2,000 cost `stats` a second
more). On benchmarks/bench_scale.py's sessions of 10,000 the sampled mean differed from a
sample of 2,000 by 0.0002 (varied ideas) and 0.012 (near-copies of one template): a figure
for context, not a measurement to the third decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from brainstorm.duplicates import DuplicateReport, Similarity, find_duplicates, idea_text
from brainstorm.models import Author, Idea, Session

__all__ = [
    "NEW_SHARE",
    "RESEARCH_CONTEXT",
    "SAMPLE",
    "WINDOW",
    "Exhaustion",
    "Round",
    "SideSimilarity",
    "exhaustion_curve",
    "new_idea_ids",
    "side_similarity",
]

WINDOW = 3
NEW_SHARE = 0.10
SAMPLE = 1000

#: Context for the side-by-side figure, never a threshold: a published measurement with
#: another method (sentence embeddings) on other ideas.
RESEARCH_CONTEXT = (
    "For context only, not a target: Meincke, Mollick & Terwiesch measured a mean pairwise"
    " cosine similarity of 0.377 among ideas from a plain GPT-4 prompt and 0.243 among"
    " people's ideas, with sentence embeddings; text similarity is on another scale."
)


@dataclass(frozen=True)
class Round:
    number: int  # 1 = the first round shown
    prompt_id: str
    prompt: str
    model: str
    at: datetime
    ideas: int  # ideas this round brought
    new: int  # of them, new distinct ideas
    total_ideas: int  # ideas generated up to and including this round
    total_distinct: int  # new distinct ideas up to and including this round

    def as_json(self) -> dict[str, Any]:
        return {
            "round": self.number,
            "prompt_id": self.prompt_id,
            "prompt": self.prompt,
            "model": self.model,
            "at": self.at.isoformat(),
            "ideas": self.ideas,
            "new": self.new,
            "total_ideas": self.total_ideas,
            "total_distinct": self.total_distinct,
        }


@dataclass(frozen=True)
class Exhaustion:
    rounds: list[Round]
    window: int
    new_share: float  # the bar: fewer new ideas than this share means exhausted
    hidden_rounds: int

    @property
    def recent(self) -> list[Round]:
        return self.rounds[-self.window :] if len(self.rounds) >= self.window else []

    @property
    def recent_ideas(self) -> int:
        return sum(r.ideas for r in self.recent)

    @property
    def recent_new(self) -> int:
        return sum(r.new for r in self.recent)

    @property
    def recent_share(self) -> float | None:
        return self.recent_new / self.recent_ideas if self.recent_ideas else None

    @property
    def exhausted(self) -> bool:
        """The last `window` rounds added fewer than `new_share` new distinct ideas."""
        share = self.recent_share
        return share is not None and share < self.new_share

    def verdict(self) -> str:
        """The curve in one plain sentence (front ends add what to do about it)."""
        if len(self.rounds) < self.window:
            return (
                f"{len(self.rounds)} round(s) so far: too few to tell whether asking again"
                f" still brings new ideas (it takes {self.window})."
            )
        share = self.recent_share or 0.0
        summary = (
            f"The last {self.window} prompts brought {self.recent_ideas} ideas, of which"
            f" {self.recent_new} were new ({share:.0%})"
        )
        if self.exhausted:
            return summary + ": recent rounds added almost nothing new."
        return summary + ": they still add new ideas."

    def as_json(self) -> dict[str, Any]:
        return {
            "rounds": [r.as_json() for r in self.rounds],
            "hidden_rounds": self.hidden_rounds,
            "window": self.window,
            "new_share_below": self.new_share,
            "recent_ideas": self.recent_ideas,
            "recent_new": self.recent_new,
            "recent_share": self.recent_share,
            "exhausted": self.exhausted,
            "verdict": self.verdict(),
        }


def new_idea_ids(report: DuplicateReport, idea_ids: list[int]) -> set[int]:
    """The ideas no earlier idea restates (see the module doc)."""
    new: set[int] = set()
    for idea_id in idea_ids:
        group = report.group_of(idea_id)
        # ids ascending: the first is the earliest (not min() per idea: with every idea in one
        # group, that was 10,000 × 10,000 comparisons, a second of `stats`)
        if group is None or group.ids[0] == idea_id:
            new.add(idea_id)
    return new


def exhaustion_curve(
    session: Session, report: DuplicateReport, *, window: int = WINDOW, new_share: float = NEW_SHARE
) -> Exhaustion:
    """The curve of ``session``; ``report`` is its near-duplicate report (every visible idea,
    as `duplicates.session_duplicates` makes it)."""
    visible = session.visible_ideas()
    new = new_idea_ids(report, [idea.id for idea in visible])
    by_prompt: dict[str, list[Idea]] = {}
    for idea in visible:
        if idea.author is Author.MODEL and idea.prompt_id is not None:
            by_prompt.setdefault(idea.prompt_id, []).append(idea)
    hidden_prompts = {
        i.prompt_id for i in session.ideas.values() if i.hidden and not session.revealed
    }
    prompts = sorted(session.prompts.values(), key=lambda p: (p.at, p.id))
    rounds: list[Round] = []
    total = distinct = 0
    for prompt in prompts:
        ideas = by_prompt.get(prompt.id, [])
        if not ideas:
            continue
        fresh = sum(idea.id in new for idea in ideas)
        total += len(ideas)
        distinct += fresh
        rounds.append(
            Round(
                len(rounds) + 1,
                prompt.id,
                prompt.prompt,
                prompt.model,
                prompt.at,
                len(ideas),
                fresh,
                total,
                distinct,
            )
        )
    hidden = len(hidden_prompts - by_prompt.keys())
    return Exhaustion(rounds, window, new_share, hidden)


@dataclass(frozen=True)
class SideSimilarity:
    """Mean pairwise similarity among the model's ideas and among people's (None: fewer than
    two ideas on that side). ``sampled``: the per-side sample size when a side was larger."""

    method: str
    embedding_model: str | None
    model_ideas: int
    human_ideas: int
    model: float | None
    human: float | None
    sampled: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "embedding_model": self.embedding_model,
            "model_ideas": self.model_ideas,
            "human_ideas": self.human_ideas,
            "model_mean_similarity": self.model,
            "human_mean_similarity": self.human,
            "sampled_per_side": self.sampled,
            "context": RESEARCH_CONTEXT,
        }


def _sample(ideas: list[Idea], size: int) -> list[Idea]:
    if len(ideas) <= size:
        return ideas
    step = len(ideas) / size
    return [ideas[int(n * step)] for n in range(size)]


def _mean_similarity(ideas: list[Idea], similarity: Similarity) -> float | None:
    if len(ideas) < 2:
        return None
    report = find_duplicates([(i.id, idea_text(i)) for i in ideas], similarity)
    distance = report.mean_pairwise_distance
    return None if distance is None else 1.0 - distance


def side_similarity(
    session: Session, similarity: Similarity, *, sample: int = SAMPLE
) -> SideSimilarity:
    """The model's ideas and people's, side by side (every visible idea of either side, any
    status). ``similarity`` must know every visible idea's text (embeddings)."""
    ideas = sorted(session.visible_ideas(), key=lambda i: i.id)
    model = [i for i in ideas if i.author is Author.MODEL]
    human = [i for i in ideas if i.author is Author.HUMAN]
    sampled = sample if max(len(model), len(human)) > sample else None
    return SideSimilarity(
        method=similarity.method,
        embedding_model=similarity.embedding_model if similarity.method == "embeddings" else None,
        model_ideas=len(model),
        human_ideas=len(human),
        model=_mean_similarity(_sample(model, sample), similarity),
        human=_mean_similarity(_sample(human, sample), similarity),
        sampled=sampled,
    )
