"""Converging in the app: the session's ideas by theme (or as one list) with a vote key, and
the ranked short list. Pushed from the session screen (shift+t or the palette); the cards are
the session board's (`widgets.theme_board` builds on `IdeaBoard`).

Everything goes through the core the CLI uses: `brainstorm.themes` (group, store, carry names
over), `brainstorm.votes` (vote, take back, rank). Grouping runs in a worker thread (it loads
scikit-learn and takes a second on a large session); the grouping is stored in the session
only when it changed, like `brainstorm themes`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Label

from brainstorm import votes
from brainstorm.presentation import theme_label_source
from brainstorm.review import ReviewError
from brainstorm.textsafe import visible
from brainstorm.tui.widgets.theme_board import Section, ThemeBoard

if TYPE_CHECKING:
    from brainstorm.config import Settings
    from brainstorm.duplicates import Similarity
    from brainstorm.models import Idea, Session
    from brainstorm.session_writer import SessionWriter
    from brainstorm.themes.grouping import Vector

View = Literal["themes", "list", "ranked"]


class ConvergeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("b", "toggle_board", "Themes/list"),
        Binding("o", "ranked", "Ranked"),
        Binding("g", "group", "Group"),
    ]

    view: reactive[View] = reactive("themes", init=False)

    def __init__(
        self,
        session: Session,
        writer: SessionWriter | None,
        settings: Settings,
        similarity: Similarity | None = None,
    ) -> None:
        super().__init__(classes="converge-screen")
        self._loaded = session
        self.writer = writer
        self.settings = settings
        #: The session screen's near-duplicate similarity: with embeddings, its vectors group
        #: the ideas (no new request); otherwise the words do.
        self.similarity = similarity

    @property
    def session(self) -> Session:
        return self.writer.session if self.writer is not None else self._loaded

    @property
    def board(self) -> ThemeBoard:
        return self.query_one(ThemeBoard)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="converge-status")
        yield ThemeBoard(id="theme-board")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = visible(self.session.topic)
        self.sub_title = "themes and votes"
        self.set_reactive(ConvergeScreen.view, "themes" if self.session.themes else "list")
        self.rebuild()
        self.board.focus()

    def watch_view(self) -> None:
        self.rebuild()

    def _status(self, text: str, level: Literal["info", "warning"] = "info") -> None:
        label = self.query_one("#converge-status", Label)
        label.update(Content(visible(text)))
        label.set_class(level == "warning", "-warning")

    # -- the board ---------------------------------------------------------------------------

    def _voters(self, idea_id: int) -> dict[str, int]:
        return dict(sorted(self.session.votes.get(idea_id, {}).items()))

    def _sections(self) -> tuple[list[Section], dict[int, int]]:
        from brainstorm.themes import eligible_ideas, theme_views

        session = self.session
        if self.view == "ranked":
            ranked = votes.ranking(session, include_unvoted=True)
            heading = "Short list: most points first (ties: accepted, then the earlier idea)"
            places = {row.idea.id: row.place for row in ranked}
            return [Section(heading, [row.idea for row in ranked])], places
        if self.view == "list" or session.themes is None:
            return [Section("All ideas (not rejected), by id", eligible_ideas(session))], {}
        views, ungrouped = theme_views(session)
        sections = []
        for view in views:
            theme = view.theme
            ref = "" if theme.is_other else f"T{theme.id}  "
            count = len(view.ideas)
            heading = (
                f"{ref}{theme.label} · {count} idea{'s' * (count != 1)}"
                f" · {theme_label_source(theme)}"
            )
            sections.append(Section(heading, list(view.ideas), theme.label_is_draft))
        if ungrouped:
            sections.append(
                Section("Not grouped yet (new since the grouping: g regroups)", ungrouped)
            )
        return sections, {}

    def rebuild(self, focus: int | None = None) -> None:
        """Show the current view from its top; keep the highlight on idea ``focus`` when it
        is still shown."""
        sections, places = self._sections()
        board = self.board
        board.show(sections, voters=self._voters, places=places, read_only=self.writer is None)
        if focus is not None:
            board.move_cursor(focus)
            self.call_after_refresh(board.scroll_to_cursor)
        self._describe()

    def _describe(self) -> None:
        board = self.session.themes
        if self.view == "ranked":
            self._status(
                "Ranked by people's votes. v gives the highlighted idea a point; o goes back."
            )
        elif self.view == "list" or board is None:
            hint = "g groups the ideas into themes" if board is None else "b shows the themes"
            self._status(f"{hint}; v gives the highlighted idea a point; o shows the ranking.")
        else:
            themes = sum(not t.is_other for t in board.themes.values())
            method = "embeddings" if board.method == "embeddings" else "words (TF-IDF)"
            self._status(
                f"{themes} themes by {method}, grouped {board.at.astimezone():%H:%M}."
                " g regroups (names people gave are kept); b lists; v votes; o ranks."
            )

    def ideas_shown(self) -> list[int]:
        """The ideas on the board, top to bottom (for tests)."""
        return self.board.ids

    # -- actions -----------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_toggle_board(self) -> None:
        self.view = "list" if self.view == "themes" else "themes"

    def action_ranked(self) -> None:
        self.view = "themes" if self.view == "ranked" else "ranked"

    def action_group(self) -> None:
        if self.writer is None:
            self._status("Read-only: this window cannot store themes.", "warning")
            return
        self._status("Grouping the ideas into themes…")
        self._group()

    @work(exclusive=True, group="converge-group")
    async def _group(self) -> None:
        from brainstorm import themes

        writer = self.writer
        assert writer is not None
        items = themes.theme_items(writer.session)
        vectors = self._vectors(items)
        grouping = await asyncio.to_thread(
            themes.group_ideas, items, max_themes=themes.DEFAULT_MAX_THEMES, vectors=vectors
        )
        similarity = self.similarity if vectors is not None else None
        changed = themes.regroup(
            writer,
            grouping,
            max_themes=themes.DEFAULT_MAX_THEMES,
            requested=self.settings.duplicates,
            embedding_model=similarity.embedding_model if similarity is not None else None,
        )
        focus = self.board.cursor_id
        if self.view == "themes":
            self.rebuild(focus)
        else:
            self.view = "themes"
        if not changed:
            self.notify("The themes are the same as before: nothing new stored.", markup=False)

    def _vectors(self, items: list[tuple[int, str]]) -> dict[int, Vector] | None:
        similarity = self.similarity
        if similarity is None or similarity.method != "embeddings":
            return None
        from brainstorm.duplicates import canonical

        if similarity.missing(text for _, text in items):
            return None  # the newest ideas are not embedded yet: group by words
        return {idea_id: similarity.vectors[canonical(text)] for idea_id, text in items}

    @on(ThemeBoard.Voted)
    def _voted(self, message: ThemeBoard.Voted) -> None:
        writer = self.writer
        if writer is None:
            self._status("Read-only: this window cannot record votes.", "warning")
            return
        idea_id = message.idea_id
        try:
            voter = votes.default_voter(self.settings.voter)
            if message.undo:
                taken = votes.withdraw(writer, [idea_id], voter)[idea_id]
                text = (
                    f"Took back {voter}'s {taken} point{'s' * (taken != 1)} on #{idea_id}."
                    if taken
                    else f"{voter} had no points on #{idea_id}."
                )
            else:
                votes.vote(writer, [idea_id], voter)
                text = f"{voter} gave #{idea_id} a point."
        except ReviewError as problem:
            self._status(str(problem), "warning")
            return
        self._status(text)
        if self.view == "ranked":
            self.rebuild(idea_id)
        else:
            self.board.votes_changed()

    def idea(self, idea_id: int) -> Idea | None:
        return self.session.ideas.get(idea_id)
