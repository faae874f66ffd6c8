"""Who is asking (identity and role checks), the choices pages offer, and the lock around the model."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from medui.backend.data.inputs import InputError, is_inside
from medui.backend.inference import models
from medui.backend.inference.engine import STRATEGIES
from medui.backend.service import auth
from medui.backend.store.db import session_scope
from medui.config import get_settings
from medui.tasks.registry import all_specs, get_spec


class ModelLock:
    """The lock around the model (one model computation at a time in this process: pages, API, evaluation jobs):
    a reentrant lock that counts the threads waiting for it, so that work nobody waits for (the warm-up's sample
    runs) can give way to a run that does."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._count = threading.Lock()
        self._waiting = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        with self._count:
            self._waiting += 1
        try:
            return self._lock.acquire(blocking, timeout)
        finally:
            with self._count:
                self._waiting -= 1

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> ModelLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def waiting(self) -> int:
        """How many threads are waiting for the lock now."""
        return self._waiting


MODEL_LOCK = ModelLock()


def lock_for(engine):
    """MODEL_LOCK for an engine on a model loaded here; None for a served model (its server bounds the work)."""
    return MODEL_LOCK if engine.lm.runs_here else None


def holding_lock_for(engine):
    """A context holding `lock_for(engine)`, when there is one."""
    return lock_for(engine) or contextlib.nullcontext()


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


async def login(username: str, password: str) -> bool:
    """Gradio's auth callable: a user with a password, and that password (checked in a thread, off the loop)."""
    from medui.backend.web.login import login_off_loop

    return await login_off_loop(check_login, username, password)


def check_login(username: str, password: str) -> bool:
    """Whether a name and password belong to a user with a password."""
    with session_scope() as session:
        return auth.verify_login(username, password, session=session)


def add_user(name: str, role: str, password: str) -> dict:
    """Create a user (or set the role and password of an existing one)."""
    with session_scope() as session:
        user = auth.add_user(name, role, password, session=session)
        return {"id": user.id, "name": user.name, "role": user.role}


def as_id(value, what: str) -> int:
    """A row number from a request (an int, an integral float or digits), or InputError naming what it is."""
    number = None
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 1 <= number < 2**63:
        raise InputError(f"{what}: {str(value)[:40]!r} non è un numero valido (un intero da 1 in su)")
    return number


# choices --------------------------------------------------------------------------------------------------
def task_choices(families: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """(label, task id) of every task, for dropdowns: the task's Italian name (its id is the value the API takes)."""
    return [
        (spec.name, spec.id) for spec in all_specs().values() if families is None or spec.family in families
    ]


def opening_task(offered: list[str], shown: str | None, username: str | None = None) -> str | None:
    """The task a page opens on: the one the user chose last on any page, when this page offers it; else the
    one it shows (its default)."""
    from medui.backend.store.repo import last_task

    who = identity(username)
    with session_scope() as session:
        last = last_task(who.name, session=session)
    return last if last in offered else shown


def remember_task(task_id: str, username: str | None = None) -> None:
    """Store the task a user just chose on a page (the pages that pick a task open on it next time)."""
    from medui.backend.store.repo import remember_task as store_task

    who = allowed(username, "run")
    with session_scope() as session:
        store_task(who.name, task_id, session=session)


STRATEGY_WORDS = {  # what each strategy does, in the words of the pages; the name stays beside it
    "zero-shot": "Senza esempi",
    "few-shot": "Con esempi",
    "cd": "Vincolato allo schema",
    "few-shot+cd": "Con esempi, vincolato allo schema",
    "pairs": "Relazioni coppia per coppia",
    "few-shot+pairs": "Con esempi, relazioni coppia per coppia",
}


def strategy_choices() -> list[tuple[str, str]]:
    """(label, strategy) of every strategy, for dropdowns: what it does in Italian, then its name."""
    return [(f"{STRATEGY_WORDS[name]} ({name})", name) for name in STRATEGIES]


def default_model() -> str:
    return get_settings().model


def model_strategy(name: str | None) -> str:
    """The strategy a page preselects for a model: its own for a variant medui knows (cd for a fine-tuned
    adapter), few-shot+cd for anything else (a folder is not read before the run checks it)."""
    name = (name or "").strip() or default_model()
    known = {v["name"] for v in models.list_variants()}
    return models.intended_strategy(name) if name in known else "few-shot+cd"


def model_choices() -> list[str]:
    """Model names for dropdowns: the default first, then bundled models, adapters, loaded and served models."""
    from medui.backend.finetune.jobs import sweep
    from medui.backend.inference.openai_client import listed_models

    sweep()  # a job killed between installing and registering its adapter must not offer it
    names = [
        default_model(),
        *(v["name"] for v in models.list_variants()),
        *(m.name for m in models.loaded()),
        *listed_models()[0],
    ]
    return list(dict.fromkeys(names))


def pick_model(choice: str | None, path: str | None = None) -> str:
    """The model a page asks for: the free path when filled in, else the dropdown, else the default."""
    return (path or "").strip() or (choice or "").strip() or default_model()


def checked_model(name: str | None, who: auth.Identity | None = None) -> str:
    """A model the app may load: bundled, a cached hub id, or a folder (and its base) inside the allowed ones.

    With `who`: a model the app does not offer yet (a folder or hub id that is not the default, not loaded, not a
    registered adapter) needs the right to manage models (researchers); others only use the models already
    there, and are told the same whether a path they name exists or not.
    """
    name = (name or "").strip() or default_model()
    if len(name) > 1000 or any(ch < " " for ch in name):
        raise InputError("nome del modello non valido: troppo lungo o con caratteri di controllo")
    if who is not None and not who.can("models") and not _offered(name):
        raise auth.AuthError(  # one answer whether a path exists, is allowed or not: no probing of the server
            f"permesso negato: {who.name} è {auth.ROLE_NAMES_IT[who.role]} e usa i modelli che l'app offre; "
            f"caricare un altro modello o una cartella ({name!r}) richiede il ruolo ricercatore (chiedi di "
            "caricarlo in Modelli)"
        )
    if _existing_path(name):
        _allowed_folder(Path(name).expanduser(), name)  # before anything is read from it
    try:
        variant = models.resolve(name)
    except models.ModelError as exc:
        raise models.ModelError(exc.italian) from None  # the app speaks Italian
    for part in (variant, variant.base):
        if part is not None and part.kind in ("local", "adapter") and part.path is not None:
            _allowed_folder(part.path, name)
    return name


def _offered(name: str) -> bool:
    """Whether a model is one the app offers to every role: a served model, a bundled one, an adapter by name,
    the default, a loaded model or a registered adapter. Paths and hub ids beyond these are for researchers."""
    if name.startswith(models.SERVER_PREFIXES):
        return True  # not a path: the served models' own checks apply (openai_client.py)
    return name in {v["name"] for v in models.list_variants()} or _known_folder(name)


def _known_folder(name: str) -> bool:
    """Whether a model folder is one the app already offers: the default, a loaded model, a registered adapter."""
    from sqlmodel import select

    from medui.backend.store.tables import ModelVariant

    canonical = models.canonical_name(name)
    if canonical in {models.canonical_name(default_model()), *(lm.name for lm in models.loaded())}:
        return True
    with session_scope() as session:
        registered = session.exec(select(ModelVariant.name)).all()
    return canonical in {models.canonical_name(n) for n in registered}


def _existing_path(name: str) -> bool:
    try:
        return Path(name).expanduser().exists()
    except OSError:
        return False


def _allowed_folder(path: Path, name: str) -> None:
    try:
        inside = is_inside(path, get_settings().model_dirs)
    except OSError:
        inside = False
    if not inside:
        raise InputError(
            f"cartella del modello non consentita: {name!r}. L'app carica modelli solo dalla sua cartella, "
            "dai modelli convertiti, dal modello predefinito e dalle cartelle di MEDUI_ALLOWED_DIRS"
        )


def task_splits(task_id: str) -> list[str]:
    """The splits of a task's gold data."""
    from medui.backend.data.gold import split_counts

    return list(split_counts(get_spec(task_id)))
