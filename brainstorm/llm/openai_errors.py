"""Failures of an OpenAI-compatible server, worded as the Ollama backend words them.

The `openai` client raises its own exceptions for statuses (`APIStatusError` and subclasses),
for refused or broken connections (`APIConnectionError`, `APITimeoutError`) and for an error
event inside a stream (`APIError`); depending on its version a connection cut mid-stream
arrives wrapped or as the HTTP library's own error. Each becomes one of the errors in `base`:
one sentence naming the server (without credentials) or the model, plus a hint.

Servers put their reason in different places (`{"error": {"message"}}` from OpenAI, vLLM and
LiteLLM, `{"detail"}` from FastAPI apps such as llama.cpp's Python server, plain text from
proxies); `detail` finds it. Whatever a server sends back is scrubbed of the API key and the
URL's credentials before it reaches a message: a server that echoes the key must not leak it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import openai

from brainstorm.llm.base import (
    BackendError,
    BackendUnavailable,
    Fix,
    ModelNotFound,
    ServerError,
    StreamInterrupted,
)
from brainstorm.llm.urls import scrub

START_HINT = (
    "Start the server (for llama.cpp: `python -m llama_cpp.server --model FILE.gguf`), or use"
    " the base URL of one that is running, e.g. http://127.0.0.1:8000/v1."
)
BASE_URL_HINT = "The server's address should be the API's base URL, usually ending in /v1."
RETRY_HINT = "Try again; if it keeps happening, look at the server's log."
MODELS_HINT = "Choose one of the models it serves."
KEY_MISSING_HINT = "Set OPENAI_API_KEY to the key the server expects, then try again."
KEY_WRONG_HINT = (
    "Check OPENAI_API_KEY: it must be a key this server accepts (or unset it if the server"
    " needs none)."
)
# How much of a server's reason goes into a message: enough to read, never a whole page.
DETAIL_LIMIT = 300


@dataclass(frozen=True)
class Context:
    """What a message may name: the server as shown to people, and the secrets to hide."""

    location: str
    key_given: bool
    secrets: tuple[str, ...] = ()
    # Credentials in the URL go as HTTP basic auth, which takes the place of the API key.
    basic_auth: bool = False

    def scrub(self, text: str) -> str:
        return scrub(text, self.secrets)


def translate(
    exc: BaseException,
    context: Context,
    *,
    model: str | None = None,
    activity: str | None = None,
    partial: bool = False,
) -> BackendError:
    """One person-readable error for whatever the client (or the HTTP library below it)
    raised. `activity` names the stream being read ("the reply from 'm'"), None for plain
    calls; `partial` says whether some of that stream had already arrived."""
    where = f"the OpenAI-compatible server at {context.location}"
    if isinstance(exc, BackendError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return StreamInterrupted(
            f"{_cap(where)} sent nothing for longer than the time-out during "
            f"{activity or 'a request'}.",
            "Try again, or allow a longer time-out; a model that is loading can be slow.",
        )
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc, context, where, model)
    if isinstance(exc, openai.APIConnectionError):
        if activity is None:
            return BackendUnavailable(f"Cannot reach {where}.", START_HINT, fixes=(Fix.HOST,))
        return _broken(where, activity, partial)
    if isinstance(exc, openai.APIError):
        # An error event inside a 200 stream (or a body the client could not read).
        reason = context.scrub(detail(getattr(exc, "body", None)) or str(exc))
        return ServerError(
            f"{_cap(where)} reported an error during {activity or 'a request'}: {reason}.",
            RETRY_HINT,
        )
    if _transport_error(exc):
        # openai versions that do not wrap a connection cut mid-stream let httpx's through.
        if activity is not None:
            return _broken(where, activity, partial)
        return BackendUnavailable(f"Cannot reach {where}.", START_HINT, fixes=(Fix.HOST,))
    if isinstance(exc, ValueError):
        return ServerError(
            f"{_cap(where)} does not answer like an OpenAI-compatible server.",
            BASE_URL_HINT,
            fixes=(Fix.HOST,),
        )
    return ServerError(
        f"Unexpected failure talking to {where}: {type(exc).__name__}: {context.scrub(str(exc))}.",
        RETRY_HINT,
    )


def _status_error(
    exc: openai.APIStatusError, context: Context, where: str, model: str | None
) -> BackendError:
    status = exc.status_code
    reason = context.scrub(detail(exc.body) or exc.response.reason_phrase or "no reason given")
    lowered = reason.lower()
    if status == 401:
        if context.basic_auth:
            return ServerError(
                f"{_cap(where)} refused the user name and password in the server's URL"
                f" (401: {reason}).",
                "Check them; they are sent as HTTP basic auth, in place of OPENAI_API_KEY.",
                status=status,
            )
        if context.key_given:
            return ServerError(
                f"{_cap(where)} refused the API key in OPENAI_API_KEY (401: {reason}).",
                KEY_WRONG_HINT,
                status=status,
            )
        return ServerError(
            f"{_cap(where)} needs an API key (401: {reason}).", KEY_MISSING_HINT, status=status
        )
    if status == 403:
        return ServerError(
            f"{_cap(where)} refused access (403: {reason}).",
            "Check OPENAI_API_KEY and what that key may use on the server.",
            status=status,
        )
    if model and status in (400, 404) and _names_missing_model(lowered):
        return model_not_found(model, context.location)
    if status == 404:
        return ServerError(
            f"{_cap(where)} has no such endpoint ({reason}).",
            BASE_URL_HINT,
            status=status,
            fixes=(Fix.HOST,),
        )
    if status in (429, 503):
        return ServerError(
            f"{_cap(where)} is busy ({status}: {reason}).",
            "Wait a moment and try again, or send fewer requests at once.",
            status=status,
            fixes=(Fix.CONCURRENCY,),
        )
    if status in (400, 422):
        return ServerError(
            f"{_cap(where)} rejected the request ({status}: {reason}).",
            "Check the model name and options; not every server supports every option.",
            status=status,
        )
    return ServerError(
        f"{_cap(where)} failed with status {status}: {reason}.", RETRY_HINT, status=status
    )


def model_not_found(model: str, location: str, served: list[str] | None = None) -> ModelNotFound:
    if served:
        shown = ", ".join(served[:10]) + (", …" if len(served) > 10 else "")
        hint = f"It serves: {shown}."
    else:
        hint = MODELS_HINT
    return ModelNotFound(
        model, f"Model '{model}' is not served by the OpenAI-compatible server at {location}.", hint
    )


def detail(body: Any) -> str:
    """The reason a server gave, from whichever shape its error body has ("" when none)."""
    if isinstance(body, dict):
        for key in ("error", "message", "detail"):
            if body.get(key):
                return detail(body[key])
        return ""
    if isinstance(body, list):  # FastAPI's validation errors: [{"loc", "msg", …}, …]
        return "; ".join(filter(None, (detail(item) or _msg(item) for item in body)))
    text = " ".join(str(body).split()) if body is not None else ""
    return text if len(text) <= DETAIL_LIMIT else text[: DETAIL_LIMIT - 1] + "…"


def _msg(item: Any) -> str:
    return str(item.get("msg", "")) if isinstance(item, dict) else str(item)


def _names_missing_model(reason: str) -> bool:
    # vLLM: "The model `x` does not exist."; LiteLLM: "Invalid model name passed in model=x";
    # OpenAI: "The model `x` does not exist or you do not have access to it."
    if "model" not in reason:
        return False
    return any(
        sign in reason for sign in ("does not exist", "not found", "invalid model", "unknown model")
    )


def _broken(where: str, activity: str, partial: bool) -> StreamInterrupted:
    place = "mid-way through" if partial else "at the start of"
    return StreamInterrupted(
        f"The connection to {where} broke {place} {activity}.",
        "Check that the server is still running (it may have crashed or restarted), then try"
        " again.",
    )


def _transport_error(exc: BaseException) -> bool:
    """An error of the HTTP library under the client (httpx, or httpx2 in newer versions):
    the connection broke. Recognised by name so that no particular library is imported."""
    for cls in type(exc).__mro__:
        if cls.__module__.split(".")[0] in ("httpx", "httpx2", "httpcore") and cls.__name__ in (
            "TransportError",
            "NetworkError",
            "ProtocolError",
        ):
            return True
    return isinstance(exc, ConnectionError)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
