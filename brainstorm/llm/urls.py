"""Server addresses: the base URL of an OpenAI-compatible server, and any address as it may be
shown to a person; the secrets that must never be.

A host URL may carry credentials (`http://user:secret@proxy/v1`, for a proxy with basic
auth). They are sent to the server (`basic_auth`), never shown: every message, progress line,
header and record names a server through `redact`, and any text a server sends back goes
through `scrub` with the secrets in play (`credentials` of the URL, API keys), because a
server may echo the Authorization header it got. Every backend uses these. No client library
is imported here, so the app can name its server before one has loaded.
"""

from __future__ import annotations

import base64
import os
import urllib.parse
from collections.abc import Iterable

# What a secret becomes in a message.
HIDDEN_SECRET = "***"
# llama.cpp's server, vLLM and a LiteLLM proxy started without --port all listen on 8000.
DEFAULT_OPENAI_BASE_URL = "http://127.0.0.1:8000/v1"
# The path OpenAI-compatible servers serve their API under, added when a URL has no path.
OPENAI_API_PATH = "/v1"


def redact(url: str) -> str:
    """`url` without its user name and password (`http://u:p@h:1/v1` → `http://h:1/v1`); text
    that is not a URL with a host comes back with anything before an `@` removed, so no
    credential can slip through a malformed address either."""
    text = url.strip()
    try:
        split = urllib.parse.urlsplit(text if "://" in text else f"//{text}")
        if split.hostname is None:
            raise ValueError(text)
    except ValueError:
        return text.rpartition("@")[2]
    if "@" not in split.netloc:
        return text
    netloc = split.netloc.rpartition("@")[2]
    redacted = urllib.parse.urlunsplit(split._replace(netloc=netloc))
    return redacted if "://" in text else redacted.removeprefix("//")


def basic_auth(url: str) -> tuple[str, str] | None:
    """The (user, password) in `url`, percent-decoded, to send as HTTP basic auth; None when
    the URL carries none (or is not a URL)."""
    text = url.strip()
    try:
        split = urllib.parse.urlsplit(text if "://" in text else f"//{text}")
    except ValueError:
        return None
    if split.username is None and split.password is None:
        return None
    return urllib.parse.unquote(split.username or ""), urllib.parse.unquote(split.password or "")


def credentials(url: str) -> list[str]:
    """The user name and password in `url` — as written, percent-decoded, and as the HTTP
    basic-auth token they are sent as — to scrub from any text a server sends back (a server
    may echo the Authorization header). Empty when there are none."""
    try:
        split = urllib.parse.urlsplit(url if "://" in url else f"//{url}")
    except ValueError:
        return []
    found: list[str] = []
    for raw in (split.username, split.password):
        if raw:
            found.extend({raw, urllib.parse.unquote(raw)})
    if split.username or split.password:
        pair = f"{urllib.parse.unquote(split.username or '')}:"
        pair += urllib.parse.unquote(split.password or "")
        found.append(base64.b64encode(pair.encode("utf-8", "surrogatepass")).decode())
    return found


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by `***` (longest first, so a secret that contains
    another goes whole)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, HIDDEN_SECRET)
    return text


def openai_base_url(host: str | None) -> str:
    """The base URL for an OpenAI-compatible server: `host` (the --host setting), else
    OPENAI_BASE_URL, else `DEFAULT_OPENAI_BASE_URL`.

    `127.0.0.1:8000` means `http://127.0.0.1:8000`, and a URL with no path gets `/v1`, the
    path the engines serve the API under; a server that uses another path is given in full
    (e.g. `http://h:8000/api/v1`).
    Credentials are kept (they are sent); show the result only through `redact`.
    Raises ValueError for text that is not an http(s) address.
    """
    text = (host or os.environ.get("OPENAI_BASE_URL") or DEFAULT_OPENAI_BASE_URL).strip()
    if "://" not in text:
        text = f"http://{text}"
    split = urllib.parse.urlsplit(text)  # raises ValueError for a malformed netloc
    if split.scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) address: {redact(text)}")
    if not split.hostname:
        raise ValueError(f"no host name in {redact(text)}")
    _ = split.port  # raises ValueError for a port that is not a number in range
    if split.query or split.fragment:
        raise ValueError(f"a base URL has no query or fragment: {redact(text)}")
    path = split.path.rstrip("/") or OPENAI_API_PATH
    return urllib.parse.urlunsplit((split.scheme, split.netloc, path, "", ""))
