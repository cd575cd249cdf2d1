"""Events and state of the converging half of a brainstorm: themes (groups of ideas, each with a
label) and people's votes. Part of the session log like every other event (the `Event` union in
`brainstorm.events`); `brainstorm.replay.apply_event` hands these to `apply_converge`.

- `themes_grouped` stores a whole grouping (every theme with its ideas and label), so the log
  says exactly what a person saw; a later grouping replaces it on the board.
- `theme_labelled` gives a theme a label: written by a person (a rename) or by the model (a
  DRAFT until a person accepts it with `theme_label_accepted`, or renames it).
- `vote_cast` gives an idea points from one named voter; `vote_withdrawn` takes back all of
  that voter's points on the idea (both stay in the log).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from brainstorm.event_base import _Event

if TYPE_CHECKING:
    from brainstorm.models import Session

#: Who wrote a theme's label: its characteristic words (computed), the model, or a person.
LabelAuthor = Literal["words", "model", "human"]
#: "computed" (words), "draft" (the model's, not yet accepted), "accepted" (the model's,
#: accepted by a person), "written" (by a person).
LabelStatus = Literal["computed", "draft", "accepted", "written"]

#: The id of the "other" theme: the ideas that fit in no theme.
OTHER_THEME = 0
OTHER_LABEL = "Other (fits no theme)"


class ThemeRecord(BaseModel):
    """One theme as stored: its id (kept across regroupings while the theme still exists),
    label and who wrote it, its characteristic words and its ideas (ids ascending)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    label: str
    label_author: LabelAuthor = "words"
    label_status: LabelStatus = "computed"
    terms: list[str] = Field(default_factory=list)
    ideas: list[int] = Field(default_factory=list)
    label_model: str | None = None  # the model that wrote the label (model labels)
    labelled_by: str | None = None  # the person who wrote or accepted the label

    @property
    def is_other(self) -> bool:
        return self.id == OTHER_THEME

    @property
    def label_is_draft(self) -> bool:
        return self.label_status == "draft"

    @property
    def named_by_person(self) -> bool:
        """A person chose this label: wrote it, or accepted the model's."""
        return self.label_status in ("written", "accepted")


class ThemesGrouped(_Event):
    type: Literal["themes_grouped"] = "themes_grouped"
    method: Literal["text", "embeddings"]
    requested: Literal["text", "embeddings", "auto"] = "text"
    embedding_model: str | None = None
    max_themes: int
    note: str | None = None  # why the method differs from the one asked for
    themes: list[ThemeRecord]


class ThemeLabelled(_Event):
    type: Literal["theme_labelled"] = "theme_labelled"
    theme: int
    label: str
    author: Literal["model", "human"]
    by: str | None = None  # the person, for their own labels
    model: str | None = None
    backend: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    reply: str | None = None  # the model's whole reply, verbatim (the label is read from it)


class ThemeLabelAccepted(_Event):
    type: Literal["theme_label_accepted"] = "theme_label_accepted"
    theme: int
    by: str | None = None


class VoteCast(_Event):
    type: Literal["vote_cast"] = "vote_cast"
    idea: int
    voter: str
    points: int = Field(default=1, ge=1)


class VoteWithdrawn(_Event):
    type: Literal["vote_withdrawn"] = "vote_withdrawn"
    idea: int
    voter: str


ConvergeEvent = ThemesGrouped | ThemeLabelled | ThemeLabelAccepted | VoteCast | VoteWithdrawn


class ThemeBoard(BaseModel):
    """The latest grouping with the labels given since: what `brainstorm themes` shows."""

    seq: int  # of the `themes_grouped` event
    at: datetime
    method: Literal["text", "embeddings"]
    requested: Literal["text", "embeddings", "auto"] = "text"
    embedding_model: str | None = None
    max_themes: int
    note: str | None = None
    themes: dict[int, ThemeRecord] = Field(default_factory=dict)  # in the stored order
    #: The highest theme id any grouping of the session has used: new themes get higher ones,
    #: so an id in the log never names two different themes.
    highest_id: int = 0

    def theme_of(self) -> dict[int, int]:
        """Idea id → theme id."""
        return {idea: theme.id for theme in self.themes.values() for idea in theme.ideas}


def apply_converge(session: Session, event: ConvergeEvent) -> None:
    """Fold one converge event into the session's state."""
    match event:
        case ThemesGrouped():
            before = session.themes.highest_id if session.themes else 0
            session.themes = ThemeBoard(
                seq=event.seq,
                at=event.at,
                method=event.method,
                requested=event.requested,
                embedding_model=event.embedding_model,
                max_themes=event.max_themes,
                note=event.note,
                # Copies (labels change them later), shallow but for the lists: a deep copy
                # of 10,000 ids costs more than the grouping's bookkeeping.
                themes={
                    t.id: t.model_copy(update={"ideas": list(t.ideas), "terms": list(t.terms)})
                    for t in event.themes
                },
                highest_id=max([before, *(t.id for t in event.themes)]),
            )
        case ThemeLabelled():
            theme = session.themes.themes.get(event.theme) if session.themes else None
            if theme is None:  # a log edited by hand: nothing to label
                return
            theme.label = event.label
            if event.author == "model":
                theme.label_author, theme.label_status = "model", "draft"
                theme.label_model, theme.labelled_by = event.model, None
            else:
                theme.label_author, theme.label_status = "human", "written"
                theme.label_model, theme.labelled_by = None, event.by
        case ThemeLabelAccepted():
            theme = session.themes.themes.get(event.theme) if session.themes else None
            if theme is not None and theme.label_is_draft:
                theme.label_status = "accepted"
                theme.labelled_by = event.by
        case VoteCast():
            votes = session.votes.setdefault(event.idea, {})
            votes[event.voter] = votes.get(event.voter, 0) + event.points
        case VoteWithdrawn():
            votes = session.votes.get(event.idea, {})
            votes.pop(event.voter, None)
            if not votes:
                session.votes.pop(event.idea, None)
