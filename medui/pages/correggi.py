"""Correggi: the annotators' queue (least confident first); edit spans, relations, form items or the answer.

Spans are edited in a gr.HighlightedText (select text to add a span, click one to relabel or remove it); it
returns (substring, label) pieces, from which offsets are rebuilt. Relations, form items and answers are edited
in tables and fields. Save validates against the task; "Accetta così" stores the prediction as it is.
"""

from __future__ import annotations

import gradio as gr

from medui.backend import service
from medui.pages import common, editing
from medui.pages.common import guarded, user_of
from medui.tasks.kinds import kind_for
from medui.tasks.kinds.crf import form_editor_rows
from medui.tasks.registry import get_spec

QUEUE_HEADERS = ["predizione", "record", "split", "confidenza", "anteprima"]
HISTORY_HEADERS = ["correzione", "record", "predizione", "tipo", "annotatore", "quando", "nota"]


class CorreggiPage:
    """The components of the page."""

    def __init__(self) -> None:
        common.header("Correggi", "La coda dell'annotatore: prima le predizioni meno sicure.")
        with gr.Row():
            self.task = common.task_dropdown(scale=3)
            self.limit = gr.Number(value=20, precision=0, minimum=1, maximum=500, label="Quante", scale=1)
            self.refresh = gr.Button("Aggiorna coda", scale=1)
        self.queue = gr.Dataframe(
            headers=QUEUE_HEADERS,
            label="Coda (clic su una riga per correggerla)",
            interactive=False,
            elem_id="correggi-coda",
        )
        with gr.Row():
            self.pick = gr.Number(label="Predizione", precision=0, scale=1, elem_id="correggi-predizione")
            self.open = gr.Button("Apri", scale=1)
        self.about = gr.Markdown(elem_id="correggi-info")
        self.labels = gr.Markdown()
        self.spans = gr.HighlightedText(
            label="Menzioni (seleziona del testo per aggiungerne una; clic per cambiarla o toglierla)",
            interactive=True,
            show_legend=True,
            elem_id="correggi-menzioni",
            visible=False,
        )
        self.entities = gr.Dataframe(
            headers=["id", "inizio", "fine", "etichetta", "testo"],
            label="Menzioni con i loro id",
            elem_id="correggi-entita",
            interactive=False,
            visible=False,
        )
        self.relations = gr.Dataframe(
            headers=["testa", "relazione", "coda"],
            label="Relazioni (id delle menzioni)",
            interactive=True,
            visible=False,
            elem_id="correggi-relazioni",
            type="array",
        )
        self.form = gr.Dataframe(
            headers=["voce", "tipo", "valori ammessi", "valore"],
            label="Modulo (colonna valore; liste separate da |)",
            interactive=True,
            static_columns=[0, 1, 2],
            visible=False,
            type="array",
        )
        self.choice = gr.Radio(label="Risposta", choices=[], visible=False)
        self.answer = gr.Textbox(label="Risposta", visible=False)
        self.note = gr.Textbox(label="Nota (facoltativa)")
        self.draft = gr.Textbox(
            label="La tua versione, non salvata (qualcuno ha salvato prima di te): confrontala e salva di nuovo",
            lines=4, interactive=False, visible=False, elem_id="correggi-bozza",
        )  # fmt: skip
        with gr.Row():
            self.save = gr.Button("Salva correzione", variant="primary", elem_id="correggi-salva")
            self.accept = gr.Button("Accetta così", elem_id="correggi-accetta")
            self.skip = gr.Button("Salta", elem_id="correggi-salta")
        self.history = gr.Dataframe(
            headers=HISTORY_HEADERS,
            label="Chi ha corretto cosa e quando",
            interactive=False,
            elem_id="correggi-storico",
        )
        self.item = gr.State(None)
        self.current = gr.State([])
        self.skipped = gr.State([])

    # fmt: skip

    def editors(self) -> list:
        return [self.item, self.current, self.about, self.labels, self.spans, self.entities, self.relations, self.form, self.choice, self.answer, self.note, self.draft]  # fmt: skip


def queue_rows(task_id: str, limit: float | None, user: str | None) -> list[list]:
    rows = service.correction_queue(task_id, int(limit or 20), user)
    return [
        [r["prediction_id"], r["record_id"], r["split"], _fmt(r["confidence"]), r["preview"]] for r in rows
    ]


def history_rows(task_id: str) -> list[list]:
    return [
        [
            c["id"],
            c["record_id"],
            c["prediction_id"],
            c["kind"],
            c["annotator"],
            c["created_at"],
            c["note"] or "",
        ]
        for c in service.recent_corrections(task_id)
    ]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def empty_editors() -> tuple:
    hidden = gr.update(visible=False)
    return (
        None,
        [],
        "Nessuna predizione da correggere.",
        "",
        hidden,
        hidden,
        hidden,
        hidden,
        hidden,
        hidden,
        "",
        hidden,
    )


def editors_for(item: dict) -> tuple:
    """Values of the editors for a queue item (the prediction to correct)."""
    spec = get_spec(item["task"])
    kind, pred = kind_for(spec), item.get("in_force") or item["prediction"]  # the version in force is edited
    shown, entities = kind.editors(spec), pred.get("entities", [])
    about = (
        f"**Predizione {int(item['prediction_id'])}** · compito {editing.escape_md(spec.id)} · record {editing.escape_md(item['record_id'])}"
        f" · confidenza {_fmt(item['confidence'])} · correzioni precedenti: {len(item['history'])}"
    )
    spans = entities_rows = relations = form = gr.update(visible=False)
    if "spans" in shown:
        spans = gr.update(visible=True, value=common.highlight_value(item["text"], entities))
    if "entities" in shown:
        entities_rows = gr.update(visible=True, value=common.entity_rows(editing.numbered(entities)))
    if "relations" in shown:
        relations = gr.update(
            visible=True, value=[[r["head"], r["label"], r["tail"]] for r in pred.get("relations", [])]
        )
    if "form" in shown:
        form = gr.update(visible=True, value=form_editor_rows(spec, pred.get("fields", {})))
    choice = gr.update(visible="choice" in shown, choices=list(spec.options), value=pred.get("answer"))
    answer = gr.update(visible="answer" in shown, value=pred.get("answer") or "")
    current = kind.editor_entities(spec, pred)
    return (
        item,
        current,
        about,
        editing.labels_hint(spec),
        spans,
        entities_rows,
        relations,
        form,
        choice,
        answer,
        "",
        gr.update(visible=False, value=""),
    )


def build(demo: gr.Blocks) -> None:
    """Build the page and wire its events."""
    page = CorreggiPage()

    @guarded
    def refresh(task_id: str, limit: float, request: gr.Request) -> tuple:
        """The queue and the correction history of a task."""
        return queue_rows(task_id, limit, user_of(request)), history_rows(task_id)

    lists = [page.queue, page.history]
    page.refresh.click(refresh, [page.task, page.limit], lists, api_name="correggi_coda", queue=False)
    page.task.change(refresh, [page.task, page.limit], lists, api_name="correggi_compito", queue=False)

    @guarded
    def open_item(prediction_id: float | None, request: gr.Request) -> tuple:
        """Load a prediction into the editors."""
        if prediction_id is None:
            raise gr.Error("Scegli una predizione dalla coda o scrivi il suo numero.")
        return editors_for(service.correction_item(int(prediction_id), user_of(request)))

    page.open.click(open_item, page.pick, page.editors(), api_name="correggi_apri", queue=False)

    @guarded
    def pick_row(evt: gr.SelectData) -> int:
        """The prediction id of the clicked queue row."""
        return int(evt.row_value[0])

    page.queue.select(pick_row, None, page.pick, api_name="correggi_scegli", queue=False).then(
        open_item, page.pick, page.editors(), api_name="correggi_apri_scelta", queue=False
    )

    @guarded
    def on_load(task_id: str, limit: float, request: gr.Request) -> tuple:
        """The queue, the history and, with ?predizione=ID in the address, that prediction opened."""
        wanted = (request.query_params.get("predizione") or "").strip() if request else ""
        queue_values = refresh(task_id, limit, request)
        if not wanted.isdigit():
            return (*queue_values, None, gr.update(), *empty_editors())
        item = service.correction_item(int(wanted), user_of(request))
        return (*queue_values, int(wanted), gr.update(value=item["task"]), *editors_for(item))

    load_outputs = [page.queue, page.history, page.pick, page.task, *page.editors()]
    demo.load(on_load, [page.task, page.limit], load_outputs, api_name="correggi_carica", queue=False)
    editing.wire_span_editing(page)
    editing.wire_saving(page, editors_for, empty_editors, queue_rows, history_rows)

    def save_correction(
        prediction_id: int, record_json: str, request: gr.Request, note: str = "", version: int = -1
    ) -> dict:
        """Save a corrected record (JSON, gold format) for a prediction; validated against the task.

        version: the document's version it edits (correction_item's `version`, 0 before any correction); a save
        over a newer one is refused. -1: not checked.
        """
        checked = None if version in (-1, None) else version
        return service.save_correction(
            prediction_id, record_json, user_of(request), note=note or None, version=checked
        )

    def accept_prediction(prediction_id: int, request: gr.Request) -> dict:
        """Accept a prediction as it is (stored as a correction of kind accept)."""
        return service.save_correction(prediction_id, None, user_of(request), accept=True)

    def correction_queue(task_id: str, request: gr.Request, limit: int = 20) -> list[dict]:
        """The predictions of a task to correct next, least confident first."""
        return service.correction_queue(task_id, limit, user_of(request))

    gr.api(guarded(save_correction), api_name="save_correction")
    gr.api(guarded(accept_prediction), api_name="accept_prediction")
    gr.api(guarded(correction_queue), api_name="correction_queue")
