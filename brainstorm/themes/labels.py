"""Theme labels written by the model. A model label is a DRAFT, like every model output: it
shows as such until a person accepts it (`board.accept_label`) or writes their own
(`board.rename`). The model never overwrites a label a person chose.

The request is built by `brainstorm.ask.build_theme_label` (the one request builder); this
module sends it, keeps the reply verbatim on the stored event and reads the label from it.
"""

from __future__ import annotations

import re

from brainstorm.ask import AskRequest
from brainstorm.converge_events import ThemeLabelled, ThemeRecord
from brainstorm.llm.base import Backend, ChatRequest
from brainstorm.session_writer import SessionWriter
from brainstorm.themes.board import MAX_LABEL, ThemeError

__all__ = ["label_from_reply", "needs_model_label", "write_model_label"]

_LEAD = re.compile(r"^\s*(?:[-*•>#]+\s*|\d{1,3}[.)]\s+)")  # list marker, quote or heading
_NAME_PREFIX = re.compile(r"^(?:label|name|theme|group|title)\s*:\s*", re.IGNORECASE)
_WRAPPERS = "\"'“”‘’«»`*_"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def needs_model_label(theme: ThemeRecord) -> bool:
    """Whether `--label` asks the model for this theme's label: not the other theme, and not
    a label a person chose (written or accepted)."""
    return not theme.is_other and not theme.named_by_person


def label_from_reply(reply: str) -> str | None:
    """The label in a model's reply: its first line with text, without list markers, a
    "Label:" prefix, quotes or bold marks, cut to `MAX_LABEL` characters. None when the reply
    has no text."""
    for line in reply.splitlines():
        text = _LEAD.sub("", _CONTROL.sub("", line)).strip(_WRAPPERS + " \t")
        text = _NAME_PREFIX.sub("", text).strip(_WRAPPERS + " \t")
        text = " ".join(text.rstrip(".").strip(_WRAPPERS + " \t").split())
        if text:
            return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"
    return None


async def write_model_label(
    writer: SessionWriter, backend: Backend, request: AskRequest, theme_id: int
) -> ThemeRecord:
    """Send ``request`` (from `ask.build_theme_label`) and store the label it brings as the
    theme's DRAFT label, with the model's whole reply. Backend errors are raised (nothing is
    stored); a reply with no text raises `ThemeError`."""
    source = request.source
    options = source.options(request.options)
    chat = ChatRequest(model=source.model, messages=list(request.messages), options=options)
    parts = [chunk.text async for chunk in backend.stream_chat(chat)]
    reply = "".join(parts)
    label = label_from_reply(reply)
    if label is None:
        raise ThemeError(f"{source.model} answered with no label for theme T{theme_id}")
    writer.append(
        ThemeLabelled(
            theme=theme_id,
            label=label,
            author="model",
            model=source.model,
            backend=backend.name,
            options=options,
            reply=reply,
        )
    )
    board = writer.session.themes
    assert board is not None
    return board.themes[theme_id]
