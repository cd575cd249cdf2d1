"""Run the fake Ollama server by hand, to try the app or the command line without Ollama (or
with a reply no model would write on demand, such as hostile text):

    .venv/bin/python -m tests.fakes.serve --reply '1. Pay \\u202eevil\\u200bcorp.\\n2. Fine.'

prints its URL (`http://127.0.0.1:PORT`; put it in OLLAMA_HOST) and serves until Ctrl-C.
In --reply, `\\n`, `\\t`, `\\uXXXX` and `\\UXXXXXXXX` stand for those characters.
--reply-file FILE sends a file's text exactly; --lines streams the reply a line per chunk (else
a word per chunk); --hold-after N parks every reply after N chunks, to try what happens when
a command is stopped or killed mid-reply.
"""

from __future__ import annotations

import argparse
import re
import signal
from pathlib import Path

from tests.fakes.ollama_server import DEFAULT_REPLY, FakeOllama

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|n|t|\\)")
_SIMPLE = {"n": "\n", "t": "\t", "\\": "\\"}


def unescape(text: str) -> str:
    """`\\n`, `\\t`, `\\\\`, `\\uXXXX` and `\\UXXXXXXXX` in `text` as the characters they name."""
    return _ESCAPE.sub(lambda m: _SIMPLE.get(m[1]) or chr(int(m[1][1:], 16)), text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", help="a model to serve (default: llama3.2)")
    parser.add_argument("--reply", help="every model's reply (escapes as above)")
    parser.add_argument("--reply-file", type=Path, help="every model's reply: a UTF-8 file")
    parser.add_argument("--lines", action="store_true", help="stream a line per chunk")
    parser.add_argument("--hold-after", type=int, help="park every reply after N chunks")
    args = parser.parse_args()
    reply = DEFAULT_REPLY if args.reply is None else unescape(args.reply)
    if args.reply_file is not None:
        reply = args.reply_file.read_text(encoding="utf-8")
    chunks = reply.splitlines(keepends=True) if args.lines else None
    with FakeOllama() as server:
        for name in args.model or ["llama3.2"]:
            server.add_model(name, reply=reply, chunks=chunks)
        if args.hold_after is not None:
            server.hold(after=args.hold_after)
        print(server.url, flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})


if __name__ == "__main__":
    main()
