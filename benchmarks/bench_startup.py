"""Benchmark: start-up of `brainstorm` side by side with peer terminal LLM clients, in one run.

Measured, interleaved round-robin (round i runs every command once, so drift in the load of
this shared machine hits all alike), --runs rounds; medians and minimums:

1. `<cmd> --help`: wall time to exit, and CPU time (user + system, read with os.wait4).
2. first screen: an 80x24 tmux window (TERM=xterm-256color) on a tmux server started before
   the clock starts; the command is launched with `new-window` and the pane is read with
   `capture-pane -p` until a known text is on screen, 2 ms after the previous read returned (a
   read itself costs ~10 ms of a tmux client here, so figures carry that granularity):
   - brainstorm: the newest session's topic, with --sessions sessions of --ideas ideas seeded
     through the store and `brainstorm list` run once (so the list's summary caches exist, as
     after any use); then Textual's own frame (its footer: the list before it is drawn by
     `tui.first_frame` while Textual loads); then "first key": `n` is sent and the clock stops
     at "New session";
   - elia, oterm, parllama: a text of the screen each shows at start (PEER_SCREENS);
   - two floors, run with the project's Python (so the same Textual): a Textual app showing
     one Static, and one with Header, Footer and a 40-row DataTable (closer to our list).
   The tmux server is killed after every run, and every process the run started (found by a
   tag in its environment) is killed with it.

No Ollama server is reached: OLLAMA_HOST/OLLAMA_URL point at http://127.0.0.1:9 (closed).
Every command gets its own HOME and XDG dirs under a temporary directory. Each one is first
run once, untimed (so first-run work such as creating a database is not counted), and every
timed run starts from a copy of the home that first run left. For fairness to the peers:
oterm's splash animation is switched off in its config (it is on by default and adds seconds)
and LITELLM_LOCAL_MODEL_COST_MAP=True stops litellm (used by elia and parllama) fetching its
price list from the internet, which here (no internet) means seconds of retries with back-off.

Peers live in their own venvs, never in the project's:

    python3 -m venv /tmp/peer-llm && /tmp/peer-llm/bin/pip install llm llm-ollama
    python3 -m venv /tmp/peer-elia-chat && /tmp/peer-elia-chat/bin/pip install elia-chat
    python3 -m venv /tmp/peer-oterm && /tmp/peer-oterm/bin/pip install oterm
    python3 -m venv /tmp/peer-parllama && /tmp/peer-parllama/bin/pip install parllama

    .venv/bin/python benchmarks/bench_startup.py [--runs 7] [--peer NAME=PATH ...]
        [--sessions 40] [--ideas 30] [--timeout 60]

Without --peer, the four paths above are tried; peers whose path does not exist are skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_tui import MODEL, seed  # noqa: E402

from brainstorm.store import SessionStore  # noqa: E402

BRAINSTORM = ROOT / ".venv" / "bin" / "brainstorm"
PYTHON = ROOT / ".venv" / "bin" / "python"
DEAD_SERVER = "http://127.0.0.1:9"
DEFAULT_PEERS = [
    "llm=/tmp/peer-llm/bin/llm",
    "elia=/tmp/peer-elia-chat/bin/elia",
    "oterm=/tmp/peer-oterm/bin/oterm",
    "parllama=/tmp/peer-parllama/bin/parllama",
]
DISTRIBUTIONS = {"llm": "llm llm-ollama", "elia": "elia-chat", "oterm": "oterm"}
# What each peer's first screen shows with no server (after its first run). parllama reopens
# the tab last shown, which after the first run is Options, whose "About" box holds this text.
PEER_SCREENS = {"elia": "Welcome to Elia!", "oterm": "Welcome to oterm!", "parllama": "ParLlama: v"}
# Also accepted on the untimed first run (parllama's welcome dialog may cover the text).
FIRST_RUN_SCREENS = {"parllama": "Thank your for trying ParLlama"}
# The floors: what any Textual app needs here to show a first screen (argument "table": with
# Header, Footer and a 40-row DataTable, closer to our session list).
FLOOR = """import sys
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header, Static

class Floor(App[None]):
    BINDINGS = [("q", "quit", "Quit"), ("n", "bell", "New")]

    def compose(self) -> ComposeResult:
        if sys.argv[1:] != ["table"]:
            yield Static("floor: first screen")
            return
        yield Header()
        table: DataTable[str] = DataTable(cursor_type="row")
        table.add_columns("topic", "ideas", "accepted", "updated")
        for n in range(40):
            table.add_row(f"table floor row {n:02d}", "30", "10", "2025-01-01 12:00")
        yield table
        yield Footer()

Floor().run()
"""


@dataclass
class Target:
    name: str
    argv: list[str]
    home: Path  # the state every timed run starts from (a copy of it)
    kind: str = "peer"  # "ours", "peer" or "floor" (no --help)
    screen: str | None = None  # text the first screen shows; None: no screen timed
    # A text only the UI toolkit's own frame shows, for a command that draws its first
    # frame before the toolkit is up (brainstorm's footer keys: `tui.first_frame`).
    drawn: str | None = None
    key: tuple[str, str] | None = None  # (key to send, text answering it)
    env: dict[str, str] = field(default_factory=dict)
    help_wall: list[float] = field(default_factory=list)
    help_cpu: list[float] = field(default_factory=list)
    shown: list[float] = field(default_factory=list)
    toolkit: list[float] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    leftovers: int = 0  # processes still running after the pane's process group was killed


def environment(target: Target, home: Path, tag: str) -> dict[str, str]:
    xdg = {"CONFIG": ".config", "DATA": ".local/share", "CACHE": ".cache", "STATE": ".local/state"}
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        "HOME": str(home),
        **{f"XDG_{kind}_HOME": str(home / path) for kind, path in xdg.items()},
        "OLLAMA_HOST": DEAD_SERVER,
        "OLLAMA_URL": DEAD_SERVER,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "BENCH_STARTUP_TAG": tag,
        **target.env,
    }


def kill_tagged(tag: str, group: int = 0) -> int:
    """Kill every process still carrying ``tag`` in its environment; how many had left the
    command's process ``group`` (workers it started; members of the group just sent SIGKILL
    can still be listed for a moment, and are not counted)."""
    needle = f"BENCH_STARTUP_TAG={tag}".encode()
    escaped = 0
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError):
            if needle in (proc / "environ").read_bytes().split(b"\0"):
                escaped += os.getpgid(int(proc.name)) != group
                os.kill(int(proc.name), signal.SIGKILL)
    return escaped


def time_help(target: Target, home: Path) -> None:
    started = time.perf_counter()
    process = subprocess.Popen(
        [*target.argv, "--help"],
        env=environment(target, home, home.name),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    target.help_wall.append(time.perf_counter() - started)
    target.help_cpu.append(usage.ru_utime + usage.ru_stime)
    target.leftovers += kill_tagged(home.name)
    if code := os.waitstatus_to_exitcode(status):
        target.failures.append(f"--help exited {code}")


def time_screen(target: Target, home: Path, timeout: float, *texts: str) -> list[float]:
    """Launch ``target`` in a fresh tmux server: seconds until the screen shows any of
    ``texts`` (default: ``target.screen``), then (if it has a key) until the key is answered."""
    tag = home.name
    socket = f"bench-startup-{os.getpid()}-{tag}"

    def tmux(*args: str) -> str:
        command = ["tmux", "-L", socket, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout

    def wait_for(*wanted: str) -> float:
        while True:
            screen = tmux("capture-pane", "-p", "-t", "bench:app")
            if any(text in screen for text in wanted):
                return time.perf_counter() - started
            if time.perf_counter() > started + timeout:
                last = " / ".join(line.strip() for line in screen.splitlines() if line.strip())
                raise TimeoutError(f"{wanted[0]!r} not on screen after {timeout:g} s: {last}")
            time.sleep(0.002)

    env = environment(target, home, tag)
    command = "exec env -i " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command += " " + shlex.join(target.argv)
    tmux("new-session", "-d", "-s", "bench", "-x", "80", "-y", "24", "sleep 600")
    pane_pid = 0
    try:
        started = time.perf_counter()
        out = tmux("new-window", "-P", "-F", "#{pane_pid}", "-t", "bench:", "-n", "app", command)
        pane_pid = int(out.strip() or 0)
        times = [wait_for(*(texts or (target.screen or "",)))]
        if target.drawn is not None and not texts:
            times.append(wait_for(target.drawn))
        if target.key is not None and not texts:
            tmux("send-keys", "-t", "bench:app", target.key[0])
            times.append(wait_for(target.key[1]))
        return times
    finally:
        if pane_pid:
            with contextlib.suppress(OSError):  # the pane's command leads its own group
                os.killpg(pane_pid, signal.SIGKILL)
        tmux("kill-server")
        target.leftovers += kill_tagged(tag, pane_pid)


def first_run(target: Target, timeout: float) -> str:
    """The untimed first run, in the home every timed run then starts from a copy of."""
    if target.kind != "floor":
        env = environment(target, target.home, "first-run")
        subprocess.run([*target.argv, "--help"], env=env, capture_output=True, timeout=timeout)
    if target.screen is None:
        return "no screen: --help only"
    texts = [target.screen, *filter(None, [FIRST_RUN_SCREENS.get(target.name)])]
    try:
        shown = time_screen(target, target.home, timeout, *texts)[0]
        return f"waits for {target.screen!r} (first run, untimed: on screen after {shown:.2f} s)"
    except TimeoutError as error:
        return f"first run, untimed: {error}"
    finally:
        time.sleep(1)  # let the files of the killed app settle before they are copied


def measure(target: Target, scratch: Path, timeout: float) -> None:
    """One timed round of ``target``, each run in a fresh copy of its home."""
    if target.kind != "floor":
        home = Path(shutil.copytree(target.home, scratch / f"help-{time.monotonic_ns()}"))
        time_help(target, home)
    if target.screen is not None:
        home = Path(shutil.copytree(target.home, scratch / f"screen-{time.monotonic_ns()}"))
        try:
            times = time_screen(target, home, timeout)
            target.shown.append(times[0])
            if target.drawn is not None:
                target.toolkit.append(times[1])
            if target.key is not None:
                target.answered.append(times[-1])
        except TimeoutError as error:
            target.failures.append(str(error))


def version(command: str, name: str) -> str:
    """The versions of a peer and its Textual, asked of the Python of its venv."""
    dists = [*DISTRIBUTIONS.get(name, name).split(), "textual"]
    code = (
        "import contextlib, importlib.metadata as m, sys\n"
        "for d in sys.argv[1:]:\n"
        "    with contextlib.suppress(m.PackageNotFoundError): print(d, m.version(d))"
    )
    python = Path(command).parent / "python"
    done = subprocess.run([python, "-c", code, *dists], capture_output=True, text=True)
    return ", ".join(done.stdout.splitlines()) or "version unknown"


def make_targets(args: argparse.Namespace, tmp: Path) -> list[Target]:
    store = SessionStore(tmp / "sessions")
    seed(store, args.sessions, args.ideas)
    settings = {"SESSIONS_DIR": str(store.root), "BACKEND": "ollama", "MODEL": MODEL}
    settings["CONFIG"] = str(tmp / "no-config.toml")
    ours = Target("brainstorm", [str(BRAINSTORM)], tmp / "home-brainstorm", "ours")
    ours.screen, ours.key = store.summaries()[0].topic, ("n", "New session")
    ours.drawn = "f1 Help"
    ours.env = {f"BRAINSTORM_{key}": value for key, value in settings.items()}
    ours.home.mkdir()
    env = environment(ours, ours.home, "list")
    subprocess.run([*ours.argv, "list"], env=env, check=True, capture_output=True)
    targets = [ours]
    for name, path in (spec.split("=", 1) for spec in args.peer or DEFAULT_PEERS):
        if not Path(path).exists():
            print(f"{name}: skipped, {path} does not exist")
            continue
        print(f"{name}: {version(path, name)}")
        target = Target(name, [path], tmp / f"home-{name}", screen=PEER_SCREENS.get(name))
        (target.home / ".local" / "share").mkdir(parents=True)
        if name == "oterm":  # its splash animation is a choice, not start-up cost
            (target.home / ".local" / "share" / "oterm").mkdir()
            config = target.home / ".local" / "share" / "oterm" / "config.json"
            config.write_text('{"splash-screen": false}')
        targets.append(target)
    script = tmp / "floor.py"
    script.write_text(FLOOR)
    for name, extra, text in [
        ("floor: Static", [], "floor: first screen"),
        ("floor: table", ["table"], "table floor row 00"),
    ]:
        argv = [str(PYTHON), str(script), *extra]
        targets.append(Target(name, argv, tmp / f"home-{name[7:]}", "floor", screen=text))
        targets[-1].home.mkdir()
    return targets


def report(targets: list[Target], runs: int) -> None:
    def ms(values: list[float]) -> str:
        if not values:
            return "–"
        return f"{statistics.median(values) * 1000:,.0f} ({min(values) * 1000:,.0f})"

    def ratio(values: list[float], attribute: str) -> str:
        peers = [getattr(t, attribute) for t in targets if t.kind == "peer"]
        best = min(filter(None, peers), key=statistics.median, default=None)
        if not values or not best:
            return "–"
        return f"{statistics.median(values) / statistics.median(best):.2f}"

    header = ("command", "--help wall", "--help CPU", "first screen", "help/peer", "screen/peer")
    rows = [header]
    for t in targets:
        help_ratio, screen_ratio = ratio(t.help_wall, "help_wall"), ratio(t.shown, "shown")
        rows.append(
            (t.name, ms(t.help_wall), ms(t.help_cpu), ms(t.shown), help_ratio, screen_ratio)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    print(f"\nms, median (min) of {runs} runs; x/peer: median over the fastest peer's median")
    for n, row in enumerate(rows):
        cells = [cell.rjust(width) for cell, width in zip(row, widths, strict=True)]
        print(" | ".join([row[0].ljust(widths[0]), *cells[1:]]))
        if n == 0:
            print("-+-".join("-" * width for width in widths))
    print(
        f"\nbrainstorm, launch to Textual's own frame (its footer keys; the list before it is"
        f" drawn by tui.first_frame): {ms(targets[0].toolkit)} ms;"
        f" to the first key answered (`n` sent once the footer is on screen, until"
        f' "New session" is): {ms(targets[0].answered)} ms'
    )
    for target in targets:
        if target.leftovers:
            print(f"{target.name}: {target.leftovers} process(es) outlived their group; killed")
        for failure in dict.fromkeys(target.failures):
            print(f"{target.name}: {target.failures.count(failure)} run(s) failed: {failure}")


def main(args: argparse.Namespace) -> int:
    if not BRAINSTORM.exists() or not shutil.which("tmux"):
        print(f"needs tmux and {BRAINSTORM} (make .venv/.installed)")
        return 1
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at start: {load} ({os.cpu_count()} CPUs)")
    print(f"brainstorm and the floors: textual {importlib.metadata.version('textual')}")
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp_name:
        tmp = Path(tmp_name)
        targets = make_targets(args, tmp)
        for target in targets:
            print(f"{target.name}: {first_run(target, args.timeout)}", flush=True)
        (tmp / "runs").mkdir()
        for n in range(args.runs):
            print(f"round {n + 1}/{args.runs}", end="\r", flush=True, file=sys.stderr)
            for target in targets:
                measure(target, tmp / "runs", args.timeout)
        report(targets, args.runs)
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--peer", action="append", metavar="NAME=PATH", help="A peer's command (repeatable)."
    )
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--ideas", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=60.0, help="Seconds per screen.")
    sys.exit(main(parser.parse_args()))
