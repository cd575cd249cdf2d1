"""A draft that only repeats the prompt says so on its card (issue 13); it is kept like any
other draft."""

from __future__ import annotations

from brainstorm.config import Settings
from brainstorm.events import IdeaDrafted
from brainstorm.store import SessionStore
from tests.tui.conftest import MODEL, badges, make_app, open_first_session, screen_text


async def test_echo_of_the_prompt_is_flagged_on_its_card(
    settings: Settings, store: SessionStore
) -> None:
    with store.create("Quieter offices", technique="open", default_model=MODEL) as writer:
        for idea, text, echo in ((1, "Quieter offices", True), (2, "Phone booths", None)):
            writer.append(
                IdeaDrafted(
                    idea=idea, text=text, model=MODEL, backend="ollama", echo_of_prompt=echo
                )
            )
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first_session(pilot)
        lines = screen_text(app).splitlines()
        first = next(line for line in lines if "#1" in line)
        second = next(line for line in lines if "#2" in line)
        assert "ECHOES PROMPT" in first and "ECHOES PROMPT" not in second
        assert badges(screen_text(app))[:2] == ["#1 DRAFT", "#2 DRAFT"]
