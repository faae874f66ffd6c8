"""The one runner on the tiny model: the same metric keys from the CLI and the app, and a study run in pieces."""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import select

from medui.backend.evaluation import load_eval_records, runner
from medui.backend.evaluation.info import RunInfo
from medui.backend.evaluation.study import run_study
from medui.backend.store.db import session_scope
from medui.backend.store.tables import Run
from medui.cli import main
from medui.config import get_settings

TASK = "medmcqa_it"


@pytest.fixture
def tiny(tiny_model_dir, medui_home, monkeypatch):
    monkeypatch.setenv("MEDUI_ALLOWED_DIRS", str(tiny_model_dir))  # the app may load it
    get_settings.cache_clear()
    return str(tiny_model_dir)


def _evaluations(monkeypatch) -> list[str]:
    """The strategies of the evaluations the runner is asked for from now on (they still run)."""
    evaluated: list[str] = []
    real_evaluate = runner.evaluate
    monkeypatch.setattr(
        runner, "evaluate", lambda engine, records, *a, **kw: evaluated.append(engine.strategy.name)
        or real_evaluate(engine, records, *a, **kw),
    )  # fmt: skip
    return evaluated


def _runs() -> list[Run]:
    with session_scope() as session:
        return list(session.exec(select(Run).order_by(Run.id)))


def test_runs_stored_by_the_cli_and_by_the_app_carry_the_same_metric_keys(tiny, capsys):
    from medui.backend.service import evaluations

    args = ["eval", "--task", TASK, "--model", tiny, "--strategy", "cd", "--limit", "2", "--save"]
    assert main(args) == 0, capsys.readouterr().err
    started = evaluations.start_evaluation(TASK, "test", tiny, "cd", limit=2)
    deadline = time.monotonic() + 120
    while evaluations.get_run(started["id"])["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    cli_run, app_run = _runs()
    assert app_run.status == "succeeded", app_run.error
    assert set(cli_run.metrics) == set(app_run.metrics)
    assert set(runner.RUN_KEYS) <= set(app_run.metrics)
    assert cli_run.metrics["n"] == app_run.metrics["n"] == 2
    assert cli_run.parameters["limit"] == app_run.parameters["limit"] == 2


def test_a_study_run_in_pieces_reuses_the_cells_already_stored(tiny, tmp_path, monkeypatch):
    def study(out: str, strategies: list[str], limit: int = 2):
        return run_study([TASK], [tiny], strategies, tmp_path / out, limit=limit, shots=1, store=True)

    first = study("a", ["cd"])
    assert len(_runs()) == 1
    evaluated = _evaluations(monkeypatch)
    second = study("b", ["cd", "few-shot+cd"])  # a fresh folder: only the database remembers the cd cell
    assert evaluated == ["few-shot+cd"]
    assert second.rows[0][TASK] == first.rows[0][TASK]
    computed, reused = (
        json.loads(next((tmp_path / folder / "runs").glob("*__cd__*.json")).read_text())["record_counts"]
        for folder in ("a", "b")
    )  # the cell keeps its per-record counts, computed or taken from the database
    assert computed == reused and len(computed) == 2 and all("correct" in c for c in computed.values())
    assert len(_runs()) == 2
    study("c", ["cd"], limit=3)  # another limit is another cell
    assert evaluated == ["few-shot+cd", "cd"] and len(_runs()) == 3


def test_a_stored_run_is_found_only_for_its_spec_version_split_and_limit(tiny):
    from medui.tasks.registry import get_spec

    spec = get_spec(TASK)
    engine = runner.build_engine(tiny, spec, "cd")
    records = load_eval_records(spec, "test", 2)
    result = runner.evaluate(engine, records, info=RunInfo.of(engine, split="test", limit=2))
    run = runner.save_eval(result, records=records, parameters={"limit": 2})
    with session_scope() as session:
        found = runner.find_stored_run(spec, engine.lm.name, "cd", "test", session=session, limit=2)
        assert found is not None and found.id == run.id
        assert runner.find_stored_run(spec, engine.lm.name, "cd", "test", session=session, limit=None) is None
        assert runner.find_stored_run(spec, engine.lm.name, "cd", "train", session=session, limit=2) is None
        assert (
            runner.find_stored_run(spec, engine.lm.name, "few-shot", "test", session=session, limit=2) is None
        )
        newer = spec.model_copy(update={"version": spec.version + 1})
        assert runner.find_stored_run(newer, engine.lm.name, "cd", "test", session=session, limit=2) is None


def test_a_study_in_pieces_into_one_folder_keeps_every_row_and_its_conditions(tiny, tmp_path):
    out = tmp_path / "study"
    out.mkdir()
    (out / "conditions.md").write_text("Conditions: two records a task.\n", encoding="utf-8")
    run_study([TASK], [tiny], ["few-shot+cd"], out, limit=2, shots=1)
    table = run_study([TASK], [tiny], ["cd"], out, limit=2, shots=1)
    assert [row["strategy"] for row in table.rows] == ["cd", "few-shot+cd"]
    assert (out / "study.csv").read_text().count("\n") == 3
    markdown = (out / "study.md").read_text()
    assert (
        "| cd |" in markdown and "| few-shot+cd |" in markdown and markdown.endswith("two records a task.\n")
    )
    assert len(run_study([TASK], [tiny], ["cd"], out, limit=3, shots=1).rows) == 1  # another limit: not mixed


def test_a_study_cell_of_an_older_spec_version_is_computed_again(tiny, tmp_path, monkeypatch):
    from medui.backend.evaluation import cells as cells_module
    from medui.backend.evaluation import study as study_module
    from medui.tasks.registry import get_spec

    out = tmp_path / "study"
    run_study([TASK], [tiny], ["cd"], out, limit=2, shots=1)
    (cell_file,) = (out / "runs").glob("*.json")
    assert json.loads(cell_file.read_text())["spec_version"] == get_spec(TASK).version
    evaluated = _evaluations(monkeypatch)
    run_study([TASK], [tiny], ["cd"], out, limit=2, shots=1)
    assert evaluated == []  # same spec version, limit and seed: reused
    newer = get_spec(TASK).model_copy(update={"version": get_spec(TASK).version + 1})
    monkeypatch.setattr(study_module, "get_spec", lambda task: newer)
    monkeypatch.setattr(cells_module, "get_spec", lambda task: newer)  # the cell files' conditions
    table = run_study([TASK], [tiny], ["cd"], out, limit=2, shots=1)
    assert evaluated == ["cd"] and len(table.rows) == 1  # the spec changed: computed again, not shown twice
    assert json.loads(cell_file.read_text())["spec_version"] == newer.version
