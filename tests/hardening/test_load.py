"""Load: annotators saving at once while an evaluation runs lose nothing, on SQLite (WAL) and PostgreSQL.

The app test drives the launched app with 20 gradio_client clients (see load_scenario.py) and writes the save
latencies to test-artifacts/load-<database>.json. The store test runs the same saves as truly parallel
sessions in one process (the app's queue lets one save run at a time), next to a writer that stores an
evaluation the way the app's evaluation thread does, to show the database itself neither locks nor loses.
"""

from __future__ import annotations

import json
import os
import threading

import pytest

from medui.backend.evaluation.info import RunInfo
from medui.backend.store.db import init_db, session_scope
from tests.app.conftest import ARTIFACTS, launched_app
from tests.app.tiny_ner import make_tiny_ner_model
from tests.hardening import load_scenario as scenario
from tests.postgres import postgres_schema

POSTGRES_ENV = "MEDUI_TEST_POSTGRES_URL"


@pytest.fixture(scope="module")
def load_tiny_ner_dir(tiny_model_dir, tmp_path_factory):
    """The tiny model that writes entities (as the app tests use), the evaluation's model."""
    return make_tiny_ner_model(tiny_model_dir, tmp_path_factory.mktemp("load-tiny-ner"))


@pytest.fixture(params=["sqlite", "postgres"])
def load_database_url(request, tmp_path):
    """A database nobody else uses: a SQLite file, or a new schema of MEDUI_TEST_POSTGRES_URL's database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'medui.sqlite'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(
            f'{POSTGRES_ENV} is not set: `eval "$(bash scripts/ci/postgres.sh)"` runs this on PostgreSQL'
        )
    with postgres_schema(base, "load") as url:
        yield url


@pytest.mark.slow
def test_twenty_annotators_save_at_once_during_an_evaluation_and_nothing_is_lost(
    load_database_url, load_tiny_ner_dir, tmp_path, request
):
    plan = scenario.Plan()
    engine = init_db(load_database_url)
    try:
        predictions = scenario.seed(engine, plan)
        with launched_app(tmp_path, load_tiny_ner_dir, [], load_database_url) as server:
            result = scenario.run_load(server.url, engine, plan, predictions)
            result.eval = scenario.wait_evaluation(engine, result.eval_run_id)
        stats = scenario.latency(result.saves, result.wall_s)
        wrong = scenario.problems(engine, result.saves, plan)
    finally:
        engine.dispose()
    backend = request.node.callspec.params["load_database_url"]
    report = {"database": backend, **stats, "evaluation": result.eval,
              "evaluation_when_saves_began": result.eval_status_when_saves_began,
              "evaluation_when_saves_ended": result.eval_status_when_saves_ended}  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"load-{backend}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nload on {backend}: {json.dumps(report)}")
    assert stats["errors"] == 0, [s.error for s in result.saves if s.error][:5]
    assert wrong == [], wrong[:10]
    assert result.eval_status_when_saves_began == "running"  # the saves did run next to the evaluation
    assert result.eval["status"] == "succeeded", result.eval
    assert result.eval["predictions"] == plan.eval_limit


def test_parallel_sessions_keep_every_correction_next_to_an_evaluation_writer(load_database_url):
    from medui.backend.store.corrections import add_correction

    plan = scenario.Plan()
    engine = init_db(load_database_url)
    try:
        by_annotator = scenario.planned_saves(plan, scenario.seed(engine, plan))
        gate = threading.Barrier(plan.clients + 1)

        def annotate(saves: list[scenario.Save]) -> None:
            gate.wait()
            for save in saves:
                try:
                    with session_scope(engine) as session:
                        row = add_correction({"entities": save.entities}, save.annotator, session=session,
                                             prediction_id=save.prediction_id, note=save.note)  # fmt: skip
                        save.reply = {"id": row.id, "record": row.record}
                except Exception as exc:  # noqa: BLE001 - kept and reported
                    save.error = f"{type(exc).__name__}: {exc}"

        threads = [threading.Thread(target=annotate, args=(s,)) for s in by_annotator.values()]
        evaluation: dict = {}
        writer = threading.Thread(target=_store_an_evaluation, args=(engine, gate, evaluation))
        for thread in [*threads, writer]:
            thread.start()
        for thread in [*threads, writer]:
            thread.join()
        saves = [s for saves in by_annotator.values() for s in saves]
        assert [s.error for s in saves if s.error] == []
        assert scenario.problems(engine, saves, plan) == []
        assert evaluation == {"status": "succeeded", "predictions": 100}
    finally:
        engine.dispose()


def _store_an_evaluation(engine, gate: threading.Barrier, out: dict, n: int = 100) -> None:
    """What the app's evaluation thread writes: a running run, progress updates, then every prediction at once."""
    from medui.backend.data.gold import load_split
    from medui.backend.inference.engine import Prediction, doc_hash
    from medui.backend.store import repo
    from medui.backend.store.tables import Run
    from medui.tasks.registry import get_spec

    spec = get_spec(scenario.TASK)
    golds = load_split(spec, scenario.EVAL_SPLIT)[:n]
    gate.wait()
    with session_scope(engine) as session:
        run_id = repo.save_run(RunInfo(spec, "writer", "cd"), session=session, status="running").id
    for done in range(0, n, 10):
        with session_scope(engine) as session:
            run = session.get(Run, run_id)
            run.parameters = {**run.parameters, "progress": [done, n]}
    preds = [Prediction(dict(g), "{}", "h", doc_hash(g), 0.0, 0, 0, 0.5) for g in golds]
    with session_scope(engine) as session:
        run = session.get(Run, run_id)
        stored = repo.save_predictions(run, preds, golds, session=session)
        run.status = "succeeded"
    out.update(status="succeeded", predictions=len(stored))
