"""The correction queue and corrections from the app: read the queue and an item, save, accept, history; and
the role checks of `medui corrections add` and `medui corrections import` (who may save, who may correct)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session

from medui.backend.data.inputs import InputError, strip_note_controls
from medui.backend.service import auth
from medui.backend.service.core import allowed, as_id, identity
from medui.backend.store import corrections_import
from medui.backend.store.assignment import check_assigned
from medui.backend.store.corrections import CorrectionError
from medui.backend.store.db import session_scope
from medui.backend.store.repo import get_or_create_user
from medui.tasks.registry import get_spec

MAX_NOTE_CHARS = 2000


def parse_record(record_json: str | dict) -> dict:
    """A record from JSON text (or a dict already)."""
    if isinstance(record_json, dict):
        return record_json
    if not isinstance(record_json, str):
        raise InputError("il record deve essere un oggetto JSON")
    try:
        record = json.loads(record_json or "")
    except json.JSONDecodeError as exc:
        raise InputError(f"il record non è JSON valido ({exc.msg}, riga {exc.lineno})") from exc
    except RecursionError:
        raise InputError("il record non è JSON valido (annidato troppo in profondità)") from None
    if not isinstance(record, dict):
        raise InputError("il record deve essere un oggetto JSON")
    return record


def save_correction(
    prediction_id: int,
    record_json: str | dict | None,
    username: str | None = None,
    note: str | None = None,
    accept: bool = False,
    version: int | None = None,
) -> dict:
    """Append a correction of a prediction (validated against the task), or accept the prediction as it is.

    `version`: the document's version the editor opened (`correction_item`'s, 0 before any correction); a save
    over a newer one raises StaleCorrection (Italian message naming who saved it) and stores nothing. A document
    assigned to other annotators is theirs: AssignmentError, unless the saver is a curator (or researcher).
    """
    who = allowed(username, "correct")
    from medui.backend.store.corrections import ANY_VERSION, add_correction, correction_row
    from medui.backend.store.repo import get_prediction

    record = None if accept and not record_json else parse_record(record_json or "")
    note = clean_note(note)
    edited = ANY_VERSION if version is None or version == "" else (_version(version) or None)
    prediction_id = as_id(prediction_id, "predizione")
    with session_scope() as session:
        document_id = get_prediction(prediction_id, session=session).document_id
        check_saver(document_id, who.name, who.role, session=session)  # others' documents are theirs
        corr = add_correction(
            record, who.name, session=session, prediction_id=prediction_id, note=note,
            kind="accept" if accept else "edit", edited=edited,
        )  # fmt: skip
        return correction_row(corr)


def check_saver(document_id: int, annotator: str, role: str | None, *, session: Session) -> None:
    """Refuse a save of a document assigned to other annotators (store.assignment.check_assigned, AssignmentError
    naming them), unless the saver is a curator or researcher, who may save any document as they adjudicate.
    `role`: the saver's (None: not a user yet, so an annotator). The app's saves and `medui corrections add`."""
    if auth.ROLE_LEVEL.get(role or "annotator", -1) >= auth.ROLE_LEVEL["curator"]:
        return
    check_assigned(document_id, annotator, session=session)


def import_corrections(
    path: str | Path,
    task: str,
    annotator: str,
    *,
    session: Session,
    split: str | None = None,
    fmt: str = "jsonl",
) -> dict:
    """`medui corrections import`: the annotator must be a user who may correct (created as an annotator when
    new), then store.corrections_import.import_corrections stores the file (or folder, or zip) in its format
    (data.annotation_files.CORRECTION_FORMATS); its summary."""
    get_spec(task)
    user = get_or_create_user(annotator, "annotator", session=session)
    if auth.ROLE_LEVEL.get(user.role, -1) < auth.ROLE_LEVEL["annotator"]:
        raise CorrectionError(
            f"{user.name} is a {user.role} and cannot correct",
            italian=f"{user.name} è un {auth.ROLE_NAMES_IT.get(user.role, user.role)} e non può correggere",
        )
    return corrections_import.import_corrections(path, task, annotator, session=session, split=split, fmt=fmt)


def import_uploaded(
    files: list[str] | str | None, fmt: str, task: str, annotator: str | None, username: str | None = None
) -> dict:
    """A curator's import of another tool's annotations from the app (Accordo): as `medui corrections import`,
    into `annotator`'s versions. `files`: one file (a zip for brat and xmi), or the files of a brat or XMI folder
    (DOC.txt + DOC.ann; .xmi + TypeSystem.xml), put together in a temporary folder. All stored or none."""
    import shutil
    import tempfile

    allowed(username, "adjudicate")  # curators bring their team's work in, as they assign and adjudicate
    paths = [Path(f) for f in ([files] if isinstance(files, str) else files or [])]
    if not paths:
        raise InputError("carica il file (o i file) da importare")
    name = (annotator or "").strip()
    if not name:
        raise InputError("scegli l'annotatore a cui attribuire le correzioni importate")
    folder = None
    try:
        if len(paths) > 1:
            folder = Path(tempfile.mkdtemp(prefix="medui-upload-"))
            for path in paths:
                shutil.copyfile(path, folder / path.name)
        with session_scope() as session:
            return import_corrections(folder or paths[0], task, name, session=session, fmt=fmt)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def import_annotators(username: str | None = None) -> list[str]:
    """The names an import can store corrections under: the users who may correct (curators only ask)."""
    from sqlmodel import select

    from medui.backend.store.tables import User

    allowed(username, "adjudicate")
    with session_scope() as session:
        users = session.exec(select(User.name, User.role)).all()
    least = auth.ROLE_LEVEL["annotator"]
    return sorted(name for name, role in users if auth.ROLE_LEVEL.get(role, -1) >= least)


def _version(value) -> int:
    """A document version from a request: 0 (no correction yet) or a correction id."""
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and float(value).is_integer()
        and value >= 0
    ):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise InputError(f"versione {str(value)[:40]!r} non valida: un intero da 0 in su")


def clean_note(note: str | None) -> str | None:
    """A correction's note: text of at most MAX_NOTE_CHARS, control characters (but newlines and tabs) and
    bidi overrides removed (`strip_note_controls`)."""
    if note is None:
        return None
    if not isinstance(note, str):
        raise InputError("la nota deve essere un testo")
    if len(note) > MAX_NOTE_CHARS:
        raise InputError(f"la nota ha {len(note)} caratteri, oltre il limite di {MAX_NOTE_CHARS}")
    cleaned = strip_note_controls(note)
    return cleaned if cleaned.strip() else None


def correction_queue(task_id: str, limit: int = 20, username: str | None = None) -> list[dict]:
    """The requesting annotator's predictions to correct next: the documents assigned to them first, then the
    unassigned ones nobody corrected; least confident first, then oldest. Each says whether its correction
    would be trained on, and if not why (`training`: service.training.queue_training_use)."""
    who = identity(username)
    from medui.backend.service.training import queue_training_use
    from medui.backend.store.corrections import correction_queue as queue_of
    from medui.backend.store.corrections import queue_row
    from medui.backend.store.tables import Document

    spec = get_spec(task_id)
    if limit < 1:
        raise InputError("il limite deve essere almeno 1")
    with session_scope() as session:
        items = [
            (session.get(Document, pred.document_id), pred)
            for pred in queue_of(spec.id, limit, session=session, annotator=who.name)
        ]
        marks = queue_training_use(items, who, session=session)
        return [
            {
                **queue_row(pred, doc.record_id),
                "split": doc.split,
                "preview": preview(doc.text),
                "training": mark,
            }
            for (doc, pred), mark in zip(items, marks, strict=True)
        ]


def preview(text: str, chars: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= chars else flat[: chars - 1] + "…"


def correction_item(prediction_id: int, username: str | None = None) -> dict:
    """What the correction page edits: the task, the document, the prediction, and the requesting annotator's
    own version and chain (`in_force`, `version`, `history`); other annotators' versions stay out of sight
    (independent annotation), only their names are given (`others`)."""
    who = identity(username)
    from medui.backend.store.corrections import annotator_versions, correction_history, correction_row
    from medui.backend.store.repo import get_document, get_prediction

    with session_scope() as session:
        pred = get_prediction(as_id(prediction_id, "predizione"), session=session)
        doc = get_document(pred.document_id, session=session)
        chain = correction_history(doc.id, session=session, annotator=who.name)
        history = [correction_row(c) for c in chain]
        in_force = history[-1] if history else None
        others = sorted(set(annotator_versions(doc.id, session=session)) - {who.name})
        return {
            "version": in_force["id"] if in_force else 0, "in_force": in_force["record"] if in_force else None,
            "prediction_id": pred.id, "task": doc.task, "document_id": doc.id, "record_id": doc.record_id,
            "split": doc.split, "text": doc.text, "input": doc.input or {}, "prediction": dict(pred.record),
            "confidence": pred.confidence, "gold": doc.gold, "history": history, "others": others,
        }  # fmt: skip


def recent_corrections(task_id: str, limit: int = 50, username: str | None = None) -> list[dict]:
    """The latest corrections of a task, newest first: who corrected what, and when. An annotator (any role
    below curator) sees their own and the colleagues' ones only on documents adjudicated from them
    (store.blind: double annotation stays blind); curators and researchers see every one."""
    from sqlmodel import col, select

    from medui.backend.store.blind import visible_corrections
    from medui.backend.store.corrections import correction_row
    from medui.backend.store.tables import Correction

    who = identity(username)
    task = get_spec(task_id).id
    with session_scope() as session:
        if not who.can("adjudicate"):
            return [correction_row(c) for c in visible_corrections(who.name, task, limit, session=session)]
        query = select(Correction).where(Correction.task == task)
        rows = session.exec(query.order_by(col(Correction.id).desc()).limit(limit))
        return [correction_row(c) for c in rows]
