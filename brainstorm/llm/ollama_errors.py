"""Ollama's failures as the errors in `base`: one sentence naming the host or the model, plus
a hint of what to do — never an httpx or ollama exception — with no secret in it.

The client reports the same failure differently depending on the call (a non-streaming call
wraps a refused connection in the built-in `ConnectionError`, a streaming call lets the raw
`httpx.ConnectError` through), so `translate` accepts every shape. Imports `ollama` and httpx:
imported only by `llm.ollama` and, lazily, where an Ollama backend is built.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import ollama

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
    "Start it with `ollama serve` (install: https://ollama.com/download), or use a server that"
    " is running."
)
EMBED_HINT = (
    "Set embedding_model (or BRAINSTORM_EMBEDDING_MODEL) to an embedding model such as"
    ' nomic-embed-text, or use duplicates = "text".'
)
RETRY_HINT = "Try again; if it keeps happening, look at the Ollama server's log."
# What Ollama answers when /api/pull cannot find the name in the registry.
_PULL_UNKNOWN = "file does not exist"
# Go's network errors, as they appear when Ollama cannot reach registry.ollama.ai.
_REGISTRY_UNREACHABLE = ("dial tcp", "no such host", "i/o timeout", "TLS handshake timeout")


def translate(
    exc: BaseException,
    *,
    host: str,
    secrets: Sequence[str] = (),
    model: str | None = None,
    activity: str | None = None,
    partial: bool = False,
) -> BackendError:
    """One person-readable error for whatever the client or httpx raised, with no secret
    in it (a server's message may quote the credentials or key it was sent).

    `activity` names the stream that was being read ("the reply from 'm'"), None for plain
    calls; `partial` says whether some of that stream had already arrived.
    """
    error = _explain(exc, host=host, model=model, activity=activity, partial=partial)
    error.message = scrub(error.message, secrets)
    error.hint = scrub(error.hint, secrets) if error.hint else error.hint
    return error


def _explain(
    exc: BaseException,
    *,
    host: str,
    model: str | None,
    activity: str | None,
    partial: bool,
) -> BackendError:
    if isinstance(exc, BackendError):
        return exc
    # Refused / unreachable. The client wraps ConnectError in the built-in ConnectionError
    # for plain calls only; streams let httpx's error through. A connect timeout is an
    # httpx.TimeoutException, not a ConnectError, so it is named too.
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | ConnectionError):
        return BackendUnavailable(f"Cannot reach Ollama at {host}.", START_HINT, fixes=(Fix.HOST,))
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return BackendUnavailable(
            f"Cannot reach Ollama at {host}: that is not an http(s) address.",
            "Use the server's address, e.g. `http://127.0.0.1:11434`.",
            fixes=(Fix.HOST,),
        )
    if isinstance(exc, ollama.ResponseError):
        return _translate_response(exc, host, model, activity)
    if isinstance(exc, httpx.TimeoutException):
        return StreamInterrupted(
            f"Ollama at {host} sent nothing for longer than the time-out during "
            f"{activity or 'a request'}.",
            "Try again, or allow a longer time-out; a model that is loading can be slow.",
        )
    if isinstance(exc, httpx.TransportError):
        # RemoteProtocolError, ReadError, WriteError…: the connection broke.
        if activity is not None:
            where = "mid-way through" if partial else "at the start of"
            return StreamInterrupted(
                f"The connection to Ollama at {host} broke {where} {activity}.",
                "Check that Ollama is still running (it may have crashed or restarted), "
                "then try again.",
            )
        return BackendUnavailable(
            f"The connection to Ollama at {host} broke ({type(exc).__name__}).",
            "Check that Ollama is still running, then try again.",
        )
    if isinstance(exc, ValueError):
        # json.JSONDecodeError and pydantic.ValidationError: a body that is not Ollama's.
        return ServerError(
            f"The server at {host} does not answer like Ollama.",
            "Is that address really an Ollama server?",
            fixes=(Fix.HOST,),
        )
    if isinstance(exc, httpx.HTTPError):
        return ServerError(f"Talking to Ollama at {host} failed: {exc}.", RETRY_HINT)
    return ServerError(
        f"Unexpected failure talking to Ollama at {host}: {type(exc).__name__}: {exc}.",
        RETRY_HINT,
    )


def _translate_response(
    exc: ollama.ResponseError, host: str, model: str | None, activity: str | None
) -> BackendError:
    status = exc.status_code
    detail = str(exc.error).strip().rstrip(".")
    if status == -1:
        # An {"error": ...} line inside a 200 stream: it failed after it had begun.
        return ServerError(
            f"Ollama at {host} reported an error during {activity or 'a request'}: {detail}.",
            RETRY_HINT,
        )
    if status == 404 and model and "not found" in detail and "page not found" not in detail:
        return ModelNotFound(
            model,
            f"Model '{model}' is not pulled on Ollama at {host}.",
            f"Pull it with `ollama pull {model}`.",
            fixes=(Fix.PULL,),
        )
    if status == 404:
        return ServerError(
            f"The server at {host} has no such endpoint ({detail}).",
            "Check the server's address, and update Ollama if it is old "
            "(https://ollama.com/download).",
            status=status,
            fixes=(Fix.HOST,),
        )
    if status == 503:
        return ServerError(
            f"Ollama at {host} is busy ({detail}).",
            "Wait a moment and try again, or send fewer requests at once.",
            status=status,
            fixes=(Fix.CONCURRENCY,),
        )
    if status == 400:
        return ServerError(
            f"Ollama at {host} rejected the request: {detail}.",
            "Check the model name and options; an older Ollama may not support them.",
            status=status,
        )
    if status in (401, 403):
        return ServerError(
            f"Ollama at {host} refused access ({status}: {detail}).",
            "Check OLLAMA_API_KEY, or any proxy in front of the server.",
            status=status,
        )
    return ServerError(
        f"Ollama at {host} failed with status {status}: {detail}.", RETRY_HINT, status=status
    )


def pull_error(
    exc: Exception, *, host: str, secrets: Sequence[str] = (), model: str
) -> BackendError:
    """The error for a pull that failed while its progress was being read: an unknown name, a
    server that cannot reach the registry, else as `translate` says."""
    detail = str(exc.error) if isinstance(exc, ollama.ResponseError) else ""
    if _PULL_UNKNOWN in detail:
        return ModelNotFound(
            model,
            f"The Ollama library has no model called '{model}'.",
            "Check the name and tag at https://ollama.com/library.",
        )
    error = translate(
        exc, host=host, secrets=secrets, model=model, activity=f"the pull of '{model}'"
    )
    if any(sign in detail for sign in _REGISTRY_UNREACHABLE):
        error.hint = (
            "Ollama could not reach the model registry: check the server's internet "
            "connection (and any proxy), then run the pull again."
        )
    return error
