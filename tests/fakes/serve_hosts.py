"""Serve N fake Ollama hosts from the command line, to try several hosts by hand:

    python -m tests.fakes.serve_hosts 3 --delay 0.2 --stop 3:10

prints the hosts as one comma list (for `brainstorm --host ...`) and serves them until
Ctrl-C. Each host has the models named by --model (default llama3.2), whose replies take
--delay seconds per chunk (a reply is four chunks: "Idea one." … plus the final one).
`--stop K:N` stops host K (1-based) once its N-th reply has started, as if the machine died
mid-reply: its open replies are cut off. Events go to stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from tests.fakes.ollama_server import FakeOllama

REPLY = "1. Idea one.\n2. Idea two.\n3. Idea three."


def _stop_spec(text: str) -> tuple[int, int]:
    host, _, after = text.partition(":")
    try:
        return int(host), int(after or "1")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST:N, e.g. 3:10") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="how many hosts")
    parser.add_argument("--model", action="append", help="a model every host has (repeatable)")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per reply chunk")
    parser.add_argument(
        "--stop",
        type=_stop_spec,
        action="append",
        default=[],
        metavar="HOST:N",
        help="stop host HOST (1-based) once its N-th reply has started",
    )
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("count must be at least 1")
    servers = [FakeOllama(default_reply=REPLY, chunk_delay=args.delay) for _ in range(args.count)]
    for server in servers:
        for model in args.model or ["llama3.2"]:
            server.add_model(model)
        server.start()
    print(",".join(server.url for server in servers), flush=True)
    done = threading.Event()

    def stop_later(number: int, after: int) -> None:
        server = servers[number - 1]
        url = server.url
        while not done.is_set():
            if server.wait_until(lambda: len(server.requests_to("/api/chat")) >= after, 0.5):
                server.stop()
                print(f"stopped host {number} ({url}) at its reply {after}", file=sys.stderr)
                return

    for number, after in args.stop:
        if not 1 <= number <= len(servers):
            parser.error(f"--stop {number}:{after}: there are {len(servers)} hosts")
        threading.Thread(target=stop_later, args=(number, after), daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        done.set()
        for server in servers:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
