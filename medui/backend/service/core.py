"""Who is asking (identity and role checks), the choices pages offer, and the lock around the model."""

from __future__ import annotations

import threading

from medui.backend import auth, models
from medui.backend.engine import STRATEGIES
from medui.backend.store.db import session_scope
from medui.config import get_settings
from medui.tasks.registry import all_specs, get_spec

MODEL_LOCK = threading.RLock()  # one model computation at a time in this process: pages, API, evaluation jobs


# who ------------------------------------------------------------------------------------------------------
def identity(username: str | None) -> auth.Identity:
    """The identity of a request (AuthError when it cannot be established)."""
    with session_scope() as session:
        return auth.identity(username, session=session)


def allowed(username: str | None, action: str) -> auth.Identity:
    """The identity of a request, checked for an action (AuthError when its role does not allow it)."""
    who = identity(username)
    auth.require(who, action)
    return who


def users_configured() -> bool:
    with session_scope() as session:
        return auth.users_configured(session=session)


def login(username: str, password: str) -> bool:
    """Gradio's auth callable: a user with a password, and that password."""
    with session_scope() as session:
        return auth.verify_login(username, password, session=session)


def add_user(name: str, role: str, password: str) -> dict:
    """Create a user (or set the role and password of an existing one)."""
    with session_scope() as session:
        user = auth.add_user(name, role, password, session=session)
        return {"id": user.id, "name": user.name, "role": user.role}


# choices --------------------------------------------------------------------------------------------------
def task_choices(families: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """(label, task id) of every task, for dropdowns."""
    return [
        (f"{spec.id} ({spec.family}) - {spec.name}", spec.id)
        for spec in all_specs().values()
        if families is None or spec.family in families
    ]


def task_family(task_id: str) -> str:
    return get_spec(task_id).family


def strategy_choices() -> list[str]:
    return list(STRATEGIES)


def default_model() -> str:
    return get_settings().model


def model_choices() -> list[str]:
    """Model names for dropdowns: the default first, then bundled models, adapters and loaded models."""
    names = [
        default_model(),
        *(v["name"] for v in models.list_variants()),
        *(m.name for m in models.loaded()),
    ]
    return list(dict.fromkeys(names))


def pick_model(choice: str | None, path: str | None = None) -> str:
    """The model a page asks for: the free path when filled in, else the dropdown, else the default."""
    return (path or "").strip() or (choice or "").strip() or default_model()


def task_splits(task_id: str) -> list[str]:
    """The splits of a task's gold data."""
    from medui.backend.gold import split_counts

    return list(split_counts(get_spec(task_id)))
