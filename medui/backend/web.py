"""What stands in front of the app's routes: allowed Host names, CORS, body sizes, login limits and sessions.

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
`SessionTokens` replaces Gradio's token table: a login expires after `session_seconds`, and a password reset
(a new hash in the database) ends every session of that user.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import json
import os
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

MAX_BODY_BYTES = 16_000_000  # a queue call: a 2 MB text, JSON-escaped (up to 6 bytes a character), with room
MAX_UPLOAD_BODY_BYTES = 21_000_000  # the upload route: a 20 MB file and its multipart framing
MAX_LOGIN_BODY_BYTES = 8_192
FREE_FAILURES = 5  # failed logins before the back-off starts
MAX_BACKOFF_S = 300.0
MAX_PARALLEL_LOGINS = 32  # login attempts in flight at once from one client address
MAX_TRACKED = 10_000
LOCAL_NAMES = ("127.0.0.1", "localhost", "::1")
UPLOAD_ROUTE = "/gradio_api/upload"
FILE_ROUTES = ("/gradio_api/file=", "/gradio_api/file/")  # Gradio's file route and its older spelling
MAX_UPLOAD_ANSWER_BYTES = 1_000_000  # the upload route's answer: the stored paths, as JSON
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


# login limits ----------------------------------------------------------------------------------------------
class LoginLimiter:
    """Failed logins per key (a client address, a user name): after FREE_FAILURES, a doubling wait.

    An attempt in flight counts as a failure of its user name until it ends (parallel guesses at one name are
    bounded too), but not of its client address: colleagues behind one address log in at once, and a client
    is only capped at MAX_PARALLEL_LOGINS attempts in flight.
    """

    def __init__(self, free: int = FREE_FAILURES, max_wait_s: float = MAX_BACKOFF_S, clock=time.monotonic):
        self.free, self.max_wait_s, self.clock = free, max_wait_s, clock
        self.failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # key -> (failures, last failure)
        self.pending: dict[str, int] = {}  # key -> attempts in flight
        self.lock = threading.Lock()

    def wait_s(self, *keys: str) -> float:
        """Seconds before any of these keys may try again (0: now)."""
        with self.lock:
            return self._wait_s(keys)

    def _wait_s(self, keys) -> float:
        now, wait = self.clock(), 0.0
        for key in keys:
            count, last = self.failures.get(key, (0, 0.0))
            in_flight = self.pending.get(key, 0)
            if key.startswith("client:"):
                if in_flight >= MAX_PARALLEL_LOGINS:
                    wait = max(wait, 1.0)
            else:
                count, last = count + in_flight, last if in_flight == 0 else now
            if count >= self.free:
                wait = max(wait, last + self._backoff(count) - now)
        return max(wait, 0.0)

    def admit(self, *keys: str) -> float:
        """0 and the attempt counted as in flight, or the seconds to wait (nothing counted)."""
        with self.lock:
            wait = self._wait_s(keys)
            if wait <= 0:
                for key in keys:
                    self.pending[key] = self.pending.get(key, 0) + 1
            return wait

    def finish(self, *keys: str, ok: bool) -> None:
        """An admitted attempt ended: a success clears its keys, a failure counts."""
        with self.lock:
            for key in keys:
                left = self.pending.get(key, 0) - 1
                if left > 0:
                    self.pending[key] = left
                else:
                    self.pending.pop(key, None)
        (self.succeeded if ok else self.failed)(*keys)

    def _backoff(self, count: int) -> float:
        return min(2.0 ** (count - self.free), self.max_wait_s)

    def failed(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                count, _ = self.failures.pop(key, (0, 0.0))
                self.failures[key] = (count + 1, self.clock())
            while len(self.failures) > MAX_TRACKED:
                self.failures.popitem(last=False)

    def succeeded(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self.failures.pop(key, None)


# sessions --------------------------------------------------------------------------------------------------
class SessionTokens(dict):
    """Gradio's table of login tokens (token -> user name) whose entries expire or end with a password reset.

    `stamp(name)` says which password a user has now (None: no longer a user); a token remembers the stamp it
    was issued under. Gradio reads the table with get(), writes it with []=.
    """

    def __init__(self, stamp: Callable[[str], str | None], session_seconds: float, clock=time.monotonic):
        super().__init__()
        self.stamp, self.session_seconds, self.clock = stamp, session_seconds, clock
        self.issued: dict[str, tuple[float, str | None]] = {}

    def __setitem__(self, token: str, name: str) -> None:
        self.issued[token] = (self.clock(), self.stamp(name))
        super().__setitem__(token, name)

    def __delitem__(self, token: str) -> None:
        self.issued.pop(token, None)
        super().__delitem__(token)

    def get(self, token, default=None):
        name = super().get(token)
        if name is None:
            return default
        issued, stamp = self.issued.get(token, (0.0, None))
        if self.clock() - issued > self.session_seconds or self.stamp(name) != stamp:
            del self[token]
            return default
        return name


def password_stamp(name: str) -> str | None:
    """A short fingerprint of a user's stored password hash (it changes when the password is reset)."""
    from sqlmodel import select

    from medui.backend.store.db import session_scope
    from medui.backend.store.tables import User

    with session_scope() as session:
        stored = session.exec(select(User.password_hash).where(User.name == name)).first()
    return hashlib.sha256(stored.encode()).hexdigest()[:16] if stored else None


# uploads ---------------------------------------------------------------------------------------------------
class FileAccess:
    """Who may read a file of Gradio's upload folder by its path. Gradio serves any file there to anyone logged
    in; here an upload goes only to who uploaded it (uploads.UPLOADS, recorded as the upload route answers),
    and any other file there only when this app made it (an output, such as Studio's CSV): another user's
    upload, a file left by an earlier run and a missing file get the same 403, Gradio's own words.

    `user_of(headers)`: the logged-in user of a request (None: not logged in, or the one user without accounts);
    `made_here(path)`: whether the app wrote that file for a page.
    """

    def __init__(self, folder: str, owners, user_of: Callable[[dict], str | None],
                 made_here: Callable[[str], bool]):  # fmt: skip
        self.folder = Path(folder).resolve()
        self.owners, self.user_of, self.made_here = owners, user_of, made_here

    def may_read(self, headers: dict, target: str) -> bool:
        """Whether a request may read the file a /file= path names (outside the upload folder: Gradio decides)."""
        path = os.path.abspath(target)  # as Gradio's file route reads it
        try:
            inside = Path(path).resolve().is_relative_to(self.folder)
        except (OSError, RuntimeError, ValueError):
            return True  # Gradio refuses what it cannot read
        if not inside:
            return True
        if self.owners.known(path):
            return self.owners.owned_by(path, self.user_of(headers))
        return self.made_here(path)

    def recording(self, send, headers: dict):
        """A send that records the paths an upload answer names as the requesting user's, before the client
        reads them."""
        user, status, body = self.user_of(headers), {}, bytearray()

        async def wrapped(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            elif message["type"] == "http.response.body" and status.get("code") == 200:
                if len(body) <= MAX_UPLOAD_ANSWER_BYTES:
                    body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    self.owners.record(upload_paths(bytes(body)), user)
            await send(message)

        return wrapped


def upload_paths(answer: bytes) -> list[str]:
    """The stored paths in the upload route's answer (a JSON list of them); none when it is not one."""
    try:
        paths = json.loads(answer)
    except ValueError:
        return []
    return [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else []


def file_route_target(path: str) -> str | None:
    """The server path a request to Gradio's file route names (None: another route, or a URL to fetch)."""
    for prefix in FILE_ROUTES:
        if path.startswith(prefix):
            target = path[len(prefix) :]
            return None if target.lower().startswith(("http://", "https://")) else target
    return None


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


async def login_name(scope, body: bytes) -> tuple[str, str | None]:
    """The user name in a login body, parsed as Gradio's handler parses it (Starlette's form parser, the last
    value of a field), or why the body is refused: a field named twice would let the limits count one name
    while the handler checks another."""
    from starlette.exceptions import HTTPException
    from starlette.formparsers import MultiPartException
    from starlette.requests import Request

    async def whole_body():
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        async with Request(scope, whole_body).form() as form:
            repeated = [field for field in ("username", "password") if len(form.getlist(field)) > 1]
            name = form.get("username")
    except (HTTPException, MultiPartException):
        return "", "richiesta di accesso non valida"
    if repeated:
        return "", f"richiesta di accesso non valida: il campo {repeated[0]} è ripetuto"
    return (name.strip() if isinstance(name, str) else ""), None


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


# login off the event loop ----------------------------------------------------------------------------------
HASHING_AT_ONCE = 2
_HASHING: dict[int, asyncio.Semaphore] = {}  # one per event loop


async def login_off_loop(check: Callable[[str, str], bool], name: str, password: str) -> bool:
    """Run a password check (PBKDF2, a quarter of a second) in a thread, at most HASHING_AT_ONCE at a time."""
    gate = _HASHING.setdefault(id(asyncio.get_running_loop()), asyncio.Semaphore(HASHING_AT_ONCE))
    async with gate:
        return await asyncio.to_thread(check, name, password)


@contextlib.contextmanager
def cleaned_at_exit(demo, enabled: bool = True):
    """Around a blocking launch: SIGTERM stops the app as Ctrl-C does (Gradio's loop closes the server), and when
    it stops, every file it put in the upload folder (uploads, outputs) is removed, as Gradio's delete_cache does
    on a clean shutdown of its server thread, which a SIGTERM or a connection still open at exit skip."""
    if not enabled:
        yield
        return
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if getattr(demo, "temp_file_sets", None) is not None:  # a gr.Blocks
            from gradio.route_utils import delete_files_created_by_app

            delete_files_created_by_app(demo, None)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


# the app ---------------------------------------------------------------------------------------------------
def guarded_app(bind: str):
    """A Gradio App whose middleware stack sits inside a RequestGuard and whose login tokens expire."""
    from gradio.routes import App
    from gradio.utils import get_upload_folder
    from starlette.requests import cookie_parser
    from starlette.responses import JSONResponse

    from medui.backend.uploads import UPLOADS
    from medui.config import get_settings

    settings = get_settings()
    hosts = allowed_hosts(bind, settings.allowed_hosts)

    class GuardedApp(App):
        def configure_app(self, blocks) -> None:
            super().configure_app(blocks)
            self.tokens = SessionTokens(password_stamp, settings.session_hours * 3600)

        def build_middleware_stack(self):
            files = FileAccess(get_upload_folder(), UPLOADS, self.user_of, self.made_here)
            return RequestGuard(super().build_middleware_stack(), hosts=hosts, files=files)

        def user_of(self, headers: dict) -> str | None:
            """The logged-in user of a request, read as Gradio reads it (its login cookie)."""
            cookies = cookie_parser(headers.get("cookie", ""))
            token = cookies.get(f"access-token-{self.cookie_id}") or cookies.get(
                f"access-token-unsecure-{self.cookie_id}"
            )
            return self.tokens.get(token) if token else None

        def made_here(self, path: str) -> bool:
            """Whether a page's output put this file in the upload folder (not an upload)."""
            blocks = self.get_blocks()
            return any(
                path in files for files in blocks.temp_file_sets if files is not blocks.upload_file_set
            )

    try:
        from fastapi.responses import ORJSONResponse

        response_class = ORJSONResponse
    except ImportError:  # pragma: no cover - orjson is a Gradio dependency
        response_class = JSONResponse
    return GuardedApp(default_response_class=response_class)
