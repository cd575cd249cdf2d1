"""The brainstorm terminal app: owns the settings, the session store and the model backend;
screens ask it to open sessions and to (re)connect.

`brainstorm` with no command calls `run_app`.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen

from brainstorm.config import Settings
from brainstorm.llm.base import Backend, BackendError
from brainstorm.store import SessionStore, SessionSummary
from brainstorm.store_errors import CorruptSessionFile, SessionLocked, StoreError
from brainstorm.textsafe import visible
from brainstorm.tui.connection import BackendState, initial_state
from brainstorm.tui.round_timer import RoundTimer
from brainstorm.tui.screens.sessions import SessionListScreen
from brainstorm.tui.services import Services, locked_notice

if TYPE_CHECKING:
    from brainstorm.models import Session
    from brainstorm.session_writer import SessionWriter
    from brainstorm.tui.screens.new_session import NewSessionRequest
    from brainstorm.tui.screens.session import SessionScreen

# The session screen (and prompt building) is not needed for the first screen: imported when
# the first session opens (warming it up in a thread slowed the list's first keys instead).
# Nor are the dialogs (new session, pull, help): each is imported when first shown.
_SESSION_SCREEN = "brainstorm.tui.screens.session"

NOTICE_SECONDS = 6  # the offline-model note: long enough to read one line
LIGHT_THEME = "textual-light"
DARK_THEME = "textual-dark"


def _client_module(settings: Settings) -> str:
    if settings.backend == "openai":
        return "brainstorm.llm.openai_compat"
    return "brainstorm.llm.ollama"


class BrainstormApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "brainstorm"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", show=False),
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
        Binding("ctrl+r", "reconnect", "Retry connection", show=False),
    ]

    backend_state: reactive[BackendState] = reactive(
        BackendState("checking", where=""), init=False, always_update=True
    )

    class SessionListReady(Message):
        """The session list is on screen and accepts keys: the app's start-up work that the
        first screen does not need starts then (tests and benchmarks wait for it too)."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: SessionStore | None = None,
        first_summaries: list[SessionSummary] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.store = store or SessionStore(settings.sessions_dir)
        # The sessions already read for the first frame (`tui.first_frame`): the list shows
        # them in Textual's own first frame, without reading them again in a thread.
        self._first_summaries = first_summaries
        self.backend: Backend | None = None
        self._backend_reason: str | None = None  # why `auto` chose the offline model
        self._notice_shown = False
        self._started = False  # the first session list was shown (start-up work is done)
        # Notes from the backend already said (`tui.backend_notes`): each is said once.
        self.said_notes: set[str] = set()
        # Human-first writing timers by session id: they outlive a visit to the session.
        self.round_timers: dict[str, RoundTimer] = {}
        #: What session screens are handed (the app is their model server).
        self.services = Services(settings, self.store, self, self.round_timers)
        self.set_reactive(BrainstormApp.backend_state, initial_state(settings))
        themes = self.available_themes
        chosen = settings.theme if settings.theme in themes else DARK_THEME
        self.theme = chosen
        self._dark_theme = chosen if themes[chosen].dark else DARK_THEME
        self._light_theme = chosen if not themes[chosen].dark else LIGHT_THEME

    def get_default_screen(self) -> Screen[None]:
        return SessionListScreen()

    def take_first_summaries(self) -> list[SessionSummary] | None:
        """The sessions read before the app started, once (None: read them now)."""
        summaries, self._first_summaries = self._first_summaries, None
        return summaries

    def on_brainstorm_app_session_list_ready(self) -> None:
        if self._started:
            return
        # Only once the first screen shows: the connection check imports the model client
        # in a thread, and the freeze collects garbage; either, run earlier, held back the
        # first frame (issue 15).
        self._started = True
        self.check_backend()
        self.call_after_refresh(self._freeze_startup_heap)

    def _session_screen(
        self, session: Session, writer: SessionWriter | None, read_only_reason: str | None = None
    ) -> SessionScreen:
        from brainstorm.tui.screens.session import SessionScreen

        return SessionScreen(
            session, writer=writer, services=self.services, read_only_reason=read_only_reason
        )

    def _open_session_screens(self) -> list[SessionScreen]:
        module = sys.modules.get(_SESSION_SCREEN)
        if module is None:  # never imported: no session was opened
            return []
        return [s for s in self.screen_stack if isinstance(s, module.SessionScreen)]

    @staticmethod
    def _freeze_startup_heap() -> None:
        """Move everything allocated during start-up (Textual, Rich, pydantic, the first
        screen) out of the garbage collector's reach. Full collections then only walk what
        was created since; without this they stalled streaming and typing for 60-100 ms."""
        gc.collect()
        gc.freeze()

    async def on_unmount(self) -> None:
        if self.backend is not None:
            await self.backend.aclose()

    # -- the model backend -------------------------------------------------------------------

    @work(exclusive=True, group="backend", exit_on_error=False)
    async def check_backend(self) -> None:
        """Connect (once) and read the model list; failures become a 'down' state, never a
        crash, so browsing and reviewing keep working without a server."""
        from brainstorm.llm import host_status, resolve_model, select_backend

        if self.backend is None and self.settings.backend != "embedded":
            # A client (ollama or openai, with httpx) takes a while to import: do it off the
            # event loop, so the session list draws and takes keys meanwhile.
            await asyncio.to_thread(importlib.import_module, _client_module(self.settings))
        current = self.backend_state
        if current.phase != "checking":
            self.backend_state = BackendState(
                "checking", where=current.where, backend=current.backend
            )
        if self._fell_back() and not self._generating():
            # auto chose the offline model because Ollama did not answer: a retry asks again.
            old, self.backend = self.backend, None
            if old is not None:
                await old.aclose()
        try:
            if self.backend is None:
                selection = await select_backend(self.settings)
                self.backend = selection.backend
                self._backend_reason = (
                    selection.reason if selection.backend.name != "ollama" else None
                )
                if selection.notice:
                    self.say_offline_notice(selection.notice)
            backend = self.backend
            models = await backend.list_models()
        except BackendError as error:
            self.backend_failed(error)
            return
        fixed = resolve_model(backend, "")
        self.backend_state = BackendState(
            "ready",
            where=backend.location,
            backend=backend.name,
            models=tuple(m.name for m in models),
            reason=self._backend_reason,
            fixed_model=fixed or None,
            hosts=tuple(host_status(backend) or ()),
        )

    def say_offline_notice(self, notice: str) -> None:
        """The offline model's note: once per run, briefly, and never over a dialog (the
        banner at the top of the lists and sessions keeps saying it)."""
        if self._notice_shown:
            return
        self._notice_shown = True
        if isinstance(self.screen, ModalScreen):
            return  # a toast sits where a form's buttons are
        self.notify(notice, title="Offline model", timeout=NOTICE_SECONDS, markup=False)

    def first_time(self, notes: list[str]) -> list[str]:
        """The ``notes`` not said yet in this app; from now on they count as said."""
        fresh = [note for note in notes if note not in self.said_notes]
        self.said_notes.update(fresh)
        return fresh

    def hosts_changed(self) -> None:
        """With several Ollama hosts, show again which are up (a reply may have set one
        aside, or found one back); nothing is asked of the servers."""
        from brainstorm.llm import host_status

        state = self.backend_state
        if self.backend is None or not state.ready or not state.hosts:
            return
        self.backend_state = replace(state, hosts=tuple(host_status(self.backend) or ()))

    def _fell_back(self) -> bool:
        return (
            self.settings.backend == "auto"
            and self.backend is not None
            and self.backend.name != "ollama"
        )

    def _generating(self) -> bool:
        return any(screen.generating for screen in self._open_session_screens())

    def backend_failed(self, error: BackendError) -> None:
        where = self.backend.location if self.backend is not None else self._host_tried()
        self.backend_state = BackendState(
            "down",
            where=where,
            backend=self.backend.name if self.backend is not None else self._backend_tried(),
            message=error.message,
            hint=error.hint,
        )

    def _backend_tried(self) -> str:
        return "openai" if self.settings.backend == "openai" else "ollama"

    def _host_tried(self) -> str:
        if self.settings.backend in ("embedded", "openai") or len(self.settings.hosts) > 1:
            return initial_state(self.settings).where
        try:
            from brainstorm.llm.ollama import resolve_host

            return resolve_host(self.settings.host)
        except ValueError:
            return initial_state(self.settings).where

    def follow_backend_state(
        self, owner: DOMNode, callback: Callable[[BackendState], None]
    ) -> None:
        owner.watch(self, "backend_state", callback, init=False)

    def action_reconnect(self) -> None:
        self.check_backend()

    def offer_pull(
        self,
        model: str,
        *,
        known_missing: bool = False,
        on_done: Callable[[bool], None] | None = None,
    ) -> None:
        """Offer to pull `model` (with progress); `on_done(pulled)` runs when the dialog closes."""
        state = self.backend_state
        if self.backend is None or self.backend.name != "ollama" or state.phase == "down":
            self.notify(
                "Pulling needs a running Ollama server (see the notice at the top).",
                severity="warning",
                markup=False,
            )
            return
        if not known_missing and not state.model_missing(model):
            self.notify(visible(f"Ollama already has '{model}'."), markup=False)
            return

        def pulled(done: bool | None) -> None:
            if done:
                self.check_backend()
            if on_done is not None:
                on_done(bool(done))
            elif done:
                self.notify(visible(f"Pulled '{model}'."), markup=False)

        from brainstorm.tui.screens.pull import PullScreen

        self.push_screen(PullScreen(model, self.backend), pulled)

    # -- sessions ----------------------------------------------------------------------------

    def open_session(self, session_id: str) -> None:
        warnings: list[str]
        try:
            writer = self.store.open_writer(session_id)
        except SessionLocked as locked:
            try:
                loaded = self.store.load(session_id)
            except StoreError as problem:
                self.notify(visible(str(problem)), severity="error", markup=False)
                return
            screen = self._session_screen(loaded.session, None, locked_notice(locked))
            warnings = loaded.warnings
        except CorruptSessionFile as problem:
            self.notify(
                visible(f"{problem} (shift+r in the session list repairs it)"),
                severity="error",
                markup=False,
            )
            return
        except StoreError as problem:
            self.notify(visible(str(problem)), severity="error", markup=False)
            return
        else:
            screen = self._session_screen(writer.session, writer)
            warnings = writer.warnings
        self.push_screen(screen)
        for message in warnings:
            self.notify(visible(message), severity="warning", markup=False)

    def new_session(self) -> None:
        from brainstorm.ideation import DEFAULT_TECHNIQUE, TechniqueError, load_techniques
        from brainstorm.tui.screens.new_session import NewSessionChoices, NewSessionScreen

        try:
            techniques = load_techniques()
        except TechniqueError as problem:
            self.notify(visible(str(problem)), severity="error", markup=False)
            techniques = {}
        state = self.backend_state
        if state.phase == "down":
            note = f"The model list is unavailable: nothing answers at {state.where}."
        elif state.phase == "checking":
            note = "Still asking the server for its models…"
        else:
            note = ""
        default_technique = (
            self.settings.technique if self.settings.technique in techniques else DEFAULT_TECHNIQUE
        )
        choices = NewSessionChoices(
            techniques=[(t.name, t.description) for t in techniques.values()],
            technique=default_technique,
            models=list(state.models),
            model=state.effective_model(self.settings.model),
            models_note=note,
        )
        self.push_screen(NewSessionScreen(choices), self._create_session)

    def _create_session(self, request: NewSessionRequest | None) -> None:
        if request is None:
            return
        try:
            writer = self.store.create(
                request.topic,
                technique=request.technique,
                default_model=request.model,
                human_first=request.human_first,
            )
        except StoreError as problem:
            self.notify(visible(str(problem)), severity="error", markup=False)
            return
        if request.human_first and request.timer_minutes:
            self.round_timers[writer.session_id] = RoundTimer.start(request.timer_minutes)
        self.push_screen(self._session_screen(writer.session, writer))

    # -- app-wide actions --------------------------------------------------------------------

    def action_help(self) -> None:
        from brainstorm.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = self._light_theme if self.current_theme.dark else self._dark_theme

    async def action_quit(self) -> None:
        # A streaming reply is stopped first, so its partial text is stored before exit.
        for screen in self._open_session_screens():
            await screen.stop_generation()
        self.exit()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        commands = getattr(screen, "palette_commands", None)
        if callable(commands):
            yield from commands()
        yield SystemCommand("Help", "Every key, per screen", self.action_help)
        yield SystemCommand(
            "Toggle light / dark theme",
            "Switch between the light and dark theme",
            self.action_toggle_theme,
        )
        yield SystemCommand(
            "Retry connection",
            f"Ask the model server again ({self.backend_state.where})",
            self.action_reconnect,
        )
        yield from super().get_system_commands(screen)


def run_app(settings: Settings, first_summaries: list[SessionSummary] | None = None) -> None:
    BrainstormApp(settings, first_summaries=first_summaries).run()
