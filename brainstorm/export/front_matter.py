"""YAML front matter, written by hand: every string double-quoted with every character YAML
could read as structure escaped, so the front matter is valid YAML whatever the topic holds,
and no front-matter line can ever equal ``---``.

No PyYAML here (it is only a development dependency; the tests use it to read the front matter
back).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from brainstorm.textsafe import is_hidden

__all__ = ["yaml_front_matter", "yaml_string"]

_YAML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _yaml_char(char: str) -> str:
    if char in _YAML_ESCAPES:
        return _YAML_ESCAPES[char]
    code = ord(char)
    # Printable in YAML 1.1 and 1.2 and not a line break there (NEL, LS, PS), not a BOM; and
    # not invisible or direction-changing (`textsafe.is_hidden`: a reader of the file must see
    # what the value holds).
    if (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    ) and not is_hidden(char):
        return char
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def yaml_string(value: str) -> str:
    """`value` as a double-quoted YAML scalar on one line, read back exactly by any YAML
    parser (JSON-compatible escapes only)."""
    return '"' + "".join(_yaml_char(char) for char in value) + '"'


def _yaml_scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(round(value, 4))
    if isinstance(value, str):
        return yaml_string(value)
    raise TypeError(f"no YAML for {type(value).__name__}")


_YAML_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def _yaml_lines(data: Mapping[str, object], indent: int = 0) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for key, value in data.items():
        if not _YAML_KEY.match(key):  # keys are ours; never let one need quoting
            raise ValueError(f"unsafe YAML key {key!r}")
        if isinstance(value, Mapping):
            if value:
                lines.append(f"{pad}{key}:")
                lines.extend(_yaml_lines(value, indent + 2))
            else:
                lines.append(f"{pad}{key}: {{}}")
        elif isinstance(value, list | tuple):
            lines.append(f"{pad}{key}: [{', '.join(_yaml_scalar(v) for v in value)}]")
        else:
            lines.append(f"{pad}{key}: {_yaml_scalar(value)}")
    return lines


def yaml_front_matter(data: Mapping[str, object]) -> str:
    """``data`` as a YAML front-matter block (``---`` lines included). Mappings nest in block
    style, lists of scalars are flow lists, strings double-quoted, floats to 4 decimals."""
    return "\n".join(["---", *_yaml_lines(data), "---"]) + "\n"
