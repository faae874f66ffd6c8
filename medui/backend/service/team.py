"""The annotation team from the app: agreement of a task's annotators (and a stored run), the documents waiting
for a curator, one document's versions side by side, and the curator's adjudication (one version taken, or
pieces merged: medui/tasks/versions.py).

Agreement figures are for anyone who may compare; the versions themselves and adjudication only for curators
and researchers (an annotator must not see the others' versions: the annotations are independent).
`assign_documents` and `adjudicate_document` are the command line's (`medui assign`, `medui adjudicate`): who
acts is the name given with --curator (auth.acting_user), in the command's session.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlmodel import Session, col

from medui.backend.data.inputs import InputError
from medui.backend.service import auth
from medui.backend.service.core import allowed, as_id
from medui.backend.service.corrections import clean_note, preview
from medui.backend.store import adjudication, assignment
from medui.backend.store.blind import visible_to
from medui.backend.store.db import session_scope
from medui.backend.store.repo import get_or_create_user
from medui.backend.store.tables import Adjudication
from medui.tasks.registry import get_spec
from medui.tasks.versions import merged_record, piece_table


def team_filters(task_id: str, username: str | None = None) -> dict:
    """What the agreement of a task is filtered by: its annotators (with a version of some document), the splits
    of the documents they corrected, and its finished evaluation runs (label, id)."""
    allowed(username, "compare")
    from sqlmodel import col, select

    from medui.backend.service.evaluations import list_runs
    from medui.backend.store.corrections import latest_corrections
    from medui.backend.store.tables import Correction, Document

    spec = get_spec(task_id)
    with session_scope() as session:
        versions = latest_corrections(spec.id, session=session)
        corrected = select(Correction.document_id).where(Correction.task == spec.id)  # no list of ids to bind
        query = select(Document.split).where(col(Document.id).in_(corrected)).distinct()
        splits = session.exec(query).all()
    runs = [
        (f"#{r['id']} {r['model']} · {r['strategy']} · {r['split']}", r["id"])
        for r in list_runs(spec.id)
        if r["status"] == "succeeded"
    ]
    return {"annotators": sorted({c.annotator for c in versions}), "splits": sorted(splits), "runs": runs}


def agreement_report(
    task_id: str,
    split: str | None = None,
    annotators: Sequence[str] | None = None,
    run_id: int | None = None,
    username: str | None = None,
) -> dict:
    """The agreement of a task's annotators (all, or those named) on the documents of a split (or all), with a
    stored run as one more annotator (`run:<id>`) when one is given:
    medui.backend.evaluation.agreement.team_agreement. For an annotator (any role below curator) a colleague's
    version counts only once its document is adjudicated (store.blind; `blind`: True in the report)."""
    who = allowed(username, "compare")
    from medui.backend.evaluation.agreement import task_versions, team_agreement
    from medui.backend.store.tables import Run

    spec = get_spec(task_id)
    split = (split or "").strip() or None
    names = list(dict.fromkeys(n.strip() for n in annotators or () if n and n.strip())) or None
    with session_scope() as session:
        known = set(task_versions(spec.id, session=session, split=split))
        unknown = sorted(set(names or ()) - known)
        if unknown:
            where = f" nello split {split}" if split else ""
            raise InputError(
                f"annotatore sconosciuto per {spec.id}{where}: {', '.join(unknown)} "
                f"(hanno una versione: {', '.join(sorted(known)) or 'nessuno'})"
            )
        if run_id not in (None, ""):
            run_id = as_id(run_id, "valutazione")
            run = session.get(Run, run_id)
            if run is None or run.split == "prova":
                raise InputError(f"la valutazione {run_id} non esiste")
            if run.task != spec.id:
                raise InputError(f"la valutazione {run_id} è di {run.task}, non di {spec.id}")
        else:
            run_id = None
        blind = not who.can("adjudicate")  # an annotator: colleagues' versions only once adjudicated
        keep = visible_to(who.name, spec.id, session=session) if blind else None
        report = team_agreement(
            spec.id, session=session, split=split, annotators=names, run_id=run_id, keep=keep
        )
        return {**report, "blind": blind}


def pending_documents(task_id: str, split: str | None = None, username: str | None = None) -> list[dict]:
    """The documents of a task whose annotators disagree and that no adjudication settled, in document order."""
    allowed(username, "adjudicate")
    from medui.backend.store.adjudication import pending_adjudications
    from medui.backend.store.tables import Document

    with session_scope() as session:
        rows = pending_adjudications(
            get_spec(task_id).id, session=session, split=(split or "").strip() or None
        )
        return [
            {"document_id": r["document_id"], "record_id": r["record_id"], "split": r["split"],
             "annotators": list(r["versions"]), "adjudicated": r["adjudicated"],
             "preview": preview(session.get(Document, r["document_id"]).text)}
            for r in rows
        ]  # fmt: skip


def document_versions(document_id: int, username: str | None = None) -> dict:
    """A document's annotators' versions side by side, its distinct pieces with who has each (`pieces`, from
    versions.piece_table) and the adjudication in force; InputError unless two annotators have a version."""
    allowed(username, "adjudicate")
    with session_scope() as session:
        return _versions(as_id(document_id, "documento"), session)


def _versions(doc_id: int, session) -> dict:
    from medui.backend.store.repo import NotFound

    try:
        shown = adjudication.document_versions(doc_id, session=session)
    except NotFound:
        raise InputError(f"il documento {doc_id} non esiste") from None
    names = list(shown["versions"])
    if len(names) < 2:
        only = f"ha solo la versione di {names[0]}" if names else "non ha versioni di annotatori"
        raise InputError(f"il documento {doc_id} {only}: servono due versioni per aggiudicarlo")
    records = {name: v["record"] for name, v in shown["versions"].items()}
    return {**shown, "pieces": piece_table(get_spec(shown["task"]), records)}


def save_adjudication(
    document_id: int,
    take: str | None = None,
    keys: Sequence[str] | None = None,
    username: str | None = None,
    note: str | None = None,
    seen: dict[str, int] | None = None,
) -> dict:
    """Store a document's final record: one annotator's version (`take`) or the pieces kept (`keys`, from
    `document_versions`' pieces), validated against the task. `seen`: the versions the curator looked at
    (annotator -> correction id); when one changed meanwhile nothing is stored."""
    who = allowed(username, "adjudicate")
    from medui.backend.store.adjudication import adjudicate, adjudication_row
    from medui.backend.store.corrections import CorrectionError

    take = (take or "").strip() or None
    if (take is None) == (keys is None):
        raise InputError("aggiudica prendendo la versione di un annotatore oppure unendo i pezzi scelti")
    if keys is not None and not (isinstance(keys, list | tuple) and all(isinstance(k, str) for k in keys)):
        raise InputError("i pezzi da tenere sono una lista di chiavi (testi)")
    note = clean_note(note)
    with session_scope() as session:
        shown = _versions(as_id(document_id, "documento"), session)
        versions = shown["versions"]
        if seen is not None and {n: v["id"] for n, v in versions.items()} != dict(seen):
            raise InputError("le versioni del documento sono cambiate da quando l'hai aperto: riaprilo")
        if take is not None and take not in versions:
            raise InputError(
                f"{take} non ha una versione del documento {shown['document_id']}: "
                f"prendi quella di {' o '.join(versions)}"
            )
        record = None
        if keys is not None:
            records = {name: v["record"] for name, v in versions.items()}
            record = merged_record(get_spec(shown["task"]), shown["record_id"], records, keys)
        try:
            made = adjudicate(
                shown["document_id"], who.name, session=session, take=take, record=record, note=note
            )
        except CorrectionError as exc:
            raise InputError(f"la versione unita non rispetta lo schema del compito: {exc}") from None
        return adjudication_row(made)


# assignment from the app (Accordo) -------------------------------------------------------------------------
MAX_IDS = 5000  # documents one assignment by number may name
ID_TOKEN = re.compile(r"(\d+)(?:-(\d+))?")


def document_ids(value: str | Sequence[int]) -> list[int]:
    """Document numbers from a list, or from text such as "12, 15-18 20" (ranges included), once each."""
    if isinstance(value, str):
        ids: list[int] = []
        for token in re.split(r"[,;\s]+", re.sub(r"\s*-\s*", "-", value.strip())):
            match = ID_TOKEN.fullmatch(token)
            if token and match is None:
                raise InputError(f"«{token[:30]}» non è un numero di documento né un intervallo (es. 15-18)")
            if match:
                first, last = int(match[1]), int(match[2] or match[1])
                if last < first or last - first >= MAX_IDS:
                    raise InputError(f"intervallo {first}-{last} non valido (al più {MAX_IDS} documenti)")
                ids.extend(range(first, last + 1))
    else:
        ids = [as_id(v, "documento") for v in value]
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise InputError("indica i numeri dei documenti da assegnare (es. 12, 15-18)")
    if len(ids) > MAX_IDS:
        raise InputError(f"{len(ids)} documenti: se ne assegnano al più {MAX_IDS} per volta")
    return ids


def assignment_overview(task_id: str, username: str | None = None) -> dict:
    """What Accordo's assignment panel shows a curator: the users with the annotator role, the splits of the
    task's stored documents, each annotator's progress and the assigned documents (newest first)."""
    allowed(username, "assign")
    from sqlmodel import select

    from medui.backend.store.tables import Document, User

    spec = get_spec(task_id)
    with session_scope() as session:
        team = session.exec(select(User.name).where(User.role == "annotator").order_by(User.name)).all()
        splits = session.exec(select(Document.split).where(Document.task == spec.id).distinct()).all()
        return {
            "annotators": list(team), "splits": sorted(splits),
            "progress": assignment.assignment_progress(spec.id, session=session),
            "documents": assignment.assignment_rows(spec.id, session=session),
        }  # fmt: skip


def assign_to_annotators(
    task_id: str,
    annotators: Sequence[str],
    per_document: int = 1,
    documents: str | Sequence[int] | None = None,
    count: int | None = None,
    split: str | None = None,
    username: str | None = None,
) -> dict:
    """A curator's assignment from the app, as `medui assign`: the documents numbered (`documents`), or the next
    `count` in the queue's order still short of `per_document` annotators (of `split`, or all). Every annotator
    must be a user who may correct (the app creates nobody); store.assignment.assign_documents' summary."""
    who = allowed(username, "assign")
    by_number = documents not in (None, "") and not (isinstance(documents, list | tuple) and not documents)
    if by_number == (count not in (None, "", 0)):
        raise InputError(
            "assegna i documenti indicati per numero oppure i prossimi N di uno split, non entrambi"
        )
    ids = document_ids(documents) if by_number else None  # type: ignore[arg-type]
    count = None if by_number else as_id(count, "numero di documenti")
    per_document = as_id(per_document, "annotatori per documento")
    if isinstance(annotators, str) or not all(isinstance(n, str) for n in annotators or ()):
        raise InputError("gli annotatori sono una lista di nomi")
    with session_scope() as session:
        spec, names = assignment.checked_request(task_id, annotators, per_document, count)
        from sqlmodel import select

        from medui.backend.store.tables import User

        roles = dict(session.exec(select(User.name, User.role).where(col(User.name).in_(names))).all())
        for name in names:
            if name not in roles:
                raise InputError(
                    f"{name} non è un utente: aggiungilo con `medui users add {name} --role annotator`"
                )
            if auth.ROLE_LEVEL.get(roles[name], -1) < auth.ROLE_LEVEL["annotator"]:
                raise InputError(
                    f"{name} è {auth.ROLE_NAMES_IT.get(roles[name], roles[name])} e non può correggere"
                )
        return assignment.assign_documents(
            spec, names, per_document, session=session, assigned_by=who.name, limit=count,
            split=(split or "").strip() or None, documents=ids,
        )  # fmt: skip


# the command line -----------------------------------------------------------------------------------------
def assign_documents(
    task: str,
    annotators: Sequence[str],
    per_document: int,
    *,
    session: Session,
    curator: str | None,
    limit: int | None = None,
    split: str | None = None,
) -> dict:
    """`medui assign`: who assigns must be a curator or researcher (auth.acting_user), the request well formed
    (store.assignment.checked_request) and each annotator named a user who may correct (created as an
    annotator when new); then store.assignment.assign_documents gives the documents out."""
    who = auth.acting_user(curator, "assign", session=session)
    spec, names = assignment.checked_request(task, annotators, per_document, limit)
    for name in names:
        user = get_or_create_user(name, "annotator", session=session)
        if auth.ROLE_LEVEL.get(user.role, -1) < auth.ROLE_LEVEL["annotator"]:
            raise assignment.AssignmentError(
                f"{name} is a {user.role} and cannot correct: give documents to annotators",
                italian=f"{name} è {auth.ROLE_NAMES_IT.get(user.role, user.role)} e non può correggere",
            )
    return assignment.assign_documents(
        spec, names, per_document, session=session, assigned_by=who.name, limit=limit, split=split
    )


def adjudicate_document(
    document_id: int,
    curator: str | None,
    *,
    session: Session,
    take: str | None = None,
    record: dict | None = None,
    note: str | None = None,
) -> Adjudication:
    """`medui adjudicate --take/--file`: who adjudicates must be a curator or researcher (auth.acting_user);
    then store.adjudication.adjudicate stores the final record."""
    who = auth.acting_user(curator, "adjudicate", session=session)
    return adjudication.adjudicate(
        document_id, who.name, session=session, take=take, record=record, note=note
    )
