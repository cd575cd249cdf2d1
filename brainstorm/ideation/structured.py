"""Reading a structured (JSON) reply into draft ideas, tolerating the ways models get it wrong:
code fences, prose around the JSON, a bare list, other key names, a reply cut off mid-way."""

from __future__ import annotations

import json
import re
from typing import Any

from brainstorm.ideation.drafts import DraftIdea
from brainstorm.ideation.spans import ReplySplit, Span


def _scalar_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return ""


def _draft_from_json(item: Any) -> DraftIdea | None:
    if isinstance(item, str):
        return DraftIdea(item.strip()) if item.strip() else None
    if not isinstance(item, dict):
        return None
    title = _scalar_text(item.get("title")) or _scalar_text(item.get("name"))
    text = ""
    for key in ("description", "text", "idea", "details"):
        text = _scalar_text(item.get(key))
        if text:
            break
    if not text:
        return DraftIdea(title) if title else None
    return DraftIdea(text, title or None)


def _ideas_from_json(value: Any, *, single: bool = True) -> list[DraftIdea] | None:
    """Ideas from decoded JSON: ``{"ideas": [...]}``, a bare list, or (with `single`) one idea
    object on its own."""
    if isinstance(value, dict):
        if "ideas" in value:
            items = value["ideas"]
        elif single and ("title" in value or "description" in value):
            items = [value]
        else:
            return None
    else:
        items = value
    if not isinstance(items, list):
        return None
    drafts = [draft for draft in map(_draft_from_json, items) if draft is not None]
    if items and not drafts:
        return None  # a list, but nothing in it looks like an idea
    return drafts


_FENCE_BLOCK_RE = re.compile(r"```[ \t]*[A-Za-z0-9_-]*[ \t]*\n(.*?)```", re.DOTALL)
_MAX_JSON_STARTS = 32


def parse_structured(reply: str) -> list[DraftIdea] | None:
    """Ideas from a JSON reply shaped like `IDEAS_SCHEMA`, or None when there is none.

    Tolerates code fences and prose around the JSON, a bare list of ideas, and a reply cut off
    mid-way (the ideas that arrived whole are kept)."""
    found = parse_structured_spans(reply)
    return None if found is None else found.ideas


def parse_structured_spans(reply: str) -> ReplySplit | None:
    """`parse_structured` with its spans: the JSON document the ideas were read from goes to
    all of them; the text around it (prose, code fence markers) to none."""
    found = _find_ideas(reply)
    if found is None:
        return None
    ideas, start, end = found
    everything = tuple(range(len(ideas)))
    spans = [
        Span(a, b, owners)
        for a, b, owners in ((0, start, ()), (start, end, everything), (end, len(reply), ()))
        if b > a
    ]
    return ReplySplit(reply, ideas, spans)


def _find_ideas(reply: str) -> tuple[list[DraftIdea], int, int] | None:
    """The ideas and the (start, end) of the JSON they came from in ``reply``."""
    if not reply.strip():
        return None
    lead = len(reply) - len(reply.lstrip())
    text = reply.strip()
    candidates = [(text, lead)]
    candidates += [(m.group(1), lead + m.start(1)) for m in _FENCE_BLOCK_RE.finditer(text)]
    for candidate, offset in candidates:
        stripped = candidate.strip()
        try:
            ideas = _ideas_from_json(json.loads(stripped))
        except ValueError:
            continue
        if ideas is not None:
            begin = offset + len(candidate) - len(candidate.lstrip())
            return ideas, begin, begin + len(stripped)
    decoder = json.JSONDecoder()
    starts = [m.start() for m in re.finditer(r"[{\[]", text)][:_MAX_JSON_STARTS]
    for start in starts:
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            continue
        # Inside the text, a lone idea object is more likely part of a cut-off list.
        ideas = _ideas_from_json(value, single=False)
        if ideas is not None:
            return ideas, lead + start, lead + end
    return _salvage_ideas(text, decoder, lead)


def _salvage_ideas(
    text: str, decoder: json.JSONDecoder, lead: int
) -> tuple[list[DraftIdea], int, int] | None:
    """The whole idea objects at the start of a cut-off ``{"ideas": [...`` reply."""
    match = re.search(r'"ideas"\s*:\s*\[', text)
    if match is None:
        return None
    drafts: list[DraftIdea] = []
    position = match.end()
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] != "{":
            break
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError:
            break
        draft = _draft_from_json(value)
        if draft is not None:
            drafts.append(draft)
    if not drafts:
        return None
    opening = text.rfind("{", 0, match.start())
    return drafts, lead + (opening if opening >= 0 else match.start()), lead + position
