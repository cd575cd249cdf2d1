"""Benchmark: 200 batch prompts against the fake Ollama answering each in 200 ms, concurrency 8.

The fake server (tests/fakes: a real HTTP server, driven by the real `ollama` client) streams
every reply as 4 chunks. Their delay is calibrated first so that one reply, requested on its
own, takes 200 ms as the client sees it; 8 at a time can then at best finish 8 / 0.2 s = 40
prompts/s, 200 prompts in 5.0 s. Measured in the same run:

1. core      `plan_batch` + `run_batch` in this process: the batch machinery alone.
2. command   `brainstorm batch FILE --concurrency 8 --json`, the installed command: its batch
             phase (first request to last stored result, as its summary line reports it) and
             the whole command with process start-up, imports and session creation.
3. ask loop  `brainstorm ask SESSION PROMPT` run one after another, as a shell loop would
             script it without batches. Only a sample of runs (default 10) is timed; the mean
             is extrapolated to the full count and labelled as such.

The core run also counts what the event loop spent per prompt: the fsyncs it waited for (the
store fsyncs a reply's outcome on the loop; the text and ideas appended while it streams are
fsynced by a timer thread, group commit) and its thread's CPU time, figures that hold still on
a busy machine where wall time does not.

Every run is checked: one completed prompt per batch entry in the session, drafts only.
Sessions are fsynced as always, so the figures depend on the file system under --dir (the
default temporary directory is usually on disk). Exits 1 when the command's batch-phase
throughput is under 90% of the ideal.

    .venv/bin/python benchmarks/bench_batch.py [--prompts 200] [--concurrency 8]
        [--reply-ms 200] [--ask-sample 10] [--dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._fake_replies import CHUNKS, MODEL, calibrate  # noqa: E402
from brainstorm.batch import BatchOptions, parse_batch, plan_batch, run_batch  # noqa: E402
from brainstorm.events import Status  # noqa: E402
from brainstorm.llm.ollama import OllamaBackend  # noqa: E402
from brainstorm.store import SessionStore  # noqa: E402
from tests.fakes import FakeOllama  # noqa: E402

BRAINSTORM = ROOT / ".venv" / "bin" / "brainstorm"
TARGET = 0.90


def filesystem(path: Path) -> str:
    """The file system type under `path` (from /proc/mounts), for the record."""
    best, kind = "", "unknown file system"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    resolved = str(path.resolve())
    for line in mounts:
        fields = line.split()
        if len(fields) > 2 and resolved.startswith(fields[1]) and len(fields[1]) > len(best):
            best, kind = fields[1], fields[2]
    return kind


def batch_text(count: int) -> str:
    return "".join(f"ideas for neighbourhood project {n}\n" for n in range(1, count + 1))


def check_session(sessions: Path, session_id: str, expected: int) -> None:
    session = SessionStore(sessions).load(session_id).session
    completed = [p for p in session.prompts.values() if p.outcome == "completed"]
    keys = {p.batch_key for p in completed}
    if len(completed) != expected or len(keys) != expected:
        raise SystemExit(f"{session_id}: {len(completed)} completed prompts, expected {expected}")
    if any(idea.status is not Status.DRAFT for idea in session.ideas.values()):
        raise SystemExit(f"{session_id}: a batch idea is not a draft")


@dataclass
class LoopCost:
    """What the event loop spent per prompt in the core run: fsyncs it waited for (the slow
    part on a disk, and it stalls every stream) and its thread's CPU time."""

    fsyncs_on_loop: int = 0
    fsyncs_elsewhere: int = 0  # the store's group-commit timer thread
    loop_cpu: float = 0.0


@contextmanager
def counting_fsyncs(cost: LoopCost) -> Iterator[None]:
    real = os.fsync
    loop_thread = threading.current_thread()

    def fsync(fd: int) -> None:
        if threading.current_thread() is loop_thread:
            cost.fsyncs_on_loop += 1
        else:
            cost.fsyncs_elsewhere += 1
        real(fd)

    os.fsync = fsync
    try:
        yield
    finally:
        os.fsync = real


def thread_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


async def run_core(
    fake: FakeOllama, sessions: Path, count: int, concurrency: int
) -> tuple[float, LoopCost]:
    text = batch_text(count).encode()
    batch = parse_batch(text, source="core.txt", name="core.txt")
    backend = OllamaBackend(fake.url)
    options = BatchOptions(model=MODEL, default_technique="open")
    cost = LoopCost()
    try:
        with plan_batch(SessionStore(sessions), batch, options) as plan:
            plan.create_sessions(backend)
            started, cpu = time.perf_counter(), thread_cpu()
            with counting_fsyncs(cost):
                report = await run_batch(plan, backend, concurrency=concurrency)
            elapsed = time.perf_counter() - started
            cost.loop_cpu = thread_cpu() - cpu
    finally:
        await backend.aclose()
    if report.count("completed") != count:
        raise SystemExit(f"core run: only {report.count('completed')} of {count} completed")
    check_session(sessions, "batch-core-txt", count)
    return elapsed, cost


def run_command(
    env: dict[str, str], work: Path, count: int, concurrency: int
) -> tuple[float, float]:
    """(wall seconds of the whole command, seconds of its batch phase as it reports them)."""
    path = work / "bench.txt"
    path.write_text(batch_text(count), encoding="utf-8")
    command = [str(BRAINSTORM), "batch", str(path), "--concurrency", str(concurrency), "--json"]
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"brainstorm batch exited {result.returncode}:\n{result.stderr}")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if len(lines) != count:
        raise SystemExit(f"brainstorm batch printed {len(lines)} results, expected {count}")
    check_session(Path(env["BRAINSTORM_SESSIONS_DIR"]), "batch-bench-txt", count)
    phase = re.search(r"completed in ([0-9.]+) s\.", result.stderr)
    if phase is None:
        raise SystemExit(f"no summary line in the command's output:\n{result.stderr}")
    return elapsed, float(phase.group(1))


def run_ask_loop(env: dict[str, str], sample: int) -> list[float]:
    new = subprocess.run(
        [str(BRAINSTORM), "new", "neighbourhood projects", "--name", "ask-loop"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    session_id = new.stdout.strip()
    times: list[float] = []
    for n in range(1, sample + 1):
        started = time.perf_counter()
        subprocess.run(
            [str(BRAINSTORM), "ask", session_id, f"ideas for neighbourhood project {n}", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reply-ms", type=float, default=200.0)
    parser.add_argument("--ask-sample", type=int, default=10)
    parser.add_argument(
        "--dir", help="Where to put the session files (in a new temporary directory there)."
    )
    args = parser.parse_args()
    count, concurrency = args.prompts, args.concurrency
    reply = args.reply_ms / 1000
    ideal_rate = concurrency / reply
    ideal = count / ideal_rate

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp, FakeOllama() as fake:
        work = Path(tmp)
        fake.add_model(MODEL, chunks=CHUNKS)
        measured_reply = calibrate(fake, reply)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BRAINSTORM_", "OLLAMA"))}
        env.update(
            BRAINSTORM_SESSIONS_DIR=str(work / "sessions"),
            BRAINSTORM_CONFIG=str(work / "no-config.toml"),
            BRAINSTORM_BACKEND="ollama",
            BRAINSTORM_MODEL=MODEL,
            OLLAMA_HOST=fake.url,
        )

        core, cost = asyncio.run(run_core(fake, work / "core-sessions", count, concurrency))
        core_peak = fake.max_in_flight
        fake.clear_records()
        command, phase = run_command(env, work, count, concurrency)
        command_peak = fake.max_in_flight
        fake.clear_records()
        ask_times = run_ask_loop(env, args.ask_sample)

    per_ask = statistics.mean(ask_times)
    ask_total = per_ask * count

    def row(label: str, seconds: float, note: str = "") -> str:
        rate = count / seconds
        return (
            f"  {label:<34} {seconds:7.2f} s  {rate:6.1f} prompts/s  "
            f"{rate / ideal_rate:6.1%} of ideal{note}"
        )

    print(
        f"batch benchmark: {count} prompts, concurrency {concurrency}, fake Ollama reply"
        f" {args.reply_ms:.0f} ms (measured {measured_reply * 1000:.0f} ms, one at a time);"
        f" session files in {work} ({filesystem(work)})"
    )
    print(f"  ideal                              {ideal:7.2f} s  {ideal_rate:6.1f} prompts/s")
    print(row("core (plan_batch + run_batch)", core, f"  (peak in flight {core_peak})"))
    print(
        f"  core, per prompt: {cost.fsyncs_on_loop / count:.2f} fsyncs on the event loop"
        f" ({cost.fsyncs_elsewhere} in all off it), event-loop thread CPU"
        f" {cost.loop_cpu * 1000 / count:.2f} ms"
    )
    print(row("brainstorm batch: batch phase", phase, f"  (peak in flight {command_peak})"))
    print(row("brainstorm batch: whole command", command, "  (with start-up)"))
    print(
        row(
            "brainstorm ask loop (extrapolated)",
            ask_total,
            f"  ({args.ask_sample} runs timed: mean {per_ask * 1000:.0f} ms,"
            f" min {min(ask_times) * 1000:.0f}, max {max(ask_times) * 1000:.0f})",
        )
    )
    print(f"  batch command vs ask loop: {ask_total / command:.1f}x faster")
    ok = count / phase / ideal_rate >= TARGET
    print(f"  target: batch phase >= {TARGET:.0%} of ideal: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
