"""The third review's findings on records (issue 22, findings 6 and 7): a correction holds exactly its task's keys,
within a size limit, in text UTF-8 can store; an export that fails leaves nothing behind and says why in one line.
Each test fails on the code before the fix."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from medui.backend.data import common
from medui.backend.data.common import write_jsonl
from medui.backend.store import formats, repo
from medui.backend.store.corrections import CorrectionError, add_correction, correction_history
from medui.backend.store.db import session_scope
from medui.backend.store.export import ExportError, export
from medui.backend.store.tables import Correction
from medui.cli import main
from medui.tasks.kinds import kind_for
from medui.tasks.kinds.base import MAX_RECORD_BYTES
from medui.tasks.registry import get_spec
from tests.backend.store.conftest import db_url, engine, session  # noqa: F401 - the store fixtures
from tests.backend.store.records import NER_TASK, TEXT, make_prediction, ner_record

CRF_TASK = "clinical_case_crf"
CRF_TEXT = "Uomo di 54 anni con dolore addominale; diagnosi di appendicite acuta."


def stored_prediction(s: Session, record: dict, task: str = NER_TASK) -> int:
    """A prediction of `record` (and its document), as a run of the task stores it; its id."""
    run = repo.save_run(get_spec(task), session=s, model="m", strategy="cd", split="test")
    (pred,) = repo.save_predictions(run, [make_prediction(record)], [None], session=s)
    return pred.id


def crf_record(**fields) -> dict:
    return {"id": "c", "text": CRF_TEXT, "fields": {"eta": 54, "sesso": "maschio", **fields}}


# finding 6: loose correction records --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, why",
    [
        ({"relations": []}, "unknown key 'relations': a ner record holds only id, text, entities"),
        ({"<img src=x onerror=alert(1)>": 1}, "unknown key '<img src=x onerror=alert(1)>'"),
        ({"nota": "x" * 12_000_000}, f"more than the limit of {MAX_RECORD_BYTES:,}"),
        ({"x" * 12_000_000: 1}, f"more than the limit of {MAX_RECORD_BYTES:,}"),
        ({"a": 1, "b": 2, "c": 3, "d": 4}, "unknown keys 'a', 'b', 'c' and 1 more"),
    ],
    ids=["relations-on-ner", "html-key", "12-mb-value", "12-mb-key", "many-keys"],
)
def test_a_correction_holds_exactly_its_tasks_keys(session, change, why):  # noqa: F811
    prediction = stored_prediction(session, ner_record("a"))
    with pytest.raises(CorrectionError) as refused:
        add_correction({**ner_record("a"), **change}, "anna", prediction_id=prediction, session=session)
    assert why in str(refused.value) and len(str(refused.value)) < 300
    assert session.exec(select(Correction)).all() == []


def test_a_mention_or_relation_holds_exactly_its_keys(session):  # noqa: F811
    prediction = stored_prediction(session, ner_record("a"))
    record = ner_record("a")
    record["entities"][0]["onclick"] = "alert(1)"
    with pytest.raises(CorrectionError, match=r"entities\[0\]: unknown key 'onclick': a mention holds only"):
        add_correction(record, "anna", prediction_id=prediction, session=session)
    spec = get_spec("e3c_measurement_links")
    text = "Emoglobina 9 g/dl al controllo."
    entities = [
        {"id": "T1", "start": 0, "end": 17, "label": "RML", "text": text[:17]},
        {"id": "T2", "start": 21, "end": 30, "label": "EVENT", "text": text[21:30]},
    ]
    relation = {"head": "T1", "tail": "T2", "label": "PERTAINS", "peso": 1e300}
    problems = kind_for(spec).validate_record(
        spec, {"id": "r", "text": text, "entities": entities, "relations": [relation]}
    )
    assert problems == ["relations[0]: unknown key 'peso': a relation holds only head, tail, label"]


def test_gold_records_keep_their_source_keys_of_the_right_types():
    spec = get_spec(NER_TASK)
    kind = kind_for(spec)
    assert kind.validate_record(spec, {**ner_record("a"), "doc_id": "IT100", "offset": 0}) == []
    assert kind.validate_record(spec, {**ner_record("a"), "offset": -1}) == [
        "offset must be a whole number from 0 up"
    ]
    assert kind.validate_record(spec, {**ner_record("a"), "doc_id": ["IT100"]}) == ["doc_id must be a text"]
    assert kind.validate_record(spec, {**ner_record("a"), "id": {"x": 1}}) == ["the record id must be a text"]


def test_a_lone_surrogate_is_refused_when_saved(session):  # noqa: F811
    prediction = stored_prediction(session, crf_record(), CRF_TASK)
    bad = crf_record(motivo_presentazione="dolore \ud800addominale")  # what json.loads makes of "\\ud800"
    with pytest.raises(CorrectionError, match=r"lone surrogate \(U\+D800\), a character UTF-8 cannot store"):
        add_correction(bad, "anna", prediction_id=prediction, session=session)
    assert session.exec(select(Correction)).all() == []


def test_nan_and_infinity_are_refused():
    spec = get_spec("ed_syncope_crf")
    kind = kind_for(spec)
    for value in (float("nan"), float("inf")):
        record = {"id": "s", "text": "Sincope.", "fields": {"durata_minuti": value}}
        assert kind.validate_record(spec, record) == [
            "the record holds NaN or Infinity, which JSON does not allow"
        ]


def test_accepting_a_prediction_cut_at_the_token_limit_stores_the_gold_format(session):  # noqa: F811
    prediction = stored_prediction(session, {**ner_record("a"), "valid": True, "truncated": True})
    corr = add_correction(None, "anna", prediction_id=prediction, kind="accept", session=session)
    assert sorted(corr.record) == ["entities", "id", "text"]


# finding 6: an export that fails --------------------------------------------------------------------------------
def legacy_record_with_a_surrogate() -> None:
    """A correction stored before records were checked as they are now: its record holds a lone surrogate."""
    with session_scope() as s:
        prediction = stored_prediction(s, ner_record("a"))
        corr = add_correction(ner_record("a"), "anna", prediction_id=prediction, session=s)
        corr.record = {**corr.record, "nota": "x" * 1000 + "\ud800"}
        s.add(corr)


@pytest.mark.parametrize("fmt", ["jsonl", "conll", "brat", "hf"])
def test_an_export_of_an_unwritable_record_says_why_in_one_line_and_leaves_nothing(
    medui_home, tmp_path, capsys, fmt
):
    legacy_record_with_a_surrogate()
    folder = tmp_path / "esportazioni"
    folder.mkdir()
    earlier = folder / "corretti"
    earlier.write_text("un'esportazione precedente\n", encoding="utf-8") if fmt in (
        "jsonl",
        "conll",
    ) else None
    code = main(["export", "--task", NER_TASK, "--format", fmt, "--out", str(earlier)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "record 'a'" in err and "lone surrogate (U+D800)" in err and "nothing exported" in err
    left = sorted(p.name for p in folder.iterdir())
    assert left == (["corretti"] if fmt in ("jsonl", "conll") else [])
    if fmt in ("jsonl", "conll"):
        assert earlier.read_text(encoding="utf-8") == "un'esportazione precedente\n"


def full_disk(*args, **kwargs):
    raise OSError(28, "No space left on device")


class HalfWritten:
    """A file whose first write stops halfway on a full disk."""

    def __init__(self, path, *args, **kwargs):
        self.fh = open(path, *args, **kwargs)  # noqa: SIM115 - closed by __exit__

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()

    def write(self, text: str):
        self.fh.write(text[:10])
        full_disk()


def half_conll(records, path):
    path.write_text("-DOCSTART-", encoding="utf-8")
    full_disk()


def half_brat(records, folder, conf):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text("parte", encoding="utf-8")
    full_disk()


@pytest.mark.parametrize("fmt", ["jsonl", "conll", "brat"])
def test_an_export_that_fails_while_writing_leaves_nothing_behind(session, tmp_path, monkeypatch, fmt):  # noqa: F811
    prediction = stored_prediction(session, ner_record("a"))
    add_correction(ner_record("a"), "anna", prediction_id=prediction, session=session)
    monkeypatch.setattr(common, "open", HalfWritten, raising=False)
    monkeypatch.setattr(formats, "write_conll", half_conll)
    monkeypatch.setattr(formats, "write_brat", half_brat)
    folder = tmp_path / "esportazioni"
    folder.mkdir()
    with pytest.raises(ExportError) as failed:
        export(NER_TASK, fmt, folder / "nuova" / "cartella" / "corretti", session=session)
    assert "No space left on device" in str(failed.value) and "\n" not in str(failed.value)
    assert list(folder.iterdir()) == []  # not even the folders made for it


def test_write_jsonl_is_all_or_nothing(tmp_path):
    path = tmp_path / "dati.jsonl"
    write_jsonl(path, [{"id": "vecchio"}])

    def records():
        yield {"id": "nuovo"}
        yield {"id": "rotto", "text": "\ud800"}

    with pytest.raises(UnicodeEncodeError):
        write_jsonl(path, records())
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == [{"id": "vecchio"}]
    assert [p.name for p in tmp_path.iterdir()] == ["dati.jsonl"]


def test_nothing_was_stored_by_the_refused_saves(session):  # noqa: F811
    prediction = stored_prediction(session, ner_record("a"))
    for bad in ({**ner_record("a"), "relations": []}, {**ner_record("a"), "nota": "\ud800"}):
        with pytest.raises(CorrectionError):
            add_correction(bad, "anna", prediction_id=prediction, session=session)
    good = add_correction(ner_record("a"), "anna", prediction_id=prediction, session=session)
    assert [c.id for c in correction_history(good.document_id, session=session)] == [good.id]
    assert good.record == {"id": "a", "text": TEXT, "entities": ner_record("a")["entities"]}
