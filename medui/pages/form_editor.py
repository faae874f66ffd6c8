"""A form (crf) beside its source note: Correggi's form editor and Confronta's form view.

The note is shown with the evidence of each filled item highlighted and labelled with the item's Italian name
(medui/tasks/form_items.py says how the evidence is found), so the highlight of an item is the one that bears the
name its field has. Items with allowed values (presence, enum) are chosen from a list of them; numbers, texts and
lists are typed, a number's unit in its label. The editor is a fixed pool of fields, as many as the largest form
of the catalogue holds, each shown for the item of the opened task at its place.
"""

from __future__ import annotations

import gradio as gr

from medui.errors import InputError
from medui.pages import common
from medui.tasks.form_items import form_evidence, item_choices, item_label, item_title
from medui.tasks.kinds import kind_for
from medui.tasks.kinds.crf import form_editor_rows, parse_form
from medui.tasks.registry import all_specs, get_spec
from medui.tasks.spec import FormField, TaskSpec

NOTE_LABEL = "Testo di partenza (evidenziato: dove si legge il valore di una voce, col nome della voce)"


def max_items() -> int:
    """The items of the largest form of the catalogue: the editor's pool of fields."""
    return max((len(spec.fields) for spec in all_specs().values()), default=0)


def item_info(item: FormField) -> str:
    """What a field says under its label: the item's description and, for a typed one, what it takes."""
    extra = ""
    if item.type in ("integer", "number"):
        whole = "intero " if item.type == "integer" else ""
        extra = f"un numero {whole}da {item.minimum} a {item.maximum}"
    elif item.type == "list":
        extra = "più valori separati da |"
    said = "" if item.description.strip() == item_title(item) else item.description  # not the name again
    if item_choices(item) is not None:
        return said
    return " · ".join(part for part in (said, extra, "vuoto: non indicato") if part)


def note_value(spec: TaskSpec, text: str, fields: dict, recorded: list | None = None) -> dict:
    """The note as a gr.HighlightedText value, each evidence span labelled with its item's Italian name
    (recorded: where the copy constraint read the copied values, form_items.form_evidence)."""
    return common.highlight_value(text, form_evidence(spec, {"text": text, "fields": fields}, recorded))


def recorded_evidence(item: dict | None) -> list | None:
    """Where the copy constraint read the copied values of an opened queue item's prediction (its `evidence`):
    a correction of it keeps the spans of the values it did not change."""
    return ((item or {}).get("prediction") or {}).get("evidence")


def marked_note(spec: TaskSpec, text: str, fields: dict, other: dict, recorded: list | None = None) -> str:
    """The note as HTML (Confronta) with the evidence of one version's items: an item whose value the other
    version has too marked "corretto", one whose value differs "disaccordo" (recorded: as note_value)."""
    same = {
        item.name
        for item in spec.fields
        if common.format_value(fields.get(item.name)) == common.format_value(other.get(item.name))
    }
    spans = [
        {**span, "status": "corretto" if span["item"] in same else "disaccordo"}
        for span in form_evidence(spec, {"text": text, "fields": fields}, recorded)
    ]
    said = (
        '<p class="medui-hidden">Evidenziato: dove la nota riporta il valore di una voce (verde: lo stesso '
        "nell'altra versione; bordo rosso: diverso).</p>"
    )
    return common.marked_html(text, spans) + said


def detail_rows(spec: TaskSpec, gold: dict, pred: dict) -> list[list]:
    """Confronta's detail of a form: per item (by its Italian name) whether gold and prediction agree, and both."""
    rows = []
    for item in spec.fields:
        g, p = common.format_value(gold.get(item.name)), common.format_value(pred.get(item.name))
        rows.append(["corretto" if g == p else "diverso", item_label(item), g, p])
    return rows


class FormEditor:
    """The note and the fields of a form, inside an Editors (medui/pages/editing.py); hidden for other kinds."""

    def __init__(self) -> None:
        self.slots: list[tuple[gr.Dropdown, gr.Textbox]] = []
        with gr.Row(visible=False, elem_id="correggi-modulo") as self.box:
            with gr.Column(scale=3, elem_id="correggi-nota-colonna"):
                self.note = gr.HighlightedText(
                    label=NOTE_LABEL, interactive=False, show_legend=False, show_inline_category=True,
                    elem_id="correggi-nota",
                )  # fmt: skip
            with gr.Column(scale=2, elem_id="correggi-voci"):
                for i in range(max_items()):  # as many as `shown` fills
                    chosen = gr.Dropdown(
                        choices=[], visible=False, interactive=True, elem_id=f"correggi-voce-{i + 1}-scelta"
                    )
                    typed = gr.Textbox(visible=False, elem_id=f"correggi-voce-{i + 1}")
                    self.slots.append((chosen, typed))

    def outputs(self) -> list:
        """The components `shown` and `hidden` fill, in their order."""
        return [self.box, self.note, *(c for pair in self.slots for c in pair)]

    def inputs(self) -> list:
        """The fields a form is read from (`rows`), in the pool's order."""
        return [c for pair in self.slots for c in pair]

    def wire(self, item_state: gr.State) -> None:
        """A typed value, once entered (Enter or leaving the field), moves its highlight in the note."""

        @common.guarded
        def refreshed(item: dict | None, *values) -> object:
            spec = form_spec(item)
            if spec is None:
                return gr.update()
            try:
                fields = parse_form(spec, form_rows(spec, values))
            except InputError:  # a number not yet a number: the save will say so; the note stays as it is
                return gr.update()
            return note_value(spec, item["text"], fields, recorded_evidence(item))

        triggers = [event for _, typed in self.slots for event in (typed.blur, typed.submit)]
        gr.on(
            triggers, refreshed, [item_state, *self.inputs()], self.note, api_name=False, queue=False,
            trigger_mode="always_last", show_progress="hidden",
        )  # fmt: skip

    def gather(self, trigger, item_state: gr.State, form_state: gr.State):
        """On `trigger` (the save button's click), the form's [item name, value] rows into `form_state`, which
        the save then reads (the event returned is the one to chain the save with `.then`)."""

        def gathered(item: dict | None, *values) -> list[list]:
            spec = form_spec(item)
            return [] if spec is None else form_rows(spec, values)

        return trigger(gathered, [item_state, *self.inputs()], form_state, api_name=False, queue=False)


def hidden() -> tuple:
    """The form editor's outputs hidden and emptied (a task of another kind, or nothing open)."""
    return (gr.update(visible=False), None, *(_off() for _ in range(2 * max_items())))


def shown(spec: TaskSpec, text: str, fields: dict, recorded: list | None = None) -> tuple:
    """The form editor's outputs for a form: the note with its evidence (recorded: as note_value), each item in
    its field (chosen or typed), the pool's other fields hidden."""
    out: list = [gr.update(visible=True), note_value(spec, text, fields, recorded)]
    rows = form_editor_rows(spec, fields)
    for i in range(max_items()):
        out += _slot_values(spec.fields[i], rows[i][1]) if i < len(spec.fields) else [_off(), _off()]
    return tuple(out)


def form_spec(item: dict | None) -> TaskSpec | None:
    """The spec of an opened queue item whose task is a form, else None."""
    if not item or not item.get("task"):
        return None
    spec = get_spec(item["task"])
    return spec if "form" in kind_for(spec).editors(spec) else None


def form_rows(spec: TaskSpec, values: tuple | list) -> list[list]:
    """The [item name, value] rows of a form (`parse_form` reads them) from the pool's values (chosen, typed,
    chosen, typed, ...): each item's value from the field it is shown in."""
    return [
        [field.name, values[2 * i + (item_choices(field) is None)]] for i, field in enumerate(spec.fields)
    ]


def _slot_values(item: FormField, shown: str) -> list:
    """The (chosen, typed) updates of one field of the pool holding `item` (its value as the editor shows it)."""
    label, info = item_label(item), item_info(item)
    choices = item_choices(item)
    if choices is not None:
        chosen = gr.update(visible=True, label=label, info=info, choices=choices, value=shown)
        return [chosen, gr.update(visible=False, value="")]
    typed = gr.update(visible=True, label=label, info=info, value=shown)
    return [gr.update(visible=False, choices=[], value=None), typed]


def _off() -> dict:
    return gr.update(visible=False, value=None)
