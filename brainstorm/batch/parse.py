"""Reading batch files: TOML, JSON Lines or plain text, into located entries.

Everything that can be wrong with a file (syntax, unknown keys, bad values, duplicate ids) is
reported here, naming the line or TOML entry, before a single request is sent.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError

from brainstorm.batch.entries import (
    FORMATS,
    BatchEntry,
    BatchError,
    BatchFile,
    BatchFormat,
    FileDefaults,
    LocatedEntry,
    batch_keys,
)

STDIN = "-"

_EXTENSIONS: dict[str, BatchFormat] = {
    ".toml": "toml",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".txt": "text",
    ".text": "text",
}
_TOML_HINT = re.compile(r"^\s*(\[\[\s*prompt\s*\]\]|prompts\s*=)", re.MULTILINE)
_ENTRY_KEYS = ("prompt", "topic", "technique", "model", "options", "session", "id")
_DEFAULT_KEYS = ("topic", "technique", "model", "options", "session")


def read_batch_source(file: str) -> tuple[bytes, str, str]:
    """The bytes of FILE (`-` = standard input), its display name and its base name."""
    if file == STDIN:
        return sys.stdin.buffer.read(), "<stdin>", "stdin"
    path = Path(file)
    try:
        return path.read_bytes(), file, path.name
    except IsADirectoryError:
        raise BatchError(f"{file} is a directory, not a batch file") from None
    except OSError as problem:
        raise BatchError(f"cannot read {file}: {problem.strerror or problem}") from None


def load_batch(file: str, fmt: BatchFormat | None = None) -> BatchFile:
    data, source, name = read_batch_source(file)
    return parse_batch(data, source=source, name=name, fmt=fmt)


def detect_format(name: str, text: str) -> BatchFormat:
    """By extension; otherwise by content: a first line starting with `{` is JSON Lines,
    a `[[prompt]]` table or `prompts =` line is TOML, anything else is plain text."""
    suffix = Path(name).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            if stripped.startswith("{"):
                return "jsonl"
            break
    if _TOML_HINT.search(text):
        return "toml"
    return "text"


def parse_batch(
    data: bytes, *, source: str, name: str, fmt: BatchFormat | None = None
) -> BatchFile:
    """Parse a batch file. Raises `BatchError` naming the line (or TOML key) of the first
    problem, and how many other entries have problems too."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        raise BatchError(f"{source}:{line}: not valid UTF-8 text") from None
    fmt = fmt or detect_format(name, text)
    if fmt == "toml":
        raw = _toml_entries(text, source)
    elif fmt == "jsonl":
        raw = _jsonl_entries(text)
    else:
        raw = _text_entries(text)
    entries: list[tuple[BatchEntry, str]] = []
    problems: list[str] = []
    for item, where, defaults in raw:
        if isinstance(item, str):  # a problem found while splitting the file
            problems.append(f"{at(source, where)}: {item}")
            continue
        merged = _apply_defaults(item, defaults)
        try:
            entries.append((BatchEntry.model_validate(merged), where))
        except ValidationError as error:
            problems.append(f"{at(source, where)}: {_describe(error)}")
    if problems:
        more = len(problems) - 1
        tail = f" (and {more} more entr{'y' if more == 1 else 'ies'} with problems)" * (more > 0)
        raise BatchError(problems[0] + tail)
    if not entries:
        raise BatchError(f"{source}: no prompts found (expected {_format_help(fmt)})")
    _check_ids(entries, source)
    keys = batch_keys([entry for entry, _ in entries])
    located = [
        LocatedEntry(entry, where, index, key)
        for index, ((entry, where), key) in enumerate(zip(entries, keys, strict=True), start=1)
    ]
    return BatchFile(source=source, name=name, format=fmt, entries=located)


_Raw = tuple[dict[str, Any] | str, str, dict[str, Any]]  # (entry or problem, where, defaults)


def at(source: str, where: str) -> str:
    """`ideas.txt:4` for a line, `ideas.toml: [[prompt]] 3` for a TOML entry."""
    if where.startswith("line "):
        return f"{source}:{where.removeprefix('line ')}"
    return f"{source}: {where}"


def _format_help(fmt: BatchFormat) -> str:
    return {
        "toml": '[[prompt]] tables with prompt = "…", or prompts = ["…", …]',
        "jsonl": 'one JSON object per line, like {"prompt": "…"}',
        "text": "one prompt per line",
    }[fmt]


def _text_entries(text: str) -> list[_Raw]:
    result: list[_Raw] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            result.append(({"prompt": stripped}, f"line {number}", {}))
    return result


def _jsonl_entries(text: str) -> list[_Raw]:
    result: list[_Raw] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            value = json.loads(line)
        except ValueError as problem:
            message = problem.msg if isinstance(problem, json.JSONDecodeError) else str(problem)
            result.append((f"not valid JSON ({message})", where, {}))
            continue
        if not isinstance(value, dict):
            hint = " (JSON Lines: one object per line, not an array)" * isinstance(value, list)
            result.append((f'expected a JSON object like {{"prompt": "…"}}{hint}', where, {}))
            continue
        result.append((value, where, {}))
    return result


def _toml_entries(text: str, source: str) -> list[_Raw]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise BatchError(f"{source}: not valid TOML: {problem}") from None
    unknown = [key for key in document if key not in ("prompt", "prompts", *_DEFAULT_KEYS)]
    if unknown:
        raise BatchError(
            f"{source}: unknown key {unknown[0]!r} (expected [[prompt]] tables or a `prompts`"
            f" list, and optionally file-wide {', '.join(_DEFAULT_KEYS)})"
        )
    defaults_raw = {key: document[key] for key in _DEFAULT_KEYS if key in document}
    try:
        defaults = FileDefaults.model_validate(defaults_raw).model_dump(exclude_defaults=True)
    except ValidationError as error:
        raise BatchError(f"{source}: top-level {_describe(error)}") from None
    result: list[_Raw] = []
    for key in document:  # in document order
        if key == "prompt":
            tables = document["prompt"]
            if not isinstance(tables, list):
                raise BatchError(
                    f"{source}: key 'prompt' must be [[prompt]] tables (to list plain strings,"
                    ' use prompts = ["…", "…"])'
                )
            for number, table in enumerate(tables, start=1):
                result.append((_toml_item(table), f"[[prompt]] {number}", defaults))
        elif key == "prompts":
            items = document["prompts"]
            if not isinstance(items, list):
                raise BatchError(f"{source}: key 'prompts' must be a list of strings or tables")
            for number, item in enumerate(items, start=1):
                result.append((_toml_item(item), f"prompts[{number}]", defaults))
    return result


def _toml_item(item: object) -> dict[str, Any] | str:
    if isinstance(item, str):
        return {"prompt": item}
    if isinstance(item, dict):
        return item
    return 'expected a string or a table with prompt = "…"'


def _apply_defaults(item: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    if not defaults:
        return item
    merged = {**defaults, **item}
    if "options" in defaults and isinstance(item.get("options"), dict):
        merged["options"] = {**defaults["options"], **item["options"]}
    return merged


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        if location == "prompts":  # TOML puts keys after a [[prompt]] header into that table
            return (
                "unknown key 'prompts' (in TOML, a `prompts = [...]` list must come before"
                " the first [[prompt]] table)"
            )
        return f"unknown key {location!r} (expected {', '.join(_ENTRY_KEYS)})"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"key {location!r}: {message}" if location else message


def _check_ids(entries: list[tuple[BatchEntry, str]], source: str) -> None:
    seen: dict[str, str] = {}
    for entry, where in entries:
        if entry.id is None:
            continue
        if entry.id in seen:
            raise BatchError(
                f"{at(source, where)}: id {entry.id!r} is already used ({seen[entry.id]})"
            )
        seen[entry.id] = where


def as_format(value: str | None) -> BatchFormat | None:
    if value is None or value == "auto":
        return None
    if value not in FORMATS:
        raise BatchError(f"unknown format {value!r} (use auto, {', '.join(FORMATS)})")
    return cast(BatchFormat, value)
