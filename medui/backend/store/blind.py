"""Blind double annotation: which of the colleagues' versions an annotator may see.

Annotators of one document work independently: seeing a colleague's version (its values, its history, how far it
agrees with theirs) before they save their own biases it. So an annotator sees their own corrections, and another
annotator's correction of a document only once a curator has adjudicated the document from that version or a
later one of the same annotator (the newest adjudication's `sources`: annotator -> correction id). A version saved
after the adjudication is hidden again until the next one. Curators and researchers see everything: who may look
is decided above the store (service.corrections.recent_corrections, service.team.agreement_report).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, col, select

from medui.backend.store.in_force import latest_adjudications
from medui.backend.store.tables import Adjudication, Correction


def settled(correction: Correction, adjudication: Adjudication | None) -> bool:
    """Whether an adjudication was made from this correction or from a later version of its annotator."""
    if adjudication is None or correction.id is None:
        return False
    made_from = (adjudication.sources or {}).get(correction.annotator)
    return isinstance(made_from, int) and made_from >= correction.id


def visible_to(viewer: str, task: str, *, session: Session) -> Callable[[Correction], bool]:
    """Whether the viewer (an annotator) may see a correction of the task: theirs, or settled."""
    adjudications = latest_adjudications(task, session=session)

    def visible(correction: Correction) -> bool:
        return correction.annotator == viewer or settled(
            correction, adjudications.get(correction.document_id)
        )

    return visible


def visible_corrections(viewer: str, task: str, limit: int, *, session: Session) -> list[Correction]:
    """The newest `limit` corrections of a task the viewer may see, newest first."""
    visible = visible_to(viewer, task, session=session)
    adjudicated = select(Adjudication.document_id).where(Adjudication.task == task)
    query = (
        select(Correction)
        .where(Correction.task == task)
        .where((Correction.annotator == viewer) | col(Correction.document_id).in_(adjudicated))
        .order_by(col(Correction.id).desc())
    )
    shown = []
    for correction in session.exec(query):
        if visible(correction):
            shown.append(correction)
            if len(shown) >= limit:
                break
    return shown
