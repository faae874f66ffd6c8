"""The third review's findings on records (issue 22, findings 6 and 7): a correction holds exactly its task's keys,
within a size limit, in text UTF-8 can store; an export that fails leaves nothing behind and says why in one line.
Each test fails on the code before the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from medui.backend.data import common, formats
from medui.backend.data.common import write_jsonl
from medui.backend.data.record_files import ExportError
from medui.backend.evaluation.info import RunInfo
from medui.backend.store import repo
from medui.backend.store.corrections import CorrectionError, add_correction, correction_history
from medui.backend.store.db import session_scope
from medui.backend.store.export import export
from medui.backend.store.tables import Correction
from medui.cli import main
from medui.pages.form_editor import item_info
from medui.tasks.kinds import kind_for
from medui.tasks.kinds.base import MAX_RECORD_BYTES
from medui.tasks.records import gold_part
from medui.tasks.registry import get_spec
from tests.backend.store.conftest import db_url, engine, session  # noqa: F401 - the store fixtures
from tests.backend.store.records import NER_TASK, TEXT, make_prediction, ner_record

CRF_TASK = "clinical_case_crf"
CRF_TEXT = "Uomo di 54 anni con dolore addominale; diagnosi di appendicite acuta."


def stored_prediction(s: Session, record: dict, task: str = NER_TASK) -> int:
    """A prediction of `record` (and its document), as a run of the task stores it; its id."""
    run = repo.save_run(RunInfo(get_spec(task), "m", "cd", split="test"), session=s)
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


# finding 7: data the schema let through --------------------------------------------------------------------------
LINK_TEXT = "Emoglobina 9 g/dl al controllo."
LINK_ENTITIES = [
    {"id": "T1", "start": 0, "end": 17, "label": "RML", "text": LINK_TEXT[:17]},
    {"id": "T2", "start": 21, "end": 30, "label": "EVENT", "text": LINK_TEXT[21:30]},
]


def link_record(*relations: tuple[str, str, str], entities=LINK_ENTITIES) -> dict:
    rels = [{"head": h, "tail": t, "label": label} for h, t, label in relations]
    return {"id": "r", "text": LINK_TEXT, "entities": [dict(e) for e in entities], "relations": rels}


@pytest.mark.parametrize("age", [-5, 1e30, 131, 10**40, True, "54", 54.5])
def test_a_form_item_outside_its_bounds_or_type_is_refused(session, age):  # noqa: F811
    prediction = stored_prediction(session, crf_record(), CRF_TASK)
    with pytest.raises(CorrectionError, match=r"eta: "):
        add_correction(crf_record(eta=age), "anna", prediction_id=prediction, session=session)
    for fine in (0, 54, 130, None):
        add_correction(crf_record(eta=fine), "anna", prediction_id=prediction, session=session)


def test_every_numeric_form_item_has_its_bounds_in_the_spec_and_the_schema():
    from medui.tasks.registry import all_specs

    for spec in all_specs().values():
        schema = kind_for(spec).output_model(spec).model_json_schema()
        for item in spec.fields:
            if item.type in ("integer", "number"):
                numeric = schema["properties"][item.name]["anyOf"][0]
                assert (numeric["minimum"], numeric["maximum"]) == (item.minimum, item.maximum), item.name
    spec = get_spec("ed_syncope_crf")
    shown = {item.name: item_info(item) for item in spec.fields}  # the form editor shows them
    assert "un numero intero da 0 a 130" in shown["eta"] and "un numero da 0 a 1440" in shown["durata_minuti"]
    fields = {"eta": 70, "durata_minuti": 2.5}
    assert kind_for(spec).validate_record(spec, {"id": "s", "text": "Sincope.", "fields": fields}) == []
    fields["durata_minuti"] = 1441
    (problem,) = kind_for(spec).validate_record(spec, {"id": "s", "text": "Sincope.", "fields": fields})
    assert problem.startswith("durata_minuti: Input should be less than or equal to 1440")


def test_a_relation_the_wrong_way_round_is_refused(session):  # noqa: F811
    spec = get_spec("e3c_measurement_links")  # PERTAINS: from a result (RML) to its event (EVENT)
    kind = kind_for(spec)
    assert kind.validate_record(spec, link_record(("T1", "T2", "PERTAINS"))) == []
    (problem,) = kind.validate_record(spec, link_record(("T2", "T1", "PERTAINS")))
    assert problem == (
        "relations[0] (T2 -> T1): PERTAINS goes from RML to EVENT, not from EVENT to RML: head and tail reversed"
    )
    events = [{**e, "label": "EVENT"} for e in LINK_ENTITIES]
    (problem,) = kind.validate_record(spec, link_record(("T1", "T2", "PERTAINS"), entities=events))
    assert problem.endswith("PERTAINS goes from RML to EVENT, not from EVENT to EVENT")
    prediction = stored_prediction(session, link_record(), "e3c_measurement_links")
    with pytest.raises(CorrectionError, match="head and tail reversed"):
        add_correction(
            link_record(("T2", "T1", "PERTAINS")), "anna", prediction_id=prediction, session=session
        )


def test_a_relation_twice_or_to_itself_is_refused():
    spec = get_spec("e3c_measurement_links")
    kind = kind_for(spec)
    twice = link_record(("T1", "T2", "PERTAINS"), ("T1", "T2", "PERTAINS"))
    assert kind.validate_record(spec, twice) == ["relations[1]: the same relation as relations[0]"]
    temporal = get_spec("e3c_temporal_links")  # EVENT -> EVENT is allowed there, but not to itself
    events = [{**e, "label": "EVENT"} for e in LINK_ENTITIES]
    itself = link_record(("T1", "T1", "OVERLAP"), entities=events)
    assert kind_for(temporal).validate_record(temporal, itself) == [
        "relations[0]: head and tail are the same entity (T1)"
    ]


def test_a_model_relation_the_wrong_way_round_is_dropped_with_its_reason():
    spec = get_spec("e3c_measurement_links")
    raw = json.dumps(
        {
            "entities": [
                {"id": "T1", "text": "Emoglobina 9 g/dl", "label": "RML"},
                {"id": "T2", "text": "controllo", "label": "EVENT"},
                {"id": "T3", "text": "controllo", "label": "EVENT"},
            ],
            "relations": [
                {"head": "T2", "tail": "T1", "label": "PERTAINS"},
                {"head": "T1", "tail": "T2", "label": "PERTAINS"},
                {"head": "T2", "tail": "T3", "label": "PERTAINS"},
            ],
        }
    )
    pred = kind_for(spec).prediction(spec, {"id": "r", "text": LINK_TEXT}, raw)
    assert pred["valid"] and pred["relations"] == [{"head": "T1", "tail": "T2", "label": "PERTAINS"}]
    reasons = [d["reason"] for d in pred["dropped"]]
    assert reasons == [
        "PERTAINS goes from RML to EVENT, not from EVENT to RML: head and tail reversed",
        "links a mention to itself",  # T2 and T3 are one mention
    ]
    assert kind_for(spec).validate_record(spec, gold_part(pred)) == []


@pytest.mark.parametrize("task", [NER_TASK, "e3c_measurement_links"])
def test_the_same_mention_twice_is_refused(session, task):  # noqa: F811
    if task == NER_TASK:
        record = ner_record("a", spans=((13, 24), (13, 24)))
        first = ner_record("a")
    else:
        record = link_record(entities=[*LINK_ENTITIES, {**LINK_ENTITIES[0], "id": "T3"}])
        first = link_record()
    prediction = stored_prediction(session, first, task)
    with pytest.raises(
        CorrectionError, match=r"entities\[\d\]: the same mention as entities\[0\] \(\d+\.\.\d+ \w+\)"
    ):
        add_correction(record, "anna", prediction_id=prediction, session=session)


def test_the_same_offsets_with_another_label_are_another_mention():
    spec = get_spec("e3c_measurement_links")
    both = [*LINK_ENTITIES, {**LINK_ENTITIES[0], "id": "T3", "label": "EVENT"}]
    assert kind_for(spec).validate_record(spec, link_record(entities=both)) == []


# every gold record still fits: the shipped data (the real corpora of ../shared/data, converted) and the fixtures
FIXTURES = Path(__file__).parents[1] / "fixtures"
FIXTURE_IMPORTS = [
    *[("e3c-xmi", "real/e3c_tiny.xml", t) for t in ("e3c_events", "e3c_temporal_links", "e3c_measurement_links",
                                                     "e3c_body_parts", "e3c_clinical_entities", "e3c_actors",
                                                     "e3c_measurements", "e3c_time_expressions")],
    ("e3c-xmi", "real/e3c_clinical_only.xml", "e3c_clinical_entities"),
    ("casimedicos-tsv", "real/casimedicos_tiny.tsv", "casimedicos_arg_components"),
    ("abstrct-tsv", "real/abstrct_tiny.tsv", "abstrct_mixed_components"),
    *[("pharmaer-bio", f"pharmaer/{n}", "drug_leaflet_entities") for n in ("pharmaer_v02.json", "pharmaer_v03.jsonl")],
    *[("dimmi", f"dimmi/{n}", "drug_leaflet_qa") for n in ("dimmi_600.tsv", "gs.json", "questions.jsonl",
                                                           "squad.json", "domande.csv")],
    ("medmcqa-parquet", "mcqa/medmcqa_original.jsonl", "medmcqa_it"),
    ("imb-mcqa-json", "mcqa/imb_mcqa.json", "specialty_exam_mcqa"),
    ("imb-mcqa-json", "mcqa/imb_mcqa_italian_keys.jsonl", "specialty_exam_mcqa"),
]  # fmt: skip


@pytest.mark.parametrize("fmt, name, task", FIXTURE_IMPORTS, ids=lambda v: str(v).replace("/", "-"))
def test_every_record_of_the_fixtures_still_fits_its_task(fmt, name, task):
    from medui.backend.data.imports import _importer

    spec = get_spec(task)
    report = _importer(fmt)(FIXTURES / name, task=task)
    records = [r for split in report.records.values() for r in split]
    assert records
    for record in records:
        assert kind_for(spec).validate_record(spec, record) == [], record.get("id")


def test_every_shipped_gold_record_still_fits_its_task():
    from medui.backend.data import gold
    from medui.tasks.registry import all_specs

    for spec in all_specs().values():
        kind = kind_for(spec)
        for split in gold.split_counts(spec):
            for record in gold.load_split(spec, split):
                assert kind.validate_record(spec, record) == [], (spec.id, split, record.get("id"))
