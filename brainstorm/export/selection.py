"""What an export holds: the options, the ideas they select with each one's badge, and the
facts about the session every writer shows. Writers (markdown, JSON, …) take a `Selection`
and return text, so every format shows the same ideas with the same labels.

- Accepted ideas (model ideas accepted as-is or after edits, and ideas a person wrote) always.
- Drafts by default, each with a visible ``DRAFT — not reviewed`` badge, so nothing the model
  wrote can pass for reviewed text; ``include_drafts=False`` leaves out every draft, edited or
  not, complete or not.
- Rejected ideas only with ``include_rejected=True``.
- Model ideas still hidden in a human-first round are never exported (revealing them is the
  person's decision, made in the app); the counts say how many there are.
- ``history=True`` adds, after each idea a person edited, the model's original and a word diff
  from it to the final text.
- Every model idea says where it came from: the prompt that produced it, and for a follow-up
  the idea it follows up ("variations of #3"), whether or not that idea is exported too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from brainstorm.events import Status
from brainstorm.metrics.idea import IdeaMetrics, session_idea_metrics
from brainstorm.metrics.session import SessionMetrics, aggregate
from brainstorm.models import Author, Idea, Session
from brainstorm.presentation import STATUS_WORDS
from brainstorm.prompt_records import PromptRecord

__all__ = [
    "EXPORT_VERSION",
    "BadgeKind",
    "ExportFormat",
    "ExportOptions",
    "ExportedIdea",
    "FollowedIdea",
    "Selection",
    "badge_kind",
    "badge_label",
    "iso",
    "select",
]

#: Version of the export layout (front matter ``brainstorm_export``, JSON ``version``).
EXPORT_VERSION = 1

ExportFormat = Literal["md", "json", "mermaid", "opml"]
BadgeKind = Literal[
    "draft", "accepted_as_is", "accepted_after_edits", "rejected", "written_by_person"
]


@dataclass(frozen=True)
class ExportOptions:
    """What to export and how. The defaults export accepted ideas and drafts as markdown."""

    format: ExportFormat = "md"
    include_drafts: bool = True
    include_rejected: bool = False
    history: bool = False
    #: The export time written into the document (fixed in tests); default: now.
    exported_at: datetime | None = None


# --- badges -----------------------------------------------------------------------------------


def badge_kind(idea: Idea) -> BadgeKind:
    """Which badge an idea carries. A person's own accepted idea is ``written_by_person``; a
    person's idea set back to draft or rejected carries the draft / rejected badge (its label
    says who wrote it)."""
    if idea.status is Status.REJECTED:
        return "rejected"
    if idea.status is Status.DRAFT:
        return "draft"
    if idea.author is Author.HUMAN:
        return "written_by_person"
    return "accepted_as_is" if not idea.revisions else "accepted_after_edits"


def badge_label(idea: Idea) -> str:
    """The badge's words. The status words are `presentation.STATUS_WORDS` (the same as the CLI
    and the TUI show); the qualifiers spell out for a reader outside the tool what the TUI's
    short labels mean (the TUI's "YOURS" is "WRITTEN BY A PERSON" here)."""
    kind = badge_kind(idea)
    human = idea.author is Author.HUMAN
    if kind == "draft":
        if human:
            label = f"{STATUS_WORDS[Status.DRAFT]} — written by a person, not accepted"
        elif idea.revisions:
            label = f"{STATUS_WORDS[Status.DRAFT]} — edited, not accepted"
        else:
            label = f"{STATUS_WORDS[Status.DRAFT]} — not reviewed"
    elif kind == "accepted_as_is":
        label = f"{STATUS_WORDS[Status.ACCEPTED]} as-is"
    elif kind == "accepted_after_edits":
        label = f"{STATUS_WORDS[Status.ACCEPTED]} after edits"
    elif kind == "rejected":
        label = STATUS_WORDS[Status.REJECTED] + (" — written by a person" if human else "")
    else:
        label = "WRITTEN BY A PERSON"
    if idea.incomplete:
        label += " · INCOMPLETE: the model's reply was cut off"
    return label


# --- selection --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowedIdea:
    """The idea a follow-up prompt was about, as the export can name it."""

    id: int
    title: str | None
    exported: bool  # False: filtered out by the options, or no longer in the session


@dataclass
class ExportedIdea:
    idea: Idea
    kind: BadgeKind
    badge: str
    metrics: IdeaMetrics
    #: The prompt that produced a model idea (None: a person's idea, or no record of it).
    prompt: PromptRecord | None = None
    #: For an idea a follow-up produced: the idea it follows up.
    follows: FollowedIdea | None = None

    @property
    def shows_history(self) -> bool:
        """Whether ``history`` adds the model's original and a diff: a model idea a person
        revised (its text or title)."""
        return (
            self.idea.author is Author.MODEL
            and self.idea.original is not None
            and (
                bool(self.idea.revisions)
                or self.idea.text != self.idea.original
                or self.idea.title != self.idea.original_title
            )
        )


@dataclass
class Selection:
    """Everything a writer shows: the chosen ideas and the facts about the whole session."""

    session: Session
    options: ExportOptions
    exported_at: datetime
    #: The ideas `options` export, in idea order.
    ideas: list[ExportedIdea]
    #: Ideas of the session left out, by reason: "draft", "rejected", "hidden".
    left_out: dict[str, int]
    #: The session's revision figures (over all its ideas, not only the exported ones).
    figures: SessionMetrics
    #: Ideas by status and by badge, incomplete and hidden ones, and how many are exported.
    counts: dict[str, int]
    techniques: list[str]
    models: list[str]
    backends: list[str]

    @property
    def included(self) -> dict[str, bool]:
        """What the options let in, as the document states it."""
        return {
            "drafts": self.options.include_drafts,
            "rejected": self.options.include_rejected,
            "history": self.options.history,
        }


def select(session: Session, options: ExportOptions) -> Selection:
    """The selection `options` make from ``session``: its ideas, figures and names."""
    per_idea = session_idea_metrics(session)
    left_out = {"draft": 0, "rejected": 0, "hidden": 0}
    chosen: list[ExportedIdea] = []
    for idea_id in sorted(session.ideas):
        idea = session.ideas[idea_id]
        if idea.hidden and not session.revealed:
            left_out["hidden"] += 1
            continue
        if idea.status is Status.DRAFT and not options.include_drafts:
            left_out["draft"] += 1
            continue
        if idea.status is Status.REJECTED and not options.include_rejected:
            left_out["rejected"] += 1
            continue
        chosen.append(ExportedIdea(idea, badge_kind(idea), badge_label(idea), per_idea[idea_id]))
    _add_provenance(session, chosen)
    techniques, models, backends = _names(session)
    return Selection(
        session=session,
        options=options,
        exported_at=options.exported_at or datetime.now(UTC),
        ideas=chosen,
        left_out=left_out,
        figures=aggregate(per_idea.values()),
        counts=_counts(session, len(chosen)),
        techniques=techniques,
        models=models,
        backends=backends,
    )


def _add_provenance(session: Session, chosen: list[ExportedIdea]) -> None:
    exported = {item.idea.id for item in chosen}
    for item in chosen:
        record = session.prompts.get(item.idea.prompt_id or "")
        item.prompt = record
        if record is None or record.parent_idea is None:
            continue
        parent = session.ideas.get(record.parent_idea)
        item.follows = FollowedIdea(
            record.parent_idea,
            parent.title if parent is not None else None,
            record.parent_idea in exported,
        )


def iso(moment: datetime) -> str:
    """A time as exports write it: UTC ISO 8601 to the second, ``Z`` suffix (naive is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _names(session: Session) -> tuple[list[str], list[str], list[str]]:
    """Techniques the session used, models and backends that wrote in it (an idea or reply
    text), in order of first use."""
    ideas = sorted(session.ideas.values(), key=lambda i: i.id)
    prompts = sorted(session.prompts.values(), key=lambda p: p.at)
    techniques = _unique(
        [session.technique, *(i.technique for i in ideas), *(p.technique for p in prompts)]
    )
    models = session.models_that_wrote()
    backends = _unique([*(i.backend for i in ideas), *(p.backend for p in prompts if p.reply)])
    return techniques, models, backends


def _counts(session: Session, exported: int) -> dict[str, int]:
    counts = {"ideas": len(session.ideas), **session.count_by_status()}
    kinds = [badge_kind(idea) for idea in session.ideas.values()]
    for kind in ("accepted_as_is", "accepted_after_edits", "written_by_person"):
        counts[kind] = kinds.count(kind)
    counts["incomplete"] = sum(idea.incomplete for idea in session.ideas.values())
    counts["hidden"] = sum(idea.hidden and not session.revealed for idea in session.ideas.values())
    counts["exported"] = exported
    return counts
