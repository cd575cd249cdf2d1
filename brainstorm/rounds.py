"""Human-first rounds: the person writes their own ideas before seeing the model's.

Seeing AI examples early narrows what people come up with (design fixation; e.g.
Wadinambiarachchi et al., CHI 2024). A session started human-first (``brainstorm new
--human-first``, `SessionCreated.human_first`) stores every model idea asked for before the
reveal as *hidden*: generated and kept, but shown nowhere (show, export, stats text, the app)
until the person reveals them (`reveal`, ``brainstorm reveal``). Hidden ideas cannot be edited
or reviewed either (`brainstorm.review` refuses), since nobody has seen them.

What counts as "the round" (the comparison in `human_first_figures`):

- **human side**: ideas the person added *before the reveal* (`Idea.before_reveal`), i.e.
  written without having seen any model idea of this session;
- **model side**: model ideas whose prompt was sent *hidden*, i.e. asked for before the reveal
  (`Idea.before_reveal`, set from `IdeaDrafted.hidden`) — a reply still arriving when the
  person revealed counts on the model side and is shown at once.

Ideas added or asked for *after* the reveal were written with the model's ideas in view: they
count in every other figure of the session, but not in this comparison (their numbers are
reported as ``after_reveal``). The order comes from the event log itself (each event is folded
in file order), not from clocks.

The figures: ideas per side; their statuses now (a person's own ideas start accepted and count
as accepted unless they rejected them); how much the model's were revised (`aggregate`
over the model side); and how many model ideas duplicated a human one — a model idea whose
original text (what the model proposed, before any edit) is a near-duplicate
(`brainstorm.duplicates`, same method and threshold as the session's duplicate groups) of at
least one human-side idea's current text. That last figure is withheld (None) until the reveal,
so that the figures cannot hint at what the hidden ideas say.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from brainstorm.events import IdeasRevealed, Status
from brainstorm.metrics.idea import idea_metrics
from brainstorm.metrics.session import SessionMetrics, aggregate
from brainstorm.models import Author, Idea, Session
from brainstorm.session_writer import SessionWriter
from brainstorm.store_errors import StoreError

if TYPE_CHECKING:  # duplicates (NumPy) loads only when figures are computed
    from brainstorm.duplicates import Match, Similarity

__all__ = [
    "HumanFirstFigures",
    "NotHumanFirst",
    "RevealError",
    "SideFigures",
    "comparison_texts",
    "drafts_hidden",
    "hidden_count",
    "human_first_figures",
    "human_side",
    "model_side",
    "reveal",
]


class RevealError(StoreError):
    pass


class NotHumanFirst(RevealError):
    """Revealing a session that was not started human-first: nothing is hidden."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"session {session_id} was not started human-first: nothing is hidden")
        self.session_id = session_id


def drafts_hidden(session: Session) -> bool:
    """Whether model ideas asked for now must be stored hidden (pass it as
    `AskRequest.hidden`): a human-first session not revealed yet."""
    return session.human_first and not session.revealed


def hidden_count(session: Session) -> int:
    """Model ideas stored hidden and not revealed yet."""
    return sum(1 for idea in session.ideas.values() if idea.hidden and not session.revealed)


def reveal(writer: SessionWriter) -> int:
    """Reveal the model's hidden ideas: records `ideas_revealed` and returns how many ideas it
    made visible. Revealing an already revealed session records nothing and returns 0; a
    session that was not started human-first raises `RevealError`."""
    session = writer.session
    if not session.human_first:
        raise NotHumanFirst(session.id)
    if session.revealed:
        return 0
    count = hidden_count(session)
    writer.append(IdeasRevealed())
    return count


def human_side(session: Session) -> list[Idea]:
    """The person's ideas written before the reveal, by id."""
    return [i for i in session.ideas.values() if i.author is Author.HUMAN and i.before_reveal]


def model_side(session: Session) -> list[Idea]:
    """The model's ideas asked for before the reveal (hidden until it), by id."""
    return [i for i in session.ideas.values() if i.author is Author.MODEL and i.before_reveal]


class SideFigures(BaseModel):
    """One side of the round: how many ideas, and their statuses now."""

    model_config = ConfigDict(frozen=True)

    ideas: int
    accepted: int
    rejected: int
    draft: int

    @classmethod
    def of(cls, ideas: list[Idea]) -> SideFigures:
        def count(status: Status) -> int:
            return sum(1 for idea in ideas if idea.status is status)

        return cls(
            ideas=len(ideas),
            accepted=count(Status.ACCEPTED),
            rejected=count(Status.REJECTED),
            draft=count(Status.DRAFT),
        )


class DuplicateOfHuman(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_idea: int
    human_idea: int
    similarity: float


class HumanFirstFigures(BaseModel):
    """The human-first comparison of one session (see the module doc for what counts)."""

    model_config = ConfigDict(frozen=True)

    revealed: bool
    revealed_at: datetime | None
    human: SideFigures
    model: SideFigures
    #: How the model side was revised (`SessionMetrics` over it); None before the reveal.
    model_revision: SessionMetrics | None
    #: Model ideas that are near-duplicates of a human-side idea; None before the reveal.
    model_duplicating_human: int | None
    duplicates: list[DuplicateOfHuman] | None
    #: Ideas outside the comparison: added or asked for after the reveal.
    after_reveal: dict[str, int]
    method: str
    threshold: float

    @property
    def model_duplicate_share(self) -> float | None:
        if self.model_duplicating_human is None or not self.model.ideas:
            return None
        return self.model_duplicating_human / self.model.ideas

    def as_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["model_duplicate_share"] = self.model_duplicate_share
        return data


def human_first_figures(
    session: Session, similarity: Similarity | None = None
) -> HumanFirstFigures | None:
    """The comparison for a human-first session (None for any other session).

    ``similarity`` decides what counts as a duplicate (default: the text method at its default
    threshold); with embeddings it must have been built with `comparison_texts`."""
    from brainstorm.duplicates import Similarity, best_matches, idea_text

    if not session.human_first:
        return None
    similarity = similarity or Similarity.text()
    human = human_side(session)
    model = model_side(session)
    revision: SessionMetrics | None = None
    matches: list[Match] | None = None
    if session.revealed:
        revision = aggregate(idea_metrics(idea) for idea in model)
        matches = best_matches(
            [(i.id, idea_text(i)) for i in human],
            [(i.id, _original_text(i)) for i in model],
            similarity,
        )
    after = {
        "human": sum(
            1 for i in session.ideas.values() if i.author is Author.HUMAN and not i.before_reveal
        ),
        "model": sum(
            1 for i in session.ideas.values() if i.author is Author.MODEL and not i.before_reveal
        ),
    }
    return HumanFirstFigures(
        revealed=session.revealed,
        revealed_at=session.revealed_at,
        human=SideFigures.of(human),
        model=SideFigures.of(model),
        model_revision=revision,
        model_duplicating_human=None if matches is None else len(matches),
        duplicates=None
        if matches is None
        else [
            DuplicateOfHuman(model_idea=m.idea, human_idea=m.other, similarity=m.similarity)
            for m in matches
        ],
        after_reveal=after,
        method=similarity.method,
        threshold=similarity.threshold,
    )


def _original_text(idea: Idea) -> str:
    """What the model proposed, before any edit (title and text)."""
    title = (idea.original_title or "").strip()
    text = idea.original if idea.original is not None else idea.text
    return f"{title}: {text}" if title else text


def comparison_texts(session: Session) -> list[str]:
    """Every text `human_first_figures` compares: give them to `build_similarity` (with
    the session's visible ideas) when the embeddings method is used. Empty before the reveal
    (nothing is compared then)."""
    from brainstorm.duplicates import idea_text

    if not session.human_first or not session.revealed:
        return []
    return [idea_text(i) for i in human_side(session)] + [
        _original_text(i) for i in model_side(session)
    ]
