"""Demonstrations: the most similar records of the pool (never the record itself, never an evaluated text), and a
saved correction used at once by the next run on a similar text (tiny model)."""

from __future__ import annotations

import pytest

from medui.backend.evaluation import runner
from medui.backend.inference.demos import Demonstrations, DemosError, check_mode
from medui.backend.store.corrections import add_correction
from medui.backend.store.db import session_scope
from medui.backend.store.repo import ensure_documents
from medui.tasks.registry import pick_examples

POOL = [
    {"id": "a", "text": "Il paziente presenta febbre alta e tosse secca da tre giorni."},
    {"id": "b", "text": "Frattura scomposta del femore destro dopo caduta accidentale."},
    {"id": "c", "text": "Dolore toracico oppressivo irradiato al braccio sinistro."},
    {"id": "d", "text": "Creatinina 2,1 mg/dl, insufficienza renale cronica in peggioramento."},
]


def _demos(mode: str = "similar", pool: list[dict] = POOL) -> Demonstrations:
    return Demonstrations(pool, mode, lambda r: r["text"])


def test_similar_demonstrations_are_the_closest_records_best_first_and_the_best_next_to_the_input():
    record = {"id": "q", "text": "Dolore al braccio sinistro e dolore toracico da un'ora."}
    choice = _demos().pick(record, 2, seed=0)
    assert choice.ids[0] == "c"
    assert len(choice.ids) == 2
    assert [r["id"] for r in choice.records] == choice.ids[::-1]  # prompt order: the most similar last


def test_a_record_is_never_its_own_demonstration_by_id_or_by_text():
    same_id = {"id": "c", "text": "Dolore toracico oppressivo irradiato."}
    same_text = {"id": "other", "text": "Dolore  toracico oppressivo irradiato al braccio sinistro. "}
    for record in (same_id, same_text):
        assert "c" not in _demos().pick(record, 4, seed=0).ids


def test_excluded_texts_are_never_used_and_an_exhausted_pool_gives_fewer_examples():
    demos = _demos()
    demos.exclude_texts([POOL[2]["text"], POOL[0]["text"]])
    record = {"id": "q", "text": "Dolore toracico e febbre."}
    assert sorted(demos.pick(record, 4, seed=0).ids) == ["b", "d"]


def test_random_demonstrations_are_the_seeded_draw_of_before():
    record = {"id": "b", "text": "x"}
    for seed in range(5):
        expected = pick_examples(POOL, 2, seed, exclude_id="b")
        assert _demos("random").pick(record, 2, seed).records == expected


def test_an_unknown_mode_is_refused_in_one_line():
    with pytest.raises(DemosError, match="use one of random, similar"):
        check_mode("best")


TASK = "e3c_clinical_entities"
CORRECTED = "Il paziente riferisce cefalea pulsante e fotofobia da due giorni, con nausea."


def test_a_saved_correction_is_the_first_demonstration_of_the_next_run_on_a_similar_text(
    tiny_model_dir, medui_home
):
    with session_scope() as session:
        (doc,) = ensure_documents(
            TASK, "team", [{"id": "nota-1", "text": CORRECTED}], session=session, gold=False
        )
        start = CORRECTED.index("cefalea")
        entity = {"start": start, "end": start + len("cefalea pulsante"), "label": "CLINENTITY"}
        add_correction({"entities": [entity]}, "anna", document_id=doc.id, session=session)
        doc_id = doc.id
    engine = runner.build_engine(str(tiny_model_dir), TASK, "few-shot+cd", shots=2, demos="similar")
    record = {"id": "nuova", "text": "Cefalea pulsante con fotofobia e nausea da stamattina."}
    (prediction,) = runner.predict(engine, [record])
    assert prediction.demonstrations[0] == f"documento:{doc_id}"
    assert "cefalea pulsante" in engine.prompt_for(record)
    # before the correction existed, the same run drew only from the few-shot split
    assert (
        f"documento:{doc_id}"
        not in runner.build_engine(str(tiny_model_dir), TASK, "few-shot+cd", shots=2).prompt_and_demos(
            record
        )[1]
    )


def test_an_evaluation_never_uses_a_text_of_its_own_split_as_a_demonstration(tiny_model_dir, medui_home):
    record = {"id": "r1", "text": CORRECTED}
    with session_scope() as session:
        (doc,) = ensure_documents(
            TASK, "team", [{"id": "nota-1", "text": CORRECTED}], session=session, gold=False
        )
        add_correction({"entities": []}, "anna", document_id=doc.id, session=session)
    engine = runner.build_engine(str(tiny_model_dir), TASK, "few-shot", shots=2, demos="similar")
    other = {"id": "r2", "text": "Cefalea pulsante e fotofobia."}
    result = runner.evaluate(engine, [record, other])
    assert all(not i.startswith("documento:") for p in result.predictions for i in p.demonstrations)


def test_run_json_names_the_demonstrations_and_a_saved_evaluation_stores_them(
    tiny_model_dir, medui_home, capsys
):
    import json

    from sqlmodel import select

    from medui.backend.store.tables import Prediction, Run
    from medui.cli import main

    model = str(tiny_model_dir)
    text = "Cefalea pulsante con fotofobia."
    args = ["run", "--task", TASK, "--model", model, "--strategy", "few-shot", "--shots", "2", "--text", text]
    assert main([*args, "--demos", "similar", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["demonstrations"]) == 2
    args = [
        "eval",
        "--task",
        TASK,
        "--model",
        model,
        "--strategy",
        "few-shot",
        "--shots",
        "2",
        "--limit",
        "2",
    ]
    assert main([*args, "--demos", "similar", "--save", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["demos"] == "similar"
    with session_scope() as session:
        run = session.exec(select(Run)).one()
        stored = list(session.exec(select(Prediction).where(Prediction.run_id == run.id)))
        assert run.parameters["demos"] == "similar"
        # two a prompt, best first, each id once: a note re-read in windows (the tiny model's answer runs to the
        # token limit) has the demonstrations of each window's prompt
        assert all(len(p.demonstrations) >= 2 for p in stored)
        assert all(len(set(p.demonstrations)) == len(p.demonstrations) for p in stored)


def test_a_study_with_similar_demonstrations_names_its_rows_apart_from_random_ones(
    tiny_model_dir, medui_home, tmp_path
):
    from medui.backend.evaluation.study import run_study

    model = str(tiny_model_dir)
    run_study([TASK], [model], ["few-shot"], tmp_path, limit=1, shots=1)
    table = run_study([TASK], [model], ["few-shot"], tmp_path, limit=1, shots=1, demos="similar")
    assert [row["strategy"] for row in table.rows] == ["few-shot", "few-shot (similar)"]


def test_in_the_app_a_correction_saved_between_two_runs_is_the_second_runs_first_demonstration(
    tiny_model_dir, medui_home, monkeypatch
):
    from medui.backend import service
    from medui.config import get_settings

    monkeypatch.setenv("MEDUI_ALLOWED_DIRS", str(tiny_model_dir))
    get_settings.cache_clear()
    model, text = str(tiny_model_dir), "Cefalea pulsante con fotofobia e nausea da stamattina."
    first = service.run_task(TASK, model, "few-shot", text, demos="similar")
    assert first["demonstrations"] and not first["demonstrations"][0].startswith("documento:")
    with session_scope() as session:
        (doc,) = ensure_documents(
            TASK, "team", [{"id": "nota-1", "text": CORRECTED}], session=session, gold=False
        )
        add_correction({"entities": []}, "anna", document_id=doc.id, session=session)
        doc_id = doc.id
    second = service.run_task(TASK, model, "few-shot", text, demos="similar")  # the same engine, kept
    assert second["demonstrations"][0] == f"documento:{doc_id}"
    assert second["examples"][0]["link"] is None  # a correction of a document, not of a prediction: no page
    random_demos = service.run_task(TASK, model, "few-shot", text)["demonstrations"]
    assert not any(i.startswith("documento:") for i in random_demos)  # random ones come from the train split
