"""Converging in the app: shift+t opens the themes board, g groups the ideas into themes (stored
in the session), b toggles themes and the plain list, v votes for the selected idea (saved with
the voter), o shows the ranked short list; the figures panel draws the exhaustion curve."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from textual.widgets import Label, Sparkline

from brainstorm.config import Settings
from brainstorm.converge_events import ThemesGrouped, VoteCast
from brainstorm.event_base import utc_now
from brainstorm.events import GenerationCompleted, IdeaDrafted, PromptSent
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.tui.screens.converge import ConvergeScreen
from brainstorm.tui.widgets.exhaustion_chart import ExhaustionChart
from tests.tui.conftest import MODEL, make_app, open_first_session, screen_text, settle, wait_for

NOISE = ["Noise-cancelling headphones for desks", "Noise-cancelling booths for calls"]
PLANTS = ["Plants and moss walls between desks", "Plants and ferns by the entrance"]
KITCHEN = ["Coffee kitchen with a closing door", "Coffee breaks in the kitchen"]


def converge_session(store: SessionStore) -> str:
    """Three rounds of two ideas each (the third repeats the first), all model drafts."""
    start = utc_now()
    with store.create("Quieter offices", technique="open", default_model=MODEL) as writer:
        for number, texts in enumerate((NOISE + PLANTS, KITCHEN, NOISE), start=1):
            prompt_id = f"p{number}"
            writer.append(
                PromptSent(
                    prompt_id=prompt_id,
                    prompt=f"round {number}",
                    model=MODEL,
                    backend="ollama",
                    at=start + timedelta(minutes=number),
                )
            )
            ids = writer.allocate_idea_ids(len(texts))
            for idea_id, text in zip(ids, texts, strict=True):
                writer.append(
                    IdeaDrafted(
                        idea=idea_id, prompt_id=prompt_id, text=text, model=MODEL, backend="ollama"
                    )
                )
            writer.append(GenerationCompleted(prompt_id=prompt_id, ideas=ids))
        return writer.session_id


def converge_screen(app: object) -> ConvergeScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ConvergeScreen), f"expected the converge screen, got {screen!r}"
    return screen


async def test_themes_board_votes_and_ranking(settings: Settings, store: SessionStore) -> None:
    session_id = converge_session(store)
    voter = replace(settings, voter="ana")
    app = make_app(voter)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_first_session(pilot)
        await pilot.press("tab", "T")  # to the cards (T typed in the prompt box is a letter)
        screen = converge_screen(app)
        await pilot.pause()
        text = screen_text(app)
        assert "All ideas (not rejected), by id" in text and "g groups the ideas" in text
        assert screen.ideas_shown() == list(range(1, 9))

        await pilot.press("g")  # group into themes: stored in the session
        await settle(pilot)
        events, _ = read_events(store.path_for(session_id))
        (grouped,) = [e for e in events if isinstance(e, ThemesGrouped)]
        placed = sorted(i for theme in grouped.themes for i in theme.ideas)
        assert placed == list(range(1, 9))  # every idea in exactly one theme
        assert screen.view == "themes"
        text = screen_text(app)
        assert "T1" in text and "characteristic words" in text
        by_theme = screen.ideas_shown()
        assert sorted(by_theme) == list(range(1, 9))

        await pilot.press("b")  # the plain list and back
        await pilot.pause()
        assert screen.view == "list" and screen.ideas_shown() == list(range(1, 9))
        await pilot.press("b")
        await pilot.pause()
        assert screen.view == "themes" and screen.ideas_shown() == by_theme

        # Vote for the highlighted card: the last one of the board gets ana's point.
        chosen = by_theme[-1]
        screen.board.move_cursor(chosen)
        await pilot.press("v")
        await pilot.pause()
        events, _ = read_events(store.path_for(session_id))
        cast = [e for e in events if isinstance(e, VoteCast)]
        assert [(e.idea, e.voter, e.points) for e in cast] == [(chosen, "ana", 1)]
        assert "▲ 1 · ana 1" in screen_text(app)

        await pilot.press("o")  # the ranked short list: the voted idea first
        await pilot.pause()
        assert screen.view == "ranked" and screen.ideas_shown()[0] == chosen
        assert f"1. #{chosen}" in screen_text(app)

        await pilot.press("V")  # take the point back: the order falls back to ids
        await pilot.pause()
        assert screen.ideas_shown() == list(range(1, 9))
        assert [e.type for e in read_events(store.path_for(session_id))[0]][-1] == (
            "vote_withdrawn"
        )
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConvergeScreen)


async def test_figures_panel_draws_the_exhaustion_curve(
    settings: Settings, store: SessionStore
) -> None:
    converge_session(store)
    app = make_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_first_session(pilot)
        await pilot.press("tab", "m")  # to the cards (m typed in the prompt box is a letter)
        await settle(pilot)
        chart = screen.query_one(ExhaustionChart)
        await wait_for(pilot, lambda: chart.curve is not None)
        assert chart.query_one(Sparkline).data == [4.0, 6.0, 6.0]
        assert "When to stop asking" in screen_text(app)
        caption = str(chart.query_one("#exhaustion-caption", Label).content)
        assert "distinct ideas over 3 prompts: 6 of 8" in caption
        assert "8 ideas, of which 6 were new (75%)" in caption
