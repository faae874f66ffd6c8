"""Correggi's table of mentions, edited in place: a boundary fixed by typing a mention's start, end or text, a
label by typing it. Rows are matched to the mentions being edited by their id (a column the table does not let
the user change), so a mention whose boundary or label is fixed keeps its id, and the links that point at it
stay; only a row taken out of the table takes its mention (and its links) away.
"""

from __future__ import annotations

from medui.pages import mention_ids

HEADERS = ["id", "inizio", "fine", "etichetta", "testo"]
DATATYPES = ["str", "number", "number", "str", "str"]


def _offset(value: object) -> int | None:
    """A typed offset as a whole number (the grid may send 12, 12.0 or "12"); None when it is not one."""
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _nearest(text: str, typed: str, around: dict) -> tuple[int, int] | None:
    """The place of `typed` in the text nearest to a mention (one overlapping it first): its start and end."""
    places, start = [], text.find(typed)
    while typed and start >= 0:
        places.append((start, start + len(typed)))
        start = text.find(typed, start + 1)
    if not places:
        return None
    overlaps = lambda p: p[0] < around["end"] and around["start"] < p[1]  # noqa: E731
    return min(places, key=lambda p: (not overlaps(p), abs(p[0] - around["start"])))


def _label(typed: str, labels, before: str | None) -> tuple[str | None, str | None]:
    """The task's label a typed one stands for (a slip of case forgiven), and a note when it is not one."""
    by_case = {label.casefold(): label for label in labels}
    known = by_case.get(typed.strip().casefold())
    if known is not None:
        return known, None
    if before is not None:
        return before, f"«{typed}» non è un'etichetta del compito: resta {before}"
    return None, f"«{typed}» non è un'etichetta del compito: scegli tra {', '.join(labels)}"


def _blank(value: object) -> bool:
    return value is None or str(value).strip() in ("", "nan", "None")


def _place(text: str, row: list, before: dict | None) -> tuple[tuple[int, int] | None, str | None]:
    """Where a row puts its mention: its typed offsets when they changed (or for a new row), else its typed text
    found near where the mention was; None and why not when neither fits the document."""
    start, end, typed = _offset(row[1]), _offset(row[2]), "" if _blank(row[4]) else str(row[4]).strip()
    moved = before is None or (start, end) != (before["start"], before["end"])
    if moved and not (_blank(row[1]) and _blank(row[2])):
        if (
            start is not None
            and end is not None
            and 0 <= start < end <= len(text)
            and text[start:end].strip()
        ):
            return (start, end), None
        return (
            None,
            f"inizio {row[1]} e fine {row[2]} non delimitano un testo del documento (da 0 a {len(text)})",
        )
    if before is not None and typed == before.get("text", "").strip():
        return (before["start"], before["end"]), None
    if not typed:
        return None, "scrivi l'inizio e la fine, o il testo della menzione"
    found = _nearest(text, typed, before or {"start": 0, "end": 0})
    return (found, None) if found else (None, f"«{typed}» non è nel testo")


def edited(text: str, current: list[dict], table: list[list], labels) -> tuple[list[dict], list[str]]:
    """The mentions after an edit of the table (rows id, start, end, label, text), in text order, and a note for
    each row that could not be taken as typed (it stays as it was; a new row is left out). A row keeps the id of
    its mention; a new row (no id) takes a new one; a mention whose row was taken out is gone."""
    by_id = {e["id"]: e for e in current if e.get("id")}
    out, notes, fresh = [], [], mention_ids.next_ids(set(by_id))
    for row in table:
        row = [*(list(row) + [""] * len(HEADERS))[: len(HEADERS)]]
        if not any(str(cell).strip() for cell in row):
            continue  # a blank row the grid added
        before = by_id.get(str(row[0]).strip())
        name = f"menzione «{before['text']}» ({before['id']})" if before else f"riga nuova «{row[4]}»"
        place, why = _place(text, row, before)
        label, wrong = _label("" if _blank(row[3]) else str(row[3]), labels, before and before["label"])
        if place is None or label is None:
            notes.append(f"{name}: {why or wrong}")
            if before:
                out.append(before)
            continue
        if wrong:
            notes.append(f"{name}: {wrong}")
        start, end = place
        mention = {**(before or {}), "start": start, "end": end, "label": label, "text": text[start:end]}
        out.append({**mention, "id": before["id"] if before else next(fresh)})
    return sorted(out, key=lambda e: (e["start"], e["end"], e["label"])), notes
