"""The OpenAI-compatible backend: llama.cpp's server, vLLM, LM Studio, a LiteLLM proxy… through
the official `openai` client (`AsyncOpenAI`), pointed at the server's base URL (`--host`).

What differs from Ollama, and how it is handled here:
- Options: only those the API has a field for are sent (`openai_request`); the rest (num_ctx,
  top_k, …) would be dropped by the server without a word, so they are not sent and
  `sent_options` says which, for a warning and for recording what was really sent.
- Structured output: `response_format` of type `json_schema` (vLLM, LM Studio, recent
  servers), else `json_object` with a `schema` (llama-cpp-python 0.3.x answers `json_schema`
  with an error), else plain text, split into ideas, with a note. The first form the server
  accepts is remembered for the life of the backend.
- Token counts come with `stream_options.include_usage`; a server that refuses that field is
  asked again without it (and never again), and its replies have no counts.
- Unknown models: some servers (llama.cpp's) answer with their default model instead of an
  error, so a model is checked against `/v1/models` before its first use.
- Secrets: the API key (OPENAI_API_KEY) and credentials in the base URL are sent, never shown:
  `location`, every message and every note name the server without them.

This module imports `openai` at the top; `brainstorm.llm` imports it only when the backend is
built, so `brainstorm --help` and the core never load the client.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any, cast

import openai

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
from brainstorm.llm.openai_errors import (
    RETRY_HINT,
    Context,
    model_not_found,
    translate,
)
from brainstorm.llm.openai_request import (
    StructuredMode,
    request_body,
    sent_options,
    step_down,
)
from brainstorm.llm.urls import credentials, openai_base_url, redact

# Connecting gets a bound; reading does not (a loading model or a long reply takes minutes).
CONNECT_TIMEOUT = 10.0
# The client insists on a key; servers started without one ignore whatever is sent.
NO_KEY = "no-key-set"
EMBED_HINT = (
    "Set embedding_model (or BRAINSTORM_EMBEDDING_MODEL) to a model the server serves for"
    ' embeddings, or use duplicates = "text".'
)
EMBED_BATCH = 128
INTERRUPTED_HINT = (
    f"{RETRY_HINT} llama.cpp's Python server cuts a reply short when another request arrives"
    " unless it runs with --interrupt_requests False."
)


class OpenAICompatBackend(ClosedOnExit):
    """A `Backend` (and `Embedder`) served by any OpenAI-compatible server over HTTP.

    `host`: the base URL (`http://127.0.0.1:8000/v1`; see `urls.openai_base_url`); `timeout`
    in seconds for connecting and each read (None: connecting waits CONNECT_TIMEOUT, reading
    has no limit); `api_key`: None reads OPENAI_API_KEY. No retries: a failure is reported at
    once, as with Ollama.

    Cancelling — closing the stream or cancelling the task reading it — closes the HTTP
    response; servers stop generating when their client goes away.
    """

    name = "openai"

    def __init__(
        self, host: str | None = None, timeout: float | None = None, api_key: str | None = None
    ) -> None:
        try:
            self._base_url = openai_base_url(host)
        except ValueError:
            given = redact(host or os.environ.get("OPENAI_BASE_URL") or "")
            raise BackendUnavailable(
                f"{given!r} is not a valid base URL for an OpenAI-compatible server.",
                "Use a form like http://127.0.0.1:8000/v1.",
                fixes=(Fix.HOST,),
            ) from None
        key = os.environ.get("OPENAI_API_KEY", "") if api_key is None else api_key
        in_url = credentials(self._base_url)
        self._context = Context(
            location=redact(self._base_url),
            key_given=bool(key),
            secrets=(*((key,) if key else ()), *in_url),
            basic_auth=bool(in_url),
        )
        self._client = openai.AsyncOpenAI(
            base_url=self._base_url,
            api_key=key or NO_KEY,
            timeout=openai.Timeout(None, connect=CONNECT_TIMEOUT) if timeout is None else timeout,
            max_retries=0,
        )
        self._structured: StructuredMode = "json_schema"
        self._ask_usage = True
        self._served: set[str] = set()
        self._models_lock = asyncio.Lock()
        self._notes: list[str] = []

    @property
    def location(self) -> str:
        """The base URL without credentials: the only form of it that is ever shown."""
        return self._context.location

    @property
    def structured_mode(self) -> StructuredMode:
        """How structured output is asked for now (see the module docstring)."""
        return self._structured

    def __repr__(self) -> str:
        return f"OpenAICompatBackend({self.location!r})"

    async def aclose(self) -> None:
        await self._client.close()

    # -- what is sent -------------------------------------------------------------------------

    def sent_options(self, options: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """`openai_request.sent_options`: the options that are sent, and the names of those
        that are not."""
        return sent_options(options)

    def options_note(self, options: Mapping[str, Any]) -> str | None:
        """One line naming the options that are not sent (None when all are)."""
        _, dropped = self.sent_options(options)
        if not dropped:
            return None
        return (
            "not sent to the OpenAI-compatible server (the API has no field for them): "
            + ", ".join(dropped)
        )

    def take_notes(self) -> list[str]:
        """What this backend learned about the server that a person should know (e.g. it
        cannot do structured output), each said once: returned once, then forgotten."""
        notes, self._notes = self._notes, []
        return notes

    # -- calls --------------------------------------------------------------------------------

    async def list_models(self) -> list[ModelInfo]:
        """The models the server serves (`/v1/models`), in its order."""
        ids = await self._model_ids()
        return [ModelInfo(name=name) for name in ids]

    async def stream_chat(self, request: ChatRequest) -> AsyncGenerator[Chunk, None]:
        """Stream the reply to `request`; the last chunk has `done=True` and the stats
        (`done_reason` is the server's finish_reason: "length" means it was cut off).

        On failure this raises a `BackendError`; chunks already yielded are not repeated
        (keeping them is the caller's job, as with Ollama)."""
        model = request.model
        if not model.strip():
            raise ModelNotFound(
                model,
                "No model was chosen.",
                "Choose one of the models the server serves.",
            )
        await self._check_model(model)
        activity = f"the reply from '{model}'"
        started = time.perf_counter_ns()
        stream = await self._open_stream(request)
        finish: str | None = None
        usage: Any = None
        first: int | None = None
        try:
            async for part in stream:
                if part.usage is not None:
                    usage = part.usage
                for choice in part.choices:
                    if choice.index != 0:
                        continue
                    text = choice.delta.content if choice.delta is not None else None
                    if text:
                        first = first or time.perf_counter_ns()
                        yield Chunk(text=text, host=self.location)
                    if choice.finish_reason:
                        finish = str(choice.finish_reason)
        except Exception as exc:
            # A cancel (CancelledError, GeneratorExit) is not a failure: it passes through,
            # after `finally` has closed the response.
            raise translate(
                exc, self._context, model=model, activity=activity, partial=first is not None
            ) from None
        finally:
            await stream.close()
        if finish is None:
            raise StreamInterrupted(
                f"The reply from '{model}' at {self.location} ended before the server said it"
                " was finished, so it may be incomplete.",
                INTERRUPTED_HINT,
            )
        done = time.perf_counter_ns()
        stats = _stats(finish, usage, started, first, done)
        yield Chunk(text="", done=True, stats=stats, host=self.location)

    async def pull(self, model: str) -> AsyncGenerator[PullProgress, None]:
        """Not something the API offers: models are installed on the server itself."""
        raise BackendError(
            f"Pulling models is not supported on this backend (the OpenAI-compatible server"
            f" at {self.location}); '{model}' has to be installed on the server itself.",
            "The model list shows what it serves.",
            fixes=(Fix.MODEL,),
        )
        yield  # pragma: no cover - makes this an async generator, like the other backends'

    async def embed(self, model: str, texts: Sequence[str]) -> list[list[float]]:
        """Embedding vectors of `texts` from `model` (`/v1/embeddings`), one per text, in
        order; `EMBED_BATCH` texts per request."""
        if not model.strip():
            raise ModelNotFound(model, "No embedding model was chosen.", EMBED_HINT)
        if not texts:
            return []
        try:
            await self._check_model(model)
        except ModelNotFound as missing:
            missing.hint = f"{missing.hint} {EMBED_HINT}"
            raise
        vectors: list[list[float]] = []
        for start in range(0, len(texts), EMBED_BATCH):
            part = list(texts[start : start + EMBED_BATCH])
            try:
                response = await self._client.embeddings.create(
                    model=model, input=part, encoding_format="float"
                )
            except Exception as exc:
                error = translate(exc, self._context, model=model)
                if isinstance(error, ModelNotFound | ServerError):
                    error.hint = f"Is '{model}' served for embeddings? {EMBED_HINT}"
                raise error from None
            ordered = sorted(response.data, key=lambda item: item.index)
            got = [[float(x) for x in item.embedding] for item in ordered]
            if len(got) != len(part) or any(not v or len(v) != len(got[0]) for v in got):
                raise ServerError(
                    f"The OpenAI-compatible server at {self.location} did not return one"
                    f" embedding per text from '{model}'.",
                    f"Is '{model}' an embedding model? {EMBED_HINT}",
                )
            vectors.extend(got)
        return vectors

    # -- helpers ------------------------------------------------------------------------------

    async def _model_ids(self) -> list[str]:
        try:
            return [entry.id async for entry in self._client.models.list()]
        except Exception as exc:
            raise translate(exc, self._context) from None

    async def _check_model(self, model: str) -> None:
        """Raise `ModelNotFound` unless the server lists `model`. A server whose list is empty
        or that has no list (404) is left to judge for itself."""
        if model in self._served:
            return
        async with self._models_lock:
            if model in self._served:
                return
            try:
                served = await self._model_ids()
            except ServerError as problem:
                if problem.status in (404, 405):
                    self._served.add(model)  # no model list here: do not ask again
                    return
                raise
            self._served.update(served)
        if served and model not in self._served:
            raise model_not_found(model, self.location, served)

    async def _open_stream(self, request: ChatRequest) -> Any:
        """Send the request, stepping down what the server refuses (structured output form,
        usage) until it accepts; what worked is kept for later requests."""
        mode, usage = self._structured, self._ask_usage
        messages = cast(Any, [{"role": m.role, "content": m.content} for m in request.messages])
        while True:
            body, structured = request_body(request, mode, usage)
            try:
                stream = await self._client.chat.completions.create(
                    model=request.model, messages=messages, stream=True, extra_body=body
                )
            except openai.APIStatusError as exc:
                step = step_down(exc, body, mode, usage)
                if step is None:
                    raise translate(exc, self._context, model=request.model) from None
                mode, usage = step
                continue
            except Exception as exc:
                raise translate(exc, self._context, model=request.model) from None
            break
        if request.format is not None and not structured and self._structured != "plain":
            self._notes.append(
                f"The OpenAI-compatible server at {self.location} does not accept structured"
                " output (response_format), so ideas are split from its plain replies."
            )
        if request.format is not None:
            self._structured = mode
        self._ask_usage = usage
        return stream


def _stats(finish: str, usage: Any, started: int, first: int | None, done: int) -> GenerationStats:
    """The final chunk's figures. Durations are measured here, from sending the request
    (servers do not report them); token counts come from the server's usage, when sent."""
    prompt_tokens = getattr(usage, "prompt_tokens", None)
    completion_tokens = getattr(usage, "completion_tokens", None)
    return GenerationStats(
        total_duration=done - started,
        prompt_eval_count=prompt_tokens if isinstance(prompt_tokens, int) else None,
        prompt_eval_duration=(first - started) if first is not None else None,
        eval_count=completion_tokens if isinstance(completion_tokens, int) else None,
        eval_duration=(done - first) if first is not None else None,
        done_reason=finish,
    )


__all__ = ["CONNECT_TIMEOUT", "OpenAICompatBackend"]
