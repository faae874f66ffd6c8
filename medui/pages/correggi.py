"""Correggi: the annotators' queue (least confident first); edit spans, relations, form items or the answer.

Spans are edited in a gr.HighlightedText (select text to add a span, click one to relabel or remove it); it
returns (substring, label) pieces, from which offsets are rebuilt. Relations, form items and answers are edited
in tables and fields. Save validates against the task; "Accetta così" stores the prediction as it is.
"""

from __future__ import annotations

import html
import json

import gradio as gr

from medui.backend import service
from medui.backend.store.corrections import CorrectionError, StaleCorrection
from medui.errors import InputError
from medui.pages import common, editing
from medui.pages.common import guarded, user_of

QUEUE_HEADERS = ["predizione", "record", "split", "confidenza", "usabile per addestrare", "anteprima"]
MAX_PROBLEMS_SHOWN = 8  # the problems a refused save lists, at most (then how many more)
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
        self.editors = editing.Editors()
        with gr.Row():
            self.save = gr.Button("Salva correzione", variant="primary", elem_id="correggi-salva")
            self.accept = gr.Button("Accetta così", elem_id="correggi-accetta")
            self.skip = gr.Button("Salta", elem_id="correggi-salta")
        self.history = gr.Dataframe(
            headers=HISTORY_HEADERS,
            label=(
                "Chi ha corretto cosa e quando (le correzioni dei colleghi compaiono dopo l'aggiudicazione; "
                "i curatori le vedono tutte)"
            ),
            interactive=False,
            elem_id="correggi-storico",
        )
        self.skipped = gr.State([])


def queue_rows(task_id: str, limit: float | None, user: str | None) -> list[list]:
    rows = service.correction_queue(task_id, int(limit or 20), user)
    return [
        [
            r["prediction_id"],
            r["record_id"],
            r["split"],
            editing.fmt(r["confidence"]),
            r["training"]["text"],
            r["preview"],
        ]
        for r in rows
    ]


def history_rows(task_id: str, user: str | None) -> list[list]:
    """The task's latest corrections the user may see (an annotator: theirs, and colleagues' once adjudicated)."""
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
        for c in service.recent_corrections(task_id, 50, user)
    ]


def italian_of(exc: BaseException) -> str:
    return str(getattr(exc, "italian", None) or exc).strip()


def refused(problems: list[str], outputs: tuple) -> tuple:
    """One message for a save that stored nothing, every problem on its own line (it stays until closed, so
    that it can be read while fixing), and the outputs to return."""
    shown = [html.escape(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown.append(f"… e altri {len(problems) - MAX_PROBLEMS_SHOWN} problemi")
    head = "Correzione non salvata: le modifiche restano qui, da sistemare"
    gr.Warning(f"{head}:<br>" + "<br>".join(f"• {line}" for line in shown), duration=None)
    return outputs


def wire_saving(page: CorreggiPage) -> None:
    """Save, accept as is, skip: each then opens the next prediction in the queue."""

    def next_item(task_id: str, limit: float, skipped: list[int], user: str | None) -> tuple:
        rows = queue_rows(task_id, limit, user)
        nxt = next((r[0] for r in rows if r[0] not in skipped), None)
        editors = (
            editing.values_for(service.correction_item(nxt, user)) if nxt is not None else editing.empty()
        )
        return (rows, history_rows(task_id, user), nxt, *editors)

    def unchanged(item: dict) -> tuple:
        """Every output as it is (a refused save): the edits stay on screen, the item's state aside."""
        return (
            gr.update(),
            gr.update(),
            gr.update(),
            item,
            *[gr.update()] * (len(page.editors.outputs()) - 1),
        )

    @guarded
    def save(
        task_id, limit, skipped, item, current, form, choice, answer, relations, note, request: gr.Request
    ) -> tuple:
        """Validate and store the corrected record, then open the next prediction. A record the task refuses
        gets one message (in Italian, naming what is wrong) and keeps the edits on screen."""
        service.allowed(user_of(request), "correct")  # the role first: a refusal below is about the record
        if not item:
            raise gr.Error("Apri prima una predizione da correggere.")
        try:
            record = editing.record_from_editors(item, current, form, choice, answer, relations)
        except InputError as exc:  # a form value of the wrong type
            return refused([italian_of(exc)], unchanged(item))
        wrong = editing.edited_problems(item, record)
        if wrong:
            return refused(wrong, unchanged(item))
        lost = editing.lost_relations(item, record)
        agreed = json.dumps(record, sort_keys=True, ensure_ascii=False)
        if lost and item.get("agreed_loss") != agreed:  # relations never vanish without a word
            common.warn(
                f"Questa correzione toglie {len(lost)} relazioni della versione aperta: {', '.join(lost)}. "
                "Se è voluto, premi di nuovo «Salva correzione»; altrimenti riaprila."
            )
            return unchanged({**item, "agreed_loss": agreed})
        try:
            saved = service.save_correction(
                item["prediction_id"],
                record,
                user_of(request),
                note=note or None,
                version=item.get("version", 0),
            )
        except StaleCorrection as exc:  # someone saved first: show theirs, keep this one beside it
            common.warn(exc.italian)
            reloaded = editing.values_for(service.correction_item(item["prediction_id"], user_of(request)))
            draft = gr.update(visible=True, value=json.dumps(record, ensure_ascii=False, indent=1))
            rows = queue_rows(task_id, limit, user_of(request))
            return (
                rows,
                history_rows(task_id, user_of(request)),
                item["prediction_id"],
                *reloaded[:-2],
                note,
                draft,
            )
        except (
            InputError,
            CorrectionError,
        ) as exc:  # the store refused the record (a rule not checked above)
            return refused([italian_of(exc)], unchanged(item))
        common.info(f"Correzione {saved['id']} salvata.")
        return next_item(task_id, limit, skipped, user_of(request))

    @guarded
    def accept(task_id, limit, skipped, item, note, request: gr.Request) -> tuple:
        """Store the prediction as it is, then open the next one."""
        if not item:
            raise gr.Error("Apri prima una predizione da correggere.")
        saved = service.save_correction(
            item["prediction_id"], None, user_of(request), note=note or None, accept=True
        )
        common.info(f"Predizione accettata (correzione {saved['id']}).")
        return next_item(task_id, limit, skipped, user_of(request))

    @guarded
    def skip(task_id, limit, skipped, item, request: gr.Request) -> tuple:
        """Leave this prediction for later (in this tab) and open the next one."""
        skipped = [*skipped, item["prediction_id"]] if item else skipped
        return (skipped, *next_item(task_id, limit, skipped, user_of(request)))

    after = [page.queue, page.history, page.pick, *page.editors.outputs()]
    base = [page.task, page.limit, page.skipped, page.editors.item]
    editors_in = page.editors.inputs()
    gathered = page.editors.saving(page.save.click)  # the form's fields read first, then the save
    gathered.then(save, [*base, *editors_in], after, api_name="correggi_salva")
    page.accept.click(accept, [*base, page.editors.note], after, api_name="correggi_accetta")
    page.skip.click(skip, base, [page.skipped, *after], api_name="correggi_salta", queue=False)


def build(demo: gr.Blocks) -> None:
    """Build the page and wire its events."""
    page = CorreggiPage()

    @guarded
    def refresh(task_id: str, limit: float, request: gr.Request) -> tuple:
        """The queue and the correction history of a task."""
        return queue_rows(task_id, limit, user_of(request)), history_rows(task_id, user_of(request))

    lists = [page.queue, page.history]
    page.refresh.click(refresh, [page.task, page.limit], lists, api_name="correggi_coda", queue=False)
    page.task.change(refresh, [page.task, page.limit], lists, api_name="correggi_compito", queue=False)
    common.remembers_task(page.task, "correggi")

    @guarded
    def open_item(prediction_id: float | None, request: gr.Request) -> tuple:
        """Load a prediction into the editors."""
        if prediction_id is None:
            raise gr.Error("Scegli una predizione dalla coda o scrivi il suo numero.")
        return editing.values_for(service.correction_item(int(prediction_id), user_of(request)))

    page.open.click(open_item, page.pick, page.editors.outputs(), api_name="correggi_apri", queue=False)

    @guarded
    def pick_row(evt: gr.SelectData) -> int:
        """The prediction id of the clicked queue row."""
        return int(evt.row_value[0])

    page.queue.select(pick_row, None, page.pick, api_name="correggi_scegli", queue=False).then(
        open_item, page.pick, page.editors.outputs(), api_name="correggi_apri_scelta", queue=False
    )

    @guarded
    def on_load(task_id: str, limit: float, request: gr.Request) -> tuple:
        """The queue and the history of the task the user chose last and, with ?predizione=ID in the address,
        that prediction opened (on its task)."""
        wanted = (request.query_params.get("predizione") or "").strip() if request else ""
        if not wanted.isdigit():
            task_id = common.opening_task(page.task, task_id, request)
            return (*refresh(task_id, limit, request), None, task_id, *editing.empty())
        queue_values = refresh(task_id, limit, request)
        item = service.correction_item(int(wanted), user_of(request))
        return (*queue_values, int(wanted), gr.update(value=item["task"]), *editing.values_for(item))

    load_outputs = [page.queue, page.history, page.pick, page.task, *page.editors.outputs()]
    demo.load(on_load, [page.task, page.limit], load_outputs, api_name="correggi_carica", queue=False)
    page.editors.wire()
    wire_saving(page)

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
