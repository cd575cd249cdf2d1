"""Near-duplicates in the app: cards of a duplicate group are flagged "≈ #n", the figures panel
shows the session's diversity and its groups, and both follow edits (recomputed in a worker)."""

from __future__ import annotations

import re
from dataclasses import replace

from textual.widgets import TextArea

from brainstorm import review
from brainstorm.config import Settings
from brainstorm.events import IdeaDrafted, IdeaRevised
from brainstorm.presentation import duplicate_flag, group_flag
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from brainstorm.tui.screens.editor import EditIdeaScreen
from tests.fakes import FakeOllama
from tests.tui.conftest import MODEL, fill, make_app, open_first_session, screen_text, settle

# Card head lines: "#3  YOURS   ≈ #1      you"; the flag is optional.
HEAD = re.compile(
    r"(#\d+) +(?:DRAFT|ACCEPTED|REJECTED|YOURS)[^\n│┃╏≈]*?"
    r"(?: {2,}(≈(?: #\d+)+(?: \+\d+)?))?(?= {2,})"
)


def flags(text: str) -> dict[str, str]:
    """Every card on screen → its near-duplicate flag ("" when it has none)."""
    return {ref: flag or "" for ref, flag in HEAD.findall(text)}


def duplicates_session(store: SessionStore) -> str:
    """Two pairs of near-duplicates (#1 ≈ #3, #2 ≈ #6) among six ideas, human and model."""
    with store.create("Quieter offices", technique="open", default_model=MODEL) as writer:
        texts = [
            ("Booths", "Phone booths for calls"),
            (None, "Quiet hours every morning"),
        ]
        for number, (title, text) in enumerate(texts, start=1):
            writer.append(
                IdeaDrafted(idea=number, title=title, text=text, model=MODEL, backend="ollama")
            )
        review.add(writer, "Booths: phone booths for calls!")  # #3, the same words as #1
        writer.append(
            IdeaDrafted(
                idea=4, text="A seed library in the entrance hall", model=MODEL, backend="ollama"
            )
        )
        writer.append(
            IdeaDrafted(idea=5, text="Noise maps of the loud areas", model=MODEL, backend="ollama")
        )
        review.add(writer, "quiet hours, every morning")  # #6, #2 in other case and commas
        return writer.session_id


def test_flag_names_the_other_ideas() -> None:
    assert duplicate_flag((), 0) == ""
    assert duplicate_flag((3, 7), 2) == "≈ #3 #7"
    assert duplicate_flag((1, 2, 3), 5) == "≈ #1 #2 #3 +2"
    assert duplicate_flag((3, 7, 9), 9_996) == "≈ #3 #7 #9 +9,993"
    # A group in the figures panel: its leader, three more, the rest counted.
    assert group_flag((1, 3)) == "≈ #1 #3"
    assert group_flag(tuple(range(1, 10_001))) == "≈ #1 #2 #3 #4 +9,996"


async def test_near_duplicates_are_flagged_and_follow_edits(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    session_id = duplicates_session(store)
    app = make_app(settings)
    async with app.run_test(size=(100, 50)) as pilot:
        screen = await open_first_session(pilot)
        await settle(pilot)  # the duplicate worker has run
        assert flags(screen_text(app)) == {
            "#1": "≈ #3",
            "#2": "≈ #6",
            "#3": "≈ #1",
            "#4": "",
            "#5": "",
            "#6": "≈ #2",
        }

        # The figures panel (m, from the cards): diversity and the groups.
        await pilot.press("tab", "m")
        await pilot.pause()
        text = screen_text(app)
        assert "Diversity" in text
        assert "distinct ideas      4/6 (67%)" in text
        assert re.search(r"mean distance       0\.\d\d", text)
        assert "text similarity ≥ 0.80" in text
        assert "2 near-duplicate groups:" in text
        assert "≈ #1 #3 (≥ 1.00)" in text and "≈ #2 #6 (≥ 1.00)" in text

        # An edit that makes #6 a different idea: its flag, and #2's, go; so does the group.
        screen.board.move_cursor(6)  # the cards have the focus (tab, above)
        await pilot.press("e")
        assert isinstance(app.screen, EditIdeaScreen)
        editor = app.screen.query_one("#editor", TextArea)
        editor.focus()
        editor.clear()  # then the new text, as a paste would
        editor.insert("Walking meetings in the park")
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = screen_text(app)
        assert flags(text) == {"#1": "≈ #3", "#2": "", "#3": "≈ #1", "#4": "", "#5": "", "#6": ""}
        assert "distinct ideas      5/6 (83%)" in text
        assert "1 near-duplicate group:" in text and "≈ #2 #6" not in text

        # And back: an edit of #5 into a copy of #4 makes a new group.
        screen.board.move_cursor(5)
        await pilot.press("e")
        editor = app.screen.query_one("#editor", TextArea)
        editor.focus()
        editor.clear()
        editor.insert("A seed library in the entrance hall.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert flags(screen_text(app))["#4"] == "≈ #5"
        assert flags(screen_text(app))["#5"] == "≈ #4"

    events, _ = read_events(store.path_for(session_id))
    revised = [(e.idea, e.text) for e in events if isinstance(e, IdeaRevised)]
    assert revised == [
        (6, "Walking meetings in the park"),
        (5, "A seed library in the entrance hall."),
    ]


async def test_embeddings_setting_uses_the_server_and_falls_back_to_text(
    settings: Settings, store: SessionStore, ollama: FakeOllama
) -> None:
    """With `duplicates = "embeddings"` the worker asks /api/embed for the texts; without
    the embedding model it says so and flags by text similarity."""
    duplicates_session(store)
    ollama.add_model("nomic-embed-text")
    embedding = replace(settings, duplicates="embeddings")
    app = make_app(embedding)
    async with app.run_test(size=(100, 50)) as pilot:
        await open_first_session(pilot)
        await settle(pilot)
        embed = ollama.requests_to("/api/embed")
        assert len(embed) == 1 and len(embed[0].body["input"]) == 6
        # The fake's vectors are unrelated for different texts; identical words still match.
        text = screen_text(app)
        assert flags(text)["#1"] == "≈ #3" and flags(text)["#2"] == "≈ #6"
        await pilot.press("tab", "m")
        await pilot.pause()
        text = screen_text(app)  # the panel wraps the model's name onto the next line
        assert "embeddings similarity ≥ 0.85" in text and "(nomic-embed-text)" in text

        # A new idea: only its text is embedded; the others' vectors are reused.
        await pilot.press("n")
        await fill(pilot, "#editor", "Quiet hours every morning.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        embed = ollama.requests_to("/api/embed")
        assert len(embed) == 2 and embed[1].body["input"] == ["quiet hours every morning."]
        assert flags(screen_text(app))["#7"] == "≈ #2 #6"

    # The vectors are kept beside the session: the next app embeds nothing it has seen.
    vectors = store.path_for(store.ids()[0]).with_suffix(".vectors.npz")
    assert vectors.exists()
    app = make_app(embedding)
    async with app.run_test(size=(100, 50)) as pilot:
        await open_first_session(pilot)
        await settle(pilot)
        assert len(ollama.requests_to("/api/embed")) == 2
        assert flags(screen_text(app))["#7"] == "≈ #2 #6"

    # Without the stored vectors and the model: text similarity, and a note why.
    vectors.unlink()
    ollama.remove_model("nomic-embed-text")
    app = make_app(embedding)
    async with app.run_test(size=(100, 50)) as pilot:
        await open_first_session(pilot)
        await settle(pilot)
        text = screen_text(app)
        assert flags(text)["#1"] == "≈ #3"
        await pilot.press("tab", "m")
        await pilot.pause()
        text = screen_text(app)
        assert "text similarity ≥ 0.80" in text and "text similarity used:" in text
