"""Agreement of a task's annotators from the store, on hand-made versions with hand-computed figures."""

from __future__ import annotations

import pytest

from medui.backend.evaluation.agreement import team_agreement
from medui.backend.evaluation.info import RunInfo
from medui.backend.store import repo
from medui.backend.store.corrections import add_correction
from medui.backend.store.repo import NotFound
from medui.tasks.registry import get_spec
from tests.backend.store.records import NER_TASK, make_prediction, ner_record

FEBBRE, TOSSE, TOSSE_ONLY = (13, 24), (27, 38), (27, 32)


def _team(session) -> int:
    """The model found "febbre alta" in a, b and c. anna corrected its a and b and wrote c by hand; bruno
    corrected a and b; carla wrote a and c by hand. Returns the run's id."""
    run = repo.save_run(RunInfo(get_spec(NER_TASK), "m", "cd", split="test"), session=session)
    preds = repo.save_predictions(
        run, [make_prediction(ner_record(i, spans=(FEBBRE,))) for i in "abc"], [None] * 3, session=session
    )
    a, b, c = preds
    versions = [
        ("anna", a, (FEBBRE, TOSSE), True), ("anna", b, (FEBBRE,), True), ("anna", c, (TOSSE,), False),
        ("bruno", a, (FEBBRE,), True), ("bruno", b, (FEBBRE,), True),
        ("carla", a, (FEBBRE, TOSSE), False), ("carla", c, (TOSSE_ONLY,), False),
    ]  # fmt: skip
    for name, pred, spans, from_prediction in versions:
        record = ner_record(pred.record["id"], spans=spans)
        target = {"prediction_id": pred.id} if from_prediction else {"document_id": pred.document_id}
        add_correction(record, name, session=session, **target)
    return run.id


def _pair(report: dict, a: str, b: str) -> dict:
    return next(p for p in report["pairs"] if (p["a"], p["b"]) == (a, b))


def test_pairwise_span_agreement_on_the_documents_both_annotated(session):
    _team(session)
    report = team_agreement(NER_TASK, session=session)
    assert (report["task"], report["annotators"], report["documents"]) == (
        NER_TASK,
        ["anna", "bruno", "carla"],
        3,
    )
    ab, ac, bc = (
        _pair(report, "anna", "bruno"),
        _pair(report, "anna", "carla"),
        _pair(report, "bruno", "carla"),
    )
    # anna~bruno on a, b: 3 and 2 spans, 2 the same -> 2*2/(3+2)
    assert (ab["documents"], ab["strict_f1"], ab["lenient_f1"]) == (2, pytest.approx(0.8), pytest.approx(0.8))
    # anna~carla on a, c: 3 and 3 spans, 2 the same; "tosse secca" overlaps "tosse" -> lenient 1
    assert (ac["documents"], ac["strict_f1"], ac["lenient_f1"]) == (
        2,
        pytest.approx(2 / 3),
        pytest.approx(1.0),
    )
    assert (bc["documents"], bc["strict_f1"]) == (1, pytest.approx(2 / 3))  # a: 1 and 2 spans, 1 the same
    assert ab["per_label"]["CLINENTITY"]["strict_f1"] == pytest.approx(0.8)
    mean = report["mean_pairwise"]  # weighted by documents: (0.8*2 + 2/3*2 + 2/3*1) / 5
    assert mean["pairs"] == 3 and mean["strict_f1"] == pytest.approx(0.72)
    assert mean["lenient_f1"] == pytest.approx((0.8 * 2 + 1.0 * 2 + 2 / 3) / 5)
    pairs = (ab, ac, bc)
    # alpha weighs how far boundaries are off: "tosse" ~ "tosse secca" costs ac little (6^2 each way), a span
    # the other lacks costs its squared length; bruno~carla on a alone, one span missed of two: below chance
    assert (ab["unitizing_alpha"], ac["unitizing_alpha"]) == (
        pytest.approx(0.4225, abs=1e-4),
        pytest.approx(0.8801, abs=1e-4),
    )
    assert -0.1 < bc["unitizing_alpha"] < 0
    weighted = sum(p["unitizing_alpha"] * p["documents"] for p in pairs) / 5
    assert mean["unitizing_alpha"] == pytest.approx(weighted)
    # spans have no group kappa: the pairs' alpha is their chance-corrected figure
    assert report["kappa"] is None


def test_each_annotator_against_the_predictions_they_started_from(session):
    run_id = _team(session)
    report = team_agreement(NER_TASK, session=session)
    vs = {row["annotator"]: row for row in report["vs_model"]}
    assert sorted(vs) == ["anna", "bruno"]  # carla wrote hers by hand; anna's c too
    assert (vs["anna"]["documents"], vs["anna"]["strict_f1"]) == (2, pytest.approx(0.8))
    assert (vs["bruno"]["documents"], vs["bruno"]["strict_f1"]) == (2, pytest.approx(1.0))
    with_run = team_agreement(NER_TASK, session=session, run_id=run_id, annotators=["anna", "carla"])
    model = f"run:{run_id}"
    assert [(p["a"], p["b"]) for p in with_run["pairs"]] == [
        ("anna", "carla"),
        (model, "anna"),
        (model, "carla"),
    ]
    assert _pair(with_run, model, "anna")["strict_f1"] == pytest.approx(
        4 / 7
    )  # a, b, c: 3 and 4 spans, 2 same
    assert _pair(with_run, model, "carla")["strict_f1"] == pytest.approx(0.4)  # a, c: 2 and 3 spans, 1 same
    assert with_run["mean_pairwise"]["pairs"] == 1  # the model is not a human pair


def test_kappa_on_answers_between_two_annotators(session):
    question = {"question": "Quale?", "options": dict.fromkeys("ABCDE", "x")}
    docs = repo.ensure_documents(
        "medqa_it", "user", [{"id": f"q{i}", **question} for i in range(4)], gold=False, session=session
    )
    for name, answers in (("anna", "ABAC"), ("bruno", "ABBC")):
        for doc, answer in zip(docs, answers, strict=True):
            add_correction({"answer": answer}, name, document_id=doc.id, session=session)
    report = team_agreement("medqa_it", session=session)
    (pair,) = report["pairs"]
    # observed 3/4; chance (2*1 + 1*2 + 1*1)/16 = 5/16; kappa = (3/4 - 5/16) / (1 - 5/16) = 7/11
    assert pair["agreement"] == pytest.approx(0.75) and pair["kappa"] == pytest.approx(7 / 11)
    assert report["kappa"]["method"] == "cohen" and report["kappa"]["value"] == pytest.approx(7 / 11)
    assert report["mean_pairwise"]["kappa"] == pytest.approx(7 / 11)


def test_unknown_annotators_and_runs_are_named(session):
    run_id = _team(session)
    with pytest.raises(NotFound, match="no version of e3c_clinical_entities by zoe"):
        team_agreement(NER_TASK, session=session, annotators=["anna", "zoe"])
    with pytest.raises(NotFound, match="run 999 does not exist"):
        team_agreement(NER_TASK, session=session, run_id=999)
    with pytest.raises(repo.StoreError, match=f"run {run_id} is a run of {NER_TASK}, not medqa_it"):
        team_agreement("medqa_it", session=session, run_id=run_id)
    assert team_agreement(NER_TASK, session=session, split="train")["pairs"] == []
