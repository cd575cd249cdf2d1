"""Scripted prompt batches: read a batch file (`parse`), plan its sessions and prompts
(`plan`), run them concurrently (`run`).

A batch is a list of prompts in one of three formats: TOML, JSON Lines or plain text.
Everything that can be wrong with a file (syntax, unknown keys, bad session names, unknown
techniques, locked sessions) is reported before a single request is sent.

Resume: each entry has a stable `batch_key` (`entries.batch_keys`). `generate` records the key
on the `prompt_sent` event, and `--resume` skips every entry whose key already has a
*completed* prompt in its session. Failed, cancelled and cut-off prompts (and prompts whose
process was killed mid-reply) are not completed, so they run again.
"""

from brainstorm.batch.entries import (
    FORMATS,
    BatchEntry,
    BatchError,
    BatchFile,
    BatchFormat,
    LocatedEntry,
    batch_keys,
    entry_content,
)
from brainstorm.batch.parse import STDIN, as_format, at, detect_format, load_batch, parse_batch
from brainstorm.batch.plan import (
    BatchOptions,
    BatchPlan,
    PlannedPrompt,
    SessionTarget,
    default_session_base,
    default_session_runs,
    plan_batch,
)
from brainstorm.batch.run import BatchProgress, BatchReport, PromptResult, run_batch

__all__ = [
    "FORMATS",
    "STDIN",
    "BatchEntry",
    "BatchError",
    "BatchFile",
    "BatchFormat",
    "BatchOptions",
    "BatchPlan",
    "BatchProgress",
    "BatchReport",
    "LocatedEntry",
    "PlannedPrompt",
    "PromptResult",
    "SessionTarget",
    "as_format",
    "at",
    "batch_keys",
    "default_session_base",
    "default_session_runs",
    "detect_format",
    "entry_content",
    "load_batch",
    "parse_batch",
    "plan_batch",
    "run_batch",
]
