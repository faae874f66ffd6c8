"""Accordo's assignment panel, for curators: give a task's documents to annotators (by number, or the next N of a
split in the queue's order, k annotators a document) and see who has which document and how far each one got.
The same as `medui assign`; the role is checked on the server (service.team.assign_to_annotators)."""

from __future__ import annotations

import gradio as gr

from medui.backend import service
from medui.pages import common
from medui.pages.common import guarded, user_of

NEXT, BY_NUMBER = "prossimi", "numeri"
PROGRESS_HEADERS = ["annotatore", "assegnati", "corretti", "con predizione"]
DOCUMENT_HEADERS = ["documento", "record", "split", "assegnato a", "corretto da", "aggiudicato"]


def progress_rows(overview: dict) -> list[list]:
    return [
        [p["annotator"], p["assigned"], p["corrected"], p["with_prediction"]] for p in overview["progress"]
    ]


def document_rows(overview: dict) -> list[list]:
    return [
        [d["document_id"], d["record_id"], d["split"], ", ".join(d["annotators"]),
         ", ".join(d["corrected_by"]), "sì" if d["adjudicated"] else ""]
        for d in overview["documents"]
    ]  # fmt: skip


def outcome_text(made: dict) -> str:
    """What an assignment did, in a sentence: documents, assignments, each annotator's new and total load."""
    if not made["assignments"]:
        return "Nessuna nuova assegnazione: i documenti indicati hanno già i loro annotatori."
    loads = ", ".join(
        f"{common.md_escape(n)} +{made['new'][n]} (in tutto {made['load'][n]})" for n in made["new"]
    )
    n, documents = made["assignments"], made["documents"]
    return (
        f"**{n} {'assegnazione' if n == 1 else 'assegnazioni'}** su {documents} "
        f"{'documento' if documents == 1 else 'documenti'} di "
        f"{common.md_escape(made['task'])} ({made['per_document']} annotatori per documento): {loads}."
    )


def build(demo: gr.Blocks, task: gr.Dropdown) -> None:
    """The panel, inside Accordo's curators' part (hidden from the others; the server checks the role)."""
    with gr.Accordion("Assegna documenti agli annotatori", open=True, elem_id="accordo-assegna"):
        gr.Markdown(
            "Ogni documento va ad annotatori diversi, scelti tra quelli con meno documenti; un documento già "
            "assegnato non cambia annotatore. Nella coda di Correggi l'annotatore trova prima i suoi documenti."
        )
        with gr.Row():
            names = gr.Dropdown(
                label="Annotatori a cui assegnare",
                choices=[],
                multiselect=True,
                scale=3,
                elem_id="accordo-assegna-annotatori",
            )
            per_document = gr.Number(
                label="Annotatori per documento", value=1, minimum=1, precision=0, scale=1,
                elem_id="accordo-assegna-per-documento",
            )  # fmt: skip
        how = gr.Radio(
            label="Quali documenti",
            choices=[
                ("i prossimi N da assegnare di uno split", NEXT),
                ("per numero di documento", BY_NUMBER),
            ],
            value=NEXT,
            elem_id="accordo-assegna-come",
        )
        with gr.Row():
            count = gr.Number(
                label="Quanti (N)",
                value=10,
                minimum=1,
                precision=0,
                scale=1,
                elem_id="accordo-assegna-quanti",
            )
            split = gr.Dropdown(label="Split", choices=[("tutti", "")], value="", scale=1)
            numbers = gr.Textbox(
                label="Numeri dei documenti (es. 12, 15-18)", scale=2, elem_id="accordo-assegna-numeri"
            )
        go = gr.Button("Assegna", variant="primary", elem_id="accordo-assegna-avvia")
        outcome = gr.Markdown(elem_id="accordo-assegna-esito")
        progress = gr.Dataframe(
            headers=PROGRESS_HEADERS, label="Avanzamento per annotatore", interactive=False,
            elem_id="accordo-assegna-avanzamento",
        )  # fmt: skip
        assigned = gr.Dataframe(
            headers=DOCUMENT_HEADERS, label="Documenti assegnati (i più recenti prima)", interactive=False,
            elem_id="accordo-assegnati",
        )  # fmt: skip

    shown = [names, split, progress, assigned]

    def nothing() -> tuple:
        return gr.update(choices=[], value=[]), gr.update(), [], []

    @common.for_role("assign", nothing)
    def overview(task_id: str, chosen: list[str] | None, request: gr.Request) -> tuple:
        """The team, the task's splits and the current assignments (nothing for who may not assign)."""
        if not task_id:
            return nothing()
        seen = service.assignment_overview(task_id, user_of(request))
        kept = [n for n in chosen or [] if n in seen["annotators"]]
        return (
            gr.update(choices=seen["annotators"], value=kept),
            gr.update(choices=[("tutti", ""), *((s, s) for s in seen["splits"])]),
            progress_rows(seen),
            document_rows(seen),
        )

    demo.load(overview, [task, names], shown, api_name="accordo_assegnazioni_carica", queue=False)
    task.change(overview, [task, names], shown, api_name="accordo_assegnazioni", queue=False)

    @guarded
    def assign(task_id, chosen, k, which, n, split_name, typed, request: gr.Request) -> tuple:
        """Give the documents chosen to the annotators chosen; then the assignments as they are now."""
        user = user_of(request)
        service.allowed(user, "assign")  # the role first, before what the form holds
        if which == BY_NUMBER:
            made = service.assign_to_annotators(task_id, chosen or [], k, typed, None, None, user)
        else:
            made = service.assign_to_annotators(task_id, chosen or [], k, None, n, split_name, user)
        common.info(f"Assegnazioni salvate: {made['assignments']}.")
        return (outcome_text(made), *overview(task_id, chosen, request))

    inputs = [task, names, per_document, how, count, split, numbers]
    go.click(assign, inputs, [outcome, *shown], api_name="accordo_assegna", queue=False)
