"""Accordo's import of annotations made in other tools (BRAT, CoNLL, doccano, Label Studio, INCEpTION) as one
annotator's corrections, for curators: the same check as `medui corrections import` (every record checked, all
stored or none, each bad record named)."""

from __future__ import annotations

import gradio as gr

from medui.backend.service.corrections import import_annotators, import_uploaded
from medui.backend.store.corrections_import import CorrectionImportError
from medui.pages import common
from medui.pages.common import guarded, user_of

FORMAT_CHOICES = [
    ("JSONL di medui (il formato di esportazione)", "jsonl"),
    ("BRAT: i file .txt e .ann, o lo zip della cartella", "brat"),
    ("CoNLL / IOB (un token e la sua etichetta per riga)", "conll"),
    ("doccano (JSONL esportato)", "doccano"),
    ("Label Studio (esportazione JSON)", "labelstudio"),
    ("INCEpTION / WebAnno: lo zip con i file .xmi e TypeSystem.xml", "xmi"),
]


def refusal_markdown(exc: CorrectionImportError) -> str:
    """The refusal as the page shows it: how many records, then one line a bad record (Italian, escaped)."""
    unit = "righe" if exc.unit == "lines" else "record"
    items = "\n".join(f"- {common.md_escape(line)}" for line in exc.italian_lines)
    return (
        f"**Importazione rifiutata, nulla salvato** ({len(exc.problems)} {unit} su {exc.total} rifiutati; "
        f"correggili e importa di nuovo il file):\n\n{items}"
    )


def build(demo: gr.Blocks, task: gr.Dropdown) -> None:
    """The import panel, under Accordo's curators' part (shown to curators only; the server checks the role)."""
    with gr.Accordion("Importa annotazioni da altri strumenti", open=False, elem_id="accordo-importa"):
        gr.Markdown(
            "Le annotazioni diventano le correzioni dell'annotatore scelto. Ogni documento è trovato per id, "
            "altrimenti per testo identico; se un record non va (etichetta fuori dal compito, documento "
            "sconosciuto), non si salva nulla e l'elenco dice quali record correggere."
        )
        with gr.Row():
            files = gr.File(
                label="File da importare", file_count="multiple", elem_id="accordo-importa-file", scale=3
            )
            with gr.Column(scale=2):
                fmt = gr.Dropdown(
                    label="Formato", choices=FORMAT_CHOICES, value="brat", elem_id="accordo-importa-formato"
                )
                who = gr.Dropdown(
                    label="Annotatore delle correzioni", choices=[], allow_custom_value=True,
                    elem_id="accordo-importa-annotatore",
                )  # fmt: skip
                go = gr.Button("Importa", variant="primary", elem_id="accordo-importa-avvia")
        outcome = gr.Markdown(elem_id="accordo-importa-esito")

    @common.for_role("adjudicate", lambda: gr.update(choices=[]))
    def team(request: gr.Request) -> dict:
        """The users the corrections can be stored under (nothing for who may not import)."""
        return gr.update(choices=import_annotators(user_of(request)))

    demo.load(team, None, who, api_name="accordo_squadra", queue=False)

    @guarded
    def run_import(uploaded, format_name: str, annotator: str, task_id: str, request: gr.Request) -> str:
        """Import the uploaded annotations as the chosen annotator's corrections; what was stored or why not."""
        try:
            summary = import_uploaded(uploaded, format_name, task_id, annotator, user_of(request))
        except CorrectionImportError as exc:
            common.warn("Importazione rifiutata: nulla salvato. I record da correggere sono elencati sotto.")
            return refusal_markdown(exc)
        created = summary["documents_created"]
        added = f"; {created} documenti aggiunti dai dati del compito" if created else ""
        common.info(f"{summary['stored']} correzioni importate.")
        return (
            f"**{summary['stored']} correzioni** di {common.md_escape(summary['annotator'])} salvate per "
            f"{common.md_escape(summary['task'])}{added}."
        )

    go.click(run_import, [files, fmt, who, task], outcome, api_name="accordo_importa", queue=False).then(
        team, None, who, api_name="accordo_squadra_dopo", queue=False
    )  # a name typed for a new annotator is one of the team now
