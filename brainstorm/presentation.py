"""Words shown for ideas, shared by every front end (CLI, TUI, export) so they never disagree.

No terminal or UI library here: front ends decide how the words are styled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from brainstorm.converge_events import ThemeRecord
from brainstorm.events import Status
from brainstorm.models import Author, Idea, ReviewAction

STATUS_WORDS: dict[Status, str] = {
    Status.DRAFT: "DRAFT",
    Status.ACCEPTED: "ACCEPTED",
    Status.REJECTED: "REJECTED",
}


def status_label(idea: Idea) -> str:
    """The words shown for an idea's status, the same in every view."""
    if idea.author is Author.HUMAN:
        return "YOURS" if idea.status is Status.ACCEPTED else f"YOURS, {idea.status.value.upper()}"
    label = STATUS_WORDS[idea.status]
    if idea.status is Status.ACCEPTED:
        label += " as-is" if idea.accepted_as_is else " after edits"
    elif idea.status is Status.DRAFT and idea.edited:
        label += " (edited)"
    return label


def options_label(options: Mapping[str, Any]) -> str:
    """The options that tell ensemble members apart, e.g. "t=0.9, seed 7" ("" when none)."""
    parts: list[str] = []
    temperature = options.get("temperature")
    if isinstance(temperature, int | float) and not isinstance(temperature, bool):
        parts.append(f"t={temperature:g}")
    seed = options.get("seed")
    if isinstance(seed, int) and not isinstance(seed, bool):
        parts.append(f"seed {seed}")
    return ", ".join(parts)


def model_label(model: str, options: Mapping[str, Any]) -> str:
    """A model and the options that set it apart in an ensemble: "llama3.2 @ t=0.9",
    "ollama:qwen3 @ t=0.3, seed 7", or just the model. The one place these words are made:
    ensemble sources, live cards, batch keys and stored ideas all use it."""
    options_text = options_label(options)
    return f"{model} @ {options_text}" if options_text else model


def source_label(idea: Idea) -> str:
    """Who wrote an idea, as cards and `show` say it: "you" for a person's idea, else the
    backend and model plus the options that set it apart in an ensemble, e.g.
    "ollama:llama3.2 @ t=0.9" or "ollama:qwen3 @ t=0.3, seed 7"."""
    if idea.author is Author.HUMAN:
        return "you"
    return model_label(idea.source, idea.options)


_STATUS_VERBS: dict[Status, str] = {
    Status.ACCEPTED: "accepted",
    Status.REJECTED: "rejected",
    Status.DRAFT: "reopened",
}


def decision_label(action: ReviewAction) -> str:
    """One review decision as the history views list it: "accepted", "edited", "title edited",
    "added" — without its time or undo mark, which each view formats its own way."""
    if action.kind == "added":
        return "added"
    if action.kind == "status":
        return _STATUS_VERBS[action.status or Status.DRAFT]
    if action.text == action.before_text and action.title is not None:
        return "title edited"
    return "edited"


def duplicate_flag(nearest: Sequence[int], count: int) -> str:
    """An idea's near-duplicate flag: its nearest few and how many more, e.g. "≈ #3 #7" or
    "≈ #3 #7 #9 +9,993" ("" when it has none). Bounded whatever the session's size."""
    if not count:
        return ""
    flag = "≈ " + " ".join(f"#{i}" for i in nearest)
    more = count - len(nearest)
    return f"{flag} +{more:,}" if more > 0 else flag


GROUP_MEMBERS_SHOWN = 3  # ideas named after a group's leader; the rest are counted


def group_flag(ids: Sequence[int]) -> str:
    """A near-duplicate group (ids ascending, the leader first) in one bounded line:
    "≈ #1 #3", or "≈ #1 #2 #3 #4 +9,996" for a group of 10,000."""
    return duplicate_flag(ids[: 1 + GROUP_MEMBERS_SHOWN], len(ids))


def kept_refs(ideas: Sequence[Idea]) -> str:
    """The ideas a stopped or failed reply kept, naming only those marked incomplete:
    "#7, #8 and #9 (#9 marked INCOMPLETE)" — never "#7, #8, #9, marked INCOMPLETE"."""
    numbers = [f"#{idea.id}" for idea in ideas]
    listed = numbers[0] if len(numbers) == 1 else f"{', '.join(numbers[:-1])} and {numbers[-1]}"
    incomplete = [f"#{idea.id}" for idea in ideas if idea.incomplete]
    return f"{listed} ({', '.join(incomplete)} marked INCOMPLETE)" if incomplete else listed


def theme_label_source(theme: ThemeRecord) -> str:
    """Who named a theme, as the CLI and the app say it (a model name stays a DRAFT until a
    person accepts it)."""
    if theme.is_other:
        return "ideas that fit no theme"
    if theme.label_status == "draft":
        return f"DRAFT name by the model ({theme.label_model or 'model'})"
    if theme.label_status == "accepted":
        return f"the model's name, accepted by {theme.labelled_by or 'a person'}"
    if theme.label_status == "written":
        return f"named by {theme.labelled_by or 'a person'}"
    return "characteristic words"
