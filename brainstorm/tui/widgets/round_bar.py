"""The human-first round: the bar saying how many model ideas wait hidden, the writing
countdown, and the two dialogs of the round (reveal, writing timer).

The bar never reveals anything itself: `ask_reveal` asks the person, and only their "Reveal"
posts `RevealConfirmed` for the screen to record. The timers live in the app's
`round_timers` (by session id), so leaving the session does not restart one.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Label

from brainstorm.tui.round_timer import RoundTimer
from brainstorm.tui.screens.confirm import ConfirmScreen
from brainstorm.tui.screens.timer import TimerScreen
from brainstorm.tui.status_line import StatusLine


class RoundBar(Horizontal):
    """The screen says what to show with `show`; the bar ticks its own countdown and says
    when time is up (in the status line and a notification)."""

    class RevealConfirmed(Message):
        """The person confirmed: reveal the model's hidden ideas."""

    class Ticked(Message):
        """The countdown was redrawn by its ticker (tests wait on it)."""

    def __init__(
        self, timers: dict[str, RoundTimer], session_id: str, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.timers = timers
        self.session_id = session_id
        self.waiting: int | None = None  # model ideas hidden; None: no round before the reveal
        self._ticker: Timer | None = None

    @property
    def timer(self) -> RoundTimer | None:
        """The writing timer of this session's round, if one was started."""
        return self.timers.get(self.session_id)

    def compose(self) -> ComposeResult:
        yield Label("", id="round-notice")
        yield Label("", id="round-timer")

    def show(self, waiting: int | None) -> None:
        """The human-first notice (``waiting`` model ideas hidden until the reveal; None
        hides the bar) and the countdown of the session's timer, if one was started."""
        self.waiting = waiting
        self.display = waiting is not None
        if waiting is None:  # no round, or it is over (revealed): no timer either
            self.timers.pop(self.session_id, None)
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
                self._time_up()
            return
        label.remove_class("-done")
        label.update(Content(f"⏱ {timer.label()} left"))
        ticker.resume()

    def _tick(self) -> None:
        self._show_timer()
        self.post_message(self.Ticked())

    def _time_up(self) -> None:
        self.post_message(
            StatusLine(
                "Time is up. Reveal the model's ideas when you are ready (shift+r); nothing"
                " is revealed without you.",
                "warning",
            )
        )
        self.notify(
            "Time is up: reveal the model's ideas when you are ready (shift+r).",
            title="Writing timer",
            markup=False,
        )

    # -- the dialogs -------------------------------------------------------------------------

    def ask_reveal(self, count: int) -> None:
        """Ask before revealing ``count`` hidden model ideas (it cannot be undone)."""
        self.app.push_screen(
            ConfirmScreen(
                "Reveal the model's ideas?",
                f"{count} hidden model idea{'s' * (count != 1)} will show as DRAFT cards. This"
                " ends the human-first round and cannot be undone.",
                "Reveal",
            ),
            self._reveal_answered,
        )

    def _reveal_answered(self, confirmed: bool | None) -> None:
        if confirmed:
            self.post_message(self.RevealConfirmed())

    def choose_timer(self) -> None:
        """Start (or stop) a countdown for writing your own ideas before the reveal."""
        timer = self.timer
        running = timer.label() if timer is not None and not timer.done else None
        minutes = timer.minutes if timer is not None else 5
        self.app.push_screen(TimerScreen(minutes, running=running), self._timer_chosen)

    def _timer_chosen(self, minutes: float | None) -> None:
        if minutes is None:
            return
        if minutes <= 0:
            self.timers.pop(self.session_id, None)
            self.post_message(StatusLine("Writing timer stopped."))
        else:
            self.timers[self.session_id] = RoundTimer.start(minutes)
            self.post_message(
                StatusLine(
                    f"Writing timer: {minutes:g} min. Reveal the model's ideas whenever you are"
                    " ready (shift+r); the timer only reminds you."
                )
            )
        self.show(self.waiting)
