"""The "lose no text" invariant of reading a reply into ideas, shared by the corpus test and the
property tests: the ideas plus the text judged "not an idea" account for the whole reply.

Checked on a `ReplySplit`:

1. The spans cover the reply exactly: from 0 to its end, in order, no gap, no overlap.
2. Plain replies: each span went into one idea at most.
3. Each idea is made of its own source text: every word of its title and text is a word of
   the reply text that went into it (nothing invented or taken from elsewhere) …
4. … and every word of that source is in the idea, except the list's own formatting that
   reading is documented to remove: item numbers and labels ("1.", "Idea 3:", "Title:",
   "Bonus idea:").
5. A JSON document (structured replies) went into all its ideas: their words are words of
   the document's strings, and every string of the idea objects (titles, descriptions) is in
   an idea.

Words are runs of letters and digits, so markdown (``**``, ``#``, ``-``), the colon after a
title and whitespace do not count: they are formatting, not text.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from brainstorm.ideation.spans import ReplySplit

_WORD_RE = re.compile(r"[^\W_]+")
# Formatting words reading may remove from an item's first line: its number, and a label.
_LABEL_WORDS = {
    "idea",
    "option",
    "concept",
    "title",
    "name",
    "bonus",
    "extra",
    "one",
    "more",
    "another",
    "wild",
    "card",
    "wildcard",
}


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def _formatting(word: str) -> bool:
    return word.isdigit() or word.lower() in _LABEL_WORDS


def idea_words(split: ReplySplit, index: int) -> Counter[str]:
    idea = split.ideas[index]
    return Counter(words(idea.title or "") + words(idea.text))


def check_accounts_for_reply(split: ReplySplit) -> None:
    reply, spans = split.reply, split.spans
    position = 0
    for span in spans:
        assert span.start == position, f"gap or overlap at {position}: {span}"
        assert span.end > span.start
        position = span.end
    assert position == len(reply), f"the spans end at {position} of {len(reply)}"

    owners = {i for span in spans for i in span.ideas}
    assert owners == set(range(len(split.ideas))), "every idea comes from some text"
    shared = [span for span in spans if len(span.ideas) > 1]
    if shared or (len(split.ideas) == 1 and _is_json_span(split)):
        _check_json(split)
        return
    for index in range(len(split.ideas)):
        source = Counter(words(split.source_of(index)))
        made = idea_words(split, index)
        invented = made - source
        assert not invented, f"idea {index} has words not in its source: {invented}"
        lost = {w for w in (source - made).elements() if not _formatting(w)}
        assert not lost, f"idea {index} lost words of its source: {lost}"


def _is_json_span(split: ReplySplit) -> bool:
    owned = [s for s in split.spans if s.ideas]
    if len(owned) != 1:
        return False
    text = split.reply[owned[0].start : owned[0].end].strip()
    return text.startswith(("{", "["))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _check_json(split: ReplySplit) -> None:
    (document,) = [s for s in split.spans if s.ideas]
    source_text = split.reply[document.start : document.end]
    try:
        value = json.loads(source_text)
    except ValueError:
        value = None  # a cut-off document: compare with its raw text
    strings = _strings(value) if value is not None else [source_text]
    source = Counter(w for s in strings for w in words(s))
    made: Counter[str] = Counter()
    for index in range(len(split.ideas)):
        made += idea_words(split, index)
    invented = made - source
    assert not invented, f"ideas have words not in the JSON: {invented}"
    if value is not None:
        lost = {w for w in (source - made).elements() if not _formatting(w)}
        assert not lost, f"JSON strings not in any idea: {lost}"
