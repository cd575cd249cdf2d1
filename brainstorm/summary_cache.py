"""What the session list shows of each session, kept beside it (``<id>.summary.json``) so that
listing sessions costs a `stat` per session instead of replaying every log (a session of
10,000 ideas takes a second to replay).

The file is derived: keyed by the log's size and modification time (an append changes both),
never part of the log, deletable, rebuilt when missing or stale, and ignored when it cannot be
read or written (a read-only sessions directory lists as before, only slower). It is written
without fsync: a torn file reads as stale, never as wrong.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brainstorm.store import SessionSummary

CACHE_SUFFIX = ".summary.json"
_VERSION = 1


def cache_path(log: Path) -> Path:
    return log.with_name(log.name.removesuffix(".jsonl") + CACHE_SUFFIX)


def _key(stat: os.stat_result) -> list[int]:
    return [_VERSION, stat.st_size, stat.st_mtime_ns]


def read_summary(log: Path, stat: os.stat_result) -> SessionSummary | None:
    """The summary kept for ``log`` as it is now (``stat``), or None when there is none."""
    from brainstorm.store import SessionSummary

    try:
        data = json.loads(cache_path(log).read_bytes())
        if data["key"] != _key(stat):
            return None
        s = data["summary"]
        return SessionSummary(
            s["id"],
            s["topic"],
            datetime.fromisoformat(s["created_at"]),
            datetime.fromisoformat(s["updated_at"]),
            {str(k): int(v) for k, v in s["counts"].items()},
            [str(m) for m in s["models"]],
            [str(w) for w in s["warnings"]],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_summary(log: Path, stat: os.stat_result, summary: SessionSummary) -> None:
    """Keep ``summary`` for ``log`` as it was when read (``stat``, taken before reading)."""
    data = {
        "key": _key(stat),
        "summary": {
            "id": summary.id,
            "topic": summary.topic,
            "created_at": summary.created_at.isoformat(),
            "updated_at": summary.updated_at.isoformat(),
            "counts": summary.counts,
            "models": summary.models,
            "warnings": summary.warnings,
        },
    }
    target = cache_path(log)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(json.dumps(data).encode("ascii"))  # every character escaped
        os.replace(temporary, target)
    except OSError:
        temporary.unlink(missing_ok=True)
