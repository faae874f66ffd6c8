"""Preparing the default model when the app starts, so that a clinician's first run does not pay for it.

The first run after a start used to load the model and build what its constraint needs (the outlines_core Index
of the task's schema on the model's vocabulary, its tables, the copy tables: 84 s for the clinical entities on a
quiet 2-core machine, issue 24). When the app starts (`medui serve`), a daemon thread does that work instead:

1. it loads the default model (the model Prova's picker opens on);
2. for each of WARM_TASKS (the clinical entities first: the task Prova opens on; then the dyspnoea form), it
   builds the engine Prova's first run asks for (service.running.engine_for with the same key: model, task, the
   model's own strategy, seed 0, random examples), so its compiled constraint is the one that run uses;
3. it runs that engine once on a short note (SAMPLE_NOTE), which builds what the first decoding builds lazily:
   the copy tables, the KV cache of the prompt's shared prefix, the forced-token plans.

Each step holds MODEL_LOCK, as a run does, and lets a run that waits for it go first between steps; a sample
run gives way at once: it is skipped when a run waits for the model as it would start, and stops at its next
decoding step when one starts waiting (`ModelLock.waiting`; that task is then left out of `tasks`, and the
waiting run builds what it needs itself). Nothing of it blocks the page: the server starts at once, and a run
clicked meanwhile waits for the step under way, then reuses what is ready. A failure is logged, never fatal:
the state says so with a short Italian reason, and runs load what they need themselves, as without a warm-up.
MEDUI_WARMUP=0 turns it off (the tests do); a default model that does not resolve is not loaded (the state
says why); a served default model (openai:NAME) has nothing to prepare here.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

from medui.backend.data.inputs import record_from_input
from medui.backend.evaluation import runner
from medui.backend.inference import models
from medui.backend.inference.types import SERVER_PREFIXES
from medui.backend.service import running
from medui.backend.service.core import (
    MODEL_LOCK,
    checked_model,
    default_model,
    holding_lock_for,
    model_strategy,
)
from medui.config import get_settings
from medui.errors import MeduiError
from medui.tasks.registry import get_spec

log = logging.getLogger(__name__)

WARM_TASKS = ("e3c_clinical_entities", "ed_dyspnea_crf")  # Prova opens on the first; the form clinicians use
SAMPLE_NOTE = (  # short, so that the warm-up's own run holds the model for a moment only
    "Paziente di 74 anni con dispnea da due giorni e febbre. In terapia con furosemide per scompenso cardiaco."
)
YIELD_S = 0.5  # between steps, a run waiting for the model lock (or about to take it again) goes first
PHASES = ("off", "preparing", "ready", "failed")


@dataclass(frozen=True)
class WarmupState:
    """Where the warm-up stands: off, preparing (with its step), ready or failed (with why, in Italian)."""

    phase: str = "off"
    model: str = ""
    step: str = ""  # what it is doing now, in Italian
    reason: str = ""  # why it failed, in Italian
    started: float | None = None  # time.monotonic() at its start
    seconds: float | None = None  # how long it took, once ready or failed
    tasks: tuple[str, ...] = ()  # the tasks prepared so far

    def elapsed(self) -> float:
        """Seconds since it started (its whole duration once it is over)."""
        if self.seconds is not None:
            return self.seconds
        return time.monotonic() - self.started if self.started is not None else 0.0


_STATE = WarmupState()
_LOCK = threading.Lock()


def state() -> WarmupState:
    """The warm-up's state now."""
    return _STATE


def _set(**changes) -> WarmupState:
    global _STATE
    with _LOCK:
        _STATE = replace(_STATE, **changes)
        return _STATE


def reset() -> None:
    """Back to `off` (a new app in the same process; tests)."""
    global _STATE
    with _LOCK:
        _STATE = WarmupState()


def enabled() -> bool:
    """Whether the app prepares its default model at start (MEDUI_WARMUP, on unless set to 0/false)."""
    return bool(get_settings().warmup)


def start(model: str | None = None, tasks: tuple[str, ...] = WARM_TASKS) -> threading.Thread | None:
    """Start preparing `model` (default: the app's default model) in a daemon thread; None when the warm-up is
    off, the model is served elsewhere, or a warm-up is already preparing or done."""
    if not enabled():
        return None
    model = (model or default_model()).strip()
    if model.startswith(SERVER_PREFIXES):
        return None  # its server holds the model: nothing to load or compile here
    global _STATE
    with _LOCK:
        if _STATE.phase in ("preparing", "ready"):
            return None
        _STATE = WarmupState("preparing", model, "avvio", started=time.monotonic())
    thread = threading.Thread(target=prepare, args=(model, tasks), name="medui-warmup", daemon=True)
    thread.start()
    return thread


def prepare(model: str, tasks: tuple[str, ...] = WARM_TASKS) -> WarmupState:
    """Load `model`, then build and run once the engine of each task (see the module's docstring), in this
    thread; the final state. Never raises: a failure is logged and becomes the `failed` state."""
    current = state()
    if current.phase != "preparing" or current.model != model:  # called directly, not by start()
        current = _set(phase="preparing", model=model, reason="", started=time.monotonic(), seconds=None,
                       tasks=())  # fmt: skip
    began = current.started or time.monotonic()
    try:
        _prepare(model, tasks)
    except Exception as exc:  # logged, never fatal: a run loads what it needs itself
        log.exception("warm-up of %s failed", model)
        return _set(phase="failed", step="", reason=_reason(exc), seconds=time.monotonic() - began)
    done = _set(phase="ready", step="", seconds=time.monotonic() - began)
    log.info("warm-up of %s ready in %.1f s (%s)", model, done.seconds, ", ".join(done.tasks))
    return done


def _prepare(model: str, tasks: tuple[str, ...]) -> None:
    _set(step="caricamento del modello")
    with MODEL_LOCK:
        name = checked_model(model)  # a missing model fails here, before anything is loaded
        models.load(name)
    strategy = model_strategy(model)
    for task_id in tasks:
        spec = get_spec(task_id)
        time.sleep(YIELD_S)
        _set(step=f"preparazione del vincolo per «{spec.name}»")
        with MODEL_LOCK:
            engine = running.engine_for(model, task_id, strategy, demos="random")
        time.sleep(YIELD_S)
        _set(step=f"prima esecuzione di prova di «{spec.name}»")
        if MODEL_LOCK.waiting():  # a run waits: it builds what the sample run would have, as it needs it
            continue
        try:
            with holding_lock_for(engine):
                runner.predict(engine, [record_from_input(spec, SAMPLE_NOTE, "warmup")], on_text=_give_way)
        except _GaveWay:
            continue
        _set(tasks=(*state().tasks, task_id))


class _GaveWay(Exception):
    """A run started waiting for the model during a sample run, which stops so that the run goes first."""


def _give_way(_unit: int, _text: str) -> None:
    """The sample run's on_text, called after every decoding step: stop when a run waits for the model."""
    if MODEL_LOCK.waiting():
        raise _GaveWay


def _reason(exc: BaseException) -> str:
    """A failure in one short Italian line: a user error's own text, else its kind (the log has the rest)."""
    if isinstance(exc, MeduiError):
        text = (exc.italian.strip().splitlines() or [""])[0]
        return text[:300] or type(exc).__name__
    return f"errore imprevisto ({type(exc).__name__}), dettagli nel log del server"


def status_line(current: WarmupState | None = None) -> str:
    """What Prova says of the warm-up, in Italian ("" when it is off)."""
    s = current or state()
    if s.phase == "preparing":
        return f"Preparazione del modello in corso… ({s.model}: {s.step}, {s.elapsed():.0f} s)"
    if s.phase == "ready":
        return f"Modello pronto: {s.model} (preparato in {s.elapsed():.0f} s)."
    if s.phase == "failed":
        return (
            f"Preparazione del modello non riuscita: {s.reason.rstrip('.')}. Puoi comunque eseguire i compiti: la prima "
            "esecuzione caricherà il modello (più lenta)."
        )
    return ""
