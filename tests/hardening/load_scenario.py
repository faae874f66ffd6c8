"""The load scenario of tests/hardening/test_load.py and bench/load_bench.py: annotators save while a run goes on.

`Plan.clients` annotators, each with its own gradio_client `Client` logged in under its own name, save
`Plan.saves` corrections each through the app's `/save_correction` endpoint, all at once, while a dataset
evaluation runs in the app's background thread. Even-numbered saves correct a prediction of the annotator's own,
odd ones one of `Plan.shared` predictions every annotator corrects (corrections are append-only: every one of
those must be kept, in one supersedes chain per document and annotator). Then the database is read back: every acknowledged
save is matched by its returned id and its content, and the evaluation must have succeeded.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

TASK = "e3c_clinical_entities"
SEED_SPLIT = "silver"  # the seeded predictions' documents; the evaluation runs on EVAL_SPLIT, other documents
EVAL_SPLIT = "test"
PASSWORD = "password-carico"
RESEARCHER = "ricerca"
# Cheap login hashes: 21 logins at the default 600k PBKDF2 iterations cost ~15 s of CPU and test nothing here.
LOGIN_HASH_ITERATIONS = 1_000
WORD = re.compile(r"\w{4,}")


@dataclass(frozen=True)
class Plan:
    """How many annotators save how many corrections, on how many shared predictions, during what evaluation."""

    clients: int = 20
    saves: int = 50
    shared: int = 5
    eval_limit: int = 80
    eval_strategy: str = "few-shot+cd"

    @property
    def total(self) -> int:
        return self.clients * self.saves

    @property
    def own_per_client(self) -> int:
        return math.ceil(self.saves / 2)

    def annotators(self) -> list[str]:
        return [f"annotatore{i:02d}" for i in range(1, self.clients + 1)]


@dataclass
class Save:
    """One save as the client sent it and what came back (or the error)."""

    annotator: str
    index: int
    prediction_id: int
    entities: list[dict]
    note: str
    seconds: float = 0.0
    reply: dict | None = None
    error: str | None = None


@dataclass
class LoadResult:
    saves: list[Save]
    wall_s: float
    eval_run_id: int
    eval_status_when_saves_began: str
    eval_status_when_saves_ended: str
    eval: dict = field(default_factory=dict)


# the database (postgres_schema: tests/postgres.py) ------------------------------------------------------
def seed(engine: Engine, plan: Plan) -> list[tuple[int, str]]:
    """The users (annotators and a researcher) and the predictions to correct: (prediction id, text) pairs."""
    from medui.backend.service.auth import hash_password
    from medui.backend.store.db import session_scope
    from medui.backend.store.tables import User

    with session_scope(engine) as session:
        names = [(name, "annotator") for name in plan.annotators()] + [(RESEARCHER, "researcher")]
        for name, role in names:
            session.add(
                User(name=name, role=role, password_hash=hash_password(PASSWORD, LOGIN_HASH_ITERATIONS))
            )
        return _seed_predictions(session, plan.clients * plan.own_per_client + plan.shared)


def _seed_predictions(session: Session, n: int) -> list[tuple[int, str]]:
    """A stored run whose predictions found no entity in the first `n` records of SEED_SPLIT."""
    from medui.backend.data.gold import load_split
    from medui.backend.evaluation.info import RunInfo
    from medui.backend.inference.engine import Prediction, doc_hash
    from medui.backend.store import repo
    from medui.tasks.registry import get_spec

    spec = get_spec(TASK)
    golds = load_split(spec, SEED_SPLIT)[:n]
    if len(golds) < n:
        raise ValueError(f"{TASK}/{SEED_SPLIT} has {len(golds)} records, the plan needs {n}")
    preds = [
        Prediction({"id": g["id"], "text": g["text"], "entities": []}, '{"entities": []}', "seed",
                   doc_hash(g), 0.0, 0, 0, round(0.5 + i / (2 * n), 4))
        for i, g in enumerate(golds)
    ]  # fmt: skip
    run = repo.save_run(RunInfo(spec, "seed", "cd", split=SEED_SPLIT), session=session)
    rows = repo.save_predictions(run, preds, golds, session=session, source="load-seed")
    return [(row.id, g["text"]) for row, g in zip(rows, golds, strict=True)]  # type: ignore[misc]


# the load -----------------------------------------------------------------------------------------------
def planned_saves(plan: Plan, predictions: list[tuple[int, str]]) -> dict[str, list[Save]]:
    """Every annotator's saves: even ones on its own predictions, odd ones on the shared predictions."""
    shared, own = predictions[: plan.shared], predictions[plan.shared :]
    out: dict[str, list[Save]] = {}
    for a, name in enumerate(plan.annotators()):
        mine = own[a * plan.own_per_client : (a + 1) * plan.own_per_client]
        saves = []
        for i in range(plan.saves):
            pred_id, text = mine[i // 2] if i % 2 == 0 else shared[(i // 2) % plan.shared]
            entities = [_entity(text, a * plan.saves + i)]
            saves.append(Save(name, i, pred_id, entities, note=f"{name}#{i}"))
        out[name] = saves
    return out


def _entity(text: str, k: int) -> dict:
    """A CLINENTITY on the k-th word (of 4+ letters, cycling) of the text: each save a distinct record."""
    words = [m.span() for m in WORD.finditer(text)] or [(0, len(text))]
    start, end = words[k % len(words)]
    return {"start": start, "end": end, "label": "CLINENTITY"}


def run_load(server_url: str, engine: Engine, plan: Plan, predictions: list[tuple[int, str]]) -> LoadResult:
    """Start the evaluation, then let every annotator save at once; the evaluation is awaited afterwards."""
    by_annotator = planned_saves(plan, predictions)
    clients = _login_all(server_url, plan.annotators())
    run_id = start_evaluation(server_url, engine, plan)
    gate = threading.Barrier(plan.clients + 1)
    threads = [
        threading.Thread(target=_annotate, args=(clients[name], saves, gate), name=f"load-{name}")
        for name, saves in by_annotator.items()
    ]
    for thread in threads:
        thread.start()
    gate.wait()
    start = time.perf_counter()
    status_at_start = evaluation(engine, run_id)["status"]
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    status_at_end = evaluation(engine, run_id)["status"]
    saves = [s for saves in by_annotator.values() for s in saves]
    return LoadResult(saves, wall, run_id, status_at_start, status_at_end)


def _login_all(server_url: str, names: list[str]) -> dict:
    """One logged-in Client per annotator (logins in parallel, as 20 people opening the page)."""
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    def login(name: str):
        return Client(server_url, auth=(name, PASSWORD), verbose=False)

    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        return dict(zip(names, pool.map(login, names), strict=True))


def _annotate(client, saves: list[Save], gate: threading.Barrier) -> None:
    """One annotator: its saves one after the other, each timed; an error is kept and the next save goes on."""
    gate.wait()
    for save in saves:
        record = json.dumps({"entities": save.entities})
        start = time.perf_counter()
        try:
            save.reply = client.predict(save.prediction_id, record, save.note, api_name="/save_correction")
        except Exception as exc:  # noqa: BLE001 - every failure is a result to report
            save.error = f"{type(exc).__name__}: {exc}"
        save.seconds = time.perf_counter() - start


def start_evaluation(server_url: str, engine: Engine, plan: Plan) -> int:
    """Start a background evaluation through the app (as the researcher); its run id."""
    from gradio_client import Client

    from medui.backend.store.tables import Run

    client = Client(server_url, auth=(RESEARCHER, PASSWORD), verbose=False)
    client.predict(TASK, EVAL_SPLIT, "", "", plan.eval_strategy, plan.eval_limit, api_name="/confronta_avvia")
    with Session(engine) as session:
        query = select(func.max(Run.id)).where(Run.task == TASK, Run.split == EVAL_SPLIT)
        run_id = session.exec(query).one()
    if run_id is None:
        raise RuntimeError("the evaluation did not start: no run row")
    return run_id


def evaluation(engine: Engine, run_id: int) -> dict:
    """The evaluation run's status, error and stored prediction count."""
    from medui.backend.store.tables import Prediction, Run

    with Session(engine) as session:
        run = session.get(Run, run_id)
        stored = session.exec(select(func.count()).where(Prediction.run_id == run_id)).one()
        return {"run_id": run_id, "status": run.status, "error": (run.metrics or {}).get("error"),
                "predictions": stored, "seconds": run.seconds}  # fmt: skip


def wait_evaluation(engine: Engine, run_id: int, timeout_s: float = 300) -> dict:
    deadline = time.monotonic() + timeout_s
    while (state := evaluation(engine, run_id))["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
    return state


# the checks ---------------------------------------------------------------------------------------------
def problems(engine: Engine, saves: list[Save], plan: Plan) -> list[str]:
    """What is wrong in the database after the load (empty: every acknowledged save is there, as sent)."""
    from medui.backend.store.tables import Correction

    with Session(engine) as session:
        rows = {c.id: c for c in session.exec(select(Correction))}
    found = [f"{len(rows)} corrections stored, {plan.total} expected"] if len(rows) != plan.total else []
    for save in saves:
        if save.error:
            found.append(f"{save.note}: error {save.error}")
            continue
        found += _mismatches(save, rows.get(save.reply["id"]))
    return found + _broken_chains(rows.values())


def _mismatches(save: Save, row) -> list[str]:
    """How a stored row differs from what its save sent and got back."""
    reply = save.reply or {}
    if row is None:
        return [f"{save.note}: acknowledged as correction {reply.get('id')}, not in the database"]
    sent = [{k: e[k] for k in ("start", "end", "label")} for e in row.record["entities"]]
    checks = {
        "prediction": (row.prediction_id, save.prediction_id),
        "annotator": (row.annotator, save.annotator),
        "note": (row.note, save.note),
        "entities": (sent, save.entities),
        "record": (row.record, reply.get("record")),
    }
    return [f"{save.note}: stored {what} {got!r}, expected {want!r}" for what, (got, want) in checks.items()
            if got != want]  # fmt: skip


def _broken_chains(rows) -> list[str]:
    """Documents whose corrections by one annotator do not form one chain (each superseding the one before)."""
    by_chain: dict[tuple[int, str], list] = {}
    for row in sorted(rows, key=lambda r: r.id):
        by_chain.setdefault((row.document_id, row.annotator), []).append(row)
    broken = []
    for (doc_id, annotator), chain in by_chain.items():
        expected = [None] + [r.id for r in chain[:-1]]
        if [r.supersedes_id for r in chain] != expected:
            broken.append(
                f"document {doc_id}, {annotator}: supersedes {[r.supersedes_id for r in chain]}, "
                f"expected {expected}"
            )
    return broken


def latency(saves: list[Save], wall_s: float) -> dict:
    """Save latency percentiles (nearest rank) in milliseconds, throughput and error count."""
    ok = sorted(s.seconds for s in saves if not s.error)

    def pct(q: float) -> float | None:
        return round(1000 * ok[max(0, math.ceil(q * len(ok)) - 1)], 1) if ok else None

    return {
        "saves": len(saves), "acknowledged": len(ok), "errors": sum(1 for s in saves if s.error),
        "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "max_ms": pct(1.0),
        "mean_ms": round(1000 * sum(ok) / len(ok), 1) if ok else None,
        "wall_s": round(wall_s, 2), "saves_per_s": round(len(ok) / wall_s, 1) if wall_s else None,
    }  # fmt: skip


def stored_count(engine: Engine, table) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count(col(table.id)))).one()
