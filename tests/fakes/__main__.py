"""Run the fake Ollama server by hand, to try brainstorm without a model:

    .venv/bin/python -m tests.fakes --reply-file reply.txt --lines --hold-after 4

prints the URL to use as OLLAMA_HOST and serves until Ctrl-C. Every model name is answered with
the reply (default: the fake's three ideas); ``--lines`` streams it a line per chunk (else a
word per chunk); ``--hold-after N`` parks every reply after N chunks, for trying what happens
when a process is stopped or killed mid-reply.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from pathlib import Path

from tests.fakes.ollama_server import DEFAULT_REPLY, FakeOllama


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes", description=__doc__)
    parser.add_argument("--model", action="append", help="Model name(s) (default: llama3.2).")
    parser.add_argument("--reply-file", type=Path, help="The reply to send (UTF-8 text).")
    parser.add_argument("--lines", action="store_true", help="One line per chunk.")
    parser.add_argument("--hold-after", type=int, help="Park every reply after N chunks.")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="Seconds per chunk.")
    args = parser.parse_args()
    reply = args.reply_file.read_text(encoding="utf-8") if args.reply_file else DEFAULT_REPLY
    chunks = reply.splitlines(keepends=True) if args.lines else None
    with FakeOllama(chunk_delay=args.chunk_delay) as fake:
        for name in args.model or ["llama3.2"]:
            fake.add_model(name, reply=reply, chunks=chunks)
        if args.hold_after is not None:
            fake.hold(after=args.hold_after)
        print(f"fake Ollama at {fake.url} — export OLLAMA_HOST={fake.url}  (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
