"""Running a task on one input from the app: streamed output, and "correct this" (store it for the queue).

A run's result is kept in memory under a `result_id` until the user sends it to the correction queue: only then
are the text and the prediction stored (a run, a document of split "prova", a prediction).

Identifiers (medui.backend.inference.destination): before a model sees the input, the gate scans it; a served model on a
server that is not on this machine gets it only masked or confirmed (`mask_identifiers`, `send_identifiers`), so
the API cannot bypass what the page asks. The queue stores only text without likely identifiers: a result whose
input held some and was not masked is refused, and the user runs it again masked. Masking the stored copy after
the run instead would rewrite what the model saw and wrote (its raw output, the mentions and values it copied
from the text), so the stored prediction would no longer be the model's answer to the stored text.
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from medui.backend.data.inputs import InputError, record_from_input
from medui.backend.evaluation import runner
from medui.backend.evaluation.info import RunInfo
from medui.backend.inference import models
from medui.backend.inference.demos import TEAM_PREFIX, check_mode
from medui.backend.inference.destination import Gated, gate_record, remote_host
from medui.backend.inference.engine import STRATEGIES, Engine, Prediction, parse_strategy
from medui.backend.inference.reading import notices
from medui.backend.service import auth
from medui.backend.service.core import MODEL_LOCK, allowed, checked_model, holding_lock_for
from medui.backend.store.db import session_scope
from medui.tasks.phi import KIND_NAMES
from medui.tasks.records import doc_hash
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec

PROVA_SPLIT = "prova"
MAX_PENDING = 500
MAX_ENGINES = 8
STREAM_EVERY_S = 0.15
TICK_S = 1.0  # while nothing new is decoded (loading, reading the prompt), the page hears the time waited
T = TypeVar("T")
_STATE_LOCK = threading.Lock()
_QUEUE_LOCK = threading.Lock()  # one result goes to the queue once, even when asked twice at once


@dataclass
class PendingResult:
    """A run's prediction kept until the user sends it to the queue (or it falls out of the cache)."""

    info: RunInfo  # what ran: its split is PROVA_SPLIT
    prediction: Prediction
    user: str
    queued: dict | None = None  # the stored rows' ids once it went to the queue
    identifiers: list[str] = field(default_factory=list)  # kinds of likely identifiers found in the input
    masked: bool = False  # they were masked before the run: the record holds placeholders instead
    examples: list[dict] = field(default_factory=list)  # the demonstrations used: {"id", "text"}, best first


@dataclass
class RunUpdate:
    """A step of a streamed run: the output decoded so far, what the run is doing (in Italian, with the
    seconds waited so far), and the result once it is done."""

    raw: str
    result: dict | None = None
    status: str = ""


_PENDING: OrderedDict[str, PendingResult] = OrderedDict()
_ENGINES: OrderedDict[tuple, Engine] = OrderedDict()


# engines --------------------------------------------------------------------------------------------------
def engine_for(
    model: str,
    task_id: str | TaskSpec,
    strategy: str,
    shots: int | None = None,
    seed: int = 0,
    who: auth.Identity | None = None,
    demos: str = "random",
) -> Engine:
    """An engine for a model, task (its id, or its spec) and strategy; kept (a few of them) so its prompts and
    grammar are reused.

    `who`: the requester, when a folder not yet known to the app needs the right to manage models.
    `demos="similar"`: its demonstrations are read again from the store at every call, so a correction saved a
    moment ago is one at once.
    """
    spec = task_id if isinstance(task_id, TaskSpec) else get_spec(task_id)
    parsed = parse_strategy(strategy, spec, shots)
    try:
        lm = models.load(checked_model(model, who))
    except models.ModelError as exc:
        raise models.ModelError(exc.italian) from None  # the app speaks Italian
    key = (lm.key, spec.id, spec.version, parsed, seed, check_mode(demos))
    with _STATE_LOCK:
        if key in _ENGINES:
            _ENGINES.move_to_end(key)
            found = _ENGINES[key]
            if demos == "similar" and parsed.shots:
                found.demos = runner.demonstrations(spec)
            return found
    built = runner.build_engine(lm, spec, parsed, seed=seed, demos=demos)
    with _STATE_LOCK:
        _ENGINES[key] = built
        while len(_ENGINES) > MAX_ENGINES:
            _ENGINES.popitem(last=False)
    return built


def gated_record(
    task_id: str, model: str, text: str, *, mask_identifiers: bool = False, send_identifiers: bool = False
) -> Gated:
    """The input record of a run past the identifier gate (masked when asked; refused when it would take
    identifiers to a remote server unmasked and unconfirmed), with an id made from what will run (the same
    text, the same document)."""
    record = record_from_input(get_spec(task_id), text or "")
    gated = gate_record(
        record, remote_host(model), mask_identifiers=mask_identifiers, confirm=send_identifiers
    )  # fmt: skip
    gated.record["id"] = f"{PROVA_SPLIT}-{doc_hash(gated.record)}"
    return gated


def run_stream(
    task_id: str,
    model: str,
    strategy: str,
    text: str,
    username: str | None = None,
    *,
    mask_identifiers: bool = False,
    send_identifiers: bool = False,
    demos: str = "random",
) -> Iterator[RunUpdate]:
    """Run a task on one input, yielding the output as it is decoded, then the result (see `result_of`).

    The input passes the identifier gate first (`gated_record`): `mask_identifiers` runs it with placeholders,
    `send_identifiers` confirms sending identifiers to a remote server as they are. `demos`: random or similar
    (demos.py; the result names the demonstrations used)."""
    started = time.monotonic()
    who = allowed(username, "run")
    if strategy not in STRATEGIES:
        raise InputError(f"strategia sconosciuta {strategy!r}: usa una tra {', '.join(STRATEGIES)}")
    gated = gated_record(
        task_id, model, text, mask_identifiers=mask_identifiers, send_identifiers=send_identifiers
    )  # fmt: skip
    record = gated.record

    def load() -> Engine:
        with (
            MODEL_LOCK
        ):  # loading and building share the model with other runs (Prova is not in the model queue)
            return engine_for(model, task_id, strategy, who=who, demos=demos)

    engine = yield from _waiting(
        load,
        lambda: RunUpdate("", status=f"Caricamento del modello {model} … {time.monotonic() - started:.0f} s"),
    )
    read = engine.reading_of(record)
    windows = read.windows if read is not None else 1
    reading = f" (testo lungo: {windows} finestre, lette insieme)" if windows > 1 else ""
    prediction: Prediction | None = None
    for raw, done in _predict_streaming(engine, record):
        if done is None:
            yield RunUpdate(
                raw, status=f"Scrittura della risposta{reading} … {time.monotonic() - started:.0f} s"
            )
        else:
            prediction = done
    assert prediction is not None
    result = _remember(engine, prediction, who, gated)
    result["waited_seconds"] = round(time.monotonic() - started, 2)
    # how a long text was read and which limits cut the answer, in Italian (reading.py)
    result["notices"] = notices(read, prediction.record, engine.kind.spans, engine.kind.relations)
    yield RunUpdate(prediction.raw, result)


def _waiting(call: Callable[[], T], tick: Callable[[], RunUpdate]) -> Generator[RunUpdate, None, T]:
    """Run `call` in a thread, yielding `tick()` every TICK_S until it returns; its value is the generator's
    (`yield from`), its exception is raised here."""
    box: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            box.put((True, call()))
        except BaseException as exc:  # handed to the caller's thread
            box.put((False, exc))

    threading.Thread(target=work, name="medui-prepare", daemon=True).start()
    while True:
        try:
            ok, value = box.get(timeout=TICK_S)
        except queue.Empty:
            yield tick()
            continue
        if ok:
            return value
        raise value


def run_task(
    task_id: str,
    model: str,
    strategy: str,
    text: str,
    username: str | None = None,
    *,
    mask_identifiers: bool = False,
    send_identifiers: bool = False,
    demos: str = "random",
) -> dict:
    """Run a task on one input and return the prediction record with its timing and `result_id`."""
    result = None
    updates = run_stream(
        task_id, model, strategy, text, username, mask_identifiers=mask_identifiers,
        send_identifiers=send_identifiers, demos=demos,
    )  # fmt: skip
    for update in updates:
        result = update.result or result
    assert result is not None
    return result


def _predict_streaming(engine: Engine, record: dict) -> Iterator[tuple[str, Prediction | None]]:
    """(text so far, None) while decoding in a thread, then (raw, prediction)."""
    updates: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            with holding_lock_for(engine):  # a served model's runs need no lock here
                found = runner.predict(
                    engine, [record], on_text=lambda _unit, text: updates.put(("text", text))
                )
            updates.put(("done", found[0]))
        except BaseException as exc:  # handed to the caller's thread
            updates.put(("error", exc))

    threading.Thread(target=work, name="medui-run", daemon=True).start()
    last_sent, latest = 0.0, ""
    while True:
        try:
            kind, value = updates.get(timeout=TICK_S)
        except queue.Empty:  # reading a long prompt, or building the constraint: the caller says for how long
            yield latest, None
            continue
        if kind == "error":
            raise value
        if kind == "done":
            yield value.raw, value
            return
        latest = value
        if time.monotonic() - last_sent >= STREAM_EVERY_S:
            last_sent = time.monotonic()
            yield latest, None


def _remember(engine: Engine, prediction: Prediction, who: auth.Identity, gated: Gated) -> dict:
    """Keep a prediction for "correct this" and return its result dict."""
    result_id = uuid.uuid4().hex
    pending = PendingResult(
        RunInfo.of(engine, split=PROVA_SPLIT),
        prediction,
        who.name,
        identifiers=gated.kinds,
        masked=gated.masked,
        examples=with_links(engine.demos.shown(prediction.demonstrations)),
    )
    with _STATE_LOCK:
        _PENDING[result_id] = pending
        while len(_PENDING) > MAX_PENDING:
            _PENDING.popitem(last=False)
    return result_of(pending, result_id)


def with_links(examples: list[dict]) -> list[dict]:
    """Demonstrations with a link where a page shows them: a team record opens in Correggi on the prediction its
    newest correction was made from (a gold train record has no page)."""
    from sqlmodel import col, select

    from medui.backend.store.tables import Correction

    out = []
    with session_scope() as session:
        for ex in examples:
            link = None
            if ex["id"].startswith(TEAM_PREFIX) and ex["id"].removeprefix(TEAM_PREFIX).isdigit():
                query = select(Correction.prediction_id).where(
                    Correction.document_id == int(ex["id"].removeprefix(TEAM_PREFIX)),
                    col(Correction.prediction_id).is_not(None),
                )
                found = session.exec(query.order_by(col(Correction.id).desc()).limit(1)).first()
                link = f"/correggi?predizione={int(found)}" if found is not None else None
            out.append({**ex, "link": link})
    return out


def result_of(pending: PendingResult, result_id: str) -> dict:
    """The record plus what the page shows of a run: model, strategy, time, tokens/s, confidence."""
    p = pending.prediction
    return {
        **p.record,
        "task": pending.info.task,
        "model": pending.info.name,
        "strategy": pending.info.strategy,
        "seconds": round(p.latency, 3),
        "prompt_tokens": p.prompt_tokens,
        "output_tokens": p.output_tokens,
        "tokens_per_s": round(p.output_tokens / p.latency, 1) if p.latency else None,
        "confidence": None if p.confidence is None else round(p.confidence, 4),
        "identifiers": list(pending.identifiers),  # kinds found in the input
        "identifiers_masked": pending.masked,
        "demonstrations": list(p.demonstrations),  # ids of the examples in the prompt, best first
        "examples": pending.examples,  # the same with the start of each one's text
        "result_id": result_id,
    }


def send_to_queue(result_id: str, username: str | None = None) -> dict:
    """Store a run's prediction (its run, document and prediction rows) so that it enters the correction queue."""
    who = allowed(username, "run")
    with _STATE_LOCK:
        pending = _PENDING.get((result_id or "").strip())
    if pending is None:
        raise InputError("risultato non trovato (l'app è stata riavviata?): esegui di nuovo il compito")
    if pending.user != who.name:
        raise auth.AuthError("questo risultato appartiene a un altro utente")
    if pending.identifiers and not pending.masked:
        kinds = ", ".join(KIND_NAMES.get(k, k) for k in pending.identifiers)
        raise InputError(
            f"Il testo contiene possibili identificativi ({kinds}): la coda di correzione conserva solo testo "
            "senza identificativi. Esegui di nuovo con «Maschera gli identificativi» spuntato, poi «Correggi "
            "questo».",
        )
    from medui.backend.store.repo import run_predictions

    spec = pending.info.spec
    with _QUEUE_LOCK:
        if pending.queued is not None:  # asked again: the rows stored the first time, nothing new
            return dict(pending.queued)
        with session_scope() as session:
            run = runner.store_run(
                pending.info, [pending.prediction], [None], session=session, seconds=pending.prediction.latency,
                parameters={"source": "app", "user": who.name}, source="app",
            )  # fmt: skip
            row = run_predictions(run.id, session=session)[0]
            pending.queued = {
                "prediction_id": row.id, "run_id": run.id, "document_id": row.document_id, "task": spec.id
            }  # fmt: skip
        return dict(pending.queued)


def drop_engines(model: str | None = None) -> None:
    """Forget the kept engines (of one model, or all), before the model is unloaded."""
    model = models.canonical_name(model) if model else None
    with _STATE_LOCK:
        for key in [k for k in _ENGINES if model is None or k[0].split("|")[0] == model]:
            del _ENGINES[key]


models.ON_EVICT.append(drop_engines)  # an evicted model's engines would keep it in memory
