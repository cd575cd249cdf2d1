"""Run the fake Ollama server by hand, to try the app or the command line without Ollama (or
with a reply no model would write on demand, such as hostile text):

    .venv/bin/python -m tests.fakes.serve --reply '1. Pay \\u202eevil\\u200bcorp.\\n2. Fine.'

prints its URL (`http://127.0.0.1:PORT`; put it in OLLAMA_HOST) and serves until Ctrl-C.
In --reply, `\\n`, `\\t`, `\\uXXXX` and `\\UXXXXXXXX` stand for those characters.
"""

from __future__ import annotations

import argparse
import re
import signal

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
    args = parser.parse_args()
    with FakeOllama(args.model or ["llama3.2"]) as server:
        server.default_reply = DEFAULT_REPLY if args.reply is None else unescape(args.reply)
        print(server.url, flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})


if __name__ == "__main__":
    main()
