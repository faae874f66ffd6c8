"""Modelli: the model variants (bundled, local, adapters with lineage and before/after scores); load, unload."""

from __future__ import annotations

import gradio as gr

from medui.backend import service
from medui.pages import common
from medui.pages.common import guarded, user_of

HEADERS = [
    "nome",
    "tipo",
    "parametri",
    "disco",
    "caricato",
    "dispositivo",
    "dtype",
    "memoria",
    "base",
    "compiti",
]
SCORE_HEADERS = common.SCORE_HEADERS


def variant_rows() -> tuple[list[list], str]:
    """The variants table and the memory line."""
    rows = [
        [r["name"] + (" (predefinito)" if r["default"] else ""), r["kind"], r["params"], r["disk"],
         "sì" if r["loaded"] else "no", r["device"], r["dtype"], r["memory"], r["base"] or "", ", ".join(r["tasks"])]
        for r in service.model_rows()
    ]  # fmt: skip
    return rows, service.process_memory()


def adapter_detail(name: str | None) -> tuple[list[list], dict | None]:
    """Before/after scores (x100) and lineage of an adapter."""
    row = next((r for r in service.model_rows() if r["name"] == name), None)
    if row is None or not row["lineage"]:
        return [], None
    return common.score_rows(row["scores"]), row["lineage"]


def build(demo: gr.Blocks) -> None:
    """Build the page and wire its events."""
    common.header(
        "Modelli",
        "Varianti dei modelli: incluse, cartelle locali, adattatori addestrati e i modelli del server "
        "configurato (MEDUI_OPENAI_BASE_URL).",
    )
    table = gr.Dataframe(
        headers=HEADERS, label="Varianti", interactive=False, elem_id="modelli-tabella", wrap=True
    )
    memory = gr.Markdown(elem_id="modelli-memoria")
    with gr.Row():
        name = gr.Dropdown(
            choices=service.model_choices(),
            value=service.default_model(),
            label="Variante",
            scale=3,
            allow_custom_value=True,
        )
        path = gr.Textbox(label="oppure cartella del modello", scale=3)
    with gr.Row():
        load = gr.Button("Carica", variant="primary")
        unload = gr.Button("Scarica dalla memoria")
        refresh = gr.Button("Aggiorna")
    gr.Markdown("### Adattatore: provenienza e punteggi prima/dopo (x100)")
    adapter = gr.Dropdown(label="Adattatore", choices=[], elem_id="modelli-adattatore")
    scores = gr.Dataframe(headers=SCORE_HEADERS, label="Punteggi", interactive=False)
    lineage = gr.JSON(label="Provenienza (base, dati, iperparametri, addestramento)")

    @guarded
    def show() -> tuple:
        """The variants, the memory line and the choices of both dropdowns."""
        rows, mem = variant_rows()
        adapters = [r["name"] for r in service.model_rows() if r["kind"] == "adapter"]
        return rows, mem, gr.update(choices=service.model_choices()), gr.update(choices=adapters)

    outputs = [table, memory, name, adapter]
    demo.load(show, None, outputs, api_name="modelli_elenco", queue=False)
    refresh.click(show, None, outputs, api_name="modelli_aggiorna", queue=False)

    @guarded
    def do_load(choice: str, folder: str, request: gr.Request) -> tuple:
        """Load a variant (researchers only)."""
        row = service.load_model(service.pick_model(choice, folder), user_of(request))
        common.info(f"{row['name']} caricato su {row['device']} ({row['memory']}).")
        return show()

    @guarded
    def do_unload(choice: str, folder: str, request: gr.Request) -> tuple:
        """Unload a variant (researchers only)."""
        n = service.unload_model(service.pick_model(choice, folder), user_of(request))
        common.info(f"{n} modelli scaricati dalla memoria.")
        return show()

    load.click(do_load, [name, path], outputs, api_name="modelli_carica", concurrency_id=common.MODEL_QUEUE)
    unload.click(
        do_unload, [name, path], outputs, api_name="modelli_scarica", concurrency_id=common.MODEL_QUEUE
    )
    adapter.change(
        guarded(adapter_detail), adapter, [scores, lineage], api_name="modelli_adattatore", queue=False
    )
