"""What the OpenAI-compatible backend sends: which model options have an API field
(`OPTION_FIELDS`), the request's extra JSON fields for each structured-output form, and which
form (or dropping usage counts) to try next when a server refuses a field.

Pure functions: the backend (`openai_compat`) keeps what worked for the life of the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import openai

from brainstorm.llm.base import ChatRequest
from brainstorm.llm.openai_errors import detail

# Model options (Ollama's names, as the CLI and the session record them) → the API's fields.
OPTION_FIELDS: dict[str, str] = {
    "temperature": "temperature",
    "seed": "seed",
    "top_p": "top_p",
    "num_predict": "max_tokens",
    "stop": "stop",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
}
StructuredMode = Literal["json_schema", "json_object", "plain"]
_NEXT_MODE: dict[StructuredMode, StructuredMode] = {
    "json_schema": "json_object",
    "json_object": "plain",
}
# Statuses with which servers refuse a field they do not support (llama-cpp-python: 500).
_REFUSED = (400, 422, 500, 501)


def sent_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`options` split into those that are sent (under their own names, as a draft records
    them) and the names of those that are not: the API has no field for them, or (a
    negative num_predict, Ollama's "no limit") leaving the field out says it."""
    sent: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in options.items():
        if value is None:
            continue
        if key in OPTION_FIELDS and not (key == "num_predict" and _negative(value)):
            sent[key] = value
        else:
            dropped.append(key)
    return sent, sorted(dropped)


def request_body(
    request: ChatRequest, mode: StructuredMode, usage: bool
) -> tuple[dict[str, Any], bool]:
    """The request's JSON fields beyond model and messages, and whether it asks for
    structured output."""
    sent, _ = sent_options(request.options)
    body: dict[str, Any] = {OPTION_FIELDS[key]: value for key, value in sent.items()}
    if usage:
        body["stream_options"] = {"include_usage": True}
    structured = request.format is not None and mode != "plain"
    if request.format is not None and mode == "json_schema":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "ideas", "schema": request.format},
        }
    elif request.format is not None and mode == "json_object":
        body["response_format"] = {"type": "json_object", "schema": request.format}
    return body, structured


def step_down(
    exc: openai.APIStatusError, body: dict[str, Any], mode: StructuredMode, usage: bool
) -> tuple[StructuredMode, bool] | None:
    """What to try next after the server refused `body`, or None: the refusal is not about
    a field that can be left out (the error is reported as it is)."""
    if exc.status_code not in _REFUSED:
        return None
    reason = detail(exc.body).lower()
    if "model" in reason and any(s in reason for s in ("not found", "does not exist")):
        return None
    if usage and ("stream_options" in reason or "include_usage" in reason):
        return mode, False
    if "response_format" in body and mode in _NEXT_MODE:
        return _NEXT_MODE[mode], usage
    if usage and exc.status_code in (400, 422):
        return mode, False
    return None


def _negative(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value < 0
