"""The editors of one correction, as a component: `Editors` builds them inside a page's layout and owns their
state (the item being corrected, its current mentions); `values_for` fills them from a queue item, `empty`
clears them, `record_from_editors` rebuilds the gold-format record from what was edited.

What a task's editors hold and the record built back from them is its kind's (`Kind.editors`,
`Kind.record_from_editors`). Correggi (correggi.py) owns the queue, the history and saving.
"""

from __future__ import annotations

import gradio as gr

from medui.pages import common, form_editor, mention_ids, mention_table, problems, relations
from medui.pages.common import guarded
from medui.tasks.kinds import EditorValues, kind_for
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec


def labels_hint(spec: TaskSpec) -> str:
    """The labels (and relation labels) a correction may use, then the task's label guidelines."""
    text = ""
    if kind_for(spec).spans:
        text = "Etichette: " + ", ".join(f"**{common.md_escape(label)}**" for label in spec.labels)
        if spec.relation_labels:
            text += " · relazioni: " + ", ".join(
                f"**{common.md_escape(label)}**" for label in spec.relation_labels
            )
    return "\n\n".join(part for part in (text, guidelines_notes(spec)) if part)


def guidelines_notes(spec: TaskSpec) -> str:
    """The label guidelines (each label's, relation's or form item's definition with one example) and their
    source, as Markdown; '' for a task without them."""
    items = spec.guideline_items()
    if not items:
        return ""
    lines = [f"- **{common.md_escape(name)}**: {common.md_escape(text)}" for name, text in items]
    return (
        "**Linee guida**\n\n" + "\n".join(lines) + f"\n\n_Fonte: {common.md_escape(spec.guidelines_source)}_"
    )


NEW_SPAN_LABEL = "label"  # what Gradio's span editor names a new selection


def palette_choices(spec: TaskSpec) -> list[tuple[str, str]]:
    """The label palette: (key, label and the start of its Italian definition) -> label."""
    out = []
    for i, (label, meaning) in enumerate(spec.labels.items()):
        short = meaning if len(meaning) <= 60 else meaning[:59].rstrip() + "…"
        key = f"{i + 1} · " if i < 9 else ""
        out.append((f"{key}{label}: {short}" if short else f"{key}{label}", label))
    return out


def fit_labels(entities: list[dict], labels, active: str | None) -> tuple[list[dict], list[str]]:
    """Mentions whose labels are all the task's: a label that differs from one only in case becomes it, a new
    selection takes the palette's active label, any other label too (and is named in the returned notes)."""
    by_case = {label.casefold(): label for label in labels}
    fallback = active if active in labels else next(iter(labels), None)
    fitted, notes = [], []
    for entity in entities:
        label = entity["label"]
        if label not in labels:
            known = by_case.get(str(label).strip().casefold())
            if known is None and fallback is not None:
                known = fallback
                if label != NEW_SPAN_LABEL:
                    notes.append(
                        f"«{entity.get('text', '')}»: «{label}» non è un'etichetta del compito, ora {known}"
                    )
            entity = {**entity, "label": known if known is not None else label}
        fitted.append(entity)
    return fitted, notes


def record_from_editors(
    item: dict,
    current: list[dict],
    form_rows: list[list],
    choice: str | None,
    answer: str,
    relations: list[list],
) -> dict:
    """The corrected record in the gold format, from the editors' values."""
    spec = get_spec(item["task"])
    values = EditorValues(current, form_rows, choice, answer, relations)
    return kind_for(spec).record_from_editors(spec, item["record_id"], values)


def opened_record(item: dict) -> dict:
    """The version an item's editors start from: the annotator's own correction in force, else the prediction."""
    return item.get("in_force") or item["prediction"]


def span_of(entity: dict) -> tuple:
    return entity["start"], entity["end"], entity["label"]


def lost_relations(item: dict, record: dict) -> list[str]:
    """The relations of the version opened that a corrected record no longer has, each as «head → tail»
    (label): matched by their mentions' offsets, so neither renumbered ids nor a relabelled mention count, or by
    their mentions' ids where the version opened had ids of its own (kept while editing: a fixed boundary)."""
    if not kind_for(get_spec(item["task"])).relations:
        return []

    def links(rec: dict) -> list[tuple[tuple, tuple, str]]:
        """Each relation whose mentions are there: its key by offsets, its key by ids, its name."""
        spans = {e.get("id"): e for e in rec.get("entities", [])}
        out = []
        for rel in rec.get("relations", []):
            head, tail = spans.get(rel.get("head")), spans.get(rel.get("tail"))
            if head and tail:
                shown = f"«{head.get('text', '')} → {tail.get('text', '')}» ({rel.get('label')})"
                by_place = (head["start"], head["end"], rel.get("label"), tail["start"], tail["end"])
                out.append((by_place, (rel.get("head"), rel.get("label"), rel.get("tail")), shown))
        return out

    opened, edited = opened_record(item), links(record)
    own_ids = [e.get("id") for e in opened.get("entities", [])]
    by_place = {place for place, _, _ in edited}
    by_ids = set()
    if all(isinstance(i, str) and i for i in own_ids) and len(set(own_ids)) == len(own_ids):
        by_ids = {ids for _, ids, _ in edited}
    lost = [shown for place, ids, shown in links(opened) if place not in by_place and ids not in by_ids]
    return list(dict.fromkeys(lost))


def edited_problems(item: dict, record: dict) -> list[str]:
    """What the task refuses in an edited record, in Italian, naming mentions by their text (empty: it can be
    saved). Checked here for the kinds that read a text; the store checks every record again."""
    spec = get_spec(item["task"])
    if not kind_for(spec).reads_text:
        return []
    return problems.record_problems(spec, {**record, "text": item["text"]})


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def empty() -> tuple:
    hidden = gr.update(visible=False)
    return (
        None,
        [],
        "Nessuna predizione da correggere.",
        "",
        hidden,
        hidden,
        hidden,
        *relations.values(None),
        *form_editor.hidden(),
        hidden,
        hidden,
        "",
        hidden,
    )


def values_for(item: dict) -> tuple:
    """Values of the editors for a queue item (the prediction to correct)."""
    spec = get_spec(item["task"])
    kind, pred = kind_for(spec), opened_record(item)  # the version in force is edited
    shown, entities = kind.editors(spec), pred.get("entities", [])
    about = (
        f"**Predizione {int(item['prediction_id'])}** · compito {common.md_escape(spec.id)} · record {common.md_escape(item['record_id'])}"
        f" · confidenza {fmt(item['confidence'])} · correzioni precedenti: {len(item['history'])}"
    )
    current = kind.editor_entities(spec, pred)
    spans = entities_rows = gr.update(visible=False)
    if "spans" in shown:
        spans = gr.update(visible=True, value=common.highlight_value(item["text"], entities))
    if "entities" in shown:
        entities_rows = gr.update(visible=True, value=common.entity_rows(current))
    links = relations.values(
        spec if "relations" in shown else None, item["text"], current, pred.get("relations", [])
    )
    fields = pred.get("fields") or {}
    form_values = (
        form_editor.shown(spec, item["text"], fields, form_editor.recorded_evidence(item))
        if "form" in shown
        else form_editor.hidden()
    )
    choice = gr.update(visible="choice" in shown, choices=list(spec.options), value=pred.get("answer"))
    answer = gr.update(visible="answer" in shown, value=pred.get("answer") or "")
    palette = gr.update(
        visible="spans" in shown, choices=palette_choices(spec), value=next(iter(spec.labels), None)
    )
    return (
        item,
        current,
        about,
        labels_hint(spec),
        palette,
        spans,
        entities_rows,
        *links,
        *form_values,
        choice,
        answer,
        "",
        gr.update(visible=False, value=""),
    )


class Editors:
    """The editors of one correction (spans, relations, form items or answer, and a note), with their state: the
    queue item being corrected and its current mentions. Built inside a page's layout; `wire` adds their events."""

    def __init__(self) -> None:
        self.about = gr.Markdown(elem_id="correggi-info")
        self.labels = gr.Markdown()
        self.palette = gr.Radio(
            label="Etichetta delle nuove menzioni: sceglila, poi seleziona il testo (tasti 1-9; Alt+S salva, "
            "Alt+A accetta, Alt+N salta)",
            choices=[], visible=False, elem_id="correggi-etichetta",
        )  # fmt: skip
        self.spans = gr.HighlightedText(
            label="Menzioni (seleziona del testo per aggiungerne una; clic per cambiarla o toglierla)",
            interactive=True,
            show_legend=True,
            elem_id="correggi-menzioni",
            visible=False,
        )
        self.entities = gr.Dataframe(
            headers=mention_table.HEADERS, datatype=mention_table.DATATYPES, type="array",
            label="Menzioni con i loro id (correggi un confine scrivendo inizio e fine, o il testo: l'id e le "
            "sue relazioni restano)",
            elem_id="correggi-entita", interactive=True, static_columns=[0], visible=False,
        )  # fmt: skip
        self.relation_editor = relations.RelationEditor()
        self.relations = self.relation_editor.rows  # rows (head id, label, tail id), as the record takes them
        self.form_editor = form_editor.FormEditor()  # the note beside the form's items
        self.form = gr.State([])  # the form's [item, value] rows, gathered from form_editor when saving
        self.choice = gr.Radio(label="Risposta", choices=[], visible=False)
        self.answer = gr.Textbox(label="Risposta", visible=False)
        self.note = gr.Textbox(label="Nota (facoltativa)")
        self.draft = gr.Textbox(
            label="La tua versione, non salvata (qualcuno ha salvato prima di te): confrontala e salva di nuovo",
            lines=4, interactive=False, visible=False, elem_id="correggi-bozza",
        )  # fmt: skip
        self.item = gr.State(None)
        self.current = gr.State([])

    def outputs(self) -> list:
        """The components `values_for` and `empty` fill, in their order."""
        return [self.item, self.current, self.about, self.labels, self.palette, self.spans, self.entities, *self.relation_editor.outputs(), *self.form_editor.outputs(), self.choice, self.answer, self.note, self.draft]  # fmt: skip

    def inputs(self) -> list:
        """The components a corrected record is built from, then the note."""
        return [self.current, self.form, self.choice, self.answer, self.relations, self.note]

    def wire(self) -> None:
        """Edited spans: offsets rebuilt, ids kept (a new mention a new one), a removed mention's links dropped;
        links added, chosen and removed; a typed form value moves its highlight in the note."""
        _wire_span_editing(self)
        _wire_table_editing(self)
        self.relation_editor.wire(self.item, self.current)
        self.form_editor.wire(self.item)

    def saving(self, click):
        """The save button's `click` wired to gather the form's fields into `form` (a form is a pool of fields, one
        component no more): the event to chain the save to with `.then`, which reads `inputs()`."""
        return self.form_editor.gather(click, self.item, self.form)


def said(spec: TaskSpec, notes: list[str]) -> object:
    """The labels' line with what the last span edit changed on its own (this event is not queued, so a
    toast would not reach the page: the notes stay beside the editor until the next edit)."""
    if not notes:
        return gr.update(value=labels_hint(spec))
    return labels_hint(spec) + "\n\n" + "\n".join(f"- ⚠ {common.md_escape(n)}" for n in notes)


def _wire_span_editing(page: Editors) -> None:

    @guarded
    def spans_changed(
        item: dict | None, value: list | None, current: list[dict], rows: list[list], active: str | None,
        parked: list[dict] | None,
    ) -> tuple:  # fmt: skip
        """The span editor's change, by the user or by opening an item: opening changes no span, so the links
        are left alone. Every mention keeps a label of the task (a new selection takes the palette's,
        fit_labels) and its id (a new one a new id, mention_ids.keep_ids); a removed mention's links go, named
        in the relation editor's note, and come back when its text is selected again at once (a boundary
        fixed: mention_ids.relinked)."""
        unchanged = (gr.update(),) * 11
        if not item or not kind_for(get_spec(item["task"])).spans:
            return unchanged
        spec = get_spec(item["task"])
        typed = common.spans_from_highlight(item["text"], value)
        fitted, notes = fit_labels(typed, spec.labels, active)
        _, hidden = common.non_overlapping(current)  # mentions the editor cannot show stay as they are
        parked = parked or []
        entities = mention_ids.keep_ids([*current, *(p["mention"] for p in parked)], [*fitted, *hidden])
        shown = (
            gr.update(value=common.highlight_value(item["text"], entities))
            if fitted != typed
            else gr.update()
        )
        if [span_of(e) for e in entities] == [span_of(e) for e in current]:  # the echo of a relabel
            return (*unchanged[:2], shown, said(spec, notes) if notes else gr.update(), *unchanged[4:])
        if not kind_for(spec).relations:
            return (entities, common.entity_rows(entities), shown, said(spec, notes), *unchanged[4:])
        entities, rows, back = mention_ids.relinked(parked, current, entities, rows)
        gone = mention_ids.taken_away(current, entities, rows)
        rows, dropped = relations.drop_links(current, entities, rows)
        links = relations.shown(spec, item["text"], entities, rows)
        note = relations.dropped_note(dropped, back) if dropped or back else gr.update()
        return entities, common.entity_rows(entities), shown, said(spec, notes), *links, note, gone

    links = page.relation_editor
    page.spans.change(
        spans_changed, [page.item, page.spans, page.current, page.relations, page.palette, links.parked],
        [page.current, page.entities, page.spans, page.labels, *links.shown_outputs(), links.note, links.parked],
        api_name="correggi_menzioni", queue=False,
    )  # fmt: skip


def _wire_table_editing(page: Editors) -> None:

    @guarded
    def table_edited(item: dict | None, table: list | None, current: list[dict], rows: list[list]) -> tuple:
        """A typed edit of the table of mentions (mention_table.edited): rows matched by id, so a fixed boundary
        or label keeps the mention's id and its links; a row taken out drops its mention's links, named."""
        if not item or not kind_for(get_spec(item["task"])).spans:
            return (gr.update(),) * 10
        spec, text = get_spec(item["task"]), item["text"]
        entities, notes = mention_table.edited(text, current, table or [], spec.labels)
        highlighted = common.highlight_value(text, entities)
        if not kind_for(spec).relations:
            return (
                entities,
                common.entity_rows(entities),
                highlighted,
                said(spec, notes),
                *(gr.update(),) * 6,
            )
        rows, dropped = relations.drop_links(current, entities, rows)
        note = relations.dropped_note(dropped) if dropped else gr.update()
        links = relations.shown(spec, text, entities, rows)
        return entities, common.entity_rows(entities), highlighted, said(spec, notes), *links, note

    links = page.relation_editor
    page.entities.input(
        table_edited, [page.item, page.entities, page.current, page.relations],
        [page.current, page.entities, page.spans, page.labels, *links.shown_outputs(), links.note],
        api_name="correggi_tabella_menzioni", queue=False,
    )  # fmt: skip
