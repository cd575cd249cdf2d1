"""What one idea card shows, as plain strings: its number, status badge, flags, source, title,
text and figures. No drawing here (`card_render` draws a `CardView` at a width); model text
stays literal and is only made visible (`textsafe.visible`) when drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from brainstorm.events import Status
from brainstorm.metrics.idea import idea_metrics
from brainstorm.models import Author, Idea, Session
from brainstorm.presentation import duplicate_flag, source_label, status_label
from brainstorm.tui.widgets.live_reply import LiveReplies


@dataclass(frozen=True)
class CardView:
    ref: str  # "#3", or "#…" while it streams
    badge: str  # "DRAFT", "ACCEPTED as-is", "YOURS", "DRAFT · writing…", …
    title: str | None
    text: str
    source: str
    meta: str
    incomplete: bool = False
    flag: str = ""  # near-duplicates, e.g. "≈ #3 #7 +9,993"
    echo: bool = False  # the model's text only repeats the prompt
    kind: str = "draft"  # draft, accepted, rejected, human or live: picks frame and styles
    writing: bool = False  # still arriving: an emphasis may not be closed yet


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def card_meta(idea: Idea, origin: str | None = None) -> str:
    """The figures under a card: technique, revisions, and how much the person changed."""
    parts: list[str] = [origin] if origin else []
    if idea.technique:
        parts.append(idea.technique)
    if idea.author is Author.MODEL and idea.revisions:
        m = idea_metrics(idea)
        count = idea.revision_count
        parts.append(f"{count} revision{'s' * (count != 1)}")
        # Counts a newcomer can read; the rates are in the tooltip, the history and help.
        parts.append(f"{m.word_edits} word{'s' * (m.word_edits != 1)} changed")
        parts.append(f"{m.kept_words} of {m.original_words} model words kept")
    elif idea.revisions:
        parts.append(f"{idea.revision_count} revision{'s' * (idea.revision_count != 1)}")
    if idea.incomplete:
        parts.append("cut off before the reply finished")
    return " · ".join(parts)


def figures_tooltip(idea: Idea) -> str | None:
    """What a card's figures mean, on hover (None: a card without figures)."""
    if idea.author is not Author.MODEL or not idea.revisions:
        return None
    m = idea_metrics(idea)
    return (
        f"{m.word_edits} words changed: words you added, cut or replaced to get from the"
        f" model's text to yours ({_percent(m.word_edit_rate)} of the {m.final_words} words"
        " now: cutting a lot passes 100%).\n"
        f"{m.kept_words} of {m.original_words} model words kept: the model's words still in"
        f" the text, in order ({_percent(m.model_retention)}).\n"
        "h shows the history: the original, each revision and a word diff."
    )


def card_kind(idea: Idea) -> str:
    return "human" if idea.author is Author.HUMAN else idea.status.value


#: An idea's nearest near-duplicates (a few) and how many it has in all.
Near = tuple[tuple[int, ...], int]


def follow_up_origin(session: Session, idea: Idea) -> str | None:
    """ "critique of #3" for the ideas a follow-up produced (None for the others)."""
    record = session.prompts.get(idea.prompt_id or "")
    if record is None or record.follow_up is None:
        return None
    return f"{record.follow_up} of #{record.parent_idea}"


def idea_view(idea: Idea, *, origin: str | None, near: Near) -> CardView:
    """The card of a stored idea (``origin``: "critique of #3" for a follow-up's ideas;
    ``near``: its flag, "≈ #3 #7 +9,993")."""
    return CardView(
        ref=f"#{idea.id}",
        badge=status_label(idea),
        title=idea.title,
        text=idea.text,
        source=source_label(idea),
        meta=card_meta(idea, origin),
        incomplete=idea.incomplete,
        flag=duplicate_flag(*near),
        echo=idea.echo_of_prompt,
        kind=card_kind(idea),
    )


def live_view(text: str, title: str | None, *, writing: bool, source: str) -> CardView:
    """The card of an idea still arriving from the model: always a DRAFT, not stored yet."""
    return CardView(
        ref="#…",
        badge="DRAFT · writing…" if writing else "DRAFT · arriving",
        title=title,
        text=text or "…",
        source=source,
        meta="",
        kind="live",
        writing=writing,
    )


# Actions that change the session (disabled in a read-only session).
WRITE_ACTIONS = frozenset({"edit", "accept", "reject", "draft", "follow_up"})
# A status action on an idea already in that status does nothing: disabled.
SAME_STATUS = {"accept": Status.ACCEPTED, "reject": Status.REJECTED, "draft": Status.DRAFT}


def card_action_open(idea: Idea | None, action: str, read_only: bool) -> bool:
    """Whether a card's key does something now (the footer dims it otherwise)."""
    if idea is None or (read_only and action in WRITE_ACTIONS):
        return False
    return SAME_STATUS.get(action) is not idea.status


def live_views(live: LiveReplies) -> list[CardView]:
    """The cards of replies still streaming: each source's completed ideas, then the one
    being written (none while a human-first round keeps them hidden)."""
    views: list[CardView] = []
    if live.hidden:
        return views
    for stream in live.streams.values():
        for title, text in stream.completed:
            views.append(live_view(text, title, writing=False, source=stream.label))
        pending = stream.splitter.pending
        if pending is not None and (pending.text or pending.title):
            views.append(live_view(pending.text, pending.title, writing=True, source=stream.label))
    return views


def version(idea: Idea) -> tuple[object, ...]:
    """Changes whenever a review event touches the idea (cheaper than comparing copies)."""
    return (idea.status, len(idea.revisions), len(idea.status_history), idea.hidden, idea.text)
