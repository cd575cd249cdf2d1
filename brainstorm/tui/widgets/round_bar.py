"""The human-first round bar: how many model ideas wait hidden, and the writing countdown."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Label

from brainstorm.tui.round_timer import RoundTimer


class RoundBar(Horizontal):
    """The screen sets what to show with `show`; the bar ticks its own countdown and says
    when time is up by message (it never reveals anything itself)."""

    class TimeUp(Message):
        """The writing timer has ended (posted once per timer)."""

    class Ticked(Message):
        """The countdown was redrawn by its ticker (tests wait on it)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.waiting: int | None = None  # model ideas hidden; None: no round before the reveal
        self.timer: RoundTimer | None = None
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Label("", id="round-notice")
        yield Label("", id="round-timer")

    def show(self, waiting: int | None, timer: RoundTimer | None) -> None:
        """The human-first notice (``waiting`` model ideas hidden until the reveal; None
        hides the bar) and the countdown of ``timer``, if one was started."""
        self.waiting = waiting
        self.timer = timer
        self.display = waiting is not None
        if waiting is not None:
            self.query_one("#round-notice", Label).update(
                Content(
                    "Human-first round: write your own ideas first (n); the model's stay hidden"
                    f" until you reveal them (shift+r). {waiting} waiting."
                )
            )
        self._show_timer()

    def _show_timer(self) -> None:
        """The countdown; ticking only while one runs before the reveal."""
        label = self.query_one("#round-timer", Label)
        timer = self.timer
        running = timer is not None and self.waiting is not None
        label.display = running
        if self._ticker is None:
            self._ticker = self.set_interval(1.0, self._tick, pause=True)
        ticker = self._ticker
        if timer is None or not running:
            ticker.pause()
            return
        if timer.done:
            label.update(Content("⏱ time is up"))
            label.add_class("-done")
            ticker.pause()
            if not timer.announced:
                timer.announced = True
                self.post_message(self.TimeUp())
            return
        label.remove_class("-done")
        label.update(Content(f"⏱ {timer.label()} left"))
        ticker.resume()

    def _tick(self) -> None:
        self._show_timer()
        self.post_message(self.Ticked())
