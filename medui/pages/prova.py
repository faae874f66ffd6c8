"""Prova: run a task on a pasted text or an uploaded file; the output streams as it is decoded, then renders.

A table file (.csv, .jsonl) runs record by record; clicking a row of the results shows that record. "Correggi
questo" stores the shown prediction and sends it to the annotators' queue.

Identifiers: the pasted text is checked when it loses focus, and every input before a run
(service.check_inputs); "Maschera gli identificativi" runs on same-length placeholders, the confirmation sends
them as they are to a remote server (shown only when MEDUI_OPENAI_BASE_URL is not on this machine). The service
refuses the rest, for the page and the API alike, and the queue takes only text without identifiers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gradio as gr
from gradio.utils import get_upload_folder

from medui.backend import service
from medui.backend.inference.demos import TEAM_PREFIX
from medui.backend.inference.destination import IdentifiersRefused
from medui.backend.web.uploads import MAX_TABLE_ROWS, SUFFIXES, UPLOADS, read_upload
from medui.pages import common, preparing
from medui.pages.common import guarded, user_of
from medui.tasks.kinds import Kind, kind_for
from medui.tasks.phi import KIND_NAMES
from medui.tasks.registry import get_spec

DEMOS_CHOSEN = {"casuali": "random", "simili": "similar"}  # the page's words for demos.py's choices
DEMOS_SHOWN = {v: k for k, v in DEMOS_CHOSEN.items()}


class ProvaPage:
    """The components of the page, built inside the page's route."""

    def __init__(self) -> None:
        common.header("Prova", "Esegui un compito su un testo incollato o su un file caricato.")
        # the default model, prepared at start (service/warmup.py)
        self.prepared, self.prepared_timer = preparing.preparing_line()
        with gr.Row():
            self.task = common.task_dropdown(scale=3)
            self.strategy = common.strategy_dropdown(scale=1)
            self.demos = gr.Radio(
                list(DEMOS_CHOSEN), value=DEMOS_SHOWN["random"], label="Esempi (few-shot)",
                info="simili: i più vicini al testo, dal train e dalle correzioni del team", scale=1,
                elem_id="prova-esempi-scelta",
            )  # fmt: skip
        self.model, self.model_path = common.model_picker()
        common.follow_model(self.model, self.strategy)
        self.text = gr.Textbox(label="Testo", lines=8, placeholder=Kind.input_placeholder)
        self.upload = gr.File(
            label=f"oppure carica un file ({', '.join(SUFFIXES)}; tabelle fino a {MAX_TABLE_ROWS} righe)",
            file_types=list(SUFFIXES), type="filepath", elem_id="prova-file",
        )  # fmt: skip
        host = service.served_host()
        with gr.Row():
            self.mask = gr.Checkbox(
                label="Maschera gli identificativi (segnaposto XXX della stessa lunghezza)", value=False,
                elem_id="prova-maschera",
            )  # fmt: skip
            self.send = gr.Checkbox(
                label=f"Invia comunque gli identificativi al server {host}", value=False, visible=host is not None,
                elem_id="prova-invia",
            )  # fmt: skip
        self.run = gr.Button("Esegui", variant="primary", elem_id="prova-esegui")
        self.identifiers = gr.Markdown(elem_id="prova-identificativi")
        self.status = gr.Markdown(elem_id="prova-stato")  # what the run is doing and for how long
        self.raw = gr.Textbox(
            label="Output in decodifica", lines=3, max_lines=12, interactive=False, elem_id="prova-raw"
        )
        self.stats = gr.Markdown(elem_id="prova-stats")
        self.examples = gr.Markdown(elem_id="prova-esempi")
        self.spans = gr.HighlightedText(label="Menzioni", show_legend=True, elem_id="prova-spans")
        self.relations = gr.Dataframe(
            headers=["testa", "relazione", "coda"], label="Relazioni", interactive=False, visible=False
        )
        self.form = gr.Dataframe(
            headers=["voce", "valore"], label="Modulo compilato", interactive=False, visible=False
        )
        self.answer = gr.Textbox(label="Risposta", interactive=False, visible=False, elem_id="prova-answer")
        self.table = gr.Dataframe(
            headers=["#", "record", "esito"], label="Risultati per record (clic su una riga per vederla)",
            interactive=False, visible=False,
        )  # fmt: skip
        with gr.Accordion("JSON grezzo", open=False):
            self.json = gr.JSON(label="record")
        with gr.Row():
            self.correct = gr.Button("Correggi questo", interactive=False, elem_id="prova-correggi")
            self.queued = gr.Markdown(elem_id="prova-queued")
        self.current = gr.State(None)
        self.results = gr.State([])

    def outputs(self) -> list:
        return [
            self.raw,
            self.status,
            self.stats,
            self.spans,
            self.relations,
            self.form,
            self.answer,
            self.json,
            self.correct,
            self.current,
        ]


def family_updates(task_id: str) -> tuple:
    """Which result components a task's kind shows, and the text box hint."""
    spec = get_spec(task_id)
    kind = kind_for(spec)
    views = kind.views(spec)
    return (
        *(gr.update(visible=part in views, value=None) for part in ("spans", "relations", "form", "answer")),
        gr.update(placeholder=kind.input_placeholder),
    )


def render(page: ProvaPage, result: dict) -> dict:
    """The components' values for a finished result."""
    spec = get_spec(result["task"])
    views = kind_for(spec).views(spec)
    values: dict = {
        page.raw: gr.update(),
        page.status: "",
        page.json: result,
        page.current: result,
        page.correct: gr.update(interactive=True),
    }
    values[page.stats] = stats_markdown(result)
    values[page.examples] = examples_markdown(result.get("examples") or [])
    if "spans" in views:
        values[page.spans] = common.highlight_value(result["text"], result.get("entities", []))
    if "relations" in views:
        values[page.relations] = common.relation_rows(result)
    if "form" in views:
        values[page.form] = common.form_rows(result.get("fields", {}))
    if "answer" in views:
        values[page.answer] = common.answer_text(result)
    return values


def examples_markdown(examples: list[dict]) -> str:
    """ "Esempi usati": each demonstration of the prompt, most similar first, with the start of its text."""
    if not examples:
        return ""
    lines = ["**Esempi usati** (il più simile per primo):"]
    for n, ex in enumerate(examples, start=1):
        ident = ex["id"]
        where = (
            f"correzione del team, documento {common.md_escape(ident.removeprefix(TEAM_PREFIX))}"
            if ident.startswith(TEAM_PREFIX)
            else f"train, {common.md_escape(ident)}"
        )
        link = (
            f" · [apri in Correggi]({ex['link']})"
            if str(ex.get("link") or "").startswith("/correggi?")
            else ""
        )
        lines.append(f"{n}. {where}: «{common.md_escape(ex.get('text', ''))}»{link}")
    return "\n".join(lines)


def both_inputs(upload: str | None, text: str | None) -> str:
    """What the page says when a file and a pasted text are both given: the file runs, the text does not."""
    if not upload or not (text or "").strip():
        return ""
    name = Path(str(upload)).name
    return f"Eseguo il file «{name}»: il testo incollato non è usato (rimuovi il file per eseguire il testo)."


def identifiers_markdown(warning: str) -> str:
    """The gate's warning for the page (empty when nothing was found), with what the user can do."""
    if not warning:
        return ""
    host = service.served_host()
    advice = (
        f"con un modello servito il testo andrebbe al server {host}: spunta «Maschera gli identificativi» o "
        "conferma l'invio"
        if host
        else "spunta «Maschera gli identificativi» per sostituirli prima di eseguire e di mettere in coda"
    )
    return f"**Attenzione** · {common.md_escape(warning)}; {common.md_escape(advice)}."


def gate_markdown(line: str, refused: bool = False) -> str:
    """What the gate did before a run (masked, sent on confirmation, kept here), or why it refused."""
    if not line:
        return ""
    return f"**{'Esecuzione rifiutata' if refused else 'Attenzione'}** · {common.md_escape(line)}"


def stats_markdown(result: dict) -> str:
    """Time, tokens/s, confidence and validity of a result (numbers and escaped text only), then its notices."""
    waited = result.get("waited_seconds")
    parts = [
        f"**{waited:.1f} s di attesa** (modello {result['seconds']:.2f} s)"
        if waited is not None
        else f"**{result['seconds']:.2f} s**",
        f"{result['output_tokens']} token generati",
        f"{result['tokens_per_s'] or 0:.1f} token/s",
        f"confidenza {result['confidence']:.3f}" if result.get("confidence") is not None else "confidenza -",
    ]  # fmt: skip
    if result.get("valid") is False:
        parts.append(f"output non valido: {common.md_escape(result.get('error'))}")
    if result.get("dropped"):
        parts.append(f"{len(result['dropped'])} menzioni non trovate nel testo")
    # a long text's reading and the limits that cut the answer (service: reading.notices), one a line
    notes = [f"⚠️ **{common.md_escape(n)}**" for n in result.get("notices") or []]
    return "\n\n".join([" · ".join(parts), *notes])


def status_markdown(status: str) -> str:
    """The run's progress line (loading the model, writing the answer, with the seconds waited so far)."""
    return f"⏳ {common.md_escape(status)}" if status.strip() else ""


def outcome(result: dict) -> str:
    """A one-line summary of a result for the results table."""
    if result.get("valid") is False:
        return f"non valido: {result.get('error')}"
    if "entities" in result:
        extra = f", {len(result['relations'])} relazioni" if "relations" in result else ""
        return f"{len(result['entities'])} menzioni{extra}"
    if "fields" in result:
        return (
            f"{sum(v not in (None, 'non_menzionato', []) for v in result['fields'].values())} voci compilate"
        )
    return f"risposta: {common.answer_text(result)}"


def build(demo: gr.Blocks) -> None:
    """Build the page and wire its events."""
    page = ProvaPage()
    preparing.follow(demo, page.prepared, page.prepared_timer)
    visibility = [page.spans, page.relations, page.form, page.answer, page.text]
    page.task.change(guarded(family_updates), page.task, visibility, api_name="prova_compito", queue=False)
    common.remembers_task(page.task, "prova")

    @guarded
    def on_load(task_id: str, request: gr.Request) -> str | None:
        """The task the user chose last (its change shows that task's result components)."""
        return common.opening_task(page.task, task_id, request)

    demo.load(on_load, page.task, page.task, api_name="prova_carica", queue=False)

    @guarded
    def run(
        task_id, strategy, model, model_path, text, upload, mask, send, demos, request: gr.Request
    ) -> Iterator[dict]:
        """Run the task on the text or on each record of the uploaded file, streaming the output."""
        user = user_of(request)
        inputs = (
            read_upload(upload, get_spec(task_id), get_upload_folder(), UPLOADS, user) if upload else [text]
        )
        name = service.pick_model(model, model_path)
        if both := both_inputs(upload, text):
            common.warn(both)
        try:  # every input past the identifier gate before the first one runs
            warning = service.check_inputs(
                task_id, name, inputs, mask_identifiers=bool(mask), send_identifiers=bool(send)
            )  # fmt: skip
        except IdentifiersRefused as exc:
            yield {page.identifiers: gate_markdown(exc.italian, refused=True)}
            raise
        if warning:
            common.warn(warning)
        results: list[dict] = []
        table_update = gr.update(visible=len(inputs) > 1, value=[])
        yield {
            page.identifiers: gate_markdown(warning),
            page.correct: gr.update(interactive=False),
            page.queued: "",
            page.table: table_update,
            page.json: None,
        }
        for i, item in enumerate(inputs, start=1):
            prefix = f"[record {i}/{len(inputs)}] " if len(inputs) > 1 else ""
            updates = service.run_stream(
                task_id, name, strategy, item, user, mask_identifiers=bool(mask), send_identifiers=bool(send),
                demos=DEMOS_CHOSEN.get(demos, "random"),
            )  # fmt: skip
            for update in updates:
                if update.result is None:
                    yield {
                        page.raw: prefix + update.raw,
                        page.status: status_markdown(prefix + update.status),
                    }
                    continue
                results.append(update.result)
                values = render(page, update.result)
                values[page.raw] = prefix + update.raw
                if len(inputs) > 1:
                    values[page.table] = [[n, r["id"], outcome(r)] for n, r in enumerate(results, start=1)]
                values[page.results] = results
                yield values

    outputs = [
        *page.outputs(),
        page.spans,
        page.relations,
        page.form,
        page.answer,
        page.table,
        page.results,
        page.queued,
        page.identifiers,
        page.examples,
    ]
    inputs = [
        page.task,
        page.strategy,
        page.model,
        page.model_path,
        page.text,
        page.upload,
        page.mask,
        page.send,
        page.demos,
    ]
    page.run.click(  # not in the model queue: a document is read first (bounded worker), then MODEL_LOCK
        run, inputs, list(dict.fromkeys(outputs)), api_name="prova_esegui", concurrency_id=common.PROVA_QUEUE,
        concurrency_limit=common.PROVA_CONCURRENCY,
    )  # fmt: skip

    @guarded
    def show_row(results: list[dict], evt: gr.SelectData) -> dict:
        """Show the result of the clicked row of the results table."""
        row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        return render(page, results[int(row)])

    @guarded
    def check_identifiers(text: str) -> str:
        """The gate's warning for the pasted text, shown before a run."""
        return identifiers_markdown(service.identifier_warning(text or ""))

    page.text.blur(
        check_identifiers, page.text, page.identifiers, api_name="prova_identificativi", queue=False
    )

    page.table.select(show_row, page.results, page.outputs(), api_name="prova_mostra_record", queue=False)

    @guarded
    def correct_this(current: dict | None, request: gr.Request) -> tuple:
        """Store the shown prediction and send it to the correction queue."""
        if not current:
            raise gr.Error("Prima esegui un compito.")
        stored = service.send_to_queue(current["result_id"], user_of(request))
        link = f"/correggi?predizione={int(stored['prediction_id'])}"
        common.info(f"Predizione {stored['prediction_id']} in coda di correzione.")
        masked = ", ".join(KIND_NAMES.get(k, k) for k in current.get("identifiers") or [])
        note = (
            f"salvata con identificativi mascherati ({masked})" if current.get("identifiers_masked") else ""
        )
        return (
            f"In coda come predizione **{int(stored['prediction_id'])}**: [apri in Correggi]({link})"
            + (f" · {common.md_escape(note)}" if note else ""),
            gr.update(interactive=False),
        )

    page.correct.click(
        correct_this, page.current, [page.queued, page.correct], api_name="prova_correggi_questo"
    )
    gr.on([page.model.focus], common.refresh_models, None, page.model, api_name="prova_modelli", queue=False)

    def run_task(
        task_id: str,
        model: str,
        strategy: str,
        text: str,
        request: gr.Request,
        mask_identifiers: bool = False,
        send_identifiers: bool = False,
        demos: str = "random",
    ) -> dict:
        """Run a task on a text; the prediction record with model, strategy, seconds, tokens/s and result_id.
        Likely identifiers bound for a server not on this machine are refused unless mask_identifiers (runs on
        same-length placeholders) or send_identifiers (confirms sending them); the queue takes only masked ones.
        demos: random or similar few-shot examples; the result names them (`demonstrations`, best first)."""
        return service.run_task(
            task_id, service.pick_model(model), strategy, text, user_of(request),
            mask_identifiers=bool(mask_identifiers), send_identifiers=bool(send_identifiers), demos=demos,
        )  # fmt: skip

    def send_to_queue(result_id: str, request: gr.Request) -> dict:
        """Store a run_task result and put it in the correction queue; its prediction_id."""
        return service.send_to_queue(result_id, user_of(request))

    gr.api(guarded(run_task), api_name="run_task", concurrency_id=common.MODEL_QUEUE)
    gr.api(guarded(send_to_queue), api_name="send_to_queue")
