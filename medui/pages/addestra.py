"""Addestra: start a LoRA job on tasks' corrections or gold data; follow its progress and loss; see its
before/after scores. The job runs in its own process: closing the tab loses nothing."""

from __future__ import annotations

import gradio as gr

from medui.backend import service
from medui.pages import common
from medui.pages.common import guarded, user_of

JOB_HEADERS = ["id", "nome", "stato", "avanzamento", "ultima loss", "passi", "compiti", "dati", "creato"]
SCORE_HEADERS = common.SCORE_HEADERS
DATA_LABELS = [("correzioni", "corrections"), ("dati oro", "gold"), ("entrambi", "both")]


def job_rows() -> tuple[list[list], list[tuple[str, int]]]:
    """The job list and the choices of the job dropdown."""
    jobs = service.list_jobs()
    rows = [
        [j["id"], j["name"], common.status_it(j["status"]), f"{100 * j['progress']:.0f}%", j["last_loss"], j["steps"],
         ", ".join(j["tasks"]), j["data"], j["created_at"]]
        for j in jobs
    ]  # fmt: skip
    return rows, [(f"#{j['id']} {j['name']} ({common.status_it(j['status'])})", j["id"]) for j in jobs]


USABLE_HEADERS = [
    "compito",
    "utilizzabili",
    "in uno split di valutazione",
    "troppo lunghi",
    "in attesa di accordo",
]


def usable_rows(found: list[dict]) -> list[list]:
    """The corrections table of Addestra: what a job would train on, and what it leaves out and why."""
    return [[f["task"], f["usable"], f["test"], f["too_long"], f["pending"]] for f in found]


def time_left(job: dict) -> str:
    """A running job's time left in Italian, from the speed its worker measured; '' when it is not running."""
    if job["status"] != "running":
        return ""
    if job["adapter_variant_id"] is not None:
        return "valutazione in corso" if job["evaluates"] else ""
    if job["eta_seconds"] is None:
        return "stima del tempo dopo i primi passi"
    minutes = max(1, round(job["eta_seconds"] / 60))
    amount = f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"
    then = ", poi la valutazione" if job["evaluates"] else ""
    return f"circa {amount} di addestramento {'rimanente' if minutes == 1 else 'rimanenti'}{then}"


def job_view(job: dict) -> tuple:
    """Progress bar, loss curve, log and before/after scores of a job."""
    import pandas as pd

    label = (
        f"lavoro {job['id']} {job['name']}: {common.status_it(job['status'])} ({100 * job['progress']:.0f}%)"
    )
    if left := time_left(job):
        label += f", {left}"
    if job.get("error"):
        label += f": {job['error']}"
    curve = pd.DataFrame(job["loss_curve"] or [], columns=["passo", "loss"])
    scores = service.before_after(job.get("scores"))
    rows = common.score_rows(scores)
    return common.progress_html(job["progress"], 1.0, label), curve, job["log"], rows


def build(demo: gr.Blocks) -> None:
    """Build the page and wire its events."""
    common.header(
        "Addestra", "Adattatori LoRA sui dati corretti o sui dati oro; l'adattatore compare in Modelli."
    )
    tasks = gr.Dropdown(service.task_choices(), multiselect=True, label="Compiti", elem_id="addestra-compiti")
    with gr.Row():
        data = gr.Radio(DATA_LABELS, value="corrections", label="Dati")
        name = gr.Textbox(
            label="Nome del nuovo adattatore", placeholder="es. e3c-ner-v1", elem_id="addestra-nome"
        )
    model, model_path = common.model_picker("Modello di base")
    with gr.Accordion("Iperparametri (vuoto o 0: quelli della ricetta)", open=False):
        with gr.Row():
            epochs = gr.Number(value=1, label="Epoche")
            max_steps = gr.Number(value=0, precision=0, label="Passi massimi")
            lora_r = gr.Number(value=16, precision=0, label="Rango LoRA")
        with gr.Row():
            lr = gr.Number(value=2e-4, label="Learning rate")
            batch = gr.Number(value=4, precision=0, label="Batch")
            max_length = gr.Number(value=512, precision=0, label="Lunghezza massima")
            eval_limit = gr.Number(
                value=20, precision=0, label="Record di valutazione per compito (0: nessuna)"
            )
    usable = gr.Dataframe(
        headers=USABLE_HEADERS, label="Correzioni utilizzabili per compito (con i dati «corretti»)",
        interactive=False, visible=False, elem_id="addestra-utilizzabili",
    )  # fmt: skip
    start = gr.Button("Avvia addestramento", variant="primary", elem_id="addestra-avvia")
    gr.Markdown("### Lavori")
    with gr.Row():
        job = gr.Dropdown(label="Lavoro", choices=[], scale=3, elem_id="addestra-lavoro")
        cancel = gr.Button("Annulla il lavoro", scale=1)
    progress = gr.HTML(elem_id="addestra-avanzamento")
    loss = gr.LinePlot(x="passo", y="loss", label="Loss", height=260)
    scores = gr.Dataframe(headers=SCORE_HEADERS, label="Prima/dopo (x100)", interactive=False)
    log = gr.Textbox(label="Log", lines=6, max_lines=12, interactive=False)
    jobs = gr.Dataframe(headers=JOB_HEADERS, label="Tutti i lavori", interactive=False)
    timer = gr.Timer(2.0)

    @guarded
    def refresh(selected: int | None, request: gr.Request) -> tuple:
        rows, choices = job_rows()
        if selected is None and choices:
            selected = choices[0][1]  # the newest job
        user = user_of(request)
        view = (
            job_view(service.job_status(int(selected), user)) if selected is not None else ("", None, "", [])
        )
        return (rows, gr.update(choices=choices, value=selected), *view)

    outputs = [jobs, job, progress, loss, log, scores]
    demo.load(refresh, job, outputs, api_name="addestra_carica", queue=False)
    timer.tick(refresh, job, outputs, api_name="addestra_avanzamento", queue=False)
    job.change(refresh, job, outputs, api_name="addestra_lavoro", queue=False)

    @guarded
    def check_data(task_ids, source, choice, folder, length, request: gr.Request) -> dict:
        """Before a launch on corrections: per task, the corrections it would use and those it leaves out."""
        if source == "gold" or not task_ids:
            return gr.update(visible=False, value=[])
        found = service.corrections_for_training(
            task_ids, service.pick_model(choice, folder), int(length or 0) or None, user_of(request)
        )
        return gr.update(visible=True, value=usable_rows(found))

    gr.on(
        [tasks.change, data.change, max_length.change], check_data,
        [tasks, data, model, model_path, max_length], usable, api_name="addestra_dati",
    )  # fmt: skip

    @guarded
    def launch(
        task_ids,
        source,
        new_name,
        choice,
        folder,
        ep,
        steps,
        rank,
        rate,
        bs,
        length,
        n_eval,
        request: gr.Request,
    ) -> tuple:
        """Start a training job with the chosen tasks, data and hyperparameters."""
        started = service.start_training(
            task_ids or [], source, new_name, user_of(request), model=service.pick_model(choice, folder),
            eval_limit=int(n_eval or 0), epochs=ep or None, max_steps=int(steps or 0) or None,
            lora_r=int(rank or 0) or None, learning_rate=rate or None, batch_size=int(bs or 0) or None,
            max_length=int(length or 0) or None,
        )  # fmt: skip
        common.info(f"Lavoro {started['id']} avviato: {started['name']}.")
        rows, choices = job_rows()
        return (
            rows,
            gr.update(choices=choices, value=started["id"]),
            *job_view(service.job_status(started["id"], user_of(request))),
        )

    inputs = [
        tasks,
        data,
        name,
        model,
        model_path,
        epochs,
        max_steps,
        lora_r,
        lr,
        batch,
        max_length,
        eval_limit,
    ]
    start.click(launch, inputs, outputs, api_name="addestra_avvia")

    @guarded
    def do_cancel(selected: int | None, request: gr.Request) -> tuple:
        if selected is None:
            raise gr.Error("Scegli un lavoro.")
        stopped = service.cancel_training(int(selected), user_of(request))
        common.info(f"Lavoro {stopped['id']}: {common.status_it(stopped['status'])}.")
        return refresh(selected, request)

    cancel.click(do_cancel, job, outputs, api_name="addestra_annulla")

    def start_training(
        tasks: list[str],
        data: str,
        name: str,
        request: gr.Request,
        model: str = "",
        max_steps: int = 0,
        epochs: float = 0,
        eval_limit: int = 20,
        batch_size: int = 0,
    ) -> dict:
        """Start a LoRA job on the tasks' data (corrections, gold or both) saving the adapter as `name`."""
        return service.start_training(
            tasks, data, name, user_of(request), model=model or None, eval_limit=eval_limit,
            max_steps=max_steps or None, epochs=epochs or None, batch_size=batch_size or None,
        )  # fmt: skip

    def job_status(job_id: int, request: gr.Request) -> dict:
        """A job now: status, progress, loss curve, log and, when done, before/after scores."""
        return service.job_status(job_id, user_of(request))

    gr.api(guarded(start_training), api_name="start_training")
    gr.api(guarded(job_status), api_name="job_status")
