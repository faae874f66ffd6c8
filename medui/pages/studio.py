"""Studio: the study table (model x strategy x task, primary metric x100), a plot of the averages, a CSV.

Two sources: the runs stored in this database (the default once there is one), and the study shipped with medui
(bench/results/study, computed when the release was made), marked as such: a fresh database shows the latter.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
import threading
from pathlib import Path

import gradio as gr

from medui.backend import service
from medui.pages import common
from medui.pages.common import guarded

_FOLDER: Path | None = None  # where this process writes the study's CSV files (csv_file)
_FOLDER_LOCK = threading.Lock()
SAVED, SHIPPED = "Valutazioni salvate", "Studio distribuito con medui"
SHIPPED_NOTE = (
    "**Risultati distribuiti con medui**, non calcolati su questo database: primi 50 record di test a compito "
    "(tutti, dove il test ne ha meno), condizioni e comandi in `bench/results/study/study.md`."
)


def study(split: str, source: str = SAVED) -> tuple:
    """The table, the plot's data (average per configuration), the CSV file and a note saying where it comes
    from."""
    import pandas as pd

    if source == SHIPPED:
        table = service.shipped_study_table()
        if table is None:
            raise gr.Error("Questa installazione non contiene lo studio distribuito (bench/results/study).")
    else:
        table = service.study_table(split.strip() or None)
    frame = pd.DataFrame(
        [{c: row.get(c) for c in table.columns()} for row in table.rows], columns=table.columns()
    )
    for column in table.tasks + table.averages:
        frame[column] = frame[column].map(lambda v: None if v is None else round(float(v), 1))
    frame = frame.rename(columns=common.STUDY_COLUMNS_IT)
    plot = pd.DataFrame(
        {"configurazione": [f"{r['model']} · {r['strategy']}" for r in table.rows],
         "media": [r.get("average") or 0.0 for r in table.rows]}
    )  # fmt: skip
    csv_path = csv_file(table.to_csv())
    note = (
        f"{len(table.rows)} configurazioni su {len(table.tasks)} compiti."
        if table.rows
        else "Nessuna valutazione conclusa: avviane una in Confronta (o scegli lo studio distribuito)."
    )
    return frame, plot, str(csv_path), SHIPPED_NOTE + " " + note if source == SHIPPED else note


def csv_file(text: str) -> Path:
    """The CSV as a file Gradio copies into its cache (and removes, Blocks' delete_cache): in one folder of this
    process, removed at exit, named by its content, so page loads showing the same table write no new file."""
    global _FOLDER
    with _FOLDER_LOCK:
        if _FOLDER is None or not _FOLDER.is_dir():
            _FOLDER = Path(tempfile.mkdtemp(prefix="medui-studio-"))
            atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)
        folder = _FOLDER
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    path = folder / digest / "studio.csv"  # the name the user downloads
    if not path.is_file():
        path.parent.mkdir(exist_ok=True)
        partial = path.with_name(f".{threading.get_ident()}.tmp")  # one writer a thread; replace is atomic
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    return path


def opening(split: str) -> tuple:
    """On load: the saved runs' table, or the shipped study where this database has none yet."""
    saved = study(split, SAVED)
    if saved[0].empty and service.shipped_study_table() is not None:
        return (SHIPPED, *study(split, SHIPPED))
    return (SAVED, *saved)


def build(demo: gr.Blocks) -> None:
    """Build the page and wire its events."""
    common.header("Studio", "La tabella dello studio dalle valutazioni salvate: punteggio principale x100.")
    with gr.Row():
        source = gr.Radio([SAVED, SHIPPED], value=SAVED, label="Fonte", scale=2, elem_id="studio-fonte")
        split = gr.Textbox(label="Split (vuoto: lo split di valutazione di ogni compito)", scale=2)
        refresh = gr.Button("Aggiorna", scale=1)
    note = gr.Markdown(elem_id="studio-nota")
    table = gr.Dataframe(label="Modello x strategia x compito", interactive=False, elem_id="studio-tabella")
    plot = gr.BarPlot(x="configurazione", y="media", label="Media sui compiti", height=300)
    csv = gr.File(label="CSV", interactive=False)
    outputs = [table, plot, csv, note]
    demo.load(guarded(opening), split, [source, *outputs], api_name="studio_carica", queue=False)
    refresh.click(guarded(study), [split, source], outputs, api_name="studio_aggiorna", queue=False)
    source.input(guarded(study), [split, source], outputs, api_name="studio_fonte", queue=False)
