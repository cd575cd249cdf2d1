"""The Ollama backend, built on the official client's `ollama.AsyncClient`.

The calls (list, ps, chat stream, pull, embed) and where the client is built from a host; every
failure leaves as one of the errors in `base`, worded by `ollama_errors` — never as an httpx or
ollama exception.

This module imports `ollama` (and with it httpx and pydantic) at the top, so other modules
import it lazily, only when an Ollama backend is actually built.
"""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any

import httpx
import ollama

from brainstorm.events import GenerationStats
from brainstorm.llm.base import (
    BackendError,
    BackendUnavailable,
    ChatRequest,
    Chunk,
    ClosedOnExit,
    Fix,
    ModelInfo,
    ModelNotFound,
    PullProgress,
    ServerError,
    StreamInterrupted,
)
from brainstorm.llm.ollama_errors import EMBED_HINT, RETRY_HINT, pull_error, translate
from brainstorm.llm.urls import basic_auth, credentials, redact

# Without a timeout the client waits forever. Reads stay unlimited (loading a large model or a
# long generation can take minutes), but a host that silently drops packets must not hang the
# app: connecting gets a bound.
CONNECT_TIMEOUT = 10.0

# Texts per /api/embed request: large enough to be quick, small enough for any server.
EMBED_BATCH = 128


def resolve_host(host: str | None = None) -> str:
    """The URL the `ollama` client will talk to: `host`, else OLLAMA_HOST, else the default.

    Same rules as the client (`ollama._client._parse_host`), reimplemented because that
    function is private: `':5000'` → `http://127.0.0.1:5000`, `'h:p'` → `http://h:p`, a bare
    host gets port 11434, `http://h` gets 80 and `https://h` 443, a path is kept.
    Raises ValueError for text that is not an address.
    """
    text = (host or os.environ.get("OLLAMA_HOST") or "").strip()
    port = 11434
    scheme, _, hostport = text.partition("://")
    if not hostport:
        scheme, hostport = "http", text
    elif scheme == "http":
        port = 80
    elif scheme == "https":
        port = 443

    split = urllib.parse.urlsplit(f"{scheme}://{hostport}")
    name = split.hostname or "127.0.0.1"
    port = split.port or port  # .port raises ValueError for a port out of range
    try:
        if isinstance(ipaddress.ip_address(name), ipaddress.IPv6Address):
            name = f"[{name}]"  # urlsplit drops the brackets IPv6 needs in a URL
    except ValueError:
        pass
    if path := split.path.strip("/"):
        return f"{scheme}://{name}:{port}/{path}"
    return f"{scheme}://{name}:{port}"


class OllamaBackend(ClosedOnExit):
    """A `Backend` served by Ollama over HTTP.

    `host` as for the ollama CLI (None: OLLAMA_HOST, else http://127.0.0.1:11434); `timeout`
    in seconds for every read/write/connect (None: connecting is bounded by CONNECT_TIMEOUT,
    reading is not, because generation can legitimately take minutes).

    Streams are lazy: nothing is sent until the first iteration, so errors appear there.
    Cancelling — closing the stream (`aclose()`) or cancelling the task iterating it —
    closes the HTTP response, and Ollama stops generating when its client goes away.
    """

    name = "ollama"

    def __init__(self, host: str | None = None, timeout: float | None = None) -> None:
        given = host or os.environ.get("OLLAMA_HOST") or ""
        try:
            self._host = resolve_host(host)  # without any credentials: safe to show
        except ValueError:
            raise BackendUnavailable(
                f"{redact(given)!r} is not a valid Ollama address.",
                "Use a form like `127.0.0.1:11434` or `http://host:11434`.",
                fixes=(Fix.HOST,),
            ) from None
        # Credentials in the URL go as HTTP basic auth (a proxy in front of Ollama); the
        # client reads OLLAMA_API_KEY itself. A server may echo either back: `scrub` them.
        self._secrets = [*credentials(given), os.environ.get("OLLAMA_API_KEY", "")]
        login = basic_auth(given)
        http_timeout = httpx.Timeout(None, connect=CONNECT_TIMEOUT) if timeout is None else timeout
        # The resolved URL is passed on, so `location` is exactly where requests go.
        self._client = ollama.AsyncClient(
            host=self._host,
            timeout=http_timeout,
            auth=httpx.BasicAuth(*login) if login else None,
        )

    @property
    def location(self) -> str:
        return self._host

    def __repr__(self) -> str:
        return f"OllamaBackend({self._host!r})"

    async def aclose(self) -> None:
        # ollama's close() carries no annotations; it only awaits httpx's aclose().
        await self._client.close()  # type: ignore[no-untyped-call]

    def _translate(
        self,
        exc: BaseException,
        *,
        model: str | None = None,
        activity: str | None = None,
        partial: bool = False,
    ) -> BackendError:
        """`ollama_errors.translate` for this host, scrubbing this backend's secrets."""
        return translate(
            exc,
            host=self._host,
            secrets=self._secrets,
            model=model,
            activity=activity,
            partial=partial,
        )

    # -- calls --------------------------------------------------------------------------------

    async def list_models(self) -> list[ModelInfo]:
        """The models pulled on the server, in the server's order."""
        try:
            response = await self._client.list()
        except Exception as exc:
            raise self._translate(exc) from None
        models: list[ModelInfo] = []
        for entry in response.models:
            if not entry.model:
                continue
            details = entry.details
            models.append(
                ModelInfo(
                    name=entry.model,
                    size=int(entry.size) if entry.size is not None else None,
                    parameter_size=(details.parameter_size or None) if details else None,
                    quantization=(details.quantization_level or None) if details else None,
                    family=(details.family or None) if details else None,
                )
            )
        return models

    async def loaded_models(self) -> list[str]:
        """The models the server has in memory now (`/api/ps`), so a model can be kept on the
        host that already has it loaded."""
        try:
            response = await self._client.ps()
        except Exception as exc:
            raise self._translate(exc) from None
        return [entry.model or entry.name or "" for entry in response.models if entry.model]

    async def stream_chat(self, request: ChatRequest) -> AsyncGenerator[Chunk, None]:
        """Stream the reply to `request` as text chunks; the last has `done=True` and stats.

        `request.options` go to Ollama unchanged (temperature, seed, num_ctx, num_predict…);
        `request.format`, a JSON schema, asks for structured output matching it.

        On failure this raises a `BackendError`. Chunks yielded before the failure are not
        repeated: keeping the partial text (e.g. as an incomplete draft) is the caller's job,
        since only the caller accumulates the chunks.
        """
        if not request.model.strip():
            raise ModelNotFound(
                request.model,
                "No model was chosen.",
                "Choose one of the models pulled on the server.",
            )
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        try:
            stream = await self._client.chat(
                model=request.model,
                messages=messages,
                stream=True,
                format=request.format or None,
                options=dict(request.options) or None,
            )
        except Exception as exc:
            raise self._translate(exc, model=request.model) from None

        final: Chunk | None = None
        got_text = False
        try:
            async for part in stream:
                text = part.message.content or ""
                if part.done:
                    # Held back, not yielded yet: Ollama ends the response right after this
                    # line, and reading on to that end lets httpx keep the connection for
                    # the next request instead of closing it half-read.
                    final = Chunk(text=text, done=True, stats=_stats(part), host=self._host)
                elif text:
                    got_text = True
                    yield Chunk(text=text, host=self._host)
        except Exception as exc:
            # GeneratorExit and CancelledError are BaseExceptions: a cancel is not a failure
            # and passes through untouched (after the `finally` below closes the request).
            if final is None:
                raise self._translate(
                    exc,
                    model=request.model,
                    activity=f"the reply from '{request.model}'",
                    partial=got_text,
                ) from None
            # The reply and its stats were complete; losing the empty rest changes nothing.
        finally:
            # Closing the client's generator exits its `async with client.stream(...)`, which
            # closes the response and its connection: that is what tells Ollama to stop. Left
            # to the garbage collector, the request would keep running after a cancel.
            await _close(stream)
        if final is None:
            raise StreamInterrupted(
                f"The reply from '{request.model}' at {self._host} ended without "
                "Ollama's closing summary, so it may be incomplete.",
                RETRY_HINT,
            )
        yield final

    async def pull(self, model: str) -> AsyncGenerator[PullProgress, None]:
        """Download `model` onto the server, yielding Ollama's progress lines as they come.

        The last item has status "success". Closing the stream abandons the download
        (Ollama keeps the blobs it already has, so a later pull resumes).
        """
        if not model.strip():
            raise ModelNotFound(
                model, "No model name was given to pull.", "Name one, e.g. `llama3.2`."
            )
        try:
            stream = await self._client.pull(model, stream=True)
        except Exception as exc:
            raise self._translate(exc, model=model) from None
        succeeded = False
        try:
            async for part in stream:
                status = part.status or ""
                succeeded = succeeded or status == "success"
                yield PullProgress(
                    status=status,
                    total=part.total,
                    completed=part.completed,
                    digest=part.digest or None,
                )
        except Exception as exc:
            if succeeded:
                return  # "success" arrived; a failure while reading the empty rest is moot
            raise pull_error(exc, host=self._host, secrets=self._secrets, model=model) from None
        finally:
            await _close(stream)
        if not succeeded:
            raise StreamInterrupted(
                f"Pulling '{model}' from {self._host} stopped before it finished.",
                "Run the pull again; Ollama resumes where it stopped.",
            )

    async def embed(self, model: str, texts: Sequence[str]) -> list[list[float]]:
        """Embedding vectors of `texts` from `model` (an embedding model such as
        nomic-embed-text), one per text, in order. Sent `EMBED_BATCH` texts per request.

        Raises `ModelNotFound` when the model is not pulled, `ServerError` when it cannot
        embed (a chat-only model) or the answer does not hold one vector per text."""
        if not model.strip():
            raise ModelNotFound(model, "No embedding model was chosen.", EMBED_HINT)
        vectors: list[list[float]] = []
        for start in range(0, len(texts), EMBED_BATCH):
            part = list(texts[start : start + EMBED_BATCH])
            try:
                response = await self._client.embed(model=model, input=part)
            except Exception as exc:
                error = self._translate(exc, model=model)
                if isinstance(error, ModelNotFound):
                    error.hint = f"Pull it with `ollama pull {model}`. {EMBED_HINT}"
                    error.fixes = (Fix.PULL,)
                raise error from None
            got = [[float(x) for x in vector] for vector in response.embeddings]
            if len(got) != len(part) or any(not v or len(v) != len(got[0]) for v in got):
                raise ServerError(
                    f"Ollama at {self._host} did not return one embedding per text from '{model}'.",
                    f"Is '{model}' an embedding model? {EMBED_HINT}",
                )
            vectors.extend(got)
        return vectors


async def _close(stream: AsyncIterator[Any]) -> None:
    # The client types its streams as AsyncIterator; they are async generators, whose
    # aclose() runs the client's `async with` exit and so closes the HTTP response.
    if isinstance(stream, AsyncGenerator):
        await stream.aclose()


def _stats(part: ollama.ChatResponse) -> GenerationStats:
    return GenerationStats(
        total_duration=part.total_duration,
        load_duration=part.load_duration,
        prompt_eval_count=part.prompt_eval_count,
        prompt_eval_duration=part.prompt_eval_duration,
        eval_count=part.eval_count,
        eval_duration=part.eval_duration,
        done_reason=part.done_reason,
    )


__all__ = ["CONNECT_TIMEOUT", "OllamaBackend", "resolve_host"]
