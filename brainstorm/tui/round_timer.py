"""The human-first writing timer: an optional countdown while the person writes their own
ideas, before they see the model's.

It only reminds. When it ends, the session screen suggests revealing the model's ideas; it
never reveals them by itself (that stays the person's decision, confirmed in a dialog). The
app keeps one timer per session (`BrainstormApp.round_timers`), so leaving the session and
coming back does not restart it. Nothing here is stored in the session file.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

#: The choices the new-session form offers, in minutes (0: no timer).
TIMER_CHOICES = (0, 3, 5, 10, 15, 20, 30)
#: Longest timer the timer dialog accepts, in minutes.
MAX_MINUTES = 180


def now() -> float:
    """The clock the timers read (monotonic: a changed wall clock does not move them)."""
    return time.monotonic()


@dataclass
class RoundTimer:
    ends_at: float
    minutes: float
    announced: bool = False  # "time is up" was said (once per timer)

    @classmethod
    def start(cls, minutes: float) -> RoundTimer:
        return cls(ends_at=now() + minutes * 60, minutes=minutes)

    def remaining(self) -> float:
        """Seconds left (0 once it has ended)."""
        return max(0.0, self.ends_at - now())

    @property
    def done(self) -> bool:
        return self.remaining() <= 0

    def label(self) -> str:
        """ "4:59": minutes and seconds left, rounded up (a fresh 5-minute timer shows 5:00)."""
        seconds = math.ceil(self.remaining())
        return f"{seconds // 60}:{seconds % 60:02d}"


def parse_minutes(text: str) -> float:
    """ "5" or "2.5" → minutes; ValueError (worded for a person) otherwise."""
    try:
        minutes = float(text.strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number of minutes") from None
    if not math.isfinite(minutes) or minutes <= 0:
        raise ValueError("a timer runs for more than 0 minutes")
    if minutes > MAX_MINUTES:
        raise ValueError(f"at most {MAX_MINUTES} minutes")
    return minutes
