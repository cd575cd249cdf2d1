"""Benchmark: the Textual app against the fake Ollama server (tests/fakes: a real HTTP server,
read by the real `ollama` client). Prints four sets of figures, all from one run:

0. start-up   `brainstorm --help` (the installed command; wall and CPU seconds of the process,
              median of --help-runs) and, from part 1, the first screen of the app in tmux.
              Targets (issue 15): --help under ~0.15 s, first screen under 0.4 s.

1. launch     time from launch to an interactive session list, with --sessions sessions of
              --ideas ideas on disk:
              - command: the installed `brainstorm` in an 80x24 tmux window, from process
                start to the list on screen (drawn before Textual loads: `tui.first_frame`),
                to Textual's own frame (its footer), and to the answer to the first key press ("n"
                opens the new-session form), i.e. when the list is interactive (the screen
                is read with capture-pane every ~2 ms, so figures carry that granularity);
              - in-process: `BrainstormApp` from construction to its session list being ready
                (no interpreter start-up or imports).
2. keys       responsiveness while a long reply streams fast: a key is typed into the prompt
              box every --key-ms while the fake streams --long-ideas ideas (--chunk-ms between
              chunks); prints the largest gap between two processed key presses and the
              worst delay from sending a key to the prompt box holding it.
3. chunks     the rate at which streamed chunks reach the screen, against the raw
              `ollama.AsyncClient` reading the same stream from the same server, as fast as the
              server sends (no chunk delay); medians of --runs runs, interleaved.

The in-process parts use Textual's headless driver, which lays out and renders every frame
but writes it nowhere; the command part renders to a real terminal (tmux).

    .venv/bin/python benchmarks/bench_tui.py [--sessions 40] [--ideas 30] [--long-ideas 40]
        [--chunk-ms 1] [--key-ms 10] [--runs 3] [--help-runs 10] [--startup-only]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual import events  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.widgets import Input  # noqa: E402

from brainstorm.config import Settings  # noqa: E402
from brainstorm.events import IdeaDrafted, IdeaStatusChanged, Status  # noqa: E402
from brainstorm.store import SessionStore  # noqa: E402
from brainstorm.tui.app import BrainstormApp  # noqa: E402
from brainstorm.tui.screens.session import SessionScreen  # noqa: E402
from tests.fakes import FakeOllama, split_reply  # noqa: E402

BRAINSTORM = ROOT / ".venv" / "bin" / "brainstorm"
MODEL = "llama3.2"


def long_reply(ideas: int, words: int = 60) -> str:
    return "\n".join(
        f"{n}. **Idea {n}**: " + " ".join(f"word{n}x{i}" for i in range(words)) + "."
        for n in range(1, ideas + 1)
    )


def seed(store: SessionStore, sessions: int, ideas: int) -> None:
    for s in range(sessions):
        with store.create(f"bench topic {s:02d}", technique="open", default_model=MODEL) as writer:
            for i in range(1, ideas + 1):
                writer.append(
                    IdeaDrafted(
                        idea=i,
                        text=f"idea {i} of session {s} " * 6,
                        model=MODEL,
                        backend="ollama",
                        technique="open",
                    )
                )
                if i % 3 == 0:
                    writer.append(IdeaStatusChanged(idea=i, status=Status.ACCEPTED))


class ProbeApp(BrainstormApp):
    """The app, plus timestamps: session list ready, and every change of an Input's value."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.list_ready = asyncio.Event()
        self.list_ready_at: float | None = None
        self.input_changes: list[float] = []

    def on_brainstorm_app_session_list_ready(self) -> None:
        if self.list_ready_at is None:
            self.list_ready_at = time.perf_counter()
        self.list_ready.set()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.input_changes.append(time.perf_counter())


# --- 0. start-up ------------------------------------------------------------------------------


def help_startup(runs: int) -> tuple[float, float]:
    """(wall, CPU) seconds of `brainstorm --help`, medians of ``runs`` (CPU: user + system
    of the process, read with os.wait4; on a shared machine the steadier figure)."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(BRAINSTORM), "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - started)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError("brainstorm --help failed")
    return statistics.median(walls), statistics.median(cpus)


# --- 1. launch -------------------------------------------------------------------------------


def launch_command(settings: Settings, url: str, first_topic: str) -> tuple[float, float, float]:
    """(seconds to the list on screen, to Textual's own frame (its footer), to the answer to
    the first key) for the
    installed command in an 80x24 tmux window (tmux keeps the real screen, so what counts
    is what a person would see; it is re-read every few milliseconds)."""
    socket = f"bench-tui-{os.getpid()}-{time.monotonic_ns()}"

    def tmux(*args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout

    env = {
        "BRAINSTORM_SESSIONS_DIR": str(settings.sessions_dir),
        "OLLAMA_HOST": url,
        "BRAINSTORM_BACKEND": "ollama",
        "BRAINSTORM_MODEL": MODEL,
        "BRAINSTORM_CONFIG": str(Path(settings.sessions_dir) / "no-config.toml"),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
    }
    command = "env " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command += f" {shlex.quote(str(BRAINSTORM))}"
    # The tmux server is started first, so its own start-up is not counted.
    tmux("new-session", "-d", "-s", "bench", "-x", "80", "-y", "24", "sleep 600")
    try:
        started = time.perf_counter()
        tmux("new-window", "-t", "bench", "-n", "app", command)

        def wait_for(text: str, timeout: float = 30.0) -> float:
            deadline = time.perf_counter() + timeout
            while text not in tmux("capture-pane", "-p", "-t", "bench:app"):
                if time.perf_counter() > deadline:
                    screen = tmux("capture-pane", "-p", "-t", "bench:app")
                    raise RuntimeError(f"{text!r} never appeared:\n{screen}")
                time.sleep(0.002)
            return time.perf_counter() - started

        on_screen = wait_for(first_topic)
        app_drawn = wait_for("f1 Help")
        tmux("send-keys", "-t", "bench:app", "n")
        answered = wait_for("New session")
        tmux("send-keys", "-t", "bench:app", "C-q")
    finally:
        tmux("kill-server")
    return on_screen, app_drawn, answered


async def launch_in_process(settings: Settings) -> float:
    started = time.perf_counter()
    app = ProbeApp(settings)
    async with app.run_test(size=(80, 24)):
        await asyncio.wait_for(app.list_ready.wait(), 30)
        assert app.list_ready_at is not None
        return app.list_ready_at - started


# --- 2. keys while streaming -------------------------------------------------------------------


async def open_session(app: ProbeApp, pilot: Pilot[None], session_id: str) -> SessionScreen:
    await asyncio.wait_for(app.list_ready.wait(), 30)
    await app.workers.wait_for_complete()  # the connection check
    app.open_session(session_id)
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, SessionScreen) and screen.is_mounted
    return screen


async def keys_while_streaming(
    settings: Settings, session_id: str, key_ms: float
) -> dict[str, float]:
    app = ProbeApp(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_session(app, pilot, session_id)
        prompt = screen.query_one("#prompt", Input)
        prompt.focus()
        await pilot.pause()
        screen.send_prompt("go")
        stats = screen.stream_stats
        driver = app._driver
        assert driver is not None
        await asyncio.wait_for(screen.stream_redrawn.wait(), 30)  # the first chunks are shown
        app.input_changes.clear()
        sent: list[float] = []
        while screen.generating:
            sent.append(time.perf_counter())
            driver.send_message(events.Key("x", "x"))
            await asyncio.sleep(key_ms / 1000)
        await app.workers.wait_for_complete()
        await pilot.pause()
        processed = app.input_changes[: len(sent)]
        gaps = [b - a for a, b in itertools.pairwise(processed)]
        delays = [p - s for s, p in zip(sent, processed, strict=False)]
        assert stats.last_chunk is not None and stats.first_chunk is not None
        return {
            "chunks": stats.chunks,
            "stream_s": stats.last_chunk - stats.first_chunk,
            "redraws": stats.redraws,
            "sent": len(sent),
            "processed": len(processed),
            "max_gap_ms": max(gaps, default=0.0) * 1000,
            "p50_gap_ms": statistics.median(gaps) * 1000 if gaps else 0.0,
            "max_delay_ms": max(delays, default=0.0) * 1000,
            "typed_ok": float(prompt.value == "x" * len(sent)),
        }


# --- 3. chunk rate: raw client vs the screen ----------------------------------------------------


async def raw_client(url: str) -> dict[str, float]:
    import ollama

    client = ollama.AsyncClient(host=url)
    started = time.perf_counter()
    first = last = started
    count = 0
    async for part in await client.chat(
        model=MODEL, messages=[{"role": "user", "content": "go"}], stream=True
    ):
        if part.message.content:
            now = time.perf_counter()
            if count == 0:
                first = now
            last = now
            count += 1
    await client._client.aclose()
    return {
        "chunks": count,
        "first_s": first - started,
        "span_s": last - first,
        "total_s": last - started,
    }


async def app_stream(settings: Settings, session_id: str) -> dict[str, float]:
    app = ProbeApp(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_session(app, pilot, session_id)
        screen.send_prompt("go")
        stats = screen.stream_stats
        while stats.rendered is None:
            screen.stream_redrawn.clear()
            await asyncio.wait_for(screen.stream_redrawn.wait(), 60)
        assert stats.first_chunk is not None and stats.last_chunk is not None
        return {
            "chunks": stats.chunks,
            "first_s": stats.first_chunk - stats.started,
            "span_s": stats.last_chunk - stats.first_chunk,
            "total_s": stats.rendered - stats.started,
            "redraws": stats.redraws,
            "last_to_screen_ms": (stats.rendered - stats.last_chunk) * 1000,
        }


# --- main ------------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp, FakeOllama() as server:
        store = SessionStore(Path(tmp) / "sessions")
        seed(store, args.sessions, args.ideas)
        settings = Settings(sessions_dir=store.root, host=server.url, backend="ollama", model=MODEL)
        reply = long_reply(args.long_ideas)
        server.add_model(MODEL, reply=reply)
        n_chunks = len(split_reply(reply))

        if BRAINSTORM.exists():
            wall, cpu = help_startup(args.help_runs)
            print(
                f"start-up: `brainstorm --help` {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU"
                f" (median of {args.help_runs}; load average {os.getloadavg()[0]:.1f})"
            )
        print(f"launch: {args.sessions} sessions x {args.ideas} ideas on disk")
        if BRAINSTORM.exists() and shutil.which("tmux"):
            newest = store.summaries()[0].topic
            runs = [launch_command(settings, server.url, newest) for _ in range(args.runs)]
            shown, drawn, answered = (statistics.median(r[n] for r in runs) for n in range(3))
            print(
                f"  command in tmux, 80x24: list on screen {shown * 1000:.0f} ms,"
                f" Textual's frame (footer) {drawn * 1000:.0f} ms,"
                f" first key answered {answered * 1000:.0f} ms (median of {args.runs})"
            )
        else:
            print(f"  command: needs tmux and {BRAINSTORM}; skipped")
        inproc = [await launch_in_process(settings) for _ in range(args.runs)]
        print(f"  in-process: session list ready {statistics.median(inproc) * 1000:.0f} ms")
        if args.startup_only:
            return 0

        session_id = store.create("bench streaming", technique="open", default_model=MODEL)
        session_id.close()
        sid = session_id.session_id

        server.chunk_delay = args.chunk_ms / 1000
        k = await keys_while_streaming(settings, sid, args.key_ms)
        print(
            f"keys while streaming: {k['chunks']:.0f} chunks in {k['stream_s']:.2f} s"
            f" ({k['chunks'] / k['stream_s']:.0f} chunks/s, {k['redraws']:.0f} redraws);"
            f" a key every {args.key_ms:g} ms: {k['processed']:.0f}/{k['sent']:.0f} processed,"
            f" largest gap {k['max_gap_ms']:.1f} ms (median {k['p50_gap_ms']:.1f} ms),"
            f" worst key-to-screen delay {k['max_delay_ms']:.1f} ms"
        )
        if not k["typed_ok"]:
            print("  WARNING: the prompt box does not hold every typed key")

        server.chunk_delay = 0.0
        raw_runs: list[dict[str, float]] = []
        app_runs: list[dict[str, float]] = []
        for _ in range(args.runs):
            raw_runs.append(await raw_client(server.url))
            app_runs.append(await app_stream(settings, sid))

        def med(runs: list[dict[str, float]], key: str) -> float:
            return statistics.median(r[key] for r in runs)

        raw_rate = n_chunks / med(raw_runs, "span_s")
        app_rate = n_chunks / med(app_runs, "span_s")
        screen_rate = n_chunks / (med(app_runs, "total_s") - med(app_runs, "first_s"))
        print(
            f"chunks: {n_chunks} chunks ({args.long_ideas} ideas), no delay, median of"
            f" {args.runs} runs each"
        )
        print(
            f"  raw ollama client:  {raw_rate:,.0f} chunks/s"
            f" (request to last chunk {med(raw_runs, 'total_s') * 1000:.0f} ms)"
        )
        print(f"  app, received:      {app_rate:,.0f} chunks/s ({app_rate / raw_rate:.0%} of raw)")
        print(
            f"  app, on screen:     {screen_rate:,.0f} chunks/s from first chunk to every idea"
            f" rendered in full ({screen_rate / raw_rate:.0%} of raw);"
            f" last chunk to final cards {med(app_runs, 'last_to_screen_ms'):.0f} ms,"
            f" {med(app_runs, 'redraws'):.0f} throttled redraws"
        )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--ideas", type=int, default=30)
    parser.add_argument("--long-ideas", type=int, default=40)
    parser.add_argument("--chunk-ms", type=float, default=1.0)
    parser.add_argument("--key-ms", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--help-runs", type=int, default=10)
    parser.add_argument(
        "--startup-only", action="store_true", help="Only start-up and launch (parts 0 and 1)."
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
