"""Case report form filling: the model writes every form item; the spec says each item's type and values."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, create_model

from medui.errors import InputError
from medui.tasks import agreement, merging
from medui.tasks.form_items import choice_of, item_choices, item_title
from medui.tasks.kinds.base import CopyKeys, EditorValues, Kind, Part, Strict, per_spec, record_id
from medui.tasks.records import format_value
from medui.tasks.spec import PRESENCE_VALUES, FormField, TaskSpec


def field_type(item: FormField) -> tuple[Any, Any]:
    """The pydantic annotation and default of one form item; None means not mentioned."""
    if item.type == "presence":
        return Literal[PRESENCE_VALUES], ...  # type: ignore[valid-type]
    if item.type == "enum":
        return Literal[item.values] | None, ...  # type: ignore[valid-type]
    if item.type == "integer":
        return Annotated[int, Field(ge=item.minimum, le=item.maximum)] | None, ...
    if item.type == "number":
        return Annotated[float, Field(ge=item.minimum, le=item.maximum, allow_inf_nan=False)] | None, ...
    if item.type == "string":
        return str | None, ...
    return Annotated[list[str], Field(max_length=item.max_items)] | None, ...  # list: maxItems


@per_spec
def form_output_model(spec: TaskSpec) -> type[BaseModel]:
    return create_model("Form", __base__=Strict, **{item.name: field_type(item) for item in spec.fields})


def empty_value(item: FormField) -> Any:
    return "non_menzionato" if item.type == "presence" else None


def form_editor_rows(spec: TaskSpec, fields: dict) -> list[list]:
    """Rows [item, value] of a form as its editor shows it (medui/pages/form_editor.py): a chosen item's choice
    (an enum not given: ""), a typed item's text (a list's values joined by |, nothing as "")."""
    return [
        [item.name, format_value(value) if item_choices(item) is None else choice_of(item, value)]
        for item in spec.fields
        for value in (fields.get(item.name),)
    ]


TYPE_WORDS = {"integer": "un numero intero", "number": "un numero"}  # the types a typed value can fail


def parse_form(spec: TaskSpec, rows: list[list]) -> dict:
    """Form values from the edited rows ([item name, value], as form_editor_rows gives them), typed by each
    item's type; an empty value means not mentioned. A value of the wrong type is refused in Italian, naming the
    item by its Italian name, and so are no rows at all (a form lost on its way is never saved as empty)."""
    if not rows and spec.fields:  # an editor gives every item, empty or not: nothing given is no form at all
        raise InputError("il modulo è arrivato senza voci: riapri la predizione e salva di nuovo")
    given = {str(r[0]): ("" if r[-1] is None else str(r[-1]).strip()) for r in rows if len(r) >= 2}
    fields = {}
    for item in spec.fields:
        text = given.get(item.name, "")
        try:
            fields[item.name] = _typed(item.type, text)
        except ValueError:
            wanted = TYPE_WORDS.get(item.type, item.type)
            raise InputError(f"voce «{item_title(item)}»: «{text}» non è {wanted}") from None
    return fields


def _typed(kind: str, text: str):
    if kind == "presence":
        return text or "non_menzionato"
    if not text:
        return None
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text.replace(",", "."))
    if kind == "list":
        return [part.strip() for part in text.split("|") if part.strip()]
    return text


class CrfKind(Kind):
    family = "crf"
    metric = "form"

    def output_model(self, spec: TaskSpec) -> type[BaseModel]:
        return form_output_model(spec)

    def render_input(self, spec: TaskSpec, record: dict) -> str:
        return record["text"]

    def copy_keys(self, spec: TaskSpec) -> CopyKeys:
        """The items marked `copy: true`: a string item's value, or every item of a list, is text of the note."""
        copied = [item for item in spec.fields if item.copied]
        return CopyKeys(
            strings=tuple(f'"{item.name}":"' for item in copied if item.type == "string"),
            lists=tuple(f'"{item.name}":[' for item in copied if item.type == "list"),
            max_chars=max((item.max_length for item in copied), default=0),
        )  # a list's number of items is its schema's maxItems

    def bounded_lists(self, spec: TaskSpec, output: dict) -> list[tuple[str, list, int]]:
        """Every list item's values, bounded by its schema's maxItems."""
        lists = [
            (item.name, output.get(item.name), item.max_items) for item in spec.fields if item.type == "list"
        ]
        return [(name, values, most) for name, values, most in lists if isinstance(values, list)]

    def copied_texts(self, spec: TaskSpec, output: dict) -> list[tuple[str, str]]:
        """The values of the copied items (a list's every value)."""
        found = []
        for item in (item for item in spec.fields if item.copied):
            value = output.get(item.name)
            found += [
                (item.name, v) for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)
            ]
        return found

    def copy_offsets(self, spec: TaskSpec, prediction: dict, copies: list[tuple[int, int]]) -> dict:
        """`evidence`: where the copy constraint read each copied value of a valid form, [{"item", "start",
        "end"}] in the form's order (form_items.form_evidence shows it instead of searching the note). The copies
        come in the order written, the items' order; each value takes the next copy of its text (a value written
        twice in a list, kept once by to_record, skips its second copy). The offsets are in the text the model
        read: a long note's form is read from its first window, which starts the note, so they are the note's."""
        if prediction.get("valid") is False:
            return {}
        text, evidence, at = prediction["text"], [], 0
        for name, value in self.copied_texts(spec, prediction.get("fields") or {}):
            found = next((k for k in range(at, len(copies)) if text[slice(*copies[k])] == value), None)
            if found is not None:
                start, end = copies[found]
                evidence.append({"item": name, "start": start, "end": end})
                at = found + 1
        return {"evidence": evidence} if evidence else {}

    def target(self, spec: TaskSpec, record: dict) -> dict:
        fields = record.get("fields", {})
        return {item.name: fields.get(item.name, empty_value(item)) for item in spec.fields}

    def to_record(self, spec: TaskSpec, record: dict, output: dict) -> dict:
        """The form as predicted, each list once per value (under cd, a value written again ends its list)."""
        fields = {k: list(dict.fromkeys(v)) if isinstance(v, list) else v for k, v in output.items()}
        return {"id": record_id(record), "text": record["text"], "fields": fields}

    def empty_record(self, spec: TaskSpec, record: dict) -> dict:
        return {
            "id": record_id(record),
            "text": record["text"],
            "fields": {item.name: empty_value(item) for item in spec.fields},
        }

    def record_keys(self, spec: TaskSpec) -> tuple[str, ...]:
        return ("id", "text", "fields")

    def record_problems(self, spec: TaskSpec, record: dict) -> list[str]:
        if not isinstance(record.get("text"), str):
            return ["the record has no text"]
        fields = record.get("fields")
        if not isinstance(fields, dict):
            return ["fields must be an object"]
        unknown = sorted(set(fields) - {item.name for item in spec.fields})
        problems = [f"unknown form item {name!r}" for name in unknown]
        filled = {item.name: fields.get(item.name, empty_value(item)) for item in spec.fields}
        problems += _schema_problems(form_output_model(spec), filled)
        return problems

    def metric_inputs(self, spec: TaskSpec, gold: dict, pred: dict) -> tuple[Any, ...]:
        return gold.get("fields", {}), pred.get("fields", {}), [item.name for item in spec.fields]

    def agreement_pair(self, spec: TaskSpec, a: list[dict], b: list[dict]) -> dict:
        return agreement.form_pair(a, b, [item.name for item in spec.fields])

    def agreement_group(self, spec: TaskSpec, documents: list[list[dict]]) -> dict | None:
        return agreement.form_group(documents, [item.name for item in spec.fields])

    def label_names(self, spec: TaskSpec) -> list[str]:
        return [item.name for item in spec.fields]

    def views(self, spec: TaskSpec) -> tuple[Part, ...]:
        return ("form",)

    def editors(self, spec: TaskSpec) -> tuple[Part, ...]:
        return ("form",)

    def record_from_editors(self, spec: TaskSpec, record_id: str, values: EditorValues) -> dict:
        return {"id": record_id, "fields": parse_form(spec, values.form_rows)}

    def human_text(self, spec: TaskSpec, record: dict) -> str:
        return "\n".join(f"{k}: {v}" for k, v in record["fields"].items())

    def counted_labels(self, spec: TaskSpec, record: dict) -> Iterable[str]:
        """The items filled in (not empty, not non_menzionato)."""
        return (k for k, v in record.get("fields", {}).items() if v not in (None, [], "non_menzionato"))

    def annotation_key(self, spec: TaskSpec, record: dict) -> tuple:
        return agreement.form_key(record, [item.name for item in spec.fields])

    def pieces(self, spec: TaskSpec, record: dict) -> list[merging.Piece]:
        """One a form item: its value (the item is its slot; equal values in comparable form are one piece)."""
        items = [item.name for item in spec.fields]
        comparable = agreement.form_values(record, items)
        out = []
        for i, name in enumerate(items):
            same = comparable[name]
            key = json.dumps(sorted(same) if isinstance(same, frozenset) else same, ensure_ascii=False)
            value = (record.get("fields") or {}).get(name)
            shown = format_value(value) or "(non indicato)"
            out.append(merging.Piece(f"{name}={key}", "voce", name, shown, value, (i,), slot=name))
        return out

    def record_from_pieces(self, spec: TaskSpec, record_id: str, pieces: list[merging.Piece]) -> dict:
        return {"id": record_id, "fields": {p.what: p.value for p in pieces}}


def _schema_problems(model: type[BaseModel], data: dict) -> list[str]:
    """What the form's schema refuses in the values, strictly: a record is stored as given, so "42" or true is no
    age (a model's output is read leniently instead, and stored as the schema writes it)."""
    from pydantic import ValidationError

    try:
        model.model_validate(data, strict=True)
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return []
