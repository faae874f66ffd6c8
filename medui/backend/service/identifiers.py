"""The identifier gate in the app: what medui.tasks.phi finds in a text, as a short Italian warning; where the text
of a run goes (medui.backend.inference.destination), for the notice and Prova's controls; and the check of a run's inputs
before the first one runs.

A local run with identifiers goes on, warned (the text stays on this machine); a served model on a server that
is not on this machine gets them only masked or confirmed, and the queue stores only text without them (both
enforced in service/running.py, so the API cannot bypass them).
"""

from __future__ import annotations

from collections.abc import Iterable

from medui.backend.data.inputs import InputError
from medui.backend.inference.destination import is_local_url, notice, remote_host, url_host
from medui.backend.service.running import gated_record
from medui.config import get_settings
from medui.tasks.phi import KIND_NAMES, find_identifiers

MAX_SCANNED_CHARS = 200_000  # a long upload is scanned up to here: the warning is a hint, not a guarantee


def identifier_kinds(texts: Iterable[str]) -> list[str]:
    """The kinds of likely identifiers found in the texts, each once, in order of first appearance."""
    kinds: dict[str, None] = {}
    budget = MAX_SCANNED_CHARS
    for text in texts:
        if budget <= 0:
            break
        chunk = (text or "")[:budget]
        budget -= len(chunk)
        kinds.update((f["kind"], None) for f in find_identifiers(chunk))
    return list(kinds)


def identifier_warning(texts: str | Iterable[str]) -> str:
    """'Possibili identificativi: codice fiscale, numero di telefono', or '' when none is found."""
    kinds = identifier_kinds([texts] if isinstance(texts, str) else texts)
    if not kinds:
        return ""
    return "Possibili identificativi: " + ", ".join(KIND_NAMES.get(k, k) for k in kinds)


def app_notice() -> str:
    """The notice of every page: everything on this machine, or the host a served model's text goes to."""
    return notice(get_settings().openai_base_url)


def served_host() -> str | None:
    """The host of the configured server (MEDUI_OPENAI_BASE_URL) when it is not on this machine, else None."""
    url = (get_settings().openai_base_url or "").strip()
    return None if not url or is_local_url(url) else url_host(url)


def check_inputs(
    task_id: str,
    model: str,
    texts: list[str],
    *,
    mask_identifiers: bool = False,
    send_identifiers: bool = False,
) -> str:
    """Every input of a run past the gate before the first one runs (destination.IdentifiersRefused when one
    would take identifiers off this machine); the line Prova shows about the identifiers found, '' when there are none. An input the task
    cannot read is left to the run, which says why."""
    kinds: dict[str, None] = {}
    masked = False
    for text in texts:
        try:
            gated = gated_record(
                task_id, model, text, mask_identifiers=mask_identifiers, send_identifiers=send_identifiers
            )  # fmt: skip
        except InputError:
            continue
        kinds.update(dict.fromkeys(gated.kinds))
        masked = masked or gated.masked
    if not kinds:
        return ""
    names = ", ".join(KIND_NAMES.get(k, k) for k in kinds)
    if masked:
        return f"Identificativi mascherati prima dell'esecuzione ({names}): il modello vede segnaposto XXX della stessa lunghezza"
    host = remote_host(model)
    if host is not None:
        return f"Possibili identificativi: {names}; inviati al server {host} su tua conferma"
    return (
        f"Possibili identificativi: {names}; restano su questa macchina, ma per mettere il risultato in coda di "
        "correzione spunta «Maschera gli identificativi»"
    )
