"""Prompt text: the messages sent to the model for a round of a technique or a follow-up on one
idea, and the JSON shape (`IDEAS_SCHEMA`) asked for when structured output is on."""

from __future__ import annotations

from typing import Any, Final

from brainstorm.ideation.techniques import Technique, _fill, _require_topic
from brainstorm.llm.base import Message

IDEAS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "ideas": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                },
                "required": ["title", "description"],
            },
        }
    },
    "required": ["ideas"],
}

# The format is described, never shown: a small model copies an example line ("Title of the
# idea: What it is…") or example values ("short title") as if they were its answer.
STRUCTURED_INSTRUCTION: Final = (
    "Instead of a list, answer with JSON only, no other text: one object whose only key is "
    '"ideas", holding a list with one object per idea. Each of those objects has two keys: '
    '"title", a name for the idea in two to five words of your own, and "description", one '
    "or two sentences on the idea."
)

_FOLLOW_UP_SYSTEM: Final = (
    "You are a brainstorming partner helping a person work on one idea. Everything you write is "
    "a draft that the person will read and then edit, keep or throw away, so be concrete and "
    "specific rather than polished or cautious. Answer in the same language as the idea."
)

_FORMAT_LIST = (
    "Answer with a numbered list, one {item} per item. Each item opens with a name for the "
    "{item} in two to five words of your own, followed by a colon and {what}.\n\n"
    "Write only the list, with no introduction and no closing remarks."
)

#: The user message for each follow-up on one idea: ``{topic}``, ``{idea}``, optional ``{prompt}``.
FOLLOW_UPS: dict[str, str] = {
    "expand": (
        "Brainstorm topic: {topic}\n\n"
        "Here is one idea from the brainstorm:\n{idea}\n\n"
        "Develop this idea further. Say how it would work in practice, who it is for, the first "
        "concrete step to try it, and the biggest risk. Keep it one idea, in 4 to 6 sentences.\n\n"
        "Open with a name for the developed idea in two to five words of your own, in bold, "
        "followed by a colon and the sentences.\n\n"
        "Write only the idea, with no introduction and no closing remarks.\n"
        "Instruction from the person, which takes priority over everything above: {prompt}"
    ),
    "variations": (
        "Brainstorm topic: {topic}\n\n"
        "Here is one idea from the brainstorm:\n{idea}\n\n"
        "Write 5 variations of this idea. Each variation keeps the core of the idea but changes "
        "one important thing, such as who it is for, its size, its cost, where it happens or how "
        "it is delivered. Make the variations clearly different from each other.\n\n"
        + _FORMAT_LIST.format(
            item="variation", what="one or two sentences on what changes and why it could work"
        )
        + "\nInstruction from the person, which takes priority over everything above: {prompt}"
    ),
    "critique": (
        "Brainstorm topic: {topic}\n\n"
        "Here is one idea from the brainstorm:\n{idea}\n\n"
        "Critique this idea honestly. Find its 3 to 5 biggest weaknesses or risks, and for each "
        "one suggest a concrete change that would fix or reduce it.\n\n"
        + _FORMAT_LIST.format(
            item="weakness", what="one sentence on the problem and one sentence on the fix"
        )
        + "\nInstruction from the person, which takes priority over everything above: {prompt}"
    ),
}

#: One line per follow-up, for menus and help text.
FOLLOW_UP_TITLES: dict[str, str] = {
    "expand": "Develop the idea further: how it works, who it is for, first step, biggest risk.",
    "variations": "Five variations that each change one important thing.",
    "critique": "The idea's main weaknesses, each with a fix.",
}


def _with_format(content: str, structured: bool) -> str:
    return f"{content}\n\n{STRUCTURED_INSTRUCTION}" if structured else content


def build_messages(
    technique: Technique, topic: str, prompt: str = "", *, structured: bool = False
) -> list[Message]:
    """System and user messages for one round of `technique` on `topic`. With `structured`,
    the model is also told to answer in the shape of `IDEAS_SCHEMA` (pass that schema as the
    request's format too)."""
    return [
        Message("system", technique.system),
        Message("user", _with_format(technique.render(topic, prompt), structured)),
    ]


def build_follow_up_messages(
    kind: str,
    topic: str,
    idea_text: str,
    *,
    structured: bool = False,
    prompt: str = "",
    title: str | None = None,
) -> list[Message]:
    """Messages asking the model to work on one idea: ``kind`` is a key of `FOLLOW_UPS`. Pass
    the idea's `title` too when it has one, so the model sees the idea whole."""
    if kind not in FOLLOW_UPS:
        raise ValueError(
            f"Unknown follow-up {kind!r}. Available follow-ups: {', '.join(FOLLOW_UPS)}."
        )
    content = _fill(
        FOLLOW_UPS[kind],
        {
            "topic": _require_topic(topic),
            "idea": f"{title.strip()}: {idea_text.strip()}"
            if title and title.strip()
            else idea_text.strip(),
            "prompt": prompt.strip(),
        },
    )
    return [
        Message("system", _FOLLOW_UP_SYSTEM),
        Message("user", _with_format(content, structured)),
    ]


_THEME_LABEL_SYSTEM: Final = (
    "You name groups of ideas from a brainstorm. A person will read your name and then keep it, "
    "change it or throw it away. Answer in the same language as the ideas."
)

THEME_LABEL_PROMPT: Final = (
    "Brainstorm topic: {topic}\n\n"
    "These ideas from the brainstorm were grouped together:\n{ideas}\n\n"
    "Words that set them apart from the other ideas: {terms}\n\n"
    "Give this group a short name, 2 to 5 words, that says what its ideas have in common. "
    "Answer with the name only: no quotes, no numbering, no explanation."
)


def build_theme_label_messages(
    topic: str, idea_texts: list[str], terms: list[str]
) -> list[Message]:
    """Messages asking the model to name one theme from some of its ideas (one per line)."""
    listed = "\n".join(f"- {' '.join(text.split())}" for text in idea_texts)
    content = _fill(
        THEME_LABEL_PROMPT,
        {"topic": _require_topic(topic), "ideas": listed, "terms": ", ".join(terms) or "(none)"},
    )
    return [Message("system", _THEME_LABEL_SYSTEM), Message("user", content)]
