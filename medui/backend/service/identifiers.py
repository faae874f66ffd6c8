"""The identifier gate in the app: what medui.tasks.phi finds in a text, as a short Italian warning.

A warning only: a local run goes on (the text stays on this machine); the user decides what to store or share.
"""

from __future__ import annotations

from collections.abc import Iterable

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
