"""Ideas that only echo the prompt: text the model copied from the messages it was sent.

A small model asked for "a numbered list, each item a short title and a sentence" may answer
with the instruction itself, the topic restated, or a line of the technique's description
("Substitute replaces a part, material, person or step") instead of an idea. Such drafts are
flagged (``echo_of_prompt``), never dropped: a person decides what they are.

How: the words of the idea's title and text are compared with the words of every message
sent. A word counts as echoed when it lies in a run of ``RUN`` words (fewer for a shorter
idea) that also appears, in the same order, in the messages. An idea is an echo when at least
``SHARE`` of its words are echoed. Ideas of one word are never flagged (a one-word idea that
happens to be in the topic is more likely an answer than a copy). A bare placeholder ("[insert
idea 1 here]", "<your idea>") is flagged too: the shape of a template, filled with nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from brainstorm.ideation.drafts import DraftIdea
from brainstorm.llm.base import Message

RUN: Final = 4
SHARE: Final = 0.6
_WORD_RE = re.compile(r"[^\W_]+")
_PLACEHOLDER_RE = re.compile(r"^\W*[\[<{][^\]>}]{1,60}[\]>}]\W*$")


def _words(text: str) -> list[str]:
    return [word.casefold() for word in _WORD_RE.findall(text)]


class PromptEcho:
    """The messages of one request, indexed once; `of` tells whether an idea echoes them."""

    def __init__(self, messages: Sequence[Message]) -> None:
        self._runs: set[tuple[str, ...]] = set()
        for message in messages:
            words = _words(message.content)
            for size in range(2, RUN + 1):
                for start in range(len(words) - size + 1):
                    self._runs.add(tuple(words[start : start + size]))

    def of(self, idea: DraftIdea) -> bool:
        """Whether most of ``idea`` (title and text) is text copied from the messages."""
        if _PLACEHOLDER_RE.match(idea.text) and not idea.title:
            return True
        words = _words(idea.title or "") + _words(idea.text)
        if len(words) < 2:
            return False
        size = min(RUN, len(words))
        echoed = [False] * len(words)
        for start in range(len(words) - size + 1):
            if tuple(words[start : start + size]) in self._runs:
                for position in range(start, start + size):
                    echoed[position] = True
        return sum(echoed) >= SHARE * len(words)
