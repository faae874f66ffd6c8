"""`--guidelines` on the tiny model: the prompts carry the label guidelines, and a run with them is never taken
for one without (its RunInfo, metrics, stored parameters, stored-run lookup and study row say so)."""

from __future__ import annotations

import json

from sqlmodel import select

from medui.backend.evaluation import load_eval_records, runner
from medui.backend.evaluation.info import RunInfo
from medui.backend.evaluation.study import run_study
from medui.backend.store.db import session_scope
from medui.backend.store.tables import Run
from medui.cli import main
from medui.tasks.prompts import GUIDELINES_HEADING
from medui.tasks.registry import get_spec

TASK = "e3c_measurements"


def test_a_guided_engine_prompts_with_the_guidelines_and_its_run_says_so(tiny_model_dir, medui_home):
    spec = get_spec(TASK)
    records = load_eval_records(spec, "test", 2)
    results = {}
    for guided in (False, True):
        engine = runner.build_engine(str(tiny_model_dir), spec, "few-shot", shots=1, guidelines=guided)
        assert (GUIDELINES_HEADING in engine.prompt_for(records[0])) is guided
        assert (spec.guidelines["RML"] in engine.prompt_for(records[0])) is guided
        info = RunInfo.of(engine, split="test", limit=2)
        assert info.guidelines is guided and info.run_keys()["guidelines"] is guided
        results[guided] = runner.evaluate(engine, records, info=info)
        assert results[guided].metrics["guidelines"] is guided
    hashes = {g: [p.prompt_hash for p in r.predictions] for g, r in results.items()}
    assert all(a != b for a, b in zip(hashes[False], hashes[True], strict=True))

    runner.save_eval(results[True], records=records, parameters={"limit": 2})
    with session_scope() as session:

        def found(guidelines: bool):
            return runner.find_stored_run(
                spec,
                results[True].info.name,
                "few-shot",
                "test",
                session=session,
                limit=2,
                guidelines=guidelines,
            )

        assert found(False) is None
        assert found(True) is not None and found(True).parameters["guidelines"] is True


def test_the_pair_strategy_asks_each_pair_with_the_guidelines(tiny_model_dir, medui_home):
    engine = runner.build_engine(str(tiny_model_dir), "e3c_measurement_links", "pairs", guidelines=True)
    prompt = engine.pair_prompt("La [B]creatinina[/B] era [A]1,5 mg/dL[/A].")
    assert GUIDELINES_HEADING in prompt and engine.spec.guidelines["PERTAINS"] in prompt


def test_the_cli_stores_a_guided_evaluation_and_refuses_guidelines_for_a_question_task(
    tiny_model_dir, medui_home, capsys
):
    model = str(tiny_model_dir)
    args = ["eval", "--task", TASK, "--model", model, "--strategy", "zero-shot", "--limit", "1", "--save"]
    assert main([*args, "--guidelines", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["guidelines"] is True
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["guidelines"] is False
    with session_scope() as session:
        stored = [
            run.parameters.get("guidelines", False) for run in session.exec(select(Run).order_by(Run.id))
        ]
    assert stored == [True, False]

    for question in (
        ["run", "--task", "medqa_it", "--model", model, "--text", "Domanda?", "--guidelines"],
        ["eval", "--task", "medqa_it", "--model", model, "--limit", "1", "--guidelines"],
    ):
        assert main(question) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "task medqa_it has no label guidelines" in err


def test_a_guided_study_is_never_served_the_plain_cell_and_runs_a_question_task_without(
    tiny_model_dir, medui_home, tmp_path
):
    model = str(tiny_model_dir)
    tasks = [TASK, "medmcqa_it"]
    run_study(tasks, [model], ["zero-shot"], tmp_path / "a", limit=1, store=True)
    # a fresh folder: only the database remembers the plain cells, and it must not serve them as guided ones
    table = run_study(tasks, [model], ["zero-shot"], tmp_path / "b", limit=1, store=True, guidelines=True)
    rows = {row["strategy"]: row for row in table.rows}
    assert list(rows) == ["zero-shot", "zero-shot (guidelines)"]
    assert rows["zero-shot (guidelines)"].get(TASK) is not None and rows["zero-shot"].get(TASK) is None
    assert rows["zero-shot"].get("medmcqa_it") is not None  # no guidelines: in the plain row, reused
    assert rows["zero-shot (guidelines)"].get("medmcqa_it") is None
    cells = {path.name: json.loads(path.read_text()) for path in (tmp_path / "b" / "runs").glob("*.json")}
    guided = next(c for name, c in cells.items() if TASK in name)
    assert guided["guidelines"] is True and guided["strategy"] == "zero-shot (guidelines)"
    with session_scope() as session:
        stored = {(r.task, bool(r.parameters.get("guidelines"))) for r in session.exec(select(Run))}
    assert stored == {(TASK, False), (TASK, True), ("medmcqa_it", False)}
