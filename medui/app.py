"""The medui app: the pages mounted on one gr.Blocks, and its queue. Start it with `medui serve` (or `python app.py`
in a checkout: the top-level entry imports this module)."""

from __future__ import annotations

import gradio as gr

from medui.pages import accordo, addestra, confronta, correggi, modelli, prova, studio

PAGES = (  # after Prova, which opens the app at the root: a clinician's first page is where a task runs
    ("Confronta", "confronta", confronta.build),
    ("Correggi", "correggi", correggi.build),
    ("Accordo", "accordo", accordo.build),
    ("Addestra", "addestra", addestra.build),
    ("Studio", "studio", studio.build),
    ("Modelli", "modelli", modelli.build),
)

DELETE_CACHE = (300, 1800)  # every 5 minutes, uploads and outputs older than 30 minutes go; all at exit


def build_demo() -> gr.Blocks:
    """The Blocks with every page: Prova at the root, the others at their paths."""
    with gr.Blocks(title="medui", analytics_enabled=False, delete_cache=DELETE_CACHE) as demo:
        gr.Navbar(main_page_name="Prova")
        prova.build(demo)
    for name, path, build in PAGES:
        with demo.route(name, f"/{path}"):
            gr.Navbar(main_page_name="Prova")  # each page carries the navbar it shows
            build(demo)
    demo.queue(default_concurrency_limit=1)
    return demo
