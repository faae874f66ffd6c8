"""Logins: the back-off after failed attempts, the user name a login body carries, the sessions a login opens.

`LoginLimiter` counts failed logins per client address and per user name, with a doubling wait after a few
(RequestGuard, guard.py, applies it to POST /login); `login_name` reads a login body as Gradio's handler reads it.
`SessionTokens` replaces Gradio's token table: a login expires after `session_seconds`, and a password reset
(a new hash in the database) ends every session of that user. `login_off_loop` checks a password in a thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

MAX_LOGIN_BODY_BYTES = 8_192
FREE_FAILURES = 5  # failed logins before the back-off starts
MAX_BACKOFF_S = 300.0
MAX_PARALLEL_LOGINS = 32  # login attempts in flight at once from one client address
MAX_TRACKED = 10_000


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


# login off the event loop ----------------------------------------------------------------------------------
HASHING_AT_ONCE = 2
_HASHING: dict[int, asyncio.Semaphore] = {}  # one per event loop


async def login_off_loop(check: Callable[[str, str], bool], name: str, password: str) -> bool:
    """Run a password check (PBKDF2, a quarter of a second) in a thread, at most HASHING_AT_ONCE at a time."""
    gate = _HASHING.setdefault(id(asyncio.get_running_loop()), asyncio.Semaphore(HASHING_AT_ONCE))
    async with gate:
        return await asyncio.to_thread(check, name, password)
