"""A fake OpenAI-compatible server: a real HTTP/1.1 server on 127.0.0.1 speaking the wire format
the official `openai` client reads (Server-Sent Events for streamed chat completions), for the
faults a real server will not stage on demand. Behaviour that a real server has is tested
against llama.cpp's own server (tests/test_openai_server.py); this fake covers the rest:

- auth: `api_key` set → requests without `Authorization: Bearer <key>` get a 401 whose
  message echoes the key that was sent (as OpenAI's own does), to prove nothing leaks it;
- faults on chat: `fail` (a status and body), `cut_after` (drop the connection after N
  content chunks, the chunked body unterminated), `end_without_finish` (a clean `[DONE]` with
  no finish_reason, as llama.cpp's server ends a stream it interrupts), `error_after` (an
  `{"error": …}` event mid-stream);
- refusals: `refuse_json_schema` (a 500, like llama-cpp-python 0.3.x), `refuse_json_object`,
  `refuse_stream_options` (a 400 naming the field);
- `hold_after` N chunks parks every stream until `release()` or the client leaves (recorded in
  `disconnects`), so a test can cancel mid-stream without sleeping.

Observe `requests` (method, path, JSON body, headers) and `errors` (bugs in the fake itself).
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, cast

from tests.fakes.ollama_server import schema_example

REPLY = "1. A tool library in the stairwell.\n2. A weekly repair café.\n3. Seed swaps at school."


@dataclass
class Recorded:
    method: str
    path: str
    body: Any
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case


class FakeOpenAI:
    """Use as a context manager; `url` is the base URL (`http://127.0.0.1:PORT/v1`)."""

    def __init__(self, models: dict[str, str] | None = None) -> None:
        self.models: dict[str, str] = dict(models or {"fake-model": REPLY})  # id → reply
        self.embedding_models: set[str] = set()
        self.api_key: str | None = None
        self.fail: tuple[int, Any] | None = None  # status and JSON body for every chat
        self.cut_after: int | None = None
        self.end_without_finish = False
        self.error_after: int | None = None
        self.refuse_json_schema = False
        self.refuse_json_object = False
        self.refuse_stream_options = False
        self.finish_reason = "stop"
        self.hold_after: int | None = None
        self.requests: list[Recorded] = []
        self.errors: list[str] = []
        self.disconnects = 0
        self.left = threading.Event()  # set when a client leaves a parked stream
        self.held = threading.Event()  # set when a stream parks
        self._release = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def chats(self) -> list[Any]:
        """The JSON bodies of the chat requests, in order."""
        return [r.body for r in self.requests if r.path.endswith("/chat/completions")]

    def release(self) -> None:
        self._release.set()

    def __enter__(self) -> Self:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.fake = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def fake(self) -> FakeOpenAI:
        return cast(FakeOpenAI, self.server.fake)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        fake = self.fake
        try:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.requests.append(Recorded(self.command, self.path, body, headers))
            wanted = f"Bearer {fake.api_key}"
            if fake.api_key is not None and self.headers.get("Authorization") != wanted:
                sent = self.headers.get("Authorization", "").removeprefix("Bearer ")
                message = f"Incorrect API key provided: {sent}."
                self._json(401, {"error": {"message": message, "type": "invalid_request_error"}})
            elif self.command == "GET" and self.path == "/v1/models":
                ids = [*fake.models, *sorted(fake.embedding_models)]
                data = [{"id": i, "object": "model", "created": 0, "owned_by": "me"} for i in ids]
                self._json(200, {"object": "list", "data": data})
            elif self.command == "POST" and self.path == "/v1/chat/completions":
                self._chat(body)
            elif self.command == "POST" and self.path == "/v1/embeddings":
                self._embed(body)
            else:
                self._json(404, {"detail": "Not Found"})
        except (BrokenPipeError, ConnectionResetError):
            fake.disconnects += 1
            self.close_connection = True
        except Exception:
            fake.errors.append(traceback.format_exc())
            self.close_connection = True

    # -- chat ---------------------------------------------------------------------------------

    def _chat(self, body: dict[str, Any]) -> None:
        fake = self.fake
        model = body.get("model")
        fmt = body.get("response_format") or {}
        if fake.fail is not None:
            return self._json(*fake.fail)
        if model not in fake.models:
            message = f"The model `{model}` does not exist."
            return self._json(404, {"error": {"message": message, "type": "NotFoundError"}})
        if fake.refuse_stream_options and "stream_options" in body:
            return self._json(400, {"error": {"message": "Unrecognized field: stream_options"}})
        if fmt.get("type") == "json_schema" and fake.refuse_json_schema:
            return self._json(500, {"message": "Internal Server Error"})
        if fmt.get("type") == "json_object" and fake.refuse_json_object:
            return self._json(400, {"error": {"message": "response_format is not supported"}})
        text = fake.models[model]
        if fmt.get("type") in ("json_schema", "json_object"):
            schema = fmt.get("schema") or fmt.get("json_schema", {}).get("schema") or {}
            text = json.dumps(schema_example(schema))
        pieces = [text[i : i + 8] for i in range(0, len(text), 8)]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for number, piece in enumerate(pieces):
            if fake.cut_after is not None and number == fake.cut_after:
                return self._cut()
            if fake.error_after is not None and number == fake.error_after:
                self._event({"error": {"message": "the model runner crashed", "code": 500}})
                return self._end()
            if fake.hold_after is not None and number == fake.hold_after:
                fake.held.set()
                if self._park():
                    return
            self._event(_chunk(model, {"content": piece}, None))
        if not fake.end_without_finish:
            self._event(_chunk(model, {}, fake.finish_reason))
            if body.get("stream_options", {}).get("include_usage"):
                usage = {"prompt_tokens": 21, "completion_tokens": len(pieces), "total_tokens": 0}
                self._event({**_chunk(model, {}, None), "choices": [], "usage": usage})
        self._data(b"[DONE]")
        self._end()

    def _park(self) -> bool:
        """Wait for `release()`; True when the client left meanwhile."""
        while not self.fake._release.wait(0.01):
            readable, _, _ = select.select([self.connection], [], [], 0)
            if readable and self.connection.recv(1, socket.MSG_PEEK) == b"":
                self.fake.disconnects += 1
                self.fake.left.set()
                self.close_connection = True
                return True
        return False

    # -- embeddings ---------------------------------------------------------------------------

    def _embed(self, body: dict[str, Any]) -> None:
        model = body.get("model")
        if model not in self.fake.embedding_models:
            return self._json(500, {"detail": "Llama model must be created with embedding=True"})
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [
            {"object": "embedding", "index": i, "embedding": _vector(text)}
            for i, text in enumerate(texts)
        ]
        self._json(200, {"object": "list", "data": data[::-1], "model": model})

    # -- plumbing -----------------------------------------------------------------------------

    def _json(self, status: int, obj: Any) -> None:
        raw = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _event(self, obj: Any) -> None:
        self._data(json.dumps(obj).encode())

    def _data(self, payload: bytes) -> None:
        frame = b"data: " + payload + b"\n\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
        self.wfile.flush()

    def _end(self) -> None:
        self.wfile.write(b"0\r\n\r\n")

    def _cut(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _vector(text: str) -> list[float]:
    """A deterministic vector per text: same text, same direction (similarity 1.0)."""
    words = text.lower().split()
    return [float(sum(len(w) for w in words if w[:1] == letter) + 1) for letter in "aeiost"]
