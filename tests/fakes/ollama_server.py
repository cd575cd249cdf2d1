"""A fake Ollama server: a real HTTP/1.1 server on 127.0.0.1 that the real `ollama` client
cannot tell from the real thing (see /work/shared/OLLAMA_WIRE.md for the wire format).

Use it as a context manager or through the `fake_ollama` fixture::

    with FakeOllama() as server:
        server.add_model("llama3.2", reply="One idea. Another idea.")
        client = ollama.Client(host=server.url)

What a test can set:
- models: `add_model`, `reply_for`, `remove_model`; a reply is text (split into small chunks),
  an explicit list of chunks, or a callable of the request; requests with a JSON-schema
  `format` get JSON matching the schema (`structured=` or `schema_example`).
- timing: `chunk_delay` (server-wide or per model) and `hold(after=N)` / `release()`, which
  parks every stream after N chunks so a test can act mid-stream without sleeping.
- faults: `fail_with` (HTTP status + {"error": msg}), `busy` (503), `error_mid_stream`
  (an {"error": ...} line inside a 200 stream), `cut_mid_stream` (the socket closes without
  the terminating chunk, so httpx raises RemoteProtocolError), `end_mid_stream` (a clean end
  with no `done` line).

What a test can observe: `requests` (method, path, JSON body), `in_flight` / `max_in_flight`,
`held`, `connections_opened`, `disconnects` + the `disconnected` event (a client left before
its response was complete), `errors` (bugs inside the fake itself). Nothing here sleeps for
synchronisation: waits go through `wait_until` / `wait_until_async`, which block on a
condition variable.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import select
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self, cast

BUSY_MESSAGE = "server busy, please try again.  maximum pending requests exceeded"
PULL_NOT_FOUND = "pull model manifest: file does not exist"
VERSION = "0.12.0"
DEFAULT_REPLY = (
    "Here are three ideas:\n"
    "1. A shared calendar for neighbours to lend each other tools.\n"
    "2. A weekly walk that maps broken street lights.\n"
    "3. A seed library in the school entrance hall."
)

Reply = str | Callable[["RecordedRequest"], str]
Json = Any  # whatever json.loads returns

# How often a parked stream re-checks whether it was released. Only used inside the server
# thread; tests never sleep.
_POLL = 0.005


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for "server is down" tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unused_url() -> str:
    """`http://127.0.0.1:PORT` with nothing listening: connecting is refused at once."""
    return f"http://127.0.0.1:{free_port()}"


def normalize_name(name: str) -> str:
    """Ollama stores `llama3.2` as `llama3.2:latest`; both names find the same model."""
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"


def split_reply(text: str) -> list[str]:
    """Split text into word-sized chunks (each word keeps its trailing whitespace), the way a
    model streams tokens. Joining the chunks gives back the text exactly."""
    return re.findall(r"\s+|\S+\s*", text) if text else []


def schema_example(schema: Mapping[str, Any], *, items: int = 3) -> Json:
    """A value that validates against a (simple) JSON schema, as a model constrained by that
    schema would produce. Handles what pydantic emits: $defs/$ref, anyOf, enum, const,
    arrays with min/maxItems, nested objects. Strings are `"<property> <n>"`."""
    root = schema

    def build(node: Mapping[str, Any], label: str, n: int) -> Json:
        if "$ref" in node:
            ref = str(node["$ref"])
            target: Any = root
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            return build(target, label, n)
        if "const" in node:
            return node["const"]
        if node.get("enum"):
            return node["enum"][0]
        for key in ("anyOf", "oneOf", "allOf"):
            if node.get(key):
                options = [o for o in node[key] if o.get("type") != "null"] or node[key]
                return build(options[0], label, n)
        kind = node.get("type", "object" if "properties" in node else "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object":
            props: Mapping[str, Any] = node.get("properties", {})
            return {name: build(sub, name, n) for name, sub in props.items()}
        if kind == "array":
            count = max(int(node.get("minItems", 0)), min(items, int(node.get("maxItems", items))))
            sub = node.get("items", {"type": "string"})
            singular = label[:-1] if label.endswith("s") else label
            return [build(sub, singular, i + 1) for i in range(count)]
        if kind == "integer":
            return int(node.get("minimum", n))
        if kind == "number":
            return float(node.get("minimum", n))
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return f"{label} {n}"

    return build(schema, "item", 1)


def _now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# --- configuration and records ------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    body: Json  # parsed JSON; None when the body was empty or not JSON
    raw: bytes
    headers: Mapping[str, str]

    def _get(self, key: str) -> Any:
        return self.body.get(key) if isinstance(self.body, dict) else None

    @property
    def model(self) -> str | None:
        value = self._get("model") or self._get("name")
        return value if isinstance(value, str) else None

    @property
    def options(self) -> dict[str, Any]:
        value = self._get("options")
        return value if isinstance(value, dict) else {}

    @property
    def format(self) -> Any:
        return self._get("format")

    @property
    def messages(self) -> list[dict[str, Any]]:
        value = self._get("messages")
        return value if isinstance(value, list) else []

    @property
    def stream(self) -> bool:
        # Ollama streams unless told otherwise; the Python client always says which.
        return self._get("stream") is not False


@dataclass
class FakeModel:
    """A model the fake knows. `installed=False` means only the "registry" has it: /api/pull
    can fetch it, everything else answers 404 until then."""

    name: str
    reply: Reply | None = None  # None: the server's default_reply
    chunks: list[str] | None = None  # exact chunks; wins over `reply` text (not over callables)
    structured: Any = None  # reply to a JSON-schema `format` (str: sent verbatim)
    chunk_delay: float | None = None  # None: the server's chunk_delay
    installed: bool = True
    size: int = 2_019_393_189
    family: str = "llama"
    parameter_size: str = "3.2B"
    quantization: str = "Q4_K_M"
    context_length: int = 131_072
    embedding_size: int = 8
    stats: dict[str, int] = field(default_factory=dict)  # overrides for final-chunk figures
    modified_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def digest(self) -> str:
        return _digest(self.name)

    def details(self) -> dict[str, Any]:
        return {
            "parent_model": "",
            "format": "gguf",
            "family": self.family,
            "families": [self.family],
            "parameter_size": self.parameter_size,
            "quantization_level": self.quantization,
        }

    def layers(self) -> list[tuple[str, int]]:
        """(digest, size) of the blobs a pull downloads: weights, template, params."""
        return [
            (_digest(self.name + "/model"), self.size),
            (_digest(self.name + "/template"), 1_429),
            (_digest(self.name + "/params"), 96),
        ]


@dataclass
class Fault:
    """A failure the server injects into matching requests.

    Set exactly one of `status`, `error_after`, `cut_after`, `end_after`. `path` and `model`
    narrow which requests it hits (None: any /api/ route for `status`, any streaming route —
    chat, generate, pull — for the others). `times` limits how many requests it hits.
    """

    status: int | None = None
    message: str = "an injected failure"
    error_after: int | None = None  # send {"error": message} after this many chunks (200 stream)
    cut_after: int | None = None  # close the socket after this many chunks
    end_after: int | None = None  # end the stream cleanly after this many chunks, no done line
    path: str | None = None
    model: str | None = None
    times: int | None = None
    hits: int = 0

    @property
    def kind(self) -> Literal["status", "stream"]:
        return "status" if self.status is not None else "stream"

    def matches(self, request: RecordedRequest) -> bool:
        if self.path is not None and request.path != self.path:
            return False
        if self.path is None:
            allowed = _STREAMING_PATHS if self.kind == "stream" else None
            if allowed is not None and request.path not in allowed:
                return False
            if allowed is None and not request.path.startswith("/api/"):
                return False
        if self.model is not None:
            asked = request.model
            if asked is None or normalize_name(asked) != normalize_name(self.model):
                return False
        return True


_STREAMING_PATHS = frozenset({"/api/chat", "/api/generate", "/api/pull"})


class _ClientGone(Exception):
    """The client closed its end (or the server is stopping) before the response finished."""


# --- the server ---------------------------------------------------------------------------------


class FakeOllama:
    """A fake Ollama on 127.0.0.1:<random port>, served from daemon threads.

    Attributes tests may set directly: `default_reply`, `chunk_delay` (seconds before each
    chunk), `version`. Attributes to read: `url`, `host`, `port`, `requests`, `disconnects`,
    `disconnected`, `in_flight`, `max_in_flight`, `held`, `connections_opened`, `errors`.
    """

    def __init__(
        self,
        models: Iterable[str] = (),
        *,
        default_reply: str = DEFAULT_REPLY,
        chunk_delay: float = 0.0,
    ) -> None:
        self.default_reply = default_reply
        self.chunk_delay = chunk_delay
        self.version = VERSION
        self.models: dict[str, FakeModel] = {}
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self.disconnects: list[RecordedRequest] = []
        self.disconnected = threading.Event()
        self.errors: list[str] = []  # unexpected exceptions inside the fake (a bug in it)
        self.in_flight = 0
        self.max_in_flight = 0
        self.held = 0
        self.connections_opened = 0  # TCP connections accepted (keep-alive reuse shows here)
        self.loaded: dict[str, datetime] = {}  # for /api/ps: model -> expires_at

        # One condition guards all mutable state, and every change notifies it, so tests can
        # wait for any predicate without polling.
        self._cond = threading.Condition()
        self._hold_after: int | None = None
        self._hold_path: str | None = None
        self._release = threading.Event()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        for name in models:
            self.add_model(name)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(
            # A short poll interval keeps stop() fast: shutdown() waits for the next poll.
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"fake-ollama:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop every open connection and join the threads (bounded)."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        with self._cond:
            self._stopping.set()
            self._release.set()  # wake parked streams
            connections = list(self._connections)
            handlers = list(self._handler_threads)
            self._cond.notify_all()
        httpd.shutdown()
        httpd.server_close()
        # Keep-alive connections would otherwise block their handler thread in readline().
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=2)
        for handler in handlers:
            handler.join(timeout=2)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeOllama is not running; call start() or use `with`")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, what `ollama.Client(host=...)` accepts."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        """`127.0.0.1:PORT`, the form people put in OLLAMA_HOST."""
        return f"127.0.0.1:{self.port}"

    # -- models -------------------------------------------------------------------------------

    def add_model(
        self,
        name: str,
        *,
        reply: Reply | None = None,
        chunks: list[str] | None = None,
        structured: Any = None,
        chunk_delay: float | None = None,
        installed: bool = True,
        **details: Any,
    ) -> FakeModel:
        """Add (or replace) a model. `details` sets other FakeModel fields (size, family,
        parameter_size, quantization, context_length, embedding_size, stats)."""
        model = FakeModel(
            name=normalize_name(name),
            reply=reply,
            chunks=chunks,
            structured=structured,
            chunk_delay=chunk_delay,
            installed=installed,
            **details,
        )
        with self._cond:
            self.models[model.name] = model
            self._cond.notify_all()
        return model

    def add_pullable(self, name: str, **kwargs: Any) -> FakeModel:
        """A model that is in the registry but not installed yet."""
        return self.add_model(name, installed=False, **kwargs)

    def reply_for(self, model: str, reply: Reply, *, structured: Any = None) -> FakeModel:
        """Set the reply of `model` (installing it if needed)."""
        with self._cond:
            existing = self.models.get(normalize_name(model))
            if existing is None:
                return self.add_model(model, reply=reply, structured=structured)
            existing.reply = reply
            existing.chunks = None
            if structured is not None:
                existing.structured = structured
            return existing

    def remove_model(self, name: str) -> None:
        with self._cond:
            self.models.pop(normalize_name(name), None)
            self._cond.notify_all()

    def installed(self, name: str) -> bool:
        model = self.models.get(normalize_name(name))
        return model is not None and model.installed

    # -- faults and pacing --------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        with self._cond:
            self.faults.append(fault)
        return fault

    def fail_with(
        self,
        status: int,
        message: str = "an injected failure",
        *,
        path: str | None = None,
        model: str | None = None,
        times: int | None = None,
    ) -> Fault:
        """Answer matching requests with `status` and `{"error": message}`."""
        return self.add_fault(
            Fault(status=status, message=message, path=path, model=model, times=times)
        )

    def busy(self, *, path: str | None = None, times: int | None = None) -> Fault:
        """503 with Ollama's queue-full message."""
        return self.fail_with(503, BUSY_MESSAGE, path=path, times=times)

    def error_mid_stream(
        self,
        after: int,
        message: str = "an error was encountered while running the model: unexpected EOF",
        *,
        path: str | None = None,
        model: str | None = None,
        times: int | None = None,
    ) -> Fault:
        """After `after` chunks, send `{"error": message}` and end the 200 stream."""
        return self.add_fault(
            Fault(error_after=after, message=message, path=path, model=model, times=times)
        )

    def cut_mid_stream(
        self,
        after: int,
        *,
        path: str | None = None,
        model: str | None = None,
        times: int | None = None,
    ) -> Fault:
        """After `after` chunks, close the socket without the terminating zero-length chunk."""
        return self.add_fault(Fault(cut_after=after, path=path, model=model, times=times))

    def end_mid_stream(
        self,
        after: int,
        *,
        path: str | None = None,
        model: str | None = None,
        times: int | None = None,
    ) -> Fault:
        """After `after` chunks, end the stream properly but without the `done: true` line
        (Ollama never does this; a proxy in between might)."""
        return self.add_fault(Fault(end_after=after, path=path, model=model, times=times))

    def clear_faults(self) -> None:
        with self._cond:
            self.faults.clear()

    def hold(self, after: int = 1, *, path: str | None = None) -> None:
        """Park every response (on `path`, or chat/generate/pull) after `after` chunks until
        `release()`, the client leaving, or stop(). `held` counts parked responses. With
        `after=0` and a `path` that does not stream (`/api/tags`), requests to it go
        unanswered until then: a server that accepts the connection and says nothing.

        Parked means the first `after` chunks were *sent*: the client may not have read them
        yet. A test that needs them received must wait for evidence on the client's side."""
        with self._cond:
            self._hold_after = after
            self._hold_path = path
            self._release = threading.Event()
            self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self._hold_after = None
            self._release.set()
            self._cond.notify_all()

    # -- observation --------------------------------------------------------------------------

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._cond:
            return [r for r in self.requests if r.path == path]

    def last_request(self, path: str | None = None) -> RecordedRequest:
        with self._cond:
            matching = [r for r in self.requests if path is None or r.path == path]
        if not matching:
            raise AssertionError(f"no request to {path or 'any path'} was recorded")
        return matching[-1]

    def clear_records(self) -> None:
        with self._cond:
            self.requests.clear()
            self.disconnects.clear()
            self.disconnected.clear()
            self.errors.clear()
            self.max_in_flight = self.in_flight

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Block until `predicate()` (checked under the server's lock after every change)."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    # The async waits take `timeout` like the sync ones (ruff's ASYNC109 prefers
    # asyncio.timeout, which could not interrupt the waiting thread anyway).
    async def wait_until_async(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> bool:
        """`wait_until` without blocking the event loop the client runs on."""
        return await asyncio.to_thread(self.wait_until, predicate, timeout)

    def wait_for_disconnect(self, count: int = 1, timeout: float = 5.0) -> bool:
        """True once `count` clients have left before their response was complete."""
        return self.wait_until(lambda: len(self.disconnects) >= count, timeout)

    async def wait_for_disconnect_async(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> bool:
        return await self.wait_until_async(lambda: len(self.disconnects) >= count, timeout)

    def wait_for_held(self, count: int = 1, timeout: float = 5.0) -> bool:
        """True once `count` responses are parked at the `hold()` point."""
        return self.wait_until(lambda: self.held >= count, timeout)

    async def wait_for_held_async(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> bool:
        return await self.wait_until_async(lambda: self.held >= count, timeout)

    # -- internals used by the handler --------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._cond:
            self.requests.append(request)
            self._cond.notify_all()

    def _enter(self) -> None:
        with self._cond:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._cond.notify_all()

    def _leave(self) -> None:
        with self._cond:
            self.in_flight -= 1
            self._cond.notify_all()

    def _record_disconnect(self, request: RecordedRequest) -> None:
        with self._cond:
            if self._stopping.is_set():
                return  # the server dropped it, not the client
            self.disconnects.append(request)
            self.disconnected.set()
            self._cond.notify_all()

    def _record_error(self, text: str) -> None:
        with self._cond:
            self.errors.append(text)
            self._cond.notify_all()

    def _take_fault(
        self, request: RecordedRequest, kind: Literal["status", "stream"]
    ) -> Fault | None:
        with self._cond:
            for fault in self.faults:
                if fault.kind == kind and fault.matches(request):
                    fault.hits += 1
                    if fault.times is not None and fault.hits >= fault.times:
                        self.faults.remove(fault)
                    return fault
        return None

    def _track(self, conn: socket.socket) -> bool:
        with self._cond:
            if self._stopping.is_set():
                return False
            self._connections.add(conn)
            self.connections_opened += 1
            self._handler_threads.add(threading.current_thread())
            return True

    def _untrack(self, conn: socket.socket) -> None:
        with self._cond:
            self._connections.discard(conn)
            self._handler_threads.discard(threading.current_thread())

    def _reply_text(self, model: FakeModel, request: RecordedRequest) -> list[str]:
        """The chunks to send for a chat/generate request."""
        if callable(model.reply):
            return split_reply(model.reply(request))
        fmt = request.format
        if isinstance(fmt, dict) or fmt == "json":
            if model.structured is not None:
                text = (
                    model.structured
                    if isinstance(model.structured, str)
                    else json.dumps(model.structured)
                )
            elif isinstance(fmt, dict):
                text = json.dumps(schema_example(fmt))
            else:
                text = json.dumps({"response": model.reply or self.default_reply})
            return split_reply(text)
        if model.chunks is not None:
            return list(model.chunks)
        return split_reply(model.reply if model.reply is not None else self.default_reply)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # concurrency tests open many connections at once
    fake: FakeOllama

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup that can be slow.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError | _ClientGone):
            return  # a client hung up; not a bug in the fake
        self.fake._record_error(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, like Go's net/http

    @property
    def fake(self) -> FakeOllama:
        return cast(_HTTPServer, self.server).fake

    def setup(self) -> None:
        super().setup()
        if not self.fake._track(self.connection):
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.fake._untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def send_response(self, code: int, message: str | None = None) -> None:
        # Go's net/http sends no Server header; only the status line and Date.
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    # -- plumbing -----------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_bytes(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, obj: Json) -> None:
        body = json.dumps(obj, separators=(",", ":")).encode()
        self._send_bytes(status, body, "application/json; charset=utf-8")

    def _send_text(self, status: int, text: str) -> None:
        self._send_bytes(status, text.encode(), "text/plain; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._send_json(status, {"error": message})

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _send_line(self, obj: Json, *, last: bool = False) -> None:
        # One JSON object per line, one HTTP chunk per line (Go flushes after each). The last
        # line goes out with the terminating chunk in one write, so a client that stops
        # reading at `done` cannot make the terminator fail and look like a disconnect.
        data = json.dumps(obj, separators=(",", ":")).encode() + b"\n"
        end = b"0\r\n\r\n" if last else b""
        self.wfile.write(b"%x\r\n%s\r\n%s" % (len(data), data, end))

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")

    def _cut(self) -> None:
        """Drop the connection with the response unfinished: no terminating chunk."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _client_gone(self, wait: float = 0.0) -> bool:
        """Wait up to `wait` seconds; True as soon as the client has closed its end."""
        if self.fake._stopping.is_set():
            return True
        try:
            readable, _, _ = select.select([self.connection], [], [], wait)
            if not readable:
                return False
            # Readable mid-response means EOF (or RST): clients do not pipeline.
            peeked: bytes = self.connection.recv(1, socket.MSG_PEEK)
            return peeked == b""
        except (OSError, ValueError):
            return True

    def _pause(self, seconds: float) -> None:
        """Simulated generation time that still notices a client leaving at once."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if self._client_gone(max(remaining, 0.0)):
                raise _ClientGone
            # The select above may have used up the time already: measure again.
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            # Readable but not EOF (unexpected bytes): wait out the rest without spinning.
            if self.fake._stopping.wait(remaining):
                raise _ClientGone
            return

    def _hold_point(self, index: int) -> None:
        fake = self.fake
        with fake._cond:
            if fake._hold_after != index:
                return
            if fake._hold_path is not None and fake._hold_path != self.path_only:
                return
            if fake._hold_path is None and self.path_only not in _STREAMING_PATHS:
                return
            release = fake._release
            fake.held += 1
            fake._cond.notify_all()
        try:
            while not release.is_set():
                if self._client_gone(_POLL):
                    raise _ClientGone
        finally:
            with fake._cond:
                fake.held -= 1
                fake._cond.notify_all()

    @property
    def path_only(self) -> str:
        return self.path.split("?", 1)[0]

    # -- routing ------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        fake = self.fake
        raw = self._read_body()
        body: Json = None
        bad_json: str | None = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError as exc:
                bad_json = f"invalid character at offset {getattr(exc, 'pos', 0)}: {exc}"
        request = RecordedRequest(
            method=self.command,
            path=self.path_only,
            body=body,
            raw=raw,
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        fake._record(request)
        fake._enter()
        try:
            self._route(request, bad_json)
        except (_ClientGone, BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True
            fake._record_disconnect(request)
        finally:
            fake._leave()

    def _route(self, request: RecordedRequest, bad_json: str | None) -> None:
        routes: dict[tuple[str, str], Callable[[RecordedRequest], None]] = {
            ("GET", "/"): self._root,
            ("HEAD", "/"): self._root,
            ("GET", "/api/version"): self._version,
            ("HEAD", "/api/version"): self._version,
            ("GET", "/api/tags"): self._tags,
            ("GET", "/api/ps"): self._ps,
            ("POST", "/api/chat"): self._chat,
            ("POST", "/api/generate"): self._generate,
            ("POST", "/api/show"): self._show,
            ("POST", "/api/pull"): self._pull,
            ("POST", "/api/embed"): self._embed,
        }
        handler = routes.get((request.method, request.path))
        if handler is None:
            # Gin (Ollama's router) answers unknown routes and wrong methods alike.
            self._send_text(404, "404 page not found")
            return
        fault = self.fake._take_fault(request, "status")
        if fault is not None and fault.status is not None:
            self._error(fault.status, fault.message)
            return
        if request.method == "POST":
            if bad_json is not None:
                self._error(400, bad_json)
                return
            if not isinstance(request.body, dict):
                self._error(400, "missing request body" if not request.raw else "invalid request")
                return
            if not request.model:
                self._error(400, "model is required")
                return
        if request.path not in _STREAMING_PATHS:
            self._hold_point(0)  # `hold(after=0, path=...)`: a request left unanswered
        handler(request)

    def _find_model(self, request: RecordedRequest) -> FakeModel | None:
        """The installed model the request names, or None after answering 404."""
        name = request.model or ""
        with self.fake._cond:
            model = self.fake.models.get(normalize_name(name))
        if model is None or not model.installed:
            self._error(404, f"model '{name}' not found")
            return None
        return model

    # -- endpoints ----------------------------------------------------------------------------

    def _root(self, request: RecordedRequest) -> None:
        self._send_text(200, "Ollama is running")

    def _version(self, request: RecordedRequest) -> None:
        self._send_json(200, {"version": self.fake.version})

    def _tags(self, request: RecordedRequest) -> None:
        with self.fake._cond:
            models = [m for m in self.fake.models.values() if m.installed]
        self._send_json(
            200,
            {
                "models": [
                    {
                        "name": m.name,
                        "model": m.name,
                        "modified_at": m.modified_at.isoformat(),
                        "size": m.size,
                        "digest": m.digest.removeprefix("sha256:"),
                        "details": m.details(),
                    }
                    for m in models
                ]
            },
        )

    def _ps(self, request: RecordedRequest) -> None:
        fake = self.fake
        with fake._cond:
            running = [(fake.models[n], exp) for n, exp in fake.loaded.items() if n in fake.models]
        self._send_json(
            200,
            {
                "models": [
                    {
                        "name": m.name,
                        "model": m.name,
                        "size": m.size,
                        "digest": m.digest.removeprefix("sha256:"),
                        "details": m.details(),
                        "expires_at": expires.isoformat(),
                        "size_vram": m.size,
                        "context_length": 4096,
                    }
                    for m, expires in running
                ]
            },
        )

    def _show(self, request: RecordedRequest) -> None:
        model = self._find_model(request)
        if model is None:
            return
        arch = model.family
        self._send_json(
            200,
            {
                "license": "FAKE LICENSE",
                "modelfile": f"# Modelfile generated by the fake\nFROM {model.name}\n",
                "parameters": 'stop "<|eot_id|>"',
                "template": "{{ .Prompt }}",
                "details": model.details(),
                "model_info": {
                    "general.architecture": arch,
                    "general.parameter_count": model.size // 2,
                    f"{arch}.context_length": model.context_length,
                    f"{arch}.embedding_length": model.embedding_size,
                },
                "capabilities": ["completion"],
                "modified_at": model.modified_at.isoformat(),
            },
        )

    def _embed(self, request: RecordedRequest) -> None:
        model = self._find_model(request)
        if model is None:
            return
        raw_input = request.body.get("input", [])
        inputs = [raw_input] if isinstance(raw_input, str) else list(raw_input or [])
        if not all(isinstance(text, str) for text in inputs):
            self._error(400, "invalid input type")
            return
        self._mark_loaded(model)
        self._send_json(
            200,
            {
                "model": model.name,
                "embeddings": [self._embedding(model, text) for text in inputs],
                "total_duration": 14_143_917,
                "load_duration": 1_019_500,
                "prompt_eval_count": sum(len(text.split()) for text in inputs),
            },
        )

    @staticmethod
    def _embedding(model: FakeModel, text: str) -> list[float]:
        # Deterministic, unit-length: equal texts embed equally, different ones differ.
        seed = hashlib.sha256(f"{model.name}\0{text}".encode()).digest()
        values = [(seed[i % len(seed)] - 127.5) / 127.5 for i in range(model.embedding_size)]
        norm = sum(v * v for v in values) ** 0.5 or 1.0
        return [v / norm for v in values]

    def _mark_loaded(self, model: FakeModel) -> None:
        with self.fake._cond:
            self.fake.loaded[model.name] = datetime.now(UTC) + timedelta(minutes=5)

    def _chat(self, request: RecordedRequest) -> None:
        self._complete(request, "chat")

    def _generate(self, request: RecordedRequest) -> None:
        self._complete(request, "generate")

    def _complete(self, request: RecordedRequest, kind: Literal["chat", "generate"]) -> None:
        body: dict[str, Any] = request.body
        messages = body.get("messages")
        if kind == "chat" and messages is not None and not isinstance(messages, list):
            self._error(400, "json: cannot unmarshal messages")
            return
        model = self._find_model(request)
        if model is None:
            return
        self._mark_loaded(model)
        fake = self.fake
        asked = request.model or model.name

        if kind == "chat":
            prompt_text = " ".join(str(m.get("content") or "") for m in request.messages)
            empty = not request.messages
        else:
            prompt_text = str(body.get("prompt") or "")
            empty = not prompt_text

        def line(text: str, **extra: Any) -> dict[str, Any]:
            obj: dict[str, Any] = {"model": asked, "created_at": _now_rfc3339()}
            if kind == "chat":
                obj["message"] = {"role": "assistant", "content": text}
            else:
                obj["response"] = text
            obj.update(extra)
            obj.setdefault("done", False)
            return obj

        if empty:
            # Ollama answers an empty conversation by just loading the model.
            final = line("", done_reason="load", done=True)
            if request.stream:
                self._start_stream()
                self._send_line(final, last=True)
            else:
                self._send_json(200, final)
            return

        pieces = fake._reply_text(model, request)
        done_reason = "stop"
        limit = request.options.get("num_predict")
        if isinstance(limit, int) and 0 <= limit < len(pieces):
            pieces, done_reason = pieces[:limit], "length"

        delay = model.chunk_delay if model.chunk_delay is not None else fake.chunk_delay
        fault = fake._take_fault(request, "stream")
        if request.stream:
            self._start_stream()
        for index in range(len(pieces) + 1):
            if fault is not None and index in (fault.error_after, fault.cut_after, fault.end_after):
                self._inject(fault, request.stream, partial=line("".join(pieces[:index])))
                return
            self._hold_point(index)
            if index == len(pieces):
                break
            if delay:
                self._pause(delay)
            elif self._client_gone():
                raise _ClientGone
            if request.stream:
                self._send_line(line(pieces[index]))

        prompt_eval_count = max(1, len(prompt_text.split()))
        stats: dict[str, int] = {
            "load_duration": 1_012_345,
            "prompt_eval_count": prompt_eval_count,
            "prompt_eval_duration": prompt_eval_count * 1_000_000,
            "eval_count": len(pieces),
            "eval_duration": len(pieces) * 20_000_000,
        }
        stats["total_duration"] = (
            stats["load_duration"] + stats["prompt_eval_duration"] + stats["eval_duration"]
        )
        stats.update(model.stats)
        extra: dict[str, Any] = {"done": True, "done_reason": done_reason, **stats}
        if kind == "generate":
            extra["context"] = list(range(1, prompt_eval_count + len(pieces) + 1))
        if request.stream:
            self._send_line(line("", **extra), last=True)
        else:
            self._send_json(200, line("".join(pieces), **extra))

    def _inject(self, fault: Fault, streaming: bool, partial: dict[str, Any]) -> None:
        if fault.cut_after is not None:
            self._cut()
        elif fault.end_after is not None:
            if streaming:
                self._end_stream()
            else:
                self._send_json(200, partial)
        elif streaming:
            self._send_line({"error": fault.message}, last=True)
        else:
            # Without streaming, Ollama reports a failure during generation as a 500.
            self._error(500, fault.message)

    def _pull(self, request: RecordedRequest) -> None:
        fake = self.fake
        name = request.model or ""
        with fake._cond:
            model = fake.models.get(normalize_name(name))
        lines: list[dict[str, Any]] = [{"status": "pulling manifest"}]
        if model is None:
            lines.append({"error": PULL_NOT_FOUND})
        else:
            for digest, total in model.layers():
                status = f"pulling {digest.removeprefix('sha256:')[:12]}"
                # The first line of a layer carries no `completed`, like Ollama's.
                lines.append({"status": status, "digest": digest, "total": total})
                for completed in (total // 2, total):
                    lines.append(
                        {"status": status, "digest": digest, "total": total, "completed": completed}
                    )
            lines += [
                {"status": "verifying sha256 digest"},
                {"status": "writing manifest"},
                {"status": "success"},
            ]

        delay = fake.chunk_delay
        if model is not None and model.chunk_delay is not None:
            delay = model.chunk_delay
        fault = fake._take_fault(request, "stream")
        if request.stream:
            self._start_stream()
        for index, obj in enumerate(lines):
            if fault is not None and index in (fault.error_after, fault.cut_after, fault.end_after):
                self._inject(fault, request.stream, partial=lines[index - 1] if index else {})
                return
            self._hold_point(index)
            if delay:
                self._pause(delay)
            elif self._client_gone():
                raise _ClientGone
            if "error" in obj:
                if request.stream:
                    self._send_line(obj, last=True)
                else:
                    self._error(500, obj["error"])
                return
            if obj["status"] == "success" and model is not None:
                with fake._cond:
                    model.installed = True
                    model.modified_at = datetime.now(UTC)
                    fake._cond.notify_all()
            if request.stream:
                self._send_line(obj, last=index == len(lines) - 1)
        if not request.stream:
            self._send_json(200, {"status": "success"})
