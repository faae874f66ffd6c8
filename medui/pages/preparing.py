"""The line at the top of Prova that says how far the app got preparing its default model at start
(service/warmup.py): preparing (with the step and the seconds), ready, or failed and why, all in Italian."""

from __future__ import annotations

import gradio as gr

from medui.backend.service import warmup
from medui.pages.common import guarded, md_escape

ICONS = {"preparing": "⏳", "ready": "✅", "failed": "⚠️"}
TICK_S = 2.0  # how often the line is refreshed while the model is being prepared


def warmup_updates() -> tuple:
    """The warm-up's line and its timer, which ticks only while the model is being prepared."""
    now = warmup.state()
    line = warmup.status_line(now)
    text = f"{ICONS[now.phase]} {md_escape(line)}" if line else ""
    return text, gr.Timer(active=now.phase == "preparing")


def preparing_line() -> tuple[gr.Markdown, gr.Timer]:
    """The line (a Markdown, `prova-preparazione`) and its timer, in the page's layout; wire them with `follow`."""
    return gr.Markdown(elem_id="prova-preparazione"), gr.Timer(TICK_S, active=False)


def follow(demo: gr.Blocks, line: gr.Markdown, timer: gr.Timer) -> None:
    """Fill the line when the page loads, and again at every tick while the model is being prepared."""
    demo.load(guarded(warmup_updates), None, [line, timer], api_name="prova_preparazione", queue=False)
    timer.tick(guarded(warmup_updates), None, [line, timer], api_name=False, queue=False)
