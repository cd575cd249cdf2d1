"""Benchmark: sessions of 50 / 1,000 / 10,000 ideas (issue 15: cost follows the work).

Builds sessions through the store (`SessionWriter.append_many`), in two cases:

- ``varied``: ideas of 5–30 words drawn from a 3,000-word vocabulary (few near-duplicates);
- ``alike``:  every idea a near-copy of one template (the worst case: all near-duplicates);

10% of the ideas revised, a third accepted. Then times, each in its own process (so peak
memory is that process's ``ru_maxrss``, read with ``os.wait4``):

- ``load``            `SessionStore.load` (read and replay the event log);
- ``dups build``      the first look at near-duplicates, with no index file yet (every pair);
- ``show --json``, ``stats --json``, ``stats``, ``export``: the installed command, with the
  index file in place (what every later command sees);
- ``dups +1 idea``    one new idea appended, then the index updated (time inside the process);
- ``app first cards`` the Textual app (Pilot, headless, 100x40): from opening the session to
  the first idea's text on screen (whatever widget shows it); ``>N s`` when it was not there
  after --app-timeout seconds.

Each figure is the best of --runs; wall seconds, CPU seconds (user+system: the machine is
shared, CPU is the steadier figure), the ratio of wall time to the 50-idea session of the
same case, and peak memory in MB.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 50,1000,10000] [--cases varied,alike]
        [--runs 1] [--app-timeout 120]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BRAINSTORM = ROOT / ".venv" / "bin" / "brainstorm"
MODEL = "llama3.2"
Figure = dict[str, float]


# --- building sessions ------------------------------------------------------------------------


def build(root: Path, case: str, size: int, seed: int = 15) -> str:
    from brainstorm.events import IdeaDrafted, IdeaRevised, IdeaStatusChanged, Status
    from brainstorm.store import SessionStore

    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(3000)]
    name = f"{case}-{size}"
    with SessionStore(root).create(
        f"bench {case} {size}", name=name, default_model=MODEL
    ) as writer:
        events: list[object] = []
        for i in range(1, size + 1):
            if case == "alike":
                title, text = f"Booths {i}", f"Install quiet phone booths on floor {i} for calls"
            else:
                title = " ".join(rng.choices(words, k=2))
                text = " ".join(rng.choices(words, k=rng.randint(5, 30)))
            events.append(
                IdeaDrafted(idea=i, title=title, text=text, model=MODEL, backend="ollama")
            )
            if i % 10 == 0:
                events.append(IdeaRevised(idea=i, text=text + " (revised by a person)"))
            if i % 3 == 0:
                events.append(IdeaStatusChanged(idea=i, status=Status.ACCEPTED))
        for start in range(0, len(events), 2000):
            writer.append_many(events[start : start + 2000])  # type: ignore[arg-type]
        return writer.session_id


# --- measuring in a child process -------------------------------------------------------------


def measure(argv: list[str], env: dict[str, str], timeout: float) -> Figure:
    """Run ``argv``; wall and CPU seconds, peak memory (MB), and any "seconds" it printed as
    its last line of JSON (a figure taken inside the process)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.PIPE)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                return {"timeout": timeout}
            time.sleep(0.005)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr = process.stderr.read().decode() if process.stderr else ""
        if process.returncode != 0:
            raise RuntimeError(f"{argv} failed ({process.returncode}): {stderr[-2000:]}")
        out.seek(0)
        lines = out.read().decode(errors="replace").strip().splitlines()
    figure = {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "mb": usage.ru_maxrss / 1024,
    }
    if lines and lines[-1].startswith('{"seconds"'):
        inside = json.loads(lines[-1])
        figure["inside"] = inside["seconds"]
        figure["inside_cpu"] = inside.get("cpu", float("nan"))
    return figure


def best(runs: int, argv: list[str], env: dict[str, str], timeout: float) -> Figure:
    figures = [measure(argv, env, timeout) for _ in range(runs)]
    timed = [f for f in figures if "timeout" not in f]
    if not timed:
        return figures[0]
    return min(timed, key=lambda f: f.get("inside", f["wall"]))


def child(kind: str, root: Path, session: str, timeout: float) -> None:
    """The measurements that run our code directly (load, index, app)."""
    from brainstorm.store import SessionStore

    store = SessionStore(root)
    cpu = time.process_time()
    if kind == "load":
        started = time.perf_counter()
        store.load(session)
        seconds = time.perf_counter() - started
    elif kind == "dups":
        from brainstorm.duplicates import DuplicateTracker, Similarity

        loaded = store.load(session)
        started = time.perf_counter()
        DuplicateTracker(loaded.path, owner=True).report(loaded.session, Similarity.text())
        seconds = time.perf_counter() - started
    elif kind == "dups1":
        from brainstorm import review
        from brainstorm.duplicates import DuplicateTracker, Similarity

        with store.open_writer(session) as writer:
            review.add(writer, "A seed library in the school entrance hall, run by pupils")
            started = time.perf_counter()
            DuplicateTracker(writer.path, owner=True).report(writer.session, Similarity.text())
            seconds = time.perf_counter() - started
    elif kind == "app":
        seconds = asyncio.run(first_cards(root, session, timeout))
    else:
        raise SystemExit(f"unknown measurement {kind}")
    print(json.dumps({"seconds": seconds, "cpu": time.process_time() - cpu}))


async def first_cards(root: Path, session: str, limit: float) -> float:
    """Seconds from opening the session in the app to its first idea's text on screen."""
    from brainstorm.config import Settings
    from brainstorm.store import SessionStore
    from brainstorm.tui.app import BrainstormApp
    from tests.fakes import FakeOllama
    from tests.tui.conftest import screen_text

    first = SessionStore(root).load(session).session.ideas[1]
    needle = first.text[:30]
    with FakeOllama() as fake:
        fake.add_model(MODEL)
        settings = Settings(sessions_dir=root, host=fake.url, backend="ollama", model=MODEL)
        app = BrainstormApp(settings)
        async with app.run_test(size=(100, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            started = time.perf_counter()
            app.open_session(session)
            deadline = started + limit
            while needle not in screen_text(app):
                if time.perf_counter() > deadline:
                    return float("inf")
                await pilot.pause(0.01)
            return time.perf_counter() - started


# --- the run ------------------------------------------------------------------------------------


def run_case(case: str, sizes: list[int], runs: int, app_timeout: float) -> None:
    results: dict[str, dict[int, Figure]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        root = Path(tmp) / "sessions"
        env = {
            **os.environ,
            "BRAINSTORM_SESSIONS_DIR": str(root),
            "BRAINSTORM_CONFIG": str(Path(tmp) / "no-config.toml"),
            "OLLAMA_HOST": "127.0.0.1:9",  # never asked: text similarity, no generation
            "PYTHONPATH": str(ROOT),
        }
        me = [sys.executable, str(Path(__file__).resolve()), "--child"]
        for size in sizes:
            started = time.perf_counter()
            session = build(root, case, size)
            print(f"  built {case} {size:,} in {time.perf_counter() - started:.1f} s", flush=True)

            def record(name: str, figure: Figure, size: int = size) -> None:
                results.setdefault(name, {})[size] = figure

            child_args = ["--dir", str(root), "--session", session]
            record("load", best(runs, [*me, "load", *child_args], env, 600))
            record("dups build", measure([*me, "dups", *child_args], env, 1800))
            commands = {
                "show --json": ["show", session, "--json"],
                "stats --json": ["stats", session, "--json"],
                "stats": ["stats", session],
                "export": ["export", session],
            }
            for name, args in commands.items():
                record(name, best(runs, [str(BRAINSTORM), *args], env, 600))
            copy = Path(tmp) / f"copy-{size}"
            shutil.copytree(root, copy)
            copy_args = ["--dir", str(copy), "--session", session]
            record("dups +1 idea", measure([*me, "dups1", *copy_args], env, 600))
            shutil.rmtree(copy)
            app_args = [*child_args, "--app-timeout", str(app_timeout)]
            record("app first cards", measure([*me, "app", *app_args], env, app_timeout + 60))
            print(f"  measured {case} {size:,}", flush=True)
    print_table(case, sizes, results)


def print_table(case: str, sizes: list[int], results: dict[str, dict[int, Figure]]) -> None:
    print(f"\n{case}: wall s · cpu s · ×{sizes[0]} ideas (cpu) · peak MB")
    header = f"{'':18}" + "".join(f"{size:>30,}" for size in sizes)
    print(header)
    for name, by_size in results.items():
        base = by_size.get(sizes[0], {})
        cells = []
        for size in sizes:
            f = by_size.get(size, {})
            if "timeout" in f:
                cells.append(f"{'>' + format(f['timeout'], '.0f') + ' s':>30}")
                continue
            seconds = f.get("inside", f.get("wall", float("nan")))
            if seconds == float("inf"):
                cells.append(f"{'not on screen':>30}")
                continue
            # The ratio of CPU seconds (of the figure taken inside the process, when there is
            # one): on a shared machine wall time mostly measures the neighbours.
            key = "inside_cpu" if "inside_cpu" in f else "cpu"
            base_seconds = base.get(key, float("nan"))
            ratio = f.get(key, float("nan")) / base_seconds if base_seconds else float("nan")
            cpu = f.get("inside_cpu", f.get("cpu", 0.0))
            cell = f"{seconds:7.2f} {cpu:6.2f}c ×{ratio:5.1f} {f.get('mb', 0):5.0f}M"
            cells.append(f"{cell:>30}")
        print(f"{name:18}" + "".join(cells))
    print(
        "(load, dups build, dups +1 idea, app first cards: wall and CPU s timed inside the"
        " process, without interpreter start-up; the app from opening the session;"
        " the commands: the whole process)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,1000,10000")
    parser.add_argument("--cases", default="varied,alike")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--app-timeout", type=float, default=120.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--session", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.dir), args.session, args.app_timeout)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"bench_scale · {os.cpu_count()} CPUs · load average {os.getloadavg()[0]:.1f}")
    for case in args.cases.split(","):
        run_case(case, sizes, args.runs, args.app_timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
