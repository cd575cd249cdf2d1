"""The JSON writer: the same content as the markdown export, as data. Strings are verbatim
(JSON escaping covers them; C1 controls and line separators are ``\\u``-escaped too)."""

from __future__ import annotations

import json
from typing import Any

from brainstorm.export.selection import (
    EXPORT_VERSION,
    ExportedIdea,
    ExportOptions,
    Selection,
    iso,
    select,
)
from brainstorm.metrics.diff import word_diff
from brainstorm.models import Session
from brainstorm.textsafe import json_visible

__all__ = ["export_data", "export_json", "json_data", "json_document"]


def _idea_data(item: ExportedIdea, history: bool) -> dict[str, Any]:
    idea = item.idea
    data: dict[str, Any] = {
        "id": idea.id,
        "title": idea.title,
        "text": idea.text,
        "status": idea.status.value,
        "author": idea.author.value,
        "badge": item.kind,
        "badge_label": item.badge,
        "incomplete": idea.incomplete,
        "model": idea.model,
        "backend": idea.backend,
        "technique": idea.technique,
        "created_at": iso(idea.created_at),
        "revisions": idea.revision_count,
        "metrics": item.metrics.model_dump(mode="json"),
        "prompt": _prompt_data(item),
    }
    if history:
        data["history"] = {
            "original": idea.original,
            "original_title": idea.original_title,
            "revisions": [{"text": r.text, "at": iso(r.at)} for r in idea.revisions],
            "status_changes": [
                {"status": c.status.value, "at": iso(c.at)} for c in idea.status_history
            ],
            "diff": (
                [{"op": tag, "text": text} for tag, text in word_diff(idea.original, idea.text)]
                if idea.original is not None
                else None
            ),
        }
    return data


def _prompt_data(item: ExportedIdea) -> dict[str, Any] | None:
    """The prompt that produced a model idea; for a follow-up, the idea it follows up."""
    record = item.prompt
    if record is None:
        return None
    follows = item.follows
    return {
        "id": record.id,
        "text": record.prompt,
        "technique": record.technique,
        "sent_at": iso(record.at),
        "follow_up": record.follow_up,
        "follows_idea": follows.id if follows is not None else None,
        "follows_idea_exported": follows.exported if follows is not None else None,
    }


def json_data(selection: Selection) -> dict[str, Any]:
    """The selection as plain data (what the JSON document holds)."""
    c = selection
    s = c.session
    return {
        "format": "brainstorm-export",
        "version": EXPORT_VERSION,
        "session": {
            "id": s.id,
            "topic": s.topic,
            "techniques": c.techniques,
            "models": c.models,
            "backends": c.backends,
            "human_first": s.human_first,
            "created_at": iso(s.created_at),
            "updated_at": iso(s.updated_at),
        },
        "exported_at": iso(c.exported_at),
        "included": c.included,
        "counts": c.counts,
        "left_out": c.left_out,
        "revision": c.figures.model_dump(mode="json"),
        "ideas": [_idea_data(item, c.options.history) for item in c.ideas],
    }


def json_document(selection: Selection) -> str:
    """The selection as a JSON document (indented, ending in a newline)."""
    # Controls, invisible and bidi characters and lone surrogates as \u escapes: the same data
    # to any JSON reader, and nothing hidden or unprintable when the file is shown.
    return json_visible(json.dumps(json_data(selection), ensure_ascii=False, indent=2)) + "\n"


def export_data(session: Session, options: ExportOptions | None = None) -> dict[str, Any]:
    """The export of ``session`` as plain data (what the JSON format writes)."""
    return json_data(select(session, options or ExportOptions()))


def export_json(session: Session, options: ExportOptions | None = None) -> str:
    return json_document(select(session, options or ExportOptions()))
