"""The first screen: sessions, newest activity first, and the way to start a new one."""

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
from brainstorm.textsafe import visible
from brainstorm.tui.session_table import layout, shown_id
from brainstorm.tui.widgets.banner import ConnectionBanner

if TYPE_CHECKING:
    from brainstorm.tui.app import BrainstormApp


class SessionListScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_session", "New session"),
        Binding("enter", "open_session", "Open", show=False),
        Binding("r", "refresh", "Refresh"),
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
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="sessions")
        yield table
        yield Label(Content("No sessions yet. Press n to start one."), id="sessions-empty")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = "brainstorm"
        self.sub_title = str(self.workspace.settings.sessions_dir)
        self.query_one("#sessions-empty").display = False
        self.refresh_sessions()

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
        shape = layout(
            self.app.size.width,
            [s.id for s in summaries],
            max((len(visible(s.topic)) for s in summaries), default=0),
        )
        self._width = self.app.size.width
        for column in shape.columns:
            table.add_column(column.label, width=column.width)
        for s in summaries:
            counts = s.counts
            table.add_row(
                Text(shown_id(s.id, shape.id_width), no_wrap=True),
                Text(visible(s.topic), no_wrap=True, overflow="ellipsis"),
                Text(str(counts.get("draft", "-")), justify="right"),
                Text(str(counts.get("accepted", "-")), justify="right"),
                Text(str(counts.get("rejected", "-")), justify="right"),
                Text(str(counts.get("yours", "-")), justify="right"),
                Text(s.updated_at.astimezone().strftime(shape.date_format)),
                key=s.id,
            )
        cut = [s.id for s in summaries if len(s.id) > shape.id_width]
        self.query_one("#sessions-heading", Label).update(
            Content(
                f"Sessions (a cut id: type its end, e.g. brainstorm show {cut[0][-4:]})"
                if cut
                else "Sessions"
            )
        )
        self.query_one("#sessions-empty").display = not summaries
        table.display = bool(summaries)
        if selected is not None and any(s.id == selected for s in summaries):
            table.move_cursor(row=table.get_row_index(selected))
        warnings = [w for s in summaries for w in s.warnings]
        for message in warnings[:3]:
            self.notify(visible(message), severity="warning", markup=False)
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
            self.workspace.open_session(str(event.row_key.value))

    def action_open_session(self) -> None:
        session_id = self._selected_id()
        if session_id is not None:
            self.workspace.open_session(session_id)

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
