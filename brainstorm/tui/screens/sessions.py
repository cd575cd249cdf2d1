"""The first screen: sessions, newest activity first, and the way to start a new one.

A session whose file cannot be read is listed as unreadable; opening it (or shift+r) offers
`brainstorm.repair`: a new log without the unreadable lines, the original file kept."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from brainstorm.store import SessionSummary
from brainstorm.store_errors import StoreError
from brainstorm.textsafe import visible
from brainstorm.tui.screens.confirm import ConfirmScreen
from brainstorm.tui.session_table import heading, layout, row_cells
from brainstorm.tui.widgets.banner import ConnectionBanner

if TYPE_CHECKING:
    from brainstorm.tui.app import BrainstormApp


def _topic_cell(summary: SessionSummary) -> Text:
    if summary.unreadable:
        # Short, so narrow topic columns keep it whole; the note above the table says how to
        # repair, and the id is in its own column.
        text = Text("unreadable", style="bold red")
    else:
        text = Text(visible(summary.topic))
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


class SessionListScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_session", "New session"),
        Binding("enter", "open_session", "Open", show=False),
        Binding("r", "refresh", "Refresh"),
        Binding("R", "repair", "Repair"),
        Binding("f1", "app.help", "Help"),
    ]

    @property
    def workspace(self) -> BrainstormApp:
        return cast("BrainstormApp", self.app)

    def __init__(self) -> None:
        super().__init__(id="sessions-screen")
        self.summaries: list[SessionSummary] = []
        self.loaded = False
        self._width = 0  # the terminal width the columns were laid out for

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner(self.workspace.settings.model, id="banner")
        yield Label(Content("Sessions"), id="sessions-heading")
        yield Label("", id="sessions-broken", classes="form-error")
        yield Label("", id="sessions-repaired")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="sessions")
        yield table
        yield Label(Content("No sessions yet. Press n to start one."), id="sessions-empty")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = "brainstorm"
        self.sub_title = str(self.workspace.settings.sessions_dir)
        self.query_one("#sessions-empty").display = False
        self.query_one("#sessions-broken").display = False
        self.query_one("#sessions-repaired").display = False
        first = self.workspace.take_first_summaries()
        if first is None:
            self.refresh_sessions()
        else:
            self._show(first)

    def on_resize(self) -> None:
        if self.loaded and self.app.size.width != self._width:
            self._show(self.summaries)

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.refresh_sessions()

    @work(exclusive=True, group="sessions", thread=True)
    def refresh_sessions(self) -> None:
        """Read the summaries off the event loop; a big sessions folder never blocks keys."""
        summaries = self.workspace.store.summaries()
        self.app.call_from_thread(self._show, summaries)

    def _show(self, summaries: list[SessionSummary]) -> None:
        self.summaries = summaries
        table: DataTable[Text] = self.query_one("#sessions", DataTable)
        selected = self._selected_id()
        table.clear(columns=True)
        # Widths from the terminal's size (known to the app from the start; measuring cells
        # at start-up squeezed columns to a few characters in a real terminal).
        topics = [_topic_cell(s) for s in summaries]
        shape = layout(
            self.app.size.width,
            [s.id for s in summaries],
            max((t.cell_len for t in topics), default=0),
        )
        self._width = self.app.size.width
        for column in shape.columns:
            table.add_column(column.label, width=column.width)
        for s, topic in zip(summaries, topics, strict=True):
            shown_id, _, *counts, activity = row_cells(s, shape)
            table.add_row(
                Text(shown_id, no_wrap=True),
                topic,
                *(Text(count, justify="right") for count in counts),
                Text(activity),
                key=s.id,
            )
        self.query_one("#sessions-heading", Label).update(Content(heading(summaries, shape)))
        self.query_one("#sessions-empty").display = not summaries
        table.display = bool(summaries)
        if selected is not None and any(s.id == selected for s in summaries):
            table.move_cursor(row=table.get_row_index(selected))
        warnings = [w for s in summaries for w in s.warnings]
        for message in warnings[:3]:
            self.notify(visible(message), severity="warning", markup=False)
        broken = [s.id for s in summaries if s.unreadable]
        notice = self.query_one("#sessions-broken", Label)
        notice.display = bool(broken)
        if broken:
            notice.update(
                Content(
                    f"{len(broken)} session{'s' * (len(broken) != 1)} cannot be read"
                    f" ({', '.join(broken[:3])}{', …' if len(broken) > 3 else ''}):"
                    " highlight one and press shift+r to repair it."
                )
            )
        self.loaded = True
        if summaries:
            table.focus()
        self.workspace.post_message(self.workspace.SessionListReady())

    def _selected_id(self) -> str | None:
        table: DataTable[Text] = self.query_one("#sessions", DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return None if row_key.value is None else str(row_key.value)

    @on(DataTable.RowSelected, "#sessions")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self._open(str(event.row_key.value))

    def action_open_session(self) -> None:
        session_id = self._selected_id()
        if session_id is not None:
            self._open(session_id)

    def _open(self, session_id: str) -> None:
        if self._unreadable(session_id) is not None:
            self._offer_repair(session_id)
        else:
            self.workspace.open_session(session_id)

    def _unreadable(self, session_id: str) -> SessionSummary | None:
        return next((s for s in self.summaries if s.id == session_id and s.unreadable), None)

    def action_repair(self) -> None:
        session_id = self._selected_id()
        if session_id is None:
            return
        if self._unreadable(session_id) is None:
            self.notify(f"Session {session_id} reads fine: nothing to repair.", markup=False)
            return
        self._offer_repair(session_id)

    def _offer_repair(self, session_id: str) -> None:
        summary = self._unreadable(session_id)
        problem = summary.warnings[0] if summary and summary.warnings else "it cannot be read"
        self.app.push_screen(
            ConfirmScreen(
                f"Session {session_id} cannot be opened. Repair it?",
                f"{visible(problem)}\n\nRepair writes a new log without the lines that cannot"
                " be read (each is reported) and keeps the original file, byte for byte, as"
                f" {session_id}.jsonl.corrupt-<time> in the sessions folder.",
                "Repair",
            ),
            partial(self._repair, session_id),
        )

    def _repair(self, session_id: str, confirmed: bool | None) -> None:
        if not confirmed:
            return
        from brainstorm.repair import repair_session

        try:
            report = repair_session(self.workspace.store, session_id)
        except StoreError as problem:  # in use elsewhere, or line 1 unreadable
            self.notify(visible(str(problem)), severity="error", markup=False, timeout=10)
            return
        if report.repaired:
            dropped = "; ".join(f"line {d.line}: {d.problem}" for d in report.dropped[:3])
            more = f" and {len(report.dropped) - 3} more" if len(report.dropped) > 3 else ""
            name = report.original.name if report.original else ""
            message = (
                f"Repaired {session_id}: left out {len(report.dropped)} line(s) ({dropped}{more})."
                f" The original file is kept as {name}."
            )
        else:
            message = f"Session {session_id} reads fine now: nothing to repair."
        repaired = self.query_one("#sessions-repaired", Label)
        repaired.update(Content(visible(message)))
        repaired.display = True
        self.refresh_sessions()

    def action_new_session(self) -> None:
        self.workspace.new_session()

    def action_refresh(self) -> None:
        self.refresh_sessions()

    def palette_commands(self) -> list[SystemCommand]:
        commands = [
            SystemCommand(
                "New session", "Start a session: topic, technique, model", self.action_new_session
            ),
            SystemCommand(
                "Refresh sessions", "Read the sessions folder again", self.action_refresh
            ),
            SystemCommand("Open session", "Open the highlighted session", self.action_open_session),
            SystemCommand(
                "Repair session",
                "Make the highlighted unreadable session open again (the original is kept)",
                self.action_repair,
            ),
        ]
        for s in self.summaries[:50]:
            commands.append(
                SystemCommand(
                    f"Open session: {visible(s.topic)}",
                    f"{s.id} · last activity {s.updated_at.astimezone():%Y-%m-%d %H:%M}",
                    partial(self.workspace.open_session, s.id),
                    discover=False,
                )
            )
        return commands
