"""The layout and state of a session screen (`screens.session` adds what its keys and its
parts' messages do): the header, the connection banner, the read-only notice, the human-first
round bar, the cards and the figures panel, the status line and prompt box, the footer; and
the non-visual parts, `Generation` (model output) and `Reviewer` (the person's decisions).

The screen is handed its `Services` (settings, store, model server, timers, unsent prompts)
by the app; it never reaches into the app for them.
"""

from __future__ import annotations

import asyncio
import gc
from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label

from brainstorm.events import Status
from brainstorm.ideation import DEFAULT_TECHNIQUE
from brainstorm.models import Idea, Session
from brainstorm.rounds import drafts_hidden, hidden_count
from brainstorm.session_writer import SessionWriter
from brainstorm.sources import Ensemble
from brainstorm.textsafe import visible
from brainstorm.tui.generation import Generation
from brainstorm.tui.read_only import ReadOnlyNotice
from brainstorm.tui.reviewer import Reviewer
from brainstorm.tui.services import Services
from brainstorm.tui.session_access import SessionAccess
from brainstorm.tui.status_line import Level, StatusLine
from brainstorm.tui.widgets.banner import ConnectionBanner
from brainstorm.tui.widgets.card_view import Near, follow_up_origin
from brainstorm.tui.widgets.figures_panel import FiguresPanel
from brainstorm.tui.widgets.idea_board import IdeaBoard
from brainstorm.tui.widgets.live_reply import StreamStats
from brainstorm.tui.widgets.prompt_bar import PromptBar
from brainstorm.tui.widgets.round_bar import RoundBar


class SessionLayout(Screen[None]):
    def __init__(
        self,
        session: Session,
        *,
        writer: SessionWriter | None,
        services: Services,
        read_only_reason: str | None = None,
    ) -> None:
        super().__init__(classes="session-screen")
        self.services = services
        self.access = SessionAccess(services.store, session, writer, read_only_reason)
        self.model = session.default_model or services.settings.model
        self.generation = Generation(services, writer, self.model)
        self.reviewer = Reviewer(writer)
        # Set after every tick of the human-first timer: tests wait on it.
        self.round_ticked = asyncio.Event()
        # Set after every redraw of a streaming reply: tests and benchmarks wait on it.
        self.stream_redrawn = asyncio.Event()
        # A read-only window's first write key says why it does nothing (tui/read_only.py).
        self._read_only_notice = ReadOnlyNotice()

    # -- state -------------------------------------------------------------------------------

    @property
    def writer(self) -> SessionWriter | None:
        return self.access.writer

    @property
    def session(self) -> Session:
        return self.access.session

    @property
    def read_only(self) -> bool:
        return self.access.writer is None

    @property
    def generating(self) -> bool:
        return self.generation.generating

    @property
    def stream_stats(self) -> StreamStats:
        """What the newest streamed reply did on screen (read by tests and the benchmark)."""
        return self.generation.live.stats

    @property
    def ensemble(self) -> Ensemble | None:
        return self.generation.ensemble

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner(self.model, id="banner")
        yield Label("", id="readonly-notice")
        yield RoundBar(self.services.round_timers, self.session.id, id="round-bar")
        with Horizontal(id="workspace"):
            yield IdeaBoard(id="cards")
            yield FiguresPanel(self.services.settings, id="metrics")
        yield PromptBar(self.services.prompt_drafts, self.session.id)
        yield Footer(compact=True)
        yield self.generation
        yield self.reviewer

    def on_mount(self) -> None:
        self.title = visible(self.session.topic)
        technique = self.session.technique or DEFAULT_TECHNIQUE
        self.sub_title = visible(f"{self.session.id} · {technique}")
        self.query_one("#metrics").display = False
        self._show_read_only()
        self.refresh_cards()
        ideas = self.session.visible_ideas()
        drafts = [idea.id for idea in ideas if idea.status is Status.DRAFT]
        board = self.board
        if ideas:  # the card tab goes to: the first draft, else the newest card
            board.move_cursor(drafts[0] if drafts else ideas[-1].id)
            self.call_after_refresh(board.scroll_to_cursor)  # once the board has its size
        # Nobody decided to review yet: typed letters are a prompt. (A read-only window has
        # no prompt box; its cards take no write key.)
        (board if self.read_only else self.query_one("#prompt", Input)).focus()
        # The session just read (10,000 ideas are some 100,000 objects) leaves the cyclic
        # collector's reach, like the start-up heap (app.py): a full collection walking it
        # took ~100 ms, in the middle of a key or a stream redraw. Reference counting still
        # frees it when the session closes (its objects hold no cycles).
        gc.freeze()

    def _show_round(self) -> None:
        """The human-first notice: how many model ideas wait, hidden, for the reveal."""
        waiting = hidden_count(self.session) if drafts_hidden(self.session) else None
        self.query_one(RoundBar).show(waiting)
        self.refresh_bindings()

    def _show_read_only(self) -> None:
        notice = self.query_one("#readonly-notice", Label)
        notice.display = self.read_only
        notice.update(Content(visible(self.access.reason or "")))
        self.query_one(PromptBar).set_read_only(self.read_only)
        self.set_class(self.read_only, "-read-only")
        self.refresh_bindings()

    @property
    def board(self) -> IdeaBoard:
        return self.query_one(IdeaBoard)

    def refresh_cards(self) -> None:
        """Bring the cards in line with the session: redraw changed ones, add new ones."""
        board = self.board
        ideas = self.session.visible_ideas()
        if self.generating:  # ideas of replies still arriving show as their live cards
            ideas = [idea for idea in ideas if not self._arriving(idea)]
        origin = partial(follow_up_origin, self.session)
        board.sync(ideas, read_only=self.read_only, origin=origin, near=self._near)
        board.show_empty(not ideas and not self.generating)
        self._show_round()
        self.figures.follow(self.session, owner=not self.read_only)

    def _near(self, idea_id: int) -> Near:
        analysis = self.figures.analysis
        return analysis.duplicates_of(idea_id), analysis.near_count(idea_id)

    def _arriving(self, idea: Idea) -> bool:
        record = self.session.prompts.get(idea.prompt_id or "")
        return record is not None and record.outcome == "pending"

    @property
    def figures(self) -> FiguresPanel:
        return self.query_one(FiguresPanel)

    @on(FiguresPanel.DuplicatesFound)
    def _duplicates_found(self) -> None:
        self.board.duplicates_changed()

    def _status(self, text: str, level: Level = "info") -> None:
        self.query_one(PromptBar).say(text, level)

    @on(StatusLine)
    def _status_line(self, message: StatusLine) -> None:
        self._status(message.text, message.level)

    @property
    def current_card(self) -> int | None:
        """The highlighted card (palette commands act on it)."""
        return self.board.cursor_id

    @on(RoundBar.Ticked)
    def _round_ticked(self) -> None:
        self.round_ticked.set()

    def _prompt_focused(self) -> bool:
        return self.focused is self.query_one("#prompt", Input)
