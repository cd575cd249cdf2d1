"""Benchmark: the card board on large sessions (issue 15, "the app opens any session at once").

Builds sessions of --sizes ideas through the store (`append_many`, as a batch would: varied
texts, every 10th idea revised, every 7th accepted, every 11th rejected), then, each size in a
fresh process (so peak memory is that size's own), runs the app in-process (Textual's headless
driver, 80x24) and prints, also as a ratio to the smallest session:

  open        from `open_session` to the first card's text on screen: wall time and this
              process's CPU time (the machine is shared: CPU time is the steadier figure),
              and of that, the store reading the session file
  keys        j, k, pagedown, end, home on the cards: the board's own work per key (move,
              measure, draw the view: milliseconds of CPU), and the wall time of Pilot's
              press (which also waits for the app to be idle)
  memory      peak resident memory of the process (ru_maxrss), after opening, and after the
              near-duplicate analysis of the whole session (a worker started on opening;
              `brainstorm.duplicates`, not the board) has finished
  streaming   a 40-idea reply streamed from the fake Ollama server into the session (after
              the near-duplicate worker has finished): redraws,
              the longest gap between two redraws, the slowest redraw of the live cards
              (CPU ms), and
              the time from the last chunk to the stored cards on screen

    .venv/bin/python benchmarks/bench_board.py [--sizes 50,1000,10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual.geometry import Region  # noqa: E402

from brainstorm.config import Settings  # noqa: E402
from brainstorm.events import IdeaDrafted, IdeaRevised, IdeaStatusChanged, Status  # noqa: E402
from brainstorm.store import SessionStore  # noqa: E402
from brainstorm.tui.app import BrainstormApp  # noqa: E402
from brainstorm.tui.screens.session import SessionScreen  # noqa: E402
from tests.fakes import FakeOllama  # noqa: E402
from tests.tui.conftest import screen_text  # noqa: E402

MODEL = "llama3.2"
WORDS = (  # noqa: SIM905 (one sentence reads better than 26 quoted words)
    "quiet office booth library plant carpet noise map hours meeting focus room desk light"
    " window music headphones rule sign corner shelf curtain door hallway kitchen schedule"
).split()
KEYS = ("j", "j", "k", "pagedown", "pagedown", "end", "home")


def build(root: Path, ideas: int) -> str:
    """A session of ``ideas`` model ideas (10% revised) written through the store."""
    rng = random.Random(ideas)
    store = SessionStore(root)
    with store.create(f"Bench {ideas}", technique="open", default_model=MODEL) as writer:
        batch: list[IdeaDrafted | IdeaRevised | IdeaStatusChanged] = []
        for n in range(1, ideas + 1):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40))) + "."
            batch.append(
                IdeaDrafted(
                    idea=n,
                    text=text,
                    title=f"Idea {n}",
                    model=MODEL,
                    backend="ollama",
                    technique="open",
                )
            )
            if n % 10 == 0:
                batch.append(IdeaRevised(idea=n, text=text + " Revised by a person."))
            if n % 7 == 0:
                batch.append(IdeaStatusChanged(idea=n, status=Status.ACCEPTED))
            elif n % 11 == 0:
                batch.append(IdeaStatusChanged(idea=n, status=Status.REJECTED))
            if len(batch) >= 1000:
                writer.append_many(list(batch))
                batch.clear()
        if batch:
            writer.append_many(batch)
        return writer.session_id


def long_reply(ideas: int = 40, words: int = 30) -> str:
    return "\n".join(
        f"{n}. **Idea {n}**: " + " ".join(f"word{n}x{i}" for i in range(words)) + "."
        for n in range(1, ideas + 1)
    )


async def measure(root: Path, session_id: str) -> dict[str, object]:
    fake = FakeOllama().start()
    fake.add_model(MODEL, reply=long_reply())
    fake.chunk_delay = 0.001
    settings = Settings(sessions_dir=root, host=fake.url, backend="ollama", model=MODEL)
    app = BrainstormApp(settings)
    result: dict[str, object] = {}
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            store_open: list[float] = []
            real_open = app.store.open_writer

            def timed_open(ref: str):  # type: ignore[no-untyped-def]
                started = time.perf_counter()
                try:
                    return real_open(ref)
                finally:
                    store_open.append(time.perf_counter() - started)

            app.store.open_writer = timed_open  # type: ignore[method-assign]
            wall, cpu = time.perf_counter(), time.process_time()
            app.open_session(session_id)
            while not (isinstance(app.screen, SessionScreen) and "#1 " in screen_text(app)):
                await pilot.pause()
            result["open_s"] = time.perf_counter() - wall
            result["open_cpu_s"] = time.process_time() - cpu
            result["store_s"] = store_open[0]
            result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            screen = app.screen
            assert isinstance(screen, SessionScreen)
            board = screen.board
            board.focus()
            await pilot.pause()

            # The board's own work per key: the action, then drawing the whole view.
            view = Region(0, 0, board.size.width, board.size.height)
            actions = {
                "j": lambda: board.action_cursor(1),
                "k": lambda: board.action_cursor(-1),
                "pagedown": lambda: board.action_page(1),
                "end": board.action_last,
                "home": board.action_first,
            }
            work: dict[str, list[float]] = {}
            press: dict[str, list[float]] = {}
            for key in KEYS:
                started = time.process_time()
                actions[key]()
                board._cache.clear()  # draw every card in view again: the worst case
                board.render_lines(view)
                work.setdefault(key, []).append((time.process_time() - started) * 1000)
                started = time.perf_counter()
                await pilot.press(key)
                press.setdefault(key, []).append((time.perf_counter() - started) * 1000)
            result["key_work_ms"] = {k: max(v) for k, v in work.items()}
            result["key_press_ms"] = {k: max(v) for k, v in press.items()}

            # The near-duplicate analysis of the whole session runs in a worker after opening
            # (brainstorm.duplicates; its cost is that module's): streaming starts after it.
            started = time.perf_counter()
            await app.workers.wait_for_complete()
            result["duplicates_wait_s"] = time.perf_counter() - started
            result["rss_after_duplicates_mb"] = (
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            )

            # Streaming into the session, scrolled to the end (the board follows it).
            board.action_last()
            redraws: list[float] = []
            slowest = [0.0]
            real_draw = board.draw_live

            def timed_draw(live):  # type: ignore[no-untyped-def]
                started = time.process_time()  # CPU: the machine is shared
                status = real_draw(live)
                slowest[0] = max(slowest[0], time.process_time() - started)
                if status is not None:
                    redraws.append(time.perf_counter())
                return status

            board.draw_live = timed_draw  # type: ignore[method-assign]
            screen.send_prompt("go")
            stats = screen.stream_stats
            while stats.rendered is None:
                screen.stream_redrawn.clear()
                await asyncio.wait_for(screen.stream_redrawn.wait(), 120)
                stats = screen.stream_stats
            assert stats.last_chunk is not None
            gaps = [b - a for a, b in itertools.pairwise(redraws)]
            result["stream"] = {
                "chunks": stats.chunks,
                "redraws": stats.redraws,
                "max_gap_ms": max(gaps, default=0.0) * 1000,
                "slowest_redraw_ms": slowest[0] * 1000,
                "last_chunk_to_cards_ms": (stats.rendered - stats.last_chunk) * 1000,
            }
            result["rss_after_stream_mb"] = (
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            )
    finally:
        fake.stop()
    return result


def child(root: str, session_id: str) -> None:
    print(json.dumps(asyncio.run(measure(Path(root), session_id))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: dict[int, list[dict[str, object]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            root = Path(tmp) / f"s{size}"
            started = time.perf_counter()
            session_id = build(root, size)
            print(f"built {size:,} ideas in {time.perf_counter() - started:.1f} s", flush=True)
            for _ in range(args.runs):
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(root), session_id],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                rows.setdefault(size, []).append(json.loads(done.stdout.splitlines()[-1]))
    report(sizes, rows)


def median(runs: list[dict[str, object]], key: str) -> float:
    return statistics.median(float(run[key]) for run in runs)  # type: ignore[arg-type]


def report(sizes: list[int], rows: dict[int, list[dict[str, object]]]) -> None:
    base = rows[sizes[0]]
    print(f"\nmedians of {len(base)} runs, 80x24; ratio to {sizes[0]:,} ideas in brackets")
    print(
        f"{'ideas':>7} {'open s':>13} {'open cpu s':>13} {'store s':>8} {'peak MB':>8}"
        f" {'then duplicates s':>18} {'peak MB':>8}"
    )
    for size in sizes:
        runs = rows[size]
        cells = []
        for key in ("open_s", "open_cpu_s"):
            value = median(runs, key)
            cells.append(f"{value:6.2f} ({value / median(base, key):4.1f}x)")
        print(
            f"{size:>7,} {cells[0]:>13} {cells[1]:>13} {median(runs, 'store_s'):8.2f}"
            f" {median(runs, 'rss_mb'):8.0f} {median(runs, 'duplicates_wait_s'):18.1f}"
            f" {median(runs, 'rss_after_duplicates_mb'):8.0f}"
        )
    print("\nper key: the board's work in ms of CPU (max) / Pilot press wall ms (max)")
    for size in sizes:
        runs = rows[size]
        parts = []
        for key in dict.fromkeys(KEYS):
            work = max(run["key_work_ms"][key] for run in runs)  # type: ignore[index]
            wall = statistics.median(run["key_press_ms"][key] for run in runs)  # type: ignore[index]
            parts.append(f"{key} {work:.1f}/{wall:.0f}")
        print(f"{size:>7,}  " + "  ".join(parts))
    print("\nstreaming a 40-idea reply into the session (medians)")
    for size in sizes:
        runs = rows[size]
        streams: list[dict[str, float]] = [run["stream"] for run in runs]  # type: ignore[misc]

        def m(key: str, streams: list[dict[str, float]] = streams) -> float:
            return statistics.median(s[key] for s in streams)

        print(
            f"{size:>7,}  {m('chunks'):.0f} chunks, {m('redraws'):.0f} redraws, longest gap"
            f" {m('max_gap_ms'):.0f} ms, slowest redraw {m('slowest_redraw_ms'):.1f} ms CPU, last"
            f" chunk to stored cards {m('last_chunk_to_cards_ms'):.0f} ms, peak"
            f" {median(runs, 'rss_after_stream_mb'):.0f} MB"
        )


if __name__ == "__main__":
    main()
