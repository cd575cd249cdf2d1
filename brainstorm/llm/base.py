"""The small protocol every backend implements, and the errors a person may meet.

Nothing here imports a client library: the core and the CLI's fast paths depend on this module
only, and each backend imports its own client when it is built.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self, runtime_checkable

if TYPE_CHECKING:  # an annotation only: the app's first screen is drawn without pydantic
    from brainstorm.events import GenerationStats

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class ModelInfo:
    name: str
    size: int | None = None
    parameter_size: str | None = None
    quantization: str | None = None
    family: str | None = None


@dataclass(frozen=True)
class Chunk:
    """One piece of a streamed reply. The last chunk has `done=True` and the stats."""

    text: str
    done: bool = False
    stats: GenerationStats | None = None
    # The server that is writing the reply, as shown to people (never with credentials);
    # with several Ollama hosts, the one this reply went to. None: no server (embedded).
    host: str | None = None


@dataclass(frozen=True)
class HostStatus:
    """One of several Ollama hosts as last seen (`pool.HostPool.status`), for the app's
    header and `brainstorm models`."""

    host: str  # as shown to people, never with credentials
    up: bool | None  # None: not asked yet
    models: tuple[ModelInfo, ...] = ()
    loaded: tuple[str, ...] = ()
    busy: int = 0  # replies in flight
    limit: int = 1  # replies it is sent at once
    problem: str | None = None  # why it is set aside


@dataclass(frozen=True)
class PullProgress:
    status: str
    total: int | None = None
    completed: int | None = None
    digest: str | None = None
    host: str | None = None  # with several Ollama hosts, the one pulling


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: list[Message]
    options: dict[str, Any] = field(default_factory=dict)
    # A JSON schema asks the backend for structured output matching it.
    format: dict[str, Any] | None = None


@runtime_checkable
class Backend(Protocol):
    """A source of model replies. Cancelling means closing the stream (or cancelling its task):
    implementations must stop the underlying request when that happens."""

    name: str

    @property
    def location(self) -> str:
        """Where the backend runs, for messages (a host URL, a model file)."""
        ...

    async def list_models(self) -> list[ModelInfo]: ...

    def stream_chat(self, request: ChatRequest) -> AsyncIterator[Chunk]: ...

    def pull(self, model: str) -> AsyncIterator[PullProgress]: ...

    async def aclose(self) -> None: ...


class ClosedOnExit:
    """`async with backend:` closes it (its `aclose`) on the way out, however it leaves."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        raise NotImplementedError


@runtime_checkable
class Embedder(Protocol):
    """A backend that can turn texts into embedding vectors (Ollama's /api/embed). Optional:
    not every backend has one (the embedded llama.cpp model does not)."""

    async def embed(self, model: str, texts: Sequence[str]) -> list[list[float]]: ...


# --- errors -----------------------------------------------------------------------------------


class Fix(StrEnum):
    """What the person can change to get past an error. The hint says it in words anyone can
    read; each front end adds how, in its own terms (a flag, a key, a setting)."""

    HOST = "host"  # which server to talk to
    MODEL = "model"  # which model to ask
    PULL = "pull"  # put the model on the server
    BACKEND = "backend"  # use another kind of backend
    CONCURRENCY = "concurrency"  # send fewer requests at once


class BackendError(Exception):
    """A failure worded for a person: one sentence, plus a hint of what to do (never naming a
    command-line flag: `fixes` tells the front ends what to add)."""

    #: The server that failed, as shown to people, when one of several hosts did (set by
    #: `llm.pool.HostPool`, so the failure can be recorded against it and retried elsewhere).
    host: str | None = None

    def __init__(
        self, message: str, hint: str | None = None, *, fixes: tuple[Fix, ...] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.fixes = fixes

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class BackendUnavailable(BackendError):
    """The server is not running or cannot be reached."""


class ModelNotFound(BackendError):
    def __init__(
        self,
        model: str,
        message: str,
        hint: str | None = None,
        *,
        fixes: tuple[Fix, ...] = (Fix.MODEL,),
    ) -> None:
        super().__init__(message, hint, fixes=fixes)
        self.model = model


class ServerError(BackendError):
    """The server answered with an error status or an error inside the stream."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        status: int | None = None,
        *,
        fixes: tuple[Fix, ...] = (),
    ) -> None:
        super().__init__(message, hint, fixes=fixes)
        self.status = status


class StreamInterrupted(BackendError):
    """The reply stopped before it was complete (connection cut, read time-out)."""


def is_setup_error(error: BackendError) -> bool:
    """Whether nothing can run until the person fixes the set-up: the server is not there,
    or the model is not on it (as opposed to one reply that went wrong)."""
    return isinstance(error, BackendUnavailable | ModelNotFound)
