"""JSON for scripts (`--json`): indented for people down to a depth, written fast below it,
with hidden characters escaped."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

from brainstorm.textsafe import json_visible


def print_json(data: Any) -> None:
    """JSON for scripts, indented for people down to `JSON_DEPTH` levels (an idea of `show`
    is one line). Python's indenting encoder is pure Python and took most of `show --json`'s
    time on 10,000 ideas; below that depth the C encoder writes each value in one go.
    Hidden characters and lone surrogates go out as \\u escapes (`textsafe.json_visible`): the
    exact data to any JSON reader, nothing hidden or unprintable on a terminal."""
    out = sys.stdout
    for chunk in _json_chunks(data, 0):
        out.write(json_visible(chunk))
    out.write("\n")


JSON_DEPTH = 2
_compact = json.JSONEncoder(ensure_ascii=False, default=str, separators=(", ", ": ")).encode


def _json_chunks(value: Any, level: int) -> Iterator[str]:
    if level >= JSON_DEPTH or not isinstance(value, dict | list) or not value:
        yield _compact(value)
        return
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict):
        yield "{"
        for n, (key, item) in enumerate(value.items()):
            yield (",\n" if n else "\n") + inner + _compact(str(key)) + ": "
            yield from _json_chunks(item, level + 1)
        yield "\n" + pad + "}"
        return
    yield "["
    for n, item in enumerate(value):
        yield (",\n" if n else "\n") + inner
        yield from _json_chunks(item, level + 1)
    yield "\n" + pad + "]"
