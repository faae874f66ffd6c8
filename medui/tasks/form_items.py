"""The items of a case report form as an editor shows them: each item's Italian name and unit, the values it
may be chosen from, and where in the note each filled item's value was read (its evidence).

Pure functions of a spec and a record in the gold format (`{"id", "text", "fields"}`), for Correggi's form editor
and Confronta's per-record view (medui/pages/form_editor.py).
"""

from __future__ import annotations

from medui.tasks.align import Span, find_all
from medui.tasks.spec import PRESENCE_VALUES, FormField, TaskSpec
from medui.tasks.words import boundaries

NOT_GIVEN = ""  # the choice of an enum item that is not mentioned (stored as null)
PRESENCE_SHOWN = {"presente": "presente", "assente": "assente", "non_menzionato": "non menzionato"}


def item_title(item: FormField) -> str:
    """The item's Italian name as the pages show it: the spec's title, else its name with spaces."""
    return item.title or item.name.replace("_", " ")


def item_label(item: FormField) -> str:
    """The item's name with its unit, as a field's label: "pressione sistolica (mmHg)"."""
    return f"{item_title(item)} ({item.unit})" if item.unit else item_title(item)


def item_choices(item: FormField) -> list[tuple[str, str]] | None:
    """The values an item is chosen from, as (shown, stored) pairs; None for an item that is typed (a number, a
    text or a list). A presence item is one of presente/assente/non_menzionato; an enum item one of its values,
    or not given (stored as null)."""
    if item.type == "presence":
        return [(PRESENCE_SHOWN[v], v) for v in PRESENCE_VALUES]
    if item.type == "enum":
        return [("(non indicato)", NOT_GIVEN), *((v, v) for v in item.values)]
    return None


def choice_of(item: FormField, value) -> str:
    """The choice that holds a stored value of a chosen item (a value outside the list: not given)."""
    stored = [v for _, v in item_choices(item) or []]
    if item.type == "presence" and value not in stored:
        return "non_menzionato"
    return value if value in stored else NOT_GIVEN


# evidence -------------------------------------------------------------------------------------------------
def _number_texts(value: int | float) -> list[str]:
    """How a number can be written in an Italian note: 37.5 as "37,5" or "37.5", 2.0 as "2" too."""
    if isinstance(value, float) and not value.is_integer():
        plain = repr(value)
        return [plain.replace(".", ","), plain]
    whole = str(int(value))
    return [whole] if isinstance(value, int) else [whole, f"{whole},0", f"{whole}.0"]


def _pieces(item: FormField, value) -> list[tuple[str, bool]]:
    """The texts of a filled item to find in the note, each with whether it must be a whole word there.

    Presence and enum values are judgements about the note (the model writes "presente", not text of it), so they
    have no evidence. A number must be a whole number of the note ("88", never the 88 of "188" or "SpO2 88,5")."""
    if value in (None, [], "") or item.type in ("presence", "enum"):
        return []
    if item.type in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return []
        return [(text, True) for text in _number_texts(value)]
    values = value if isinstance(value, list) else [value]
    return [(str(v), False) for v in values if str(v).strip()]


def form_evidence(spec: TaskSpec, record: dict, recorded: list | None = None) -> list[dict]:
    """Where the note holds each filled item's value: spans {"start", "end", "item", "label", "text"} (label: the
    item's Italian name), in text order, one a value found (a list item each of its values).

    recorded: where the copy constraint read the copied values (a crf prediction's `evidence`,
    CrfKind.copy_offsets: [{"item", "start", "end"}]). A value read there keeps that span while the note holds the
    value at it (a value corrected since is searched). The others (no recorded offset: a prediction of another
    strategy or engine, an older one, a correction or a gold record, a number) are searched in the note:
    whole-word occurrences before those inside a word (a number only as a whole word), one no other item took
    before a taken one, and a list's values in the order written (models and annotators write them in text
    order), else the first. A value not in the note (a paraphrase, a typed fix) has no span."""
    text = record.get("text") or ""
    fields = record.get("fields") or {}
    if not text:
        return []
    bounds = boundaries(text)
    kept = _recorded_spans(text, recorded)
    taken: set[Span] = {s for spans in kept.values() for s in spans}
    found: list[dict] = []
    for item in spec.fields:
        cursor, own = 0, list(kept.get(item.name, []))
        for piece, whole in _pieces(item, fields.get(item.name)):
            span = next((s for s in own if text[s.start : s.end] == piece), None)
            if span is not None:
                own.remove(span)
            else:
                spans = [s for s in find_all(text, piece) if not (whole and bounds.cuts(s.start, s.end))]
                if not spans:
                    continue
                span = min(
                    spans, key=lambda s: (bounds.cuts(s.start, s.end), s in taken, s.start < cursor, s.start)
                )
            taken.add(span)
            cursor = span.start
            found.append(
                {"start": span.start, "end": span.end, "item": item.name, "label": item_title(item),
                 "text": text[span.start : span.end]}
            )  # fmt: skip
    return sorted(found, key=lambda e: (e["start"], e["end"]))


def _recorded_spans(text: str, recorded: list | None) -> dict[str, list[Span]]:
    """The recorded offsets by item, in their order; an entry that is not a span of the note is left out."""
    out: dict[str, list[Span]] = {}
    for entry in recorded if isinstance(recorded, list) else []:
        if not isinstance(entry, dict):
            continue
        start, end, name = entry.get("start"), entry.get("end"), entry.get("item")
        offsets = type(start) is int and type(end) is int  # not a bool, not a float
        if isinstance(name, str) and offsets and 0 <= start < end <= len(text):
            out.setdefault(name, []).append(Span(start, end))
    return out
