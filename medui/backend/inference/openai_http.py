"""The wire under openai_client.py: one HTTP exchange with an OpenAI-compatible server, bounded in time and size
(what the answers hold is read in openai_shapes.py).

- A deadline bounds the whole of each exchange (connecting, sending, the answer's headers and body): every network
  read and write of the thread waits at most until it, so a server that drips a byte at a time cannot hold a run
  past MEDUI_OPENAI_TIMEOUT. httpx has no overall timeout, only one per read; the deadline is put on the network
  streams of the client's connection pools (`bounded_client`), and checked again between the body's chunks.
- A body is read up to a limit (ANSWER_MAX_BYTES for a completion, LISTING_MAX_BYTES for /models): past it the
  exchange ends with a ServingError, before the rest is read.
- One TLS context serves every client.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpcore
import httpx

from medui.errors import MeduiError

MIB = 1024 * 1024
ANSWER_MAX_BYTES = 4 * MIB  # a completion: its text, log-probabilities and usage (a few KB in practice)
LISTING_MAX_BYTES = 8 * MIB  # /models: thousands of entries (parsed whole: about 15x its size, for a moment)


class ServingError(MeduiError, RuntimeError):
    """A server that cannot be reached, refuses a request or ignores the schema; `italian`: for the app."""

    def __init__(self, message: str, italian: str | None = None):
        super().__init__(message, italian=italian)


def shown_url(url: str) -> str:
    """A URL without the user and password it may carry (for messages and stored parameters)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:200]


# the deadline -----------------------------------------------------------------------------------------------
_LOCAL = threading.local()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """Every network read and write of this thread (on a bounded client) ends within `seconds` from now."""
    previous = getattr(_LOCAL, "at", None)
    _LOCAL.at = at = time.monotonic() + seconds
    try:
        yield at
    finally:
        _LOCAL.at = previous


def _left(timeout: float | None, late: type[Exception]) -> float | None:
    """The timeout of one network operation: the given one, cut to what is left before the thread's deadline."""
    at = getattr(_LOCAL, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise late("the deadline of the answer has passed")
    return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore.NetworkStream):
    """A connection whose every read and write waits at most until the deadline of the thread using it."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        bound = _left(timeout, httpcore.ConnectTimeout)
        return _BoundedStream(self._inner.start_tls(ssl_context, server_hostname, bound))

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class _BoundedBackend(httpcore.NetworkBackend):
    """A network backend whose connections are _BoundedStreams."""

    def __init__(self, inner: httpcore.NetworkBackend):
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable | None = None,
    ) -> httpcore.NetworkStream:
        bound = _left(timeout, httpcore.ConnectTimeout)
        return _BoundedStream(self._inner.connect_tcp(host, port, bound, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable | None = None
    ) -> httpcore.NetworkStream:
        bound = _left(timeout, httpcore.ConnectTimeout)
        return _BoundedStream(self._inner.connect_unix_socket(path, bound, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every client (each of its own would load the CA bundle again, about 1 MB)."""
    return httpx.create_ssl_context()


def bounded_client(
    base_url: str, timeout: float, headers: dict, auth: tuple[str, str] | None
) -> httpx.Client:
    """An httpx client whose exchanges keep to `deadline` (its proxies' too) and ask for uncompressed answers."""
    client = httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
        headers={**headers, "Accept-Encoding": "identity"},
        auth=auth,
        verify=_ssl_context(),
    )
    # httpx takes no network backend: its pools' is wrapped where it keeps it (else the body's chunks are
    # still checked against the deadline, and each read against the timeout)
    for transport in [client._transport, *client._mounts.values()]:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend) and not isinstance(backend, _BoundedBackend):
            pool._network_backend = _BoundedBackend(backend)
    return client


# one exchange -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reply:
    """A server's answer to one request: its status, body (at most the limit) and the wait it asks for."""

    status: int
    body: bytes
    retry_after: float


def exchange(
    client: httpx.Client, method: str, path: str, body: dict | None, timeout: float, limit: int
) -> Reply:
    """One request and its whole answer within `timeout` seconds and `limit` bytes (ServingError past it)."""
    with deadline(timeout) as at, client.stream(method, path, json=body) as response:
        data = _read_body(response, limit, at, path)
        return Reply(response.status_code, data, _retry_after(response.headers))


def _read_body(response: httpx.Response, limit: int, at: float, path: str) -> bytes:
    """The body, chunk by chunk, stopping past `limit` bytes or the deadline `at`."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big(str(response.request.url), path, limit)
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) > limit:
            raise too_big(str(response.request.url), path, limit)
        if time.monotonic() > at:
            raise httpx.ReadTimeout("the deadline of the answer has passed")
    return bytes(data)


def too_big(url: str, path: str, limit: int) -> ServingError:
    shown = shown_url(url).removesuffix(path)
    return ServingError(
        f"the server {shown} answered {path} with more than {limit // MIB} MB, more than medui reads: "
        "is it an OpenAI-compatible server?",
        f"il server {shown} ha risposto a {path} con più di {limit // MIB} MB, più di quanto medui legge",
    )


def _retry_after(headers: httpx.Headers) -> float:
    """The seconds a 429 or 503 asks to wait (Retry-After), 0 when it says none."""
    try:
        wait = float(headers.get("retry-after", ""))
    except ValueError:
        return 0.0
    return wait if math.isfinite(wait) and wait > 0 else 0.0


def parse_json(body: bytes) -> object | None:
    """The JSON of a body, None when it is not JSON (or nested past what Python parses)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None
