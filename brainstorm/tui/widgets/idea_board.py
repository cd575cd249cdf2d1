"""The scrolling column of idea cards: stored cards in session order, then live replies."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import AwaitMount
from textual.widgets import Label

from brainstorm.models import Idea
from brainstorm.tui.widgets.idea_card import IdeaCard
from brainstorm.tui.widgets.live_reply import LiveReplies, LiveStream


def _version(idea: Idea) -> tuple[object, ...]:
    """Changes whenever a review event touches the idea (cheaper than comparing copies)."""
    return (idea.status, len(idea.revisions), len(idea.status_history), idea.hidden, idea.text)


class IdeaBoard(VerticalScroll):
    """The screen hands it the ideas to show; it adds and updates cards (never rebuilds
    them), keeps live groups below the stored cards and shows a hint while empty."""

    def compose(self) -> ComposeResult:
        yield Label(
            Content(
                "No ideas yet. Type in the prompt box below and press enter, or n to add your own."
            ),
            id="no-ideas",
        )

    def show_empty(self, empty: bool) -> None:
        self.query_one("#no-ideas").display = empty

    @property
    def at_end(self) -> bool:
        """Scrolled to the bottom (a streaming reply keeps it there)."""
        return self.scroll_y >= self.max_scroll_y - 1

    def sync(
        self,
        ideas: Sequence[Idea],
        *,
        read_only: bool,
        origin: Callable[[Idea], str | None],
        duplicates_of: Callable[[int], tuple[int, ...]],
    ) -> AwaitMount | None:
        """Update changed cards, add new ones. Returns the pending mount of new cards
        (await it before focusing one)."""
        existing = {card.idea_id: card for card in self.query(IdeaCard)}
        new_cards: list[IdeaCard] = []
        for idea in ideas:
            card = existing.get(idea.id)
            if card is None:
                new_cards.append(
                    IdeaCard(
                        idea.model_copy(deep=True),
                        read_only=read_only,
                        origin=origin(idea),
                        duplicates=duplicates_of(idea.id),
                    )
                )
                continue
            card.read_only = read_only
            if card.idea is None or _version(card.idea) != _version(idea):
                card.idea = idea.model_copy(deep=True)  # a snapshot: the session mutates ideas
        if not new_cards:
            return None
        # Stored cards go above the live cards of ensemble members still streaming.
        live = self.query(".live-group")
        return self.mount_all(new_cards, before=live.first() if live else None)

    def start_live(self, live: LiveReplies) -> None:
        """A request went out: one group of live cards per source (none while hidden)."""
        self.show_empty(False)
        if not live.hidden:
            self.mount_all(live.make_groups())

    def draw_live(self, live: LiveReplies) -> str | None:
        """Show what arrived since the last redraw, following the end when scrolled there.
        Returns the status line to show (None: nothing new)."""
        follow = self.at_end
        status = live.redraw()
        if status is not None and follow and not live.hidden:
            self.scroll_end(animate=False)
        return status

    def drop_live(self, stream: LiveStream | None) -> None:
        """One source finished: its stored cards replace its live ones."""
        if stream is not None and stream.group is not None:
            stream.group.remove()

    async def remove_live(self) -> None:
        await self.query(".live-group").remove()
