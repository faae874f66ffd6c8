"""The study table's marks: a cell not significantly different from the reference row's cell on its task gets a
mark in study.md (paired bootstrap on the per-record counts its cell file keeps); cells built by hand, no model."""

from __future__ import annotations

import json

import pytest

from medui.backend.data.inputs import InputError
from medui.backend.evaluation.study import MARK, build_table, parse_reference, run_study
from medui.cli import main
from medui.tasks.registry import get_spec

TASKS = ["medmcqa_it", "medqa_it"]  # right-or-wrong records: accuracy
N = 40


def _cell(model: str, task: str, right: range, counts: bool = True) -> dict:
    """A cd cell of `model` on `task`, right on the records numbered in `right` out of N."""
    record_counts = {f"r{i}": {"correct": int(i in right)} for i in range(N)}
    cell = {"model": model, "strategy": "cd", "task": task, "primary": "accuracy", "accuracy": len(right) / N}
    conditions = {"spec_version": get_spec(task).version, "limit": None, "seed": 0}
    return {**cell, **conditions, **({"record_counts": record_counts} if counts else {})}


CELLS = [
    _cell("base", "medmcqa_it", range(0, 10)),
    _cell("base", "medqa_it", range(0, 10)),
    _cell("better", "medmcqa_it", range(0, 35)),  # 35 of 40 against 10: clearly better
    _cell("better", "medqa_it", range(0, 10)),  # the same records right: no difference
    _cell("close", "medmcqa_it", range(1, 11)),  # one record each way: no difference
    _cell("old", "medmcqa_it", range(0, 35), counts=False),  # a cell file from before record_counts
]


def test_cells_not_significantly_different_from_the_first_row_are_marked():
    table = build_table(TASKS, CELLS)
    assert table.reference == ("base", "cd")
    markdown = table.to_markdown()
    assert "| base | cd | 25.0 | 25.0 |" in markdown  # the reference itself: unmarked
    assert f"| better | cd | 87.5 | 25.0{MARK} |" in markdown
    assert f"| close | cd | 25.0{MARK} |  |" in markdown
    assert "| old | cd | 87.5 |  |" in markdown  # no per-record counts: not compared, unmarked
    legend = markdown.splitlines()[-1]
    assert legend.startswith(f"{MARK}: not significantly different from the reference row (base, cd)")
    assert "not compared" in legend
    csv = table.to_csv()
    assert MARK not in csv and "better,cd,87.5,25.0,56.2" in csv


def test_another_reference_row_and_a_wrong_one():
    markdown = build_table(TASKS, CELLS, ("better", "cd")).to_markdown()
    assert f"| base | cd | 25.0 | 25.0{MARK} |" in markdown and "| better | cd | 87.5 | 25.0 |" in markdown
    assert "| close | cd | 25.0 |  |" in markdown and "reference row (better, cd)" in markdown
    with pytest.raises(InputError, match="not a row of the study"):
        build_table(TASKS, CELLS, ("nobody", "cd"))
    assert parse_reference("openai:qwen2.5:few-shot+cd") == ("openai:qwen2.5", "few-shot+cd")
    with pytest.raises(InputError, match="MODEL:STRATEGY"):
        parse_reference("base")


def test_a_reference_that_no_piece_has_fails_before_any_cell_is_computed(tmp_path, monkeypatch):
    """A piece of a study may name a reference row that an earlier piece computed; a row that is neither
    computed by this command nor in OUT/runs fails at once, not after the piece's hours of compute."""
    from medui.backend.inference import models

    def no_loading(*args, **kwargs):
        raise AssertionError("a model was loaded before the reference was checked")

    monkeypatch.setattr(models, "load", no_loading)
    with pytest.raises(InputError, match="not a row of this study"):
        run_study(TASKS, ["gemma-3-270m"], ["cd"], tmp_path, reference="base:cd")
    runs = tmp_path / "runs"
    runs.mkdir()
    for number, cell in enumerate(CELLS):
        (runs / f"cell{number}.json").write_text(json.dumps(cell), encoding="utf-8")
    table = run_study(TASKS, [], ["cd"], tmp_path, reference="better:cd")  # an earlier piece's row
    assert table.reference == ("better", "cd")
    with pytest.raises(InputError, match="rows: base:cd, better:cd, close:cd, old:cd"):
        run_study(TASKS, [], ["cd"], tmp_path, reference="better:few-shot+cd")
    with pytest.raises(InputError, match="not a row of this study"):  # the cells are there, for another limit
        run_study(TASKS, [], ["cd"], tmp_path, limit=5, reference="better:cd")


def test_without_per_record_counts_nothing_is_marked_and_there_is_no_legend():
    old = [{k: v for k, v in cell.items() if k != "record_counts"} for cell in CELLS]
    markdown = build_table(TASKS, old).to_markdown()
    assert MARK not in markdown and "| close | cd | 25.0 |  |" in markdown


def test_a_study_folder_of_old_and_new_cell_files_gets_its_marks(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    for number, cell in enumerate(CELLS):
        (runs / f"cell{number}.json").write_text(json.dumps(cell), encoding="utf-8")
    run_study(TASKS, [], ["cd"], tmp_path)  # no model: every cell is already in runs/
    markdown = (tmp_path / "study.md").read_text(encoding="utf-8")
    assert f"| better | cd | 87.5 | 25.0{MARK} |" in markdown and "| old | cd | 87.5 |  |" in markdown
    assert MARK not in (tmp_path / "study.csv").read_text(encoding="utf-8")
    args = ["study", "--tasks", ",".join(TASKS), "--models", "", "--strategies", "cd", "--out", str(tmp_path)]
    assert main([*args, "--reference", "better:cd"]) == 0
    markdown = (tmp_path / "study.md").read_text(encoding="utf-8")
    assert f"| base | cd | 25.0 | 25.0{MARK} |" in markdown and "reference row (better, cd)" in markdown


def test_a_table_of_real_and_sample_tasks_averages_both_and_reads_back():
    from medui.backend.evaluation.study import REAL_AVERAGE, StudyTable

    tasks = ["e3c_actors", "e3c_events", "medqa_it"]  # two real-data tasks, one sample-data task
    cells = [
        {"model": "m", "strategy": "cd", "task": "e3c_actors", "primary": "f1", "f1": 0.30},
        {"model": "m", "strategy": "cd", "task": "e3c_events", "primary": "f1", "f1": 0.10},
        {"model": "m", "strategy": "cd", "task": "medqa_it", "primary": "accuracy", "accuracy": 0.80},
        {"model": "n", "strategy": "cd", "task": "medqa_it", "primary": "accuracy", "accuracy": 0.50},
    ]
    table = build_table(tasks, cells)
    assert table.columns()[-2:] == [REAL_AVERAGE, "average"]
    assert table.rows[0][REAL_AVERAGE] == pytest.approx(20.0) and table.rows[0]["average"] == pytest.approx(
        40.0
    )
    assert table.rows[1][REAL_AVERAGE] is None and table.rows[1]["average"] == pytest.approx(50.0)
    csv = table.to_csv()
    assert csv.splitlines()[:3] == [
        f"model,strategy,e3c_actors,e3c_events,medqa_it,{REAL_AVERAGE},average",
        "m,cd,30.0,10.0,80.0,20.0,40.0",
        "n,cd,,,50.0,,50.0",
    ]
    back = StudyTable.from_csv(csv)
    assert back.tasks == tasks and back.to_csv() == csv
    assert REAL_AVERAGE not in build_table(["e3c_actors", "e3c_events"], cells).columns()  # real only: one
