"""Ideas that only repeat the prompt are flagged (`echo_of_prompt`), never dropped (issue 13):
the detector on its own, and end to end through `ask`, `show` and `show --json`."""

from __future__ import annotations

from brainstorm.ideation import DraftIdea, PromptEcho, build_messages, get_technique
from tests.cli_support import Run, new_session, show_json
from tests.fakes import FakeOllama

TOPIC = "Quieter offices"


def test_echo_flags_copied_prompt_text_and_spares_ideas() -> None:
    echo = PromptEcho(build_messages(get_technique("scamper"), "Reduce food waste in a canteen"))
    assert echo.of(DraftIdea("Reduce food waste in a canteen"))  # the topic, restated
    assert echo.of(
        DraftIdea("Eliminate removes a part, a step or a rule.")  # a step's description
    )
    assert echo.of(
        DraftIdea(
            "one or two sentences that say what the idea is and why it could work.",
            "Name for the idea",
        )
    )
    assert not echo.of(DraftIdea("Replace paper trays with washable ones.", "Reusable trays"))
    assert not echo.of(DraftIdea("Compost the scraps in the school garden.", "Compost"))
    assert not echo.of(DraftIdea("Eliminate"))  # one word: more likely an answer than a copy


def test_an_echo_is_stored_flagged_and_shown(run: Run, fake_ollama: FakeOllama) -> None:
    fake_ollama.reply_for(
        "llama3.2",
        "1. Quieter offices\n"
        "2. **Phone booths**: Soundproof booths for calls, so the open floor stays calm.\n",
    )
    session = new_session(run, TOPIC)
    asked = run("ask", session)
    assert asked.returncode == 0, asked.stderr
    ideas = show_json(run, session)["ideas"]
    assert [(i["text"], i["echo_of_prompt"]) for i in ideas] == [
        ("Quieter offices", True),  # kept, flagged
        ("Soundproof booths for calls, so the open floor stays calm.", False),
    ]
    shown = run("show", session).stdout
    first, second = shown.split("#2")
    assert "ECHOES PROMPT" in first and "ECHOES PROMPT" not in second
