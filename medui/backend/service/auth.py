"""Users, passwords and roles of the app: every write action is checked here, on the server.

Passwords are stored as `pbkdf2_sha256$<iterations>$<salt>$<hash>` (the Django scheme string; salt and hash in
base64), made with the standard library. Roles grow: a clinician runs and compares, an annotator also corrects,
a curator also assigns documents to annotators and adjudicates their disagreements, a researcher also trains and
manages models. With no user that has a password, the app runs for one local user with every right (only on this
machine: the server binds 127.0.0.1 unless told otherwise).

The command line has no login: `acting_user` takes the name given with the command (`--curator NAME`) and checks
that user's stored role once accounts exist. It keeps a team from mistakes (an annotator adjudicating), not an
attacker out: whoever can run `medui` on the database can also write to it directly.
"""

from __future__ import annotations

import base64
import functools
import getpass
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from medui.backend.store.tables import USER_ROLES, User
from medui.errors import MeduiError

SCHEME = "pbkdf2_sha256"
ITERATIONS = 600_000
ROLE_LEVEL = {"clinician": 0, "annotator": 1, "curator": 2, "researcher": 3}
ACTIONS = {  # action -> the least role allowed to do it
    "run": "clinician",
    "compare": "clinician",
    "correct": "annotator",
    "assign": "curator",
    "adjudicate": "curator",
    "train": "researcher",
    "models": "researcher",
}
ROLE_NAMES_IT = {
    "clinician": "clinico",
    "annotator": "annotatore",
    "curator": "curatore",
    "researcher": "ricercatore",
}
MIN_PASSWORD_CHARS = 8


class AuthError(MeduiError, ValueError):
    """A user, password or permission problem; the message says what, in Italian, for the page."""


@dataclass(frozen=True)
class Identity:
    """Who makes a request: a name and a role (local: the single user of an app without accounts)."""

    name: str
    role: str
    local: bool = False

    def can(self, action: str) -> bool:
        return ROLE_LEVEL[self.role] >= ROLE_LEVEL[ACTIONS[action]]


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    """A salted PBKDF2-SHA256 hash in the standard scheme string."""
    salt = base64.b64encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), iterations)
    return f"{SCHEME}${iterations}${salt}${base64.b64encode(digest).decode('ascii')}"


def check_password(password: str, stored: str | None) -> bool:
    """Whether a password matches a stored scheme string (constant-time comparison)."""
    try:
        scheme, iterations, salt, expected = (stored or "").split("$")
        if scheme != SCHEME:
            return False
        digest = hashlib.pbkdf2_hmac(
            "sha256", password.encode("utf-8"), salt.encode("ascii"), int(iterations)
        )
    except ValueError:
        return False
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), expected)


def add_user(name: str, role: str, password: str, *, session: Session) -> User:
    """Create a user with a password, or set the role and password of an existing one."""
    name = (name or "").strip()
    if not name or len(name) > 64 or any(ch in name for ch in "$\n\r\t"):
        raise AuthError("un utente ha un nome di 1-64 caratteri, senza tabulazioni né a capo")
    if role not in USER_ROLES:
        raise AuthError(f"ruolo sconosciuto {role!r}: usa uno tra {', '.join(USER_ROLES)}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AuthError(f"la password deve avere almeno {MIN_PASSWORD_CHARS} caratteri")
    user = session.exec(select(User).where(User.name == name)).first() or User(name=name)
    user.role, user.password_hash = role, hash_password(password)
    session.add(user)
    session.flush()
    return user


def users_configured(*, session: Session) -> bool:
    """Whether any user has a password (then the app asks everyone to log in)."""
    query = select(User.id).where(col(User.password_hash).is_not(None)).limit(1)
    return session.exec(query).first() is not None


def verify_login(name: str, password: str, *, session: Session) -> bool:
    """Whether a name and password belong to a user with a password."""
    user = session.exec(select(User).where(User.name == (name or "").strip())).first()
    if user is None or not user.password_hash:
        check_password(password, _dummy_hash())  # the same work for unknown names
        return False
    return check_password(password, user.password_hash)


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(8))


def local_name() -> str:
    """The name corrections carry when the app runs without accounts: the system user's."""
    try:
        return getpass.getuser() or "locale"
    except (KeyError, OSError):
        return "locale"


def identity(username: str | None, *, session: Session) -> Identity:
    """The identity of a request: the logged-in user (role read now), or the local user when there are none."""
    if username:
        user = session.exec(select(User).where(User.name == username)).first()
        if user is None or not user.password_hash or user.role not in ROLE_LEVEL:
            raise AuthError(f"l'utente {username!r} non esiste più o non ha un ruolo valido")
        return Identity(user.name, user.role)
    if users_configured(session=session):
        raise AuthError("ci sono utenti configurati: riavvia l'app e accedi con nome e password")
    return Identity(local_name(), "researcher", local=True)


def require(who: Identity, action: str) -> None:
    """Raise AuthError unless the identity's role allows the action."""
    if not who.can(action):
        needed = ROLE_NAMES_IT[ACTIONS[action]]
        raise AuthError(
            f"permesso negato: {who.name} è {ROLE_NAMES_IT[who.role]}; serve il ruolo {needed} o superiore"
        )


def acting_user(name: str | None, action: str, *, session: Session) -> Identity:
    """Who acts from the command line, checked for an action (see the module docstring).

    With accounts, `name` must be a user with a password whose role allows the action; without any, the one
    local user acts (under `name` when given) with every right, as in the app.
    """
    name = (name or "").strip() or None
    if users_configured(session=session):
        if name is None:
            raise AuthError(
                "users are configured: name who acts (--curator NAME)",
                italian="ci sono utenti configurati: indica chi agisce (--curator NOME)",
            )
        user = session.exec(select(User).where(User.name == name)).first()
        if user is None or not user.password_hash:
            raise AuthError(
                f"{name!r} is not a user with an account here (medui users add {name} --role curator)",
                italian=f"{name!r} non è un utente con un account (medui users add {name} --role curator)",
            )
        who = identity(name, session=session)
    else:
        who = Identity(name or local_name(), "researcher", local=True)
    require(who, action)
    return who
