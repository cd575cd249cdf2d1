"""Column widths for the session list, from the terminal's width: every column stays, and at
80 columns the labels and dates get shorter instead of the last columns falling off.

Ids are what a person types (`brainstorm show ID` takes an id, or any unique start or end of
one), so a long id is cut in the middle and keeps its last characters, the random part that
tells sessions on the same topic apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from brainstorm.textsafe import visible

if TYPE_CHECKING:
    from brainstorm.store import SessionSummary

PAD = 2  # a DataTable cell's padding, one column each side
MARGIN = 2  # the vertical scrollbar
MIN_TOPIC = 12
MAX_TOPIC = 60
MAX_ID = 45  # store ids: a 40-character slug, a dash and 4 hex digits
MIN_ID = 12
TAIL = 4  # the random hex digits at the end of an id


@dataclass(frozen=True)
class Column:
    label: str
    width: int


@dataclass(frozen=True)
class Layout:
    id_width: int
    topic_width: int
    counts: tuple[Column, ...]  # draft, accepted (the model's), rejected, yours
    activity: Column
    date_format: str

    @property
    def columns(self) -> list[Column]:
        return [
            Column("Id", self.id_width),
            Column("Topic", self.topic_width),
            *self.counts,
            self.activity,
        ]


WIDE = Layout(
    0,
    0,
    (Column("Draft", 5), Column("Accepted", 8), Column("Rejected", 8), Column("Yours", 5)),
    Column("Last activity", 16),
    "%Y-%m-%d %H:%M",
)
NARROW = Layout(
    0,
    0,
    (Column("Dr.", 4), Column("Acc.", 4), Column("Rej.", 4), Column("Yrs.", 4)),
    Column("Last", 6),
    "%b %d",  # "Dec 01": the list is newest first, so the day is enough at 80 columns
)


def layout(total: int, ids: Sequence[str], longest_topic: int) -> Layout:
    """Widths for a terminal `total` columns wide: the wide labels when the ids fit whole,
    otherwise short labels and ids cut to the room left (see `shown_id`)."""
    longest_id = min(MAX_ID, max((len(i) for i in ids), default=2))
    topic_cap = max(MIN_TOPIC, min(MAX_TOPIC, longest_topic))
    for shape in (WIDE, NARROW):
        fixed = sum(c.width + PAD for c in (*shape.counts, shape.activity))
        room = total - fixed - 2 * PAD - MARGIN  # for the id and the topic
        if shape is WIDE and room < longest_id + MIN_TOPIC:
            continue
        if shape is WIDE:  # chosen because the ids fit whole
            id_width = longest_id
        else:
            # The topic is what a person reads: it keeps most of the room, and an id cut
            # short still works by its end.
            topic_wanted = min(topic_cap, max(MIN_TOPIC, room * 3 // 5))
            id_width = max(MIN_ID, min(longest_id, room - topic_wanted))
        topic_width = max(MIN_TOPIC, min(topic_cap, room - id_width))
        return Layout(id_width, topic_width, shape.counts, shape.activity, shape.date_format)
    raise AssertionError("unreachable: the narrow shape always returns")


def shown_id(session_id: str, width: int) -> str:
    """The id, or when wider than its column its start, "…" and its last characters (which
    `brainstorm show` also takes), e.g. "ways-to-get-teen…24c1"."""
    if len(session_id) <= width:
        return session_id
    return session_id[: width - 1 - TAIL] + "…" + session_id[-TAIL:]


def row_cells(summary: SessionSummary, shape: Layout) -> tuple[str, ...]:
    """What each column shows of a readable session: id, topic (as `visible` shows model and
    person text alike), its draft / accepted / rejected / yours counts, last activity."""
    counts = summary.counts
    return (
        shown_id(summary.id, shape.id_width),
        visible(summary.topic),
        *(str(counts.get(name, "-")) for name in ("draft", "accepted", "rejected", "yours")),
        summary.updated_at.astimezone().strftime(shape.date_format),
    )


def heading(summaries: Sequence[SessionSummary], shape: Layout) -> str:
    """The line above the table; when ids are cut, how to type one."""
    cut = [s.id for s in summaries if len(s.id) > shape.id_width]
    if cut:
        return f"Sessions (a cut id: type its end, e.g. brainstorm show {cut[0][-4:]})"
    return "Sessions"
