"""What stands in front of the app's routes: allowed Host names, CORS, frames, body sizes, login limits.

`RequestGuard` is the outermost ASGI layer (before Gradio's own CORS middleware):
- a request whose Host is not a name the app serves gets 403 (DNS rebinding: a foreign page that points its own
  name at 127.0.0.1 reaches the app with its own name in Host);
- a response never tells a foreign Origin it may read it (Access-Control-Allow-* removed);
- no response may be framed by another site (CSP frame-ancestors, X-Frame-Options: clickjacking), and every
  cookie it sets stays on this site (SameSite=Lax where Gradio says None);
- a body over the limit gets 413 before anything parses it (Content-Length, or counted as it streams);
- POST /login is limited per client address and per user name, with a back-off after a few failures; its body
  is read as Gradio's handler reads it, and one naming a field twice is refused;
- a file of the upload folder is served (/file=) only to who uploaded it, or when the app made it (`FileAccess`).
The login limits and sessions are in login.py, the upload folder's files in files.py, the App in server.py.
"""

from __future__ import annotations

import ipaddress
import json

from medui.backend.web.files import UPLOAD_ROUTE, FileAccess, file_route_target
from medui.backend.web.login import MAX_LOGIN_BODY_BYTES, LoginLimiter, login_name

MAX_BODY_BYTES = 16_000_000  # a queue call: a 2 MB text, JSON-escaped (up to 6 bytes a character), with room
MAX_UPLOAD_BODY_BYTES = 21_000_000  # the upload route: a 20 MB file and its multipart framing
LOCAL_NAMES = ("127.0.0.1", "localhost", "::1")
FRAME_HEADERS = (  # on every response: only this site may show the app in a frame
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-frame-options", b"SAMEORIGIN"),
)


def host_name(value: str) -> str:
    """The name of a Host header or an origin, without scheme, port and brackets, lower case."""
    value = value.strip().lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    value = value.split("/", 1)[0]
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def allowed_hosts(bind: str, extra: str = "") -> set[str]:
    """The names a Host header may carry: this machine's loopback names, the bound address, MEDUI_ALLOWED_HOSTS;
    bound to every address, this machine's own names too (IP addresses are always accepted: see host_allowed)."""
    names = {*LOCAL_NAMES, host_name(bind)} - {"0.0.0.0", "::", ""}
    if bind in ("0.0.0.0", "::"):
        import socket

        names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    names |= {host_name(n) for n in extra.replace(";", ",").split(",") if n.strip()}
    return names


# the ASGI layer --------------------------------------------------------------------------------------------
class RequestGuard:
    """Host allow-list, CORS for foreign origins, body limits, login limits and (with `files`) who reads which
    upload, in front of an ASGI app."""

    def __init__(self, app, *, hosts: set[str], limiter: LoginLimiter | None = None,
                 max_body: int = MAX_BODY_BYTES, max_upload: int = MAX_UPLOAD_BODY_BYTES,
                 files: FileAccess | None = None):  # fmt: skip
        self.app, self.hosts = app, {h.lower() for h in hosts}
        self.limiter = limiter or LoginLimiter()
        self.max_body, self.max_upload = max_body, max_upload
        self.files = files

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        send = _secured(send, foreign_origin=bool(origin) and host_name(origin) not in self.hosts)
        if not self.host_allowed(headers.get("host", "")):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await respond(send, 403, "richiesta rifiutata: nome host non consentito per questa app")
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)
        path, method = scope.get("path", ""), scope.get("method")
        if self.files is not None:
            target = file_route_target(path)
            if target is not None and not self.files.may_read(headers, target):
                return await respond(send, 403, f"File not allowed: {target}.")  # Gradio's answer for no file
            if method == "POST" and path.rstrip("/") == UPLOAD_ROUTE:
                send = self.files.recording(send, headers)
        limit = self.max_upload if path.rstrip("/").endswith("/upload") else self.max_body
        if path.rstrip("/") == "/login" and method == "POST":
            limit = MAX_LOGIN_BODY_BYTES
        length = headers.get("content-length", "")
        if length.strip().isdigit() and int(length) > limit:
            return await respond(send, 413, f"richiesta troppo grande: oltre {limit} byte")
        if limit == MAX_LOGIN_BODY_BYTES:
            return await self.login(scope, receive, send)
        await _BodyLimit(self.app, limit)(scope, receive, send)

    def host_allowed(self, host: str) -> bool:
        """A name the app serves, or an address typed as such: a rebinding page always comes by a DNS name."""
        name = host_name(host)
        if name in self.hosts:
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    async def login(self, scope, receive, send):
        """POST /login under the limits: refused at once while a back-off runs (or when a field comes twice),
        counted when it fails."""
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_LOGIN_BODY_BYTES:
                return await respond(send, 413, "richiesta troppo grande")
            if not message.get("more_body"):
                break
        name, refusal = await login_name(scope, body)
        if refusal:
            return await respond(send, 400, refusal)
        keys = (f"client:{(scope.get('client') or ('?',))[0]}", f"user:{name}")
        wait = self.limiter.admit(*keys)
        if wait > 0:
            seconds = int(wait) + 1
            text = f"Troppi tentativi di accesso falliti: riprova tra {seconds} s."
            return await respond(send, 429, text, [(b"retry-after", str(seconds).encode())])
        status = {}

        async def replay():
            nonlocal body
            chunk, body = body, b""
            return {"type": "http.request", "body": chunk, "more_body": False}

        async def observe(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, replay, observe)
        finally:
            self.limiter.finish(*keys, ok=status.get("code") == 200)


class _BodyLimit:
    """Counts a request body as it streams in; past the limit the app reads a disconnect and the client a 413."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        seen, refused = 0, False

        async def counted():
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                refused = True
                await respond(send, 413, f"richiesta troppo grande: oltre {self.limit} byte")
                return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        try:
            await self.app(scope, counted, guarded_send)
        except Exception:
            if not refused:
                raise  # what the app reads after a refusal is a disconnect: its error is expected, not logged


def _secured(send, foreign_origin: bool):
    """A send that adds FRAME_HEADERS, keeps cookies on this site and, for a foreign origin, drops the headers
    letting it read the response."""

    async def wrapped(message):
        if message["type"] == "http.response.start":
            kept = _kept_headers(message.get("headers", []), foreign_origin)
            message["headers"] = [*kept, *FRAME_HEADERS]
        await send(message)

    return wrapped


def _kept_headers(headers, foreign_origin: bool) -> list:
    """A response's headers without its own X-Frame-Options (and CORS for a foreign origin), cookies Lax."""
    kept = []
    for key, value in headers:
        name = key.lower()
        if name == b"x-frame-options" or (foreign_origin and name.startswith(b"access-control-allow")):
            continue
        kept.append((key, same_site_lax(value) if name == b"set-cookie" else value))
    return kept


def same_site_lax(cookie: bytes) -> bytes:
    """A Set-Cookie value with SameSite=Lax in place of None or none given (a Strict one is kept)."""
    name_value, *attributes = (part.strip() for part in cookie.split(b";"))
    strict = any(a.lower().replace(b" ", b"") == b"samesite=strict" for a in attributes)
    kept = [a for a in attributes if a and not a.lower().startswith(b"samesite")]
    return b"; ".join([name_value, *kept, b"SameSite=Strict" if strict else b"SameSite=Lax"])


async def respond(send, status: int, text: str, headers: list | None = None) -> None:
    """A small JSON answer {"detail": text}."""
    body = json.dumps({"detail": text}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
