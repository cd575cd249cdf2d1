"""Techniques: the TOML templates a brainstorm round is asked with, and how they are filled in.

A technique is a TOML file (``prompts/*.toml``): ``name`` (the file stem), ``title``,
``description`` (one line), ``system`` (the system prompt) and ``template`` (the user message).
The template holds ``{topic}`` and, optionally, ``{prompt}`` for the person's extra instruction.
A template line holding ``{prompt}`` is left out when the person gave no extra instruction, so a
template can word that line freely ("Extra instruction: {prompt}") and still render cleanly.
Placeholders are filled in one pass: braces in the topic or prompt are never read as placeholders,
and other braces in a template (a JSON example, say) stay as they are. The follow-up prompts
(`brainstorm.ideation.prompts`) use the same placeholders.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

DEFAULT_TECHNIQUE: Final = "open"
_PROMPTS_ENV: Final = "BRAINSTORM_PROMPTS_DIR"
_REQUIRED_KEYS: Final = ("name", "title", "description", "system", "template")
# The brainstorm package directory (this file is brainstorm/ideation/techniques.py): a wheel ships
# the templates inside it as _prompts/, a source checkout has them as prompts/ next to it.
_PACKAGE: Final = Path(__file__).resolve().parent.parent


class TechniqueError(ValueError):
    """A technique that cannot be loaded or found, worded for a person."""


class InvalidTechnique(TechniqueError):
    """A template file that is not valid: names the file and what is wrong with it."""

    def __init__(self, path: Path, problem: str, key: str | None = None) -> None:
        super().__init__(f"Technique file {path}: {problem}")
        self.path = path
        self.key = key


class UnknownTechnique(TechniqueError):
    def __init__(self, name: str, available: Sequence[str]) -> None:
        names = ", ".join(available) if available else "(none found)"
        super().__init__(f"Unknown technique {name!r}. Available techniques: {names}.")
        self.name = name
        self.available = list(available)


@dataclass(frozen=True)
class Technique:
    name: str
    title: str
    description: str
    system: str
    template: str
    path: Path

    def render(self, topic: str, prompt: str = "") -> str:
        """The user message for `topic`, with the person's extra instruction if any."""
        return _fill(self.template, {"topic": _require_topic(topic), "prompt": prompt.strip()})


def technique_dirs() -> list[Path]:
    """Where techniques come from, the first winning when two share a name: the directories in
    ``BRAINSTORM_PROMPTS_DIR`` (``os.pathsep``-separated), then the shipped templates."""
    dirs: list[Path] = []
    for entry in os.environ.get(_PROMPTS_ENV, "").split(os.pathsep):
        if entry.strip():
            dirs.append(Path(entry.strip()).expanduser())
    checkout = _PACKAGE.parent
    # A source checkout (editable install): the repo's prompts/ next to the package. The check
    # for pyproject.toml keeps an unrelated site-packages/prompts from being picked up.
    if (checkout / "prompts").is_dir() and (checkout / "pyproject.toml").is_file():
        dirs.append(checkout / "prompts")
    elif (_PACKAGE / "_prompts").is_dir():
        dirs.append(_PACKAGE / "_prompts")
    return dirs


def load_techniques(dirs: Sequence[Path] | None = None) -> dict[str, Technique]:
    """All techniques by name, sorted. `dirs` defaults to `technique_dirs()`; earlier
    directories override later ones. Raises `InvalidTechnique` for a broken file or a
    ``BRAINSTORM_PROMPTS_DIR`` that is not a directory."""
    found: dict[str, Technique] = {}
    for directory in reversed(list(technique_dirs() if dirs is None else dirs)):
        if not directory.is_dir():
            raise InvalidTechnique(directory, f"not a directory (check {_PROMPTS_ENV})")
        for path in sorted(directory.glob("*.toml")):
            technique = _load_technique_file(path)
            found[technique.name] = technique
    return dict(sorted(found.items()))


def _load_technique_file(path: Path) -> Technique:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as problem:
        raise InvalidTechnique(path, f"cannot be read ({problem})") from problem
    except tomllib.TOMLDecodeError as problem:
        raise InvalidTechnique(path, f"is not valid TOML ({problem})") from problem
    values: dict[str, str] = {}
    for key in _REQUIRED_KEYS:
        if key not in data:
            raise InvalidTechnique(path, f"missing key {key!r}", key)
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            raise InvalidTechnique(path, f"key {key!r} must be a non-empty string", key)
        values[key] = value.strip()
    if values["name"] != path.stem:
        raise InvalidTechnique(
            path, f"name {values['name']!r} must match the file name ({path.stem!r})", "name"
        )
    for key in ("name", "title", "description"):
        if "\n" in values[key]:
            raise InvalidTechnique(path, f"key {key!r} must be a single line", key)
    if "{topic}" not in values["template"]:
        raise InvalidTechnique(
            path, "key 'template' must contain the {topic} placeholder", "template"
        )
    return Technique(
        name=values["name"],
        title=values["title"],
        description=values["description"],
        system=values["system"],
        template=values["template"],
        path=path,
    )


def get_technique(name: str, dirs: Sequence[Path] | None = None) -> Technique:
    techniques = load_techniques(dirs)
    try:
        return techniques[name]
    except KeyError:
        raise UnknownTechnique(name, list(techniques)) from None


# Placeholders: technique templates and the follow-up prompts (prompts.py) are filled alike.

_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
_OPTIONAL_PLACEHOLDERS = ("prompt",)


def _require_topic(topic: str) -> str:
    topic = topic.strip()
    if not topic:
        raise ValueError("The topic is empty: say what to brainstorm about.")
    return topic


def _fill(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{name}`` placeholders in one pass. Lines holding an optional placeholder with an
    empty value are left out; a non-empty optional value with no placeholder is appended, so
    the person's instruction is never lost."""
    lines = [
        line
        for line in template.split("\n")
        if not any(f"{{{key}}}" in line and not values.get(key) for key in _OPTIONAL_PLACEHOLDERS)
    ]
    text = _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), "\n".join(lines))
    for key in _OPTIONAL_PLACEHOLDERS:
        if values.get(key) and f"{{{key}}}" not in template:
            text = f"{text.rstrip()}\n\n{values[key]}"
    return re.sub(r"\n{3,}", "\n\n", text).strip()
