"""Settings: command-line flags > environment > config file > defaults.

Plain dataclasses and hand-written checks rather than a pydantic model: every start-up path
(the app's session list, `brainstorm --help`) loads the settings, and importing pydantic
alone costs more than the whole list takes to show (issue 15)."""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal, get_args

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


class InvalidSettings(ConfigError, ValueError):
    """Values `Settings` refuses; `problems` holds ``(field, what is wrong)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        listed = "; ".join(f"{name}: {message}" for name, message in problems)
        super().__init__(f"invalid settings ({listed})")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every value is checked and normalised on construction, `dataclasses.replace` included
    (`__post_init__`): strings from the environment become numbers and paths, ``~`` is
    expanded, and a bad value raises `InvalidSettings` naming the field and what it allows."""

    sessions_dir: Path = Path("sessions")
    # The server: Ollama's address, or with backend "openai" the base URL of an
    # OpenAI-compatible server (http://127.0.0.1:8000/v1). None: the client's own default
    # (OLLAMA_HOST or localhost:11434; OPENAI_BASE_URL or localhost:8000/v1). Always the
    # first of `hosts`: to change the server, replace `hosts` (`host` follows).
    host: str | None = None
    # Several Ollama hosts (``--host a --host b``, ``--host a,b``, ``hosts = [...]``,
    # BRAINSTORM_HOSTS): prompts are spread over them (`llm.pool`). Always holds every host
    # given, `host` being the first; empty when none was given. A comma list in `host`
    # becomes this list too.
    hosts: tuple[str, ...] = ()
    # Prompts each Ollama host is sent at once when there are several hosts (1–256); None:
    # Ollama's own default (`llm.DEFAULT_PER_HOST`).
    per_host: int | None = None
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
    duplicate_threshold: float | None = None
    embedding_model: str = "nomic-embed-text"
    # Where the app's export key (shift+e) writes; None: `exports/` next to the sessions
    # directory (see `export_directory`).
    export_dir: Path | None = None
    # Your name on votes, theme names and accepted theme labels; None: your login name.
    voter: str | None = None

    def __post_init__(self) -> None:
        problems: list[tuple[str, str]] = []
        for name, check in _CHECKS.items():
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, check(value))
            except _Refused as refused:
                problems.append((name, f"{_shown(value)} {refused}"))
        hosts = _one_list_of_hosts(self.host, self.hosts, problems)
        object.__setattr__(self, "hosts", tuple(hosts))
        object.__setattr__(self, "host", hosts[0] if hosts else None)
        if problems:
            raise InvalidSettings(problems)

    def export_directory(self) -> Path:
        """Where exports from the app go: `export_dir`, else an `exports/` folder beside the
        sessions directory. Beside the sessions rather than the current directory: the app
        may have been started anywhere (a source checkout, a home directory), while the
        sessions directory is a place the person chose for this work."""
        chosen = self.export_dir or self.sessions_dir.parent / "exports"
        return chosen.absolute()


class _Refused(ValueError):
    """A check's refusal: the rest of the sentence after the value ("is not …")."""


def _shown(value: Any) -> str:
    """The bad value as the person wrote it (quoted, escaped), cut short when long."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Refused("is not text (in the config file, put it in quotes)")
    return value


def _path(value: Any) -> Path:
    if not isinstance(value, str | os.PathLike):
        raise _Refused("is not a path (in the config file, put it in quotes)")
    return Path(value).expanduser()


def _number(value: Any) -> float:
    """An int, a float or a string holding one (environment variables are strings); booleans
    are refused: ``per_host = true`` is a slip, not 1."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError
    return float(value)


def _number_where(ok: Callable[[float], bool], allowed: str) -> Callable[[Any], float]:
    """A check for a number ``ok`` accepts (NaN is refused by every comparison)."""

    def check(value: Any) -> float:
        try:
            number = _number(value)
        except ValueError:
            raise _Refused(allowed) from None
        if not ok(number):
            raise _Refused(allowed)
        return number

    return check


_per_host_number = _number_where(
    lambda n: n.is_integer() and 1 <= n <= 256, "is not a whole number from 1 to 256"
)


def _per_host(value: Any) -> int:
    return int(_per_host_number(value))


_timeout = _number_where(lambda n: math.isfinite(n) and n > 0, "is not a number of seconds above 0")
_threshold = _number_where(
    lambda n: 0 < n <= 1, "is not a number above 0 and at most 1 (a similarity, e.g. 0.85)"
)


def _one_of(choice: Any) -> Callable[[Any], Any]:
    choices: tuple[str, ...] = get_args(choice)

    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise _Refused(f"is not one of {', '.join(choices)}")
        return value

    return check


def _optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else check(value)


# How each field is checked and normalised (`host` and `hosts` apart: they are one setting).
_CHECKS: dict[str, Callable[[Any], Any]] = {
    "sessions_dir": _path,
    "per_host": _optional(_per_host),
    "model": _text,
    "backend": _one_of(BackendChoice),
    "technique": _text,
    "timeout": _optional(_timeout),
    "theme": _text,
    "duplicates": _one_of(DuplicateMethod),
    "duplicate_threshold": _optional(_threshold),
    "embedding_model": _text,
    "export_dir": _optional(_path),
    "voter": _optional(_text),
}


def _one_list_of_hosts(host: Any, hosts: Any, problems: list[tuple[str, str]]) -> list[str]:
    """`host` and `hosts` are one setting: a comma list in either (or a list in `hosts`)
    becomes `hosts`, and `host` is its first entry: when both are given, `hosts` wins (so
    `dataclasses.replace(settings, hosts=...)` moves `host` along). What is wrong goes to
    `problems` (and no hosts are returned)."""
    for name, value in (("host", host), ("hosts", hosts)):
        items = [value] if isinstance(value, str) else value
        if value is not None and not (
            isinstance(items, list | tuple) and all(isinstance(i, str) for i in items)
        ):
            problems.append((name, f"{_shown(value)} is not a host or a list of hosts"))
            return []
    listed = split_hosts(hosts)
    return listed or split_hosts(host)


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
    """Merge the sources. `flags` holds command-line values; None means "not given".
    A bad value is a `ConfigError` naming the field, the value, what is allowed and where the
    value came from."""
    path = config_path()
    values: dict[str, Any] = _read_config_file(path)
    origin = dict.fromkeys(values, f"config file {path}")
    environment = {field: os.environ[var] for field, var in ENV_VARS.items() if os.environ.get(var)}
    if "hosts" in environment:  # BRAINSTORM_HOSTS is ours alone: it wins over OLLAMA_HOST
        environment.pop("host", None)
    given = {key: value for key, value in flags.items() if value is not None}
    for layer, source in ((environment, None), (given, "the command line")):
        if "host" in layer or "hosts" in layer:  # the hosts come from one source, whole
            values.pop("host", None)
            values.pop("hosts", None)
        values.update(layer)
        origin.update({key: source or ENV_VARS[key] for key in layer})
    known = {f.name for f in fields(Settings)}
    unknown = [
        (key, f"not a setting (known: {', '.join(sorted(known))})")
        for key in values
        if key not in known
    ]
    try:
        if unknown:
            raise InvalidSettings(unknown)
        return Settings(**values)
    except InvalidSettings as invalid:
        raise InvalidSettings(
            [(name, _from(message, origin.get(name))) for name, message in invalid.problems]
        ) from None


def _from(message: str, source: str | None) -> str:
    return f"{message} (from {source})" if source else message
