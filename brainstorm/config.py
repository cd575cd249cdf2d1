"""Settings: command-line flags > environment > config file > defaults."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

BackendChoice = Literal["auto", "ollama", "openai", "embedded"]
DuplicateMethod = Literal["text", "embeddings", "auto"]

DEFAULT_MODEL = "llama3.2"

ENV_VARS: dict[str, str] = {
    "sessions_dir": "BRAINSTORM_SESSIONS_DIR",
    "host": "OLLAMA_HOST",
    # Several Ollama hosts, comma-separated; wins over OLLAMA_HOST (see `load_settings`).
    "hosts": "BRAINSTORM_HOSTS",
    "per_host": "BRAINSTORM_PER_HOST",
    "model": "BRAINSTORM_MODEL",
    "backend": "BRAINSTORM_BACKEND",
    "technique": "BRAINSTORM_TECHNIQUE",
    "duplicates": "BRAINSTORM_DUPLICATES",
    "duplicate_threshold": "BRAINSTORM_DUPLICATE_THRESHOLD",
    "embedding_model": "BRAINSTORM_EMBEDDING_MODEL",
    "export_dir": "BRAINSTORM_EXPORT_DIR",
    "voter": "BRAINSTORM_VOTER",
}


class ConfigError(Exception):
    pass


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sessions_dir: Path = Path("sessions")
    # The server: Ollama's address, or with backend "openai" the base URL of an
    # OpenAI-compatible server (http://127.0.0.1:8000/v1). None: the client's own default
    # (OLLAMA_HOST or localhost:11434; OPENAI_BASE_URL or localhost:8000/v1).
    host: str | None = None
    # Several Ollama hosts (``--host a --host b``, ``--host a,b``, ``hosts = [...]``,
    # BRAINSTORM_HOSTS): prompts are spread over them (`llm.pool`). Always holds every host
    # given, `host` being the first; empty when none was given.
    hosts: tuple[str, ...] = ()
    # Prompts each Ollama host is sent at once when there are several hosts; None: Ollama's
    # own default (`llm.DEFAULT_PER_HOST`).
    per_host: int | None = Field(default=None, ge=1, le=256)
    model: str = DEFAULT_MODEL
    backend: BackendChoice = "auto"
    technique: str = "open"
    # Seconds to wait on connecting and on each read or write (httpx); None: connecting waits
    # ollama.CONNECT_TIMEOUT, reading has no limit (a loading model can take minutes).
    timeout: float | None = None
    theme: str = "textual-dark"
    # Near-duplicate detection (brainstorm/duplicates.py): "text" compares words with
    # RapidFuzz (offline, instant); "embeddings" asks Ollama's /api/embed with
    # `embedding_model`; "auto" uses embeddings when that model answers, else text.
    duplicates: DuplicateMethod = "text"
    # Similarity (0–1] at which two ideas count as near-duplicates; None: the method's default
    # (text 0.80, embeddings 0.85 — see duplicates.DEFAULT_THRESHOLDS).
    duplicate_threshold: float | None = Field(default=None, gt=0.0, le=1.0)
    embedding_model: str = "nomic-embed-text"
    # Where the app's export key (shift+e) writes; None: `exports/` next to the sessions
    # directory (see `export_directory`).
    export_dir: Path | None = None
    # Your name on votes, theme names and accepted theme labels; None: your login name.
    voter: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_list_of_hosts(cls, data: Any) -> Any:
        """`host` and `hosts` are one setting: a comma list in either (or a list in `hosts`)
        becomes `hosts`, and `host` is its first entry."""
        if not isinstance(data, dict):
            return data
        given = data.get("hosts")
        if not given:
            given = data.get("host")
        hosts = split_hosts(given)
        return {**data, "hosts": tuple(hosts), "host": hosts[0] if hosts else None}

    @field_validator("sessions_dir", "export_dir")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    def export_directory(self) -> Path:
        """Where exports from the app go: `export_dir`, else an `exports/` folder beside the
        sessions directory. Beside the sessions rather than the current directory: the app
        may have been started anywhere (a source checkout, a home directory), while the
        sessions directory is a place the person chose for this work."""
        chosen = self.export_dir or self.sessions_dir.parent / "exports"
        return chosen.absolute()


def split_hosts(given: Any) -> list[str]:
    """``"a, b"`` or ``["a", "b,c"]`` → ``["a", "b", "c"]`` (blanks and repeats dropped)."""
    if given is None:
        return []
    items = [given] if isinstance(given, str) else list(given)
    parts = [part.strip() for item in items for part in str(item).split(",")]
    return list(dict.fromkeys(part for part in parts if part))


def config_path() -> Path:
    explicit = os.environ.get("BRAINSTORM_CONFIG")
    if explicit:
        return Path(explicit)
    from platformdirs import user_config_path

    return user_config_path("brainstorm") / "config.toml"


def _read_config_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read config file {path}: {error}") from None


def load_settings(**flags: Any) -> Settings:
    """Merge the sources. `flags` holds command-line values; None means "not given"."""
    values: dict[str, Any] = _read_config_file(config_path())
    environment = {field: os.environ[var] for field, var in ENV_VARS.items() if os.environ.get(var)}
    if "hosts" in environment:  # BRAINSTORM_HOSTS is ours alone: it wins over OLLAMA_HOST
        environment.pop("host", None)
    given = {key: value for key, value in flags.items() if value is not None}
    for layer in (environment, given):
        if "host" in layer or "hosts" in layer:  # the hosts come from one source, whole
            values.pop("host", None)
            values.pop("hosts", None)
        values.update(layer)
    try:
        return Settings(**values)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise ConfigError(f"invalid settings ({problems})") from None
