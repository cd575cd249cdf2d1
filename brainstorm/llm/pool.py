"""Several Ollama hosts as one backend: each reply goes to the least busy host that has its
model, within a per-host limit, and a host that fails is set aside for a while.

This is routing over the handful of hosts a person listed (`--host a --host b`), not a
scheduler: beyond a few hosts, people put vLLM or a LiteLLM proxy in front of their servers
and use the OpenAI-compatible backend.

How a host is chosen for a reply (`HostPool.stream_chat`):
- Each host's models are asked once (`/api/tags`), with the models it has loaded
  (`/api/ps`); a host that did not answer is asked again when its cool-down ends.
- Among the hosts that are up and have the model, one with a free slot (fewer replies in
  flight than `per_host`) is taken: one that has the model loaded first (Ollama would
  otherwise load it again, perhaps evicting another), then the least busy, then the first
  listed. When all are full, the reply waits for a slot.
- A host that cannot be reached, breaks off a reply, or answers with a server error is set
  aside for `cooldown` seconds; its replies go to the others. When no host with the model is
  up, the one set aside longest ago is tried anyway (the reply fails at once if it is still
  down, as with one host).

Retrying is not done here: the failed reply is recorded where the session is written
(`generate`), which asks `retry_elsewhere` whether another host can take it. Each chunk of a
reply, and the error that ends one, names the host (`Chunk.host`, `BackendError.host`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field, replace

from brainstorm.llm import DEFAULT_PER_HOST
from brainstorm.llm.base import (
    BackendError,
    BackendUnavailable,
    ChatRequest,
    Chunk,
    ClosedOnExit,
    Fix,
    HostStatus,
    ModelInfo,
    ModelNotFound,
    PullProgress,
    ServerError,
    StreamInterrupted,
)
from brainstorm.llm.ollama import OllamaBackend
from brainstorm.llm.ollama_errors import EMBED_HINT, START_HINT

#: Seconds a failed host is left alone before it is asked again.
COOLDOWN_SECONDS = 30.0


def model_key(name: str) -> str:
    """Ollama stores `llama3.2` as `llama3.2:latest`: both names find the same model."""
    name = name.strip()
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"


def host_failure(error: BackendError) -> bool:
    """Whether `error` says the host is in trouble (unreachable, cut off a reply, failed on
    its side), as opposed to the request (bad options, no access) or the model."""
    if isinstance(error, BackendUnavailable | StreamInterrupted):
        return True
    if isinstance(error, ServerError):
        return error.status is None or error.status < 0 or error.status >= 500
    return False


@dataclass
class _Host:
    backend: OllamaBackend
    index: int
    limit: int
    busy: int = 0
    models: list[ModelInfo] | None = None  # None: not known (never asked, or it failed)
    loaded: set[str] = field(default_factory=set)
    down_until: float | None = None
    problem: BackendError | None = None
    asking: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def label(self) -> str:
        return self.backend.location

    def has(self, model: str) -> bool:
        return self.models is not None and any(model_key(m.name) == model for m in self.models)

    def cooling(self, now: float) -> bool:
        return self.down_until is not None and now < self.down_until


class HostPool(ClosedOnExit):
    """A `Backend` (and `Embedder`) over several Ollama hosts; see the module docstring.

    `hosts` as for `--host` (each resolved like OLLAMA_HOST; repeats dropped); `per_host`:
    replies in flight per host; `cooldown`: seconds a failed host is set aside; `clock`:
    for tests of the cool-down."""

    name = "ollama"

    def __init__(
        self,
        hosts: Sequence[str],
        *,
        per_host: int = DEFAULT_PER_HOST,
        timeout: float | None = None,
        cooldown: float = COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_host < 1:
            raise ValueError("per_host must be at least 1")
        backends: dict[str, OllamaBackend] = {}
        for host in hosts:
            backend = OllamaBackend(host, timeout=timeout)
            backends.setdefault(backend.location, backend)
        if not backends:
            raise ValueError("a host pool needs at least one host")
        self._hosts = [
            _Host(backend, index, per_host) for index, backend in enumerate(backends.values())
        ]
        self.per_host = per_host
        self.cooldown = cooldown
        self._clock = clock
        self._checked = False
        self._checking = asyncio.Lock()
        self._waiters: list[asyncio.Future[None]] = []
        self._notes: list[str] = []

    # -- what people see ----------------------------------------------------------------------

    @property
    def location(self) -> str:
        return ", ".join(host.label for host in self._hosts)

    @property
    def hosts(self) -> list[str]:
        return [host.label for host in self._hosts]

    @property
    def capacity(self) -> int:
        """Replies that can be in flight at once over all hosts."""
        return self.per_host * len(self._hosts)

    def __repr__(self) -> str:
        return f"HostPool({self.hosts!r}, per_host={self.per_host})"

    def status(self) -> list[HostStatus]:
        """Every host as last seen, in the order given."""
        now = self._clock()
        statuses: list[HostStatus] = []
        for host in self._hosts:
            aside = host.cooling(now)
            up = False if aside else (None if host.models is None else True)
            statuses.append(
                HostStatus(
                    host=host.label,
                    up=up,
                    models=tuple(host.models or ()),
                    loaded=tuple(sorted(host.loaded)),
                    busy=host.busy,
                    limit=host.limit,
                    problem=host.problem.message if aside and host.problem else None,
                )
            )
        return statuses

    def take_notes(self) -> list[str]:
        """Hosts set aside since the last call, each said once (for a status line)."""
        notes, self._notes = self._notes, []
        return notes

    # -- lifecycle ----------------------------------------------------------------------------

    async def aclose(self) -> None:
        for host in self._hosts:
            await host.backend.aclose()

    # -- asking the hosts ---------------------------------------------------------------------

    async def check(self) -> list[HostStatus]:
        """Ask every host for its models (and the loaded ones) now, all at once."""
        await asyncio.gather(*(self._ask(host) for host in self._hosts))
        self._checked = True
        self._wake()
        return self.status()

    async def _ask(self, host: _Host, *, if_due: bool = False) -> None:
        async with host.asking:
            if if_due and (host.down_until is None or host.cooling(self._clock())):
                return  # asked meanwhile, by another reply waiting for this host
            try:
                models = await host.backend.list_models()
            except BackendError as problem:
                self._set_aside(host, problem)
                return
            try:
                loaded = {model_key(name) for name in await host.backend.loaded_models()}
            except BackendError:
                loaded = set()  # an older server without /api/ps: nothing known loaded
            host.models, host.loaded = models, loaded
            host.down_until, host.problem = None, None

    async def _ensure_checked(self) -> None:
        if self._checked:
            return
        async with self._checking:
            if not self._checked:
                await self.check()

    async def list_models(self) -> list[ModelInfo]:
        """Every model some host that is up has (first host's first), asking all hosts again.
        Raises `BackendUnavailable` when no host answers."""
        await self.check()
        models: dict[str, ModelInfo] = {}
        for host in self._hosts:
            for info in host.models or ():
                models.setdefault(model_key(info.name), info)
        if all(host.models is None for host in self._hosts):
            reasons = "; ".join(
                f"{host.label}: {host.problem.message if host.problem else 'no answer'}"
                for host in self._hosts
            )
            raise BackendUnavailable(
                f"None of the {len(self._hosts)} Ollama hosts answers ({reasons}).",
                START_HINT,
                fixes=(Fix.HOST,),
            )
        return list(models.values())

    # -- routing ------------------------------------------------------------------------------

    async def _acquire(self, model: str) -> _Host:
        """A slot on the host that should write a reply of `model` (waiting for one when
        the hosts with it are all full). Raises `ModelNotFound` when no host has it."""
        await self._ensure_checked()
        key = model_key(model)
        while True:
            await self._ask_recovered()
            host = self._choose(key, model)
            if host is not None:
                host.busy += 1
                return host
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    async def _ask_recovered(self) -> None:
        """Hosts whose cool-down is over are asked again before a reply goes to them."""
        now = self._clock()
        due = [h for h in self._hosts if h.down_until is not None and not h.cooling(now)]
        if due:
            await asyncio.gather(*(self._ask(host, if_due=True) for host in due))

    def _choose(self, key: str, model: str) -> _Host | None:
        """The host for a reply of model `key`, or None: wait for a slot."""
        now = self._clock()
        having = [h for h in self._hosts if h.has(key) and not h.cooling(now)]
        if having:
            free = [h for h in having if h.busy < h.limit]
            if not free:
                return None
            return min(free, key=lambda h: (key not in h.loaded, h.busy, h.index))
        # No host that is up has it: one set aside may (or may not be known to). Try the
        # one whose cool-down ends first; if it is still down, the reply fails at once.
        aside = [h for h in self._hosts if h.cooling(now) and (h.models is None or h.has(key))]
        if aside:
            free = [h for h in aside if h.busy < h.limit]
            if not free:
                return None
            return min(free, key=lambda h: (h.down_until or 0.0, h.index))
        raise ModelNotFound(
            model,
            f"Model '{model}' is not pulled on any of the Ollama hosts ({self.location}).",
            "Pull it onto them (a pull here goes to every host that lacks it), or choose"
            " another model.",
            fixes=(Fix.PULL, Fix.MODEL),
        )

    def _release(self, host: _Host) -> None:
        host.busy -= 1
        self._wake()

    def _wake(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _set_aside(self, host: _Host, problem: BackendError) -> None:
        was_up = not host.cooling(self._clock())
        host.down_until = self._clock() + self.cooldown
        host.problem = problem
        if was_up:
            self._notes.append(
                f"Ollama at {host.label} failed ({problem.message.rstrip('.')}); it is set"
                f" aside for {self.cooldown:g} s and its prompts go to the other hosts."
            )
        self._wake()

    def _failed(self, host: _Host, error: BackendError, model: str) -> None:
        if isinstance(error, ModelNotFound) and host.models is not None:
            host.models = [m for m in host.models if model_key(m.name) != model_key(model)]
            self._wake()
        elif host_failure(error):
            self._set_aside(host, error)

    def retry_elsewhere(self, request: ChatRequest, error: BackendError) -> bool:
        """Whether a reply that ended with `error` can go again to another host: the host
        failed (or lacked the model), and another one that is up has the model."""
        if not (host_failure(error) or isinstance(error, ModelNotFound)):
            return False
        key = model_key(request.model)
        now = self._clock()
        return any(h.label != error.host and h.has(key) and not h.cooling(now) for h in self._hosts)

    # -- the backend protocol -----------------------------------------------------------------

    async def stream_chat(self, request: ChatRequest) -> AsyncGenerator[Chunk, None]:
        """The reply from the host chosen for it (see the module docstring). Every chunk
        names that host; so does the error that ends a failed reply."""
        host = await self._acquire(request.model)
        try:
            async for chunk in host.backend.stream_chat(request):
                yield chunk if chunk.host == host.label else replace(chunk, host=host.label)
            host.loaded.add(model_key(request.model))
        except BackendError as error:
            self._failed(host, error, request.model)
            error.host = host.label
            raise
        finally:
            self._release(host)

    async def embed(self, model: str, texts: Sequence[str]) -> list[list[float]]:
        """Embeddings from a host that has `model` (chosen like a reply's host)."""
        try:
            host = await self._acquire(model)
        except ModelNotFound as missing:
            missing.hint = f"{missing.hint} {EMBED_HINT}"
            raise
        try:
            return await host.backend.embed(model, texts)
        except BackendError as error:
            self._failed(host, error, model)
            error.host = host.label
            raise
        finally:
            self._release(host)

    async def pull(self, model: str) -> AsyncGenerator[PullProgress, None]:
        """Pull `model` onto every host that is up and lacks it, one after the other; each
        progress line names its host. Raises `BackendUnavailable` when no host is up."""
        await self.check()
        now = self._clock()
        up = [h for h in self._hosts if h.models is not None and not h.cooling(now)]
        if not up:
            raise BackendUnavailable(
                f"None of the Ollama hosts answers ({self.location}).",
                START_HINT,
                fixes=(Fix.HOST,),
            )
        for host in up:
            if host.has(model_key(model)):
                continue
            async for step in host.backend.pull(model):
                yield replace(step, host=host.label)
            await self._ask(host)
        self._wake()


__all__ = [
    "COOLDOWN_SECONDS",
    "HostPool",
    "host_failure",
    "model_key",
]
