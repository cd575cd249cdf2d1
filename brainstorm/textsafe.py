"""Model text is never ours: show it literally.

Rich markup is neutralised where text is rendered (Rich `Text` objects, never markup strings);
this module makes terminal control characters visible so a reply cannot move the cursor,
change colours or retitle the terminal.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and C1 controls (which some terminals honour).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _show(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\r":
        return "\\r"
    return f"\\x{ord(char):02x}"


def visible(text: str) -> str:
    """`text` with every control character (other than newline and tab) written out as an
    escape such as `\\x1b`, so printing it cannot drive the terminal."""
    return _CONTROL.sub(_show, text)
