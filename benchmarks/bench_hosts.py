"""Benchmark: 200 batch prompts spread over three fake Ollama hosts, 2 at a time each, every
reply taking 200 ms; then the same with one host killed half-way.

The fake servers (tests/fakes: real HTTP servers driven by the real `ollama` client) stream
each reply as 4 chunks, their delay calibrated so that one reply, on its own, takes 200 ms as
the client sees it. Three hosts × 2 at a time can at best finish 6 / 0.2 s = 30 prompts/s:
200 prompts in 6.7 s. Both runs use the installed command,
`brainstorm --host A,B,C --per-host 2 batch FILE --json -j 6` (the hosts' total), and
report its batch phase (first request to last stored result, as its summary line says) and
the whole command with start-up.

1. all up     target: at least 90% of the ideal 30 prompts/s.
2. one killed the last host is stopped (its open replies cut off, new connections refused)
              half-way through its share (so half-way through the batch). Every prompt must
              still complete exactly once: one `prompt_sent` and one completed outcome per
              batch entry in the session, the cut-off replies retried once on another host.
              Its ideal: the first half at 30 prompts/s, the rest at 20.

Exits 1 when a target is missed or a prompt is lost or doubled.

    .venv/bin/python benchmarks/bench_hosts.py [--prompts 200] [--per-host 2] [--reply-ms 200]
                                               [--hosts 3]

--hosts 1 or 2 measures fewer hosts the same way (the ideal scales with them; with one host
there is no other to retry on, so the killed run is skipped).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._fake_replies import CHUNKS, MODEL, calibrate  # noqa: E402
from brainstorm.events import GenerationCompleted, PromptSent  # noqa: E402
from brainstorm.session_log import read_events  # noqa: E402
from tests.fakes import FakeOllama  # noqa: E402

BRAINSTORM = ROOT / ".venv" / "bin" / "brainstorm"
TARGET = 0.90
DEFAULT_HOSTS = 3


def start_hosts(reply: float, hosts: int) -> tuple[list[FakeOllama], float]:
    fakes = [FakeOllama().start() for _ in range(hosts)]
    for fake in fakes:
        fake.add_model(MODEL, chunks=CHUNKS)
    measured = calibrate(fakes[0], reply)
    for fake in fakes[1:]:
        fake.chunk_delay = fakes[0].chunk_delay
    return fakes, measured


def kill_when(fake: FakeOllama, chats: int) -> threading.Thread:
    """Stop `fake` once its `chats`-th reply has started (that reply is cut off)."""

    def watch() -> None:
        if fake.wait_until(lambda: len(fake.requests_to("/api/chat")) >= chats, 600):
            fake.stop()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def run_batch(
    env: dict[str, str], work: Path, name: str, count: int, per_host: int, hosts: list[str]
) -> tuple[float, float, list[dict[str, Any]]]:
    """(whole command seconds, batch phase seconds, its --json lines)."""
    path = work / f"{name}.txt"
    path.write_text("".join(f"ideas for neighbourhood project {n}\n" for n in range(count)))
    command = [str(BRAINSTORM), "--host", ",".join(hosts), "--per-host", str(per_host)]
    # -j given: with several hosts it is their total anyway; one host is not a pool (it
    # behaves as without --host lists, -j 4 by default), so its limit must be said.
    command += ["batch", str(path), "--json", "-j", str(per_host * len(hosts))]
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"brainstorm batch exited {result.returncode}:\n{result.stderr}")
    phase = re.search(r"completed(?:, [^,]+)* in ([0-9.]+) s\.", result.stderr)
    if phase is None:
        raise SystemExit(f"no summary line in the command's output:\n{result.stderr}")
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return elapsed, float(phase.group(1)), lines


def exactly_once(sessions: Path, lines: list[dict[str, Any]], count: int) -> str:
    """Raise unless every entry has one prompt and one completed outcome; describe it."""
    indexes = Counter(line["index"] for line in lines)
    if len(indexes) != count or set(indexes.values()) != {1}:
        raise SystemExit(f"{len(lines)} JSON lines for {len(indexes)} of {count} prompts")
    if {line["status"] for line in lines} != {"completed"}:
        raise SystemExit("not every prompt completed")
    events, _ = read_events(sessions / f"{lines[0]['session']}.jsonl")
    keys = {e.prompt_id: e.batch_key for e in events if isinstance(e, PromptSent)}
    done = Counter(keys[e.prompt_id] for e in events if isinstance(e, GenerationCompleted))
    if len(keys) != count or len(done) != count or set(done.values()) != {1}:
        raise SystemExit(
            f"session: {len(keys)} prompts sent, {len(done)} completed keys, expected {count}"
        )
    return f"{count} prompts sent once, {count} completed once"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--reply-ms", type=float, default=200.0)
    parser.add_argument("--hosts", type=int, default=DEFAULT_HOSTS, choices=range(1, 9))
    args = parser.parse_args()
    count, per_host, reply = args.prompts, args.per_host, args.reply_ms / 1000
    rate = args.hosts * per_host / reply
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BRAINSTORM_", "OLLAMA"))}
        env.update(
            BRAINSTORM_SESSIONS_DIR=str(work / "sessions"),
            BRAINSTORM_CONFIG=str(work / "no-config.toml"),
            BRAINSTORM_BACKEND="ollama",
            BRAINSTORM_MODEL=MODEL,
        )
        fakes, measured = start_hosts(reply, args.hosts)
        print(
            f"hosts benchmark: {count} prompts over {args.hosts} fake Ollama hosts, {per_host} at a"
            f" time each (-j {args.hosts * per_host}), reply {args.reply_ms:.0f} ms (measured"
            f" {measured * 1000:.0f} ms, one at a time)"
        )
        try:
            whole, phase, lines = run_batch(
                env, work, "up", count, per_host, [f.url for f in fakes]
            )
            checked = exactly_once(work / "sessions", lines, count)
            spread = Counter(line["host"] for line in lines)
            peaks = [f.max_in_flight for f in fakes]
            share = phase and count / phase / rate
            met = share >= TARGET
            ok &= met
            print(f"  ideal, all up             {count / rate:7.2f} s  {rate:6.1f} prompts/s")
            print(
                f"  all up: batch phase       {phase:7.2f} s  {count / phase:6.1f} prompts/s"
                f"  {share:6.1%} of ideal  (whole command {whole:.2f} s)"
            )
            print(
                f"    per host {sorted(spread.values(), reverse=True)} prompts,"
                f" peak in flight {peaks}; {checked}"
            )
            print(f"  target: >= {TARGET:.0%} of ideal: {'met' if met else 'NOT met'}")
        finally:
            for fake in fakes:
                fake.stop()

        if args.hosts == 1:
            return 0 if ok else 1
        fakes, _ = start_hosts(reply, args.hosts)
        try:
            urls = [f.url for f in fakes]
            killed = urls[-1]
            kill_when(fakes[-1], count // args.hosts // 2)
            whole, phase, lines = run_batch(env, work, "killed", count, per_host, urls)
            checked = exactly_once(work / "sessions", lines, count)
            retried = [line for line in lines if line["retries"]]
            after = [line for line in retried if line["retries"][0]["host"] != killed]
            if after:
                raise SystemExit(f"{len(after)} retries of a host that was not killed")
            ideal = count / 2 / rate + count / 2 / (rate * (args.hosts - 1) / args.hosts)
            print(
                f"  one host killed half-way: batch phase {phase:.2f} s ({count / phase:.1f}"
                f" prompts/s; about {ideal:.2f} s at best), whole command {whole:.2f} s"
            )
            spread = Counter(line["host"] for line in lines)
            print(
                f"    {checked}; {len(retried)} retried on another host after {killed} was"
                f" killed; answered per host {[spread[url] for url in urls]}"
            )
        finally:
            for fake in fakes:
                fake.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
