"""Studio: the study table (model x strategy x task, primary metric x100) from stored runs, a plot, a CSV."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from medui.backend import service
from medui.pages import common
from medui.pages.common import guarded


def study(split: str) -> tuple:
    """The table, the plot's data (average per configuration) and the CSV file."""
    import pandas as pd

    table = service.study_table(split.strip() or None)
    frame = pd.DataFrame(
        [{c: row.get(c) for c in table.columns()} for row in table.rows], columns=table.columns()
    )
    for column in table.tasks + ["average"]:
        frame[column] = frame[column].map(lambda v: None if v is None else round(float(v), 1))
    plot = pd.DataFrame(
        {"configurazione": [f"{r['model']} · {r['strategy']}" for r in table.rows],
         "media": [r.get("average") or 0.0 for r in table.rows]}
    )  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="medui-studio-"))
    csv_path = folder / "studio.csv"
    csv_path.write_text(table.to_csv(), encoding="utf-8")
    note = (
        f"{len(table.rows)} configurazioni su {len(table.tasks)} compiti."
        if table.rows
        else "Nessuna valutazione conclusa: avviane una in Confronta."
    )
    return frame, plot, str(csv_path), note


def build(demo: gr.Blocks) -> None:
    """Build the page and wire its events."""
    common.header("Studio", "La tabella dello studio dalle valutazioni salvate: punteggio principale x100.")
    with gr.Row():
        split = gr.Textbox(label="Split (vuoto: lo split di valutazione di ogni compito)", scale=3)
        refresh = gr.Button("Aggiorna", scale=1)
    note = gr.Markdown(elem_id="studio-nota")
    table = gr.Dataframe(label="Modello x strategia x compito", interactive=False, elem_id="studio-tabella")
    plot = gr.BarPlot(x="configurazione", y="media", label="Media sui compiti", height=300)
    csv = gr.File(label="CSV", interactive=False)
    outputs = [table, plot, csv, note]
    demo.load(guarded(study), split, outputs, api_name="studio_carica", queue=False)
    refresh.click(guarded(study), split, outputs, api_name="studio_aggiorna", queue=False)
