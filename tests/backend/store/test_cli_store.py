"""The store subcommands through their parser, and `save_eval` (what `medui eval --save` calls)."""

from __future__ import annotations

import argparse
import json

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from medui.backend.data.gold import load_split
from medui.backend.evaluation import EvalResult, runner
from medui.backend.evaluation.info import RunInfo
from medui.backend.store import db
from medui.backend.store.corrections import CorrectionError
from medui.backend.store.repo import StoreError
from medui.backend.store.tables import Correction, Prediction, Run
from medui.cli import store as cli_store
from medui.config import get_settings
from medui.tasks.registry import get_spec
from tests.backend.store.records import NER_TASK, make_prediction, ner_record

BOTH = ((13, 24), (27, 38))


@pytest.fixture
def medui(db_url, monkeypatch, capsys):
    """Run `medui <store subcommand>` on the test database; returns (exit code, stdout)."""
    monkeypatch.setenv("MEDUI_DATABASE_URL", db_url)
    get_settings.cache_clear()
    parser = argparse.ArgumentParser(prog="medui")
    cli_store.register(parser.add_subparsers(dest="command", required=True))

    def run(*argv: str) -> tuple[int, str]:
        args = parser.parse_args(argv)
        code = args.func(args)
        return code, capsys.readouterr().out

    yield run
    get_settings.cache_clear()


def _saved_eval(db_url) -> Run:
    """An evaluation of two hand-made predictions, saved as `medui eval --save` does."""
    golds = [ner_record("a", spans=BOTH), ner_record("b", spans=BOTH)]
    preds = [
        make_prediction(ner_record("a"), confidence=0.7),
        make_prediction(ner_record("b"), confidence=0.2),
    ]
    metrics = {
        "model": "gemma-3-270m",
        "strategy": "few-shot+cd",
        "shots": 3,
        "seed": 1,
        "seconds": 2.0,
        "f1": 0.5,
    }
    with db.session_scope(db.get_engine(db_url)) as session:
        info = RunInfo(get_spec(NER_TASK), "gemma-3-270m", "few-shot+cd", shots=3, seed=1, split="test")
        return runner.save_eval(
            EvalResult(metrics, preds, info), session=session, records=golds, parameters={"batch_size": 4}
        )


def test_save_eval_stores_the_run_and_scored_predictions(db_url):
    run = _saved_eval(db_url)
    with Session(db.get_engine(db_url)) as session:
        stored = session.get(Run, run.id)
        assert (stored.model, stored.adapter, stored.strategy, stored.shots, stored.seed) == (
            "gemma-3-270m", None, "few-shot+cd", 3, 1
        )  # fmt: skip
        assert (
            stored.split == "test" and stored.metrics["f1"] == 0.5 and stored.parameters == {"batch_size": 4}
        )
        preds = session.exec(select(Prediction).where(Prediction.run_id == run.id)).all()
        assert [p.score for p in preds] == [pytest.approx(2 / 3)] * 2


def test_save_eval_reads_gold_by_id_when_not_given(medui_home, db_url):
    spec = get_spec("medqa_it")
    gold = load_split(spec, "test")[0]
    preds = [
        make_prediction({**gold, "answer": gold["answer"]}),
        make_prediction({**gold, "id": "not-in-gold"}),
    ]
    with db.session_scope(db.get_engine(db_url)) as session:
        info = RunInfo(spec, "m", "?", split="test")
        run = runner.save_eval(EvalResult({"model": "m"}, preds, info), session=session)
        rows = session.exec(
            select(Prediction).where(Prediction.run_id == run.id).order_by(Prediction.id)
        ).all()
        assert [(p.counts is not None, p.score) for p in rows] == [(True, 1.0), (False, None)]


def test_queue_then_correct_then_list_then_export(medui, db_url, tmp_path):
    _saved_eval(db_url)
    code, out = medui("queue", "--task", NER_TASK, "--json")
    queue = json.loads(out)
    assert code == 0 and [q["record_id"] for q in queue] == ["b", "a"]
    record = tmp_path / "fixed.json"
    record.write_text(json.dumps({"entities": [{"start": 27, "end": 38, "label": "CLINENTITY"}]}))
    pred_b = str(queue[0]["prediction_id"])
    medui(
        "corrections",
        "add",
        "--task",
        NER_TASK,
        "--prediction",
        pred_b,
        "--file",
        str(record),
        "--annotator",
        "anna",
    )
    code, out = medui("corrections", "add", "--task", NER_TASK, "--prediction", pred_b, "--accept",
                      "--annotator", "anna", "--note", "era giusta")  # fmt: skip
    assert code == 0 and "supersedes" in out  # anna's own chain
    assert [q["record_id"] for q in json.loads(medui("queue", "--task", NER_TASK, "--json")[1])] == ["a"]
    latest = json.loads(medui("corrections", "list", "--task", NER_TASK, "--json")[1])
    assert [(c["record_id"], c["kind"], c["note"]) for c in latest] == [("b", "accept", "era giusta")]
    assert len(json.loads(medui("corrections", "list", "--task", NER_TASK, "--all", "--json")[1])) == 2
    assert "anna" in medui("corrections", "list", "--task", NER_TASK)[1]
    code, out = medui("export", "--task", NER_TASK, "--format", "jsonl", "--out", str(tmp_path / "o.jsonl"))
    assert code == 0 and out.startswith("1 records (1 corrected)")
    code, out = medui("export", "--task", NER_TASK, "--format", "conll", "--out", str(tmp_path / "g.conll"),
                      "--with-gold", "--json")  # fmt: skip
    assert json.loads(out)["records"] == 2


def test_user_errors_are_store_errors_with_one_line(medui, db_url, tmp_path):
    run = _saved_eval(db_url)
    with Session(db.get_engine(db_url)) as session:
        pred = session.exec(select(Prediction).where(Prediction.run_id == run.id)).first()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"entities": [{"start": 0, "end": 999, "label": "CLINENTITY"}]}))
    base = ("corrections", "add", "--prediction", str(pred.id), "--annotator", "anna")
    with pytest.raises(CorrectionError, match="outside the text"):
        medui(*base, "--task", NER_TASK, "--file", str(bad))
    with pytest.raises(StoreError, match="belongs to task e3c_clinical_entities, not e3c_events"):
        medui(*base, "--task", "e3c_events", "--accept")
    with pytest.raises(StoreError, match="--file, or --accept"):
        medui(*base, "--task", NER_TASK)
    with pytest.raises(StoreError, match="prediction 999 does not exist"):
        medui("corrections", "add", "--task", NER_TASK, "--prediction", "999", "--accept", "--annotator", "a")
    with pytest.raises(StoreError, match="nothing to export"):
        medui("export", "--task", "medqa_it", "--format", "jsonl", "--out", str(tmp_path / "x.jsonl"))
    assert isinstance(StoreError("x"), ValueError)
    with db.session_scope(db.get_engine(db_url)) as session:
        assert session.exec(select(Correction)).all() == []


def test_db_status_and_upgrade(medui, db_url):
    code, out = medui("db", "upgrade")
    assert code == 0 and f"revision {db.head_revision()}" in out
    password = make_url(db_url).password
    assert not password or f":{password}@" not in out
