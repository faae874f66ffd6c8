"""Modelli: the model variants (bundled, local, adapters with their model card, lineage and before/after scores);
load, unload."""

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


def variant_rows(rows: list[dict] | None = None) -> tuple[list[list], str]:
    """The variants table (of service.model_rows, read here unless given) and the memory line."""
    table = [
        [r["name"] + (" (predefinito)" if r["default"] else ""), r["kind"], r["params"], r["disk"],
         "sì" if r["loaded"] else "no", r["device"], r["dtype"], r["memory"], r["base"] or "", ", ".join(r["tasks"])]
        for r in (service.model_rows() if rows is None else rows)
    ]  # fmt: skip
    return table, service.process_memory()


NO_CARD = "*Nessuna scheda del modello (README.md) nella cartella di questo adattatore.*"
PENDING = " Intervalli appaiati in calcolo…"


def score_note(detail: dict, pending: bool = False) -> str:
    """Where an adapter's scores come from and what they are computed on, in words."""
    if not detail["scores"]:
        return "Nessun punteggio registrato per questo adattatore: valutalo in Confronta."
    if detail["source"] == "study":
        note = (
            "Punteggi dello studio incluso in medui (`bench/results/study`): metrica primaria x100 sui primi 50 "
            "record di test di ogni compito (tutti, dove lo split è più piccolo). L'ultima colonna è la "
            "differenza appaiata con il modello di base few-shot+cd, il riferimento dello studio (IC 95% "
            "bootstrap)."
        )
    else:
        limit = detail.get("limit")
        on = f"al più {limit} record" if limit else "tutti i record"
        note = (
            f"Punteggi della valutazione dopo l'addestramento ({on} dello split di valutazione di ogni compito), "
            "metrica primaria x100; l'ultima colonna è la differenza appaiata con il modello di riferimento."
        )
    return note + (PENDING if pending else "")


def adapter_view(name: str | None) -> tuple[str, list[list], str, dict | None]:
    """The model card (Markdown, raw HTML left to gr.Markdown's sanitiser), the scores without the paired
    intervals (shown at once), the note on the scores and the lineage of an adapter."""
    if not name:
        return "", [], "", None
    detail = service.adapter_detail(name, paired=False)
    pending = detail["source"] == "study"  # a stored evaluation holds its intervals already
    return (
        detail["card"] or NO_CARD,
        common.score_rows(detail["scores"]),
        score_note(detail, pending),
        detail["lineage"] or None,
    )


def adapter_scores(name: str | None) -> tuple[list[list], str]:
    """The scores with their paired intervals (computed once for a shipped adapter), and the note."""
    if not name:
        return [], ""
    detail = service.adapter_detail(name)
    return common.score_rows(detail["scores"]), score_note(detail)


def opening_adapter(adapters: list[str]) -> str | None:
    """The adapter shown when the page opens: the default model when it is one, else the first."""
    default = service.default_model()
    return default if default in adapters else (adapters[0] if adapters else None)


def build(demo: gr.Blocks) -> None:
    """Build the page and wire its events."""
    common.header(
        "Modelli",
        "Varianti dei modelli: incluse, cartelle locali, adattatori addestrati e i modelli del server "
        "configurato (MEDUI_OPENAI_BASE_URL).",
    )
    table = gr.Dataframe(
        headers=HEADERS,
        label="Varianti",
        interactive=False,
        elem_id="modelli-tabella",
        elem_classes=["medui-table"],
        wrap=True,
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
    gr.Markdown("### Adattatore: scheda del modello e punteggi prima/dopo (x100)")
    adapter = gr.Dropdown(label="Adattatore", choices=[], elem_id="modelli-adattatore")
    note = gr.Markdown(elem_id="modelli-nota-punteggi")
    scores = gr.Dataframe(
        headers=SCORE_HEADERS,
        label="Punteggi",
        interactive=False,
        wrap=True,
        elem_id="modelli-punteggi",
        elem_classes=["medui-table"],
    )
    with gr.Accordion("Scheda del modello (README.md)", open=True):
        card = gr.Markdown(elem_id="modelli-scheda", sanitize_html=True)
    with gr.Accordion(
        "Provenienza completa (medui.json: base, dati, iperparametri, addestramento)", open=False
    ):
        lineage = gr.JSON(label="Provenienza")

    def listed(opening: bool = False) -> tuple:
        """The variants, the memory line and the choices of both dropdowns; `opening`: the adapter dropdown on
        the default adapter, so that the page opens with its card and scores."""
        rows = service.model_rows()
        adapters = [r["name"] for r in rows if r["kind"] == "adapter"]
        picked = {"value": opening_adapter(adapters)} if opening else {}
        return (
            *variant_rows(rows),
            gr.update(choices=service.model_choices()),
            gr.update(choices=adapters, **picked),
        )

    @guarded
    def show() -> tuple:
        return listed()

    @guarded
    def opened() -> tuple:
        return listed(opening=True)

    outputs = [table, memory, name, adapter]
    demo.load(opened, None, outputs, api_name="modelli_elenco", queue=False)
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
    # the card and the scores at once (the page opens on the default adapter: a change), then the paired
    # intervals (seconds the first time for a shipped adapter)
    adapter.change(
        guarded(adapter_view),
        adapter,
        [card, scores, note, lineage],
        api_name="modelli_adattatore",
        queue=False,
    ).success(guarded(adapter_scores), adapter, [scores, note], api_name="modelli_intervalli")
