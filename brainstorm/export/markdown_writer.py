"""The markdown writer: YAML front matter (session, topic, techniques, models and backends,
times, counts by status and badge, the session's revision figures), then one ``##`` section per
idea with its badge line, its text and its revision figures. Every piece of text that is not
ours goes through `brainstorm.export.escaping`."""

from __future__ import annotations

from datetime import UTC, datetime

from brainstorm.export.escaping import diff_block, one_line, text_block
from brainstorm.export.front_matter import yaml_front_matter
from brainstorm.export.selection import (
    EXPORT_VERSION,
    ExportedIdea,
    ExportOptions,
    Selection,
    iso,
    select,
)
from brainstorm.metrics.diff import word_diff
from brainstorm.metrics.session import SessionMetrics
from brainstorm.models import Author, Idea, Session

__all__ = ["export_markdown", "markdown_document"]


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min" + (f" {whole % 60} s" if whole % 60 else "")
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _when(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _idea_figures(item: ExportedIdea) -> str:
    m = item.metrics
    if m.author is Author.HUMAN or m.word_edit_rate is None:
        line = "Written by a person, so no model figures"
        if m.revisions:
            line += f"; {_plural(m.revisions, 'revision')}"
        return line + "."
    if not m.revisions and m.word_edits == 0:
        return (
            f"Not edited: the model's text as it came (word edit rate {_rate(m.word_edit_rate)},"
            f" model share {_percent(m.model_share)})."
        )
    parts = [
        f"word edit rate {_rate(m.word_edit_rate)}",
        f"character edit rate {_rate(m.char_edit_rate)}",
        f"model retention {_percent(m.model_retention)}",
        f"model share {_percent(m.model_share)}",
        _plural(m.revisions, "revision"),
    ]
    if m.edit_seconds is not None:
        parts.append(f"last edit {_duration(m.edit_seconds)} after the draft")
    return "Revision: " + " · ".join(parts) + "."


def _byline(idea: Idea) -> str:
    parts: list[str] = []
    if idea.author is Author.MODEL:  # a person's ideas say so in their badge
        model = one_line(idea.model or "unknown model")
        parts.append(f"model {model}" + (f" ({one_line(idea.backend)})" if idea.backend else ""))
    if idea.technique:
        parts.append(f"technique {one_line(idea.technique)}")
    parts.append(_when(idea.created_at))
    return " · ".join(parts)


def _provenance(item: ExportedIdea) -> str | None:
    """Where a model idea came from: "From the prompt “…”", or for a follow-up "A follow-up:
    variations of #3 (its title)" — the number matches that idea's heading."""
    record = item.prompt
    if record is None:
        return None
    if record.follow_up is not None and item.follows is not None:
        followed = item.follows
        if not followed.exported:
            about = "not in this export"
        elif followed.title and followed.title.strip():
            about = one_line(followed.title)
        else:
            about = "above" if followed.id < item.idea.id else "below"
        return f"A follow-up: {one_line(record.follow_up)} of #{followed.id} ({about})."
    if not record.prompt.strip():
        return "From a prompt with the session topic alone."
    return f"From the prompt “{one_line(record.prompt)}”."


def _idea_section(item: ExportedIdea, history: bool) -> list[str]:
    idea = item.idea
    title = one_line(idea.title) if idea.title and idea.title.strip() else ""
    heading = f"## {idea.id}. {title}" if title else f"## Idea {idea.id}"
    lines = [heading, "", f"**{item.badge}** · {_byline(idea)}", ""]
    provenance = _provenance(item)
    if provenance is not None:
        lines += [provenance, ""]
    lines += text_block(idea.text)
    lines += ["", f"*{_idea_figures(item)}*"]
    if history and item.shows_history and idea.original is not None:
        lines += ["", "**The model's original:**", ""]
        if idea.original_title and idea.original_title != idea.title:
            lines += [f"> **{one_line(idea.original_title)}**", ">"]
        lines += text_block(idea.original, "> ")
        lines += ["", "**Changes** (~~removed~~, **added**):", ""]
        if idea.original == idea.text:
            lines.append("> The text is the model's again after the edits.")
        else:
            lines += diff_block(word_diff(idea.original, idea.text), "> ")
    return lines


def _summary(c: Selection) -> list[str]:
    n = c.counts
    kinds: list[str] = [item.kind for item in c.ideas]
    parts = [
        f"{kinds.count(kind)} {words}"
        for kind, words in (
            ("accepted_as_is", "accepted as-is"),
            ("accepted_after_edits", "accepted after edits"),
            ("written_by_person", "written by a person"),
        )
        if kinds.count(kind)
    ]
    if kinds.count("draft"):
        parts.append(f"**{_plural(kinds.count('draft'), 'DRAFT')}, not accepted by a person**")
    if kinds.count("rejected"):
        parts.append(f"{kinds.count('rejected')} rejected")
    line = f"This export holds {n['exported']} of the session's {_plural(n['ideas'], 'idea')}"
    line += (": " + ", ".join(parts) + ".") if parts else "."
    left = c.left_out
    gone = []
    if left["draft"]:
        gone.append(_plural(left["draft"], "draft"))
    if left["rejected"]:
        gone.append(_plural(left["rejected"], "rejected idea"))
    if left["hidden"]:
        gone.append(f"{_plural(left['hidden'], 'hidden model idea')} (not yet revealed)")
    lines = [line]
    if gone:
        lines += ["", "Left out: " + ", ".join(gone) + "."]
    return lines


def _session_figures(f: SessionMetrics) -> str:
    if not f.model_ideas:
        return "No model ideas in this session, so no revision figures."
    parts = [
        f"word edit rate {_rate(f.word_edit_rate)}",
        f"character edit rate {_rate(f.char_edit_rate)}",
        f"model retention {_percent(f.model_retention)}",
        f"model share {_percent(f.model_share)}",
        f"{f.edited_model_ideas} of {f.model_ideas} edited",
        _plural(f.revisions, "revision"),
    ]
    if f.accepted_model_ideas:
        parts.append(
            f"{f.accepted_as_is} of {f.accepted_model_ideas} accepted model ideas accepted as-is"
        )
    if f.model_share_of_accepted is not None:
        parts.append(f"model's share of accepted text {_percent(f.model_share_of_accepted)}")
    return (
        f"Revision figures for the session's {_plural(f.model_ideas, 'model idea')}: "
        + " · ".join(parts)
        + "."
    )


def _front_matter(c: Selection) -> dict[str, object]:
    s = c.session
    # Counts by status are under "counts"; the rest are the revision figures.
    figures = c.figures.model_dump(exclude={"ideas", "by_status", "by_author"})
    return {
        "brainstorm_export": EXPORT_VERSION,
        "session": s.id,
        "topic": s.topic,
        "techniques": c.techniques,
        "models": c.models,
        "backends": c.backends,
        "human_first": s.human_first,
        "created": iso(s.created_at),
        "updated": iso(s.updated_at),
        "exported": iso(c.exported_at),
        "included": c.included,
        "counts": c.counts,
        "left_out": c.left_out,
        "revision": figures,
    }


def markdown_document(selection: Selection) -> str:
    """The selection as a markdown document with YAML front matter."""
    c = selection
    s = c.session
    lines = [yaml_front_matter(_front_matter(c)).rstrip("\n"), ""]
    lines += [f"# {one_line(s.topic) or 'Brainstorm'}", ""]
    about = [f"Brainstorm session `{s.id}`"]
    if c.techniques:
        about.append("technique " + ", ".join(one_line(t) for t in c.techniques))
    if c.models:
        about.append("model " + ", ".join(one_line(m) for m in c.models))
    if c.backends:
        about.append("backend " + ", ".join(one_line(b) for b in c.backends))
    about.append(f"exported {_when(c.exported_at)}")
    lines += [" · ".join(about) + ".", ""]
    lines += _summary(c)
    lines += ["", _session_figures(c.figures)]
    if any(item.kind == "draft" for item in c.ideas):
        lines += [
            "",
            "Ideas marked DRAFT are the model's text (or edits not yet accepted): not ideas a"
            " person has reviewed and accepted.",
        ]
    if not c.ideas:
        lines += ["", "*No ideas to export.*"]
    for item in c.ideas:
        lines += ["", *_idea_section(item, c.options.history)]
    return "\n".join(lines) + "\n"


def export_markdown(session: Session, options: ExportOptions | None = None) -> str:
    return markdown_document(select(session, options or ExportOptions()))
