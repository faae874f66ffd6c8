"""Export then import gives the same records, for every format and the families it holds."""

from __future__ import annotations

import pytest

from medui.backend.data.record_files import ExportError, import_export, import_report
from medui.backend.store import repo
from medui.backend.store.corrections import add_correction
from medui.backend.store.export import export, export_records

NER_TEXT = "Febbre alta,  tosse\nsecca e dolore toracico."
RE_TEXT = "Emoglobina 9 g/dl al prelievo\ndi controllo."


def _spans(text: str, *items: tuple[str, str]) -> list[dict]:
    out = []
    for mention, label in items:
        start = text.index(mention)
        out.append({"start": start, "end": start + len(mention), "label": label, "text": mention})
    return out


RECORDS = {
    "e3c_clinical_entities": [
        {"id": "n1", "text": NER_TEXT, "entities": _spans(NER_TEXT, ("Febbre alta", "CLINENTITY"),
                                                          ("tosse\nsecca", "CLINENTITY"),
                                                          ("dolore", "CLINENTITY"),
                                                          ("toracico", "CLINENTITY"))},
        {"id": "n 2/ü", "text": "Nessun sintomo.", "entities": []},
    ],
    "casimedicos_arg_components": [
        {"id": "a1", "text": "Il paziente ha la febbre, quindi è infetto.",
         "entities": _spans("Il paziente ha la febbre, quindi è infetto.", ("Il paziente ha la febbre", "Premise"),
                            ("è infetto", "Claim"))},
    ],
    "e3c_measurement_links": [
        {"id": "r1", "text": RE_TEXT,
         "entities": [{"id": f"T{i}", **e} for i, e in enumerate(
             _spans(RE_TEXT, ("Emoglobina 9 g/dl", "RML"), ("prelievo\ndi controllo", "EVENT")), start=1)],
         "relations": [{"head": "T1", "tail": "T2", "label": "PERTAINS"}]},
    ],
    "ed_dyspnea_crf": [
        {"id": "c1", "text": "Uomo di 70 anni, dispnea acuta.", "fields": {"eta": 70, "insorgenza": "acuta",
                                                                         "febbre": "assente"}},
        {"id": "c2", "text": "Dispnea.", "fields": {"eta": None, "tosse": "presente"}},
    ],
    "medqa_it": [
        {"id": "q1", "question": "Quale?", "options": {k: f"opzione {k}" for k in "ABCDE"}, "answer": "C"},
    ],
    "drug_leaflet_qa": [
        {"id": "d1", "context": "Assumere 2 compresse al giorno.", "question": "Quante?", "answer": "2 compresse"},
    ],
}  # fmt: skip
SUPPORTED = {
    "jsonl": list(RECORDS),
    "hf": list(RECORDS),
    "conll": ["e3c_clinical_entities", "casimedicos_arg_components"],
    "brat": ["e3c_clinical_entities", "casimedicos_arg_components", "e3c_measurement_links"],
}
CASES = [(fmt, task) for fmt, tasks in SUPPORTED.items() for task in tasks]
REFUSED = [(fmt, task) for fmt in ("conll", "brat") for task in RECORDS if task not in SUPPORTED[fmt]]


def _corrected(session, task: str, records: list[dict]) -> None:
    """Documents with an empty gold, each corrected to the record."""
    empty = [{**r, "entities": [], "relations": []} if "entities" in r else r for r in records]
    docs = repo.ensure_documents(task, "test", empty, session=session)
    for doc, record in zip(docs, records, strict=True):
        add_correction(record, "anna", document_id=doc.id, session=session)


def _normal(records: list[dict]) -> list[dict]:
    key = lambda e: (e["start"], e["end"], e["label"])  # noqa: E731
    return [{**r, "entities": sorted(r["entities"], key=key)} if "entities" in r else r for r in records]


@pytest.mark.parametrize(("fmt", "task"), CASES)
def test_export_then_import_gives_the_same_records(session, tmp_path, fmt, task):
    _corrected(session, task, RECORDS[task])
    out = tmp_path / f"out.{fmt}"
    summary = export(task, fmt, out, session=session)
    assert summary["records"] == summary["corrected"] == len(RECORDS[task])
    back = import_export(fmt, out, task)
    assert _normal(back) == _normal(RECORDS[task])
    assert import_report(fmt, out, task).summary() == {"splits": {"user": len(back)}, "skipped": {}}


@pytest.mark.parametrize(("fmt", "task"), REFUSED)
def test_formats_that_cannot_hold_a_family_are_refused(session, tmp_path, fmt, task):
    with pytest.raises(ExportError, match=f"format {fmt} holds .* but {task} is a"):
        export(task, fmt, tmp_path / "x", session=session)
    with pytest.raises(ExportError, match="use jsonl or hf"):
        import_export(fmt, tmp_path, task)


def test_each_documents_record_in_force_and_gold_only_when_asked(session, tmp_path):
    task = "e3c_clinical_entities"
    gold = [
        {"id": i, "text": NER_TEXT, "entities": _spans(NER_TEXT, ("dolore", "CLINENTITY"))} for i in "abcd"
    ]
    docs = repo.ensure_documents(task, "test", gold, session=session)
    add_correction({"entities": []}, "anna", document_id=docs[0].id, session=session)
    latest = {"entities": _spans(NER_TEXT, ("toracico", "CLINENTITY"))}
    add_correction(latest, "anna", document_id=docs[0].id, session=session)  # her latest wins
    add_correction(latest, "anna", document_id=docs[1].id, session=session)
    add_correction({"entities": []}, "bruno", document_id=docs[1].id, session=session)  # they disagree on b
    records, corrected, pending = export_records(task, session=session)
    assert (corrected, pending) == (1, 1)
    assert [(r["id"], r["entities"][0]["text"]) for r in records] == [("a", "toracico")]
    summary = export(task, "jsonl", tmp_path / "all.jsonl", session=session, with_gold=True)
    assert (summary["records"], summary["corrected"], summary["gold"]) == (3, 1, 2)
    assert summary["pending_adjudication"] == 1  # b: neither a version nor its gold until adjudicated
    assert [(r["id"], r["entities"][0]["text"]) for r in import_export("jsonl", tmp_path / "all.jsonl", task)] == [
        ("a", "toracico"), ("c", "dolore"), ("d", "dolore")
    ]  # fmt: skip


def test_an_export_of_only_disagreements_says_they_await_adjudication(session, tmp_path):
    task = "e3c_clinical_entities"
    (doc,) = repo.ensure_documents(
        task, "test", [{"id": "a", "text": NER_TEXT, "entities": []}], session=session
    )
    add_correction({"entities": _spans(NER_TEXT, ("dolore", "CLINENTITY"))}, "anna", document_id=doc.id,
                   session=session)  # fmt: skip
    add_correction({"entities": []}, "bruno", document_id=doc.id, session=session)
    with pytest.raises(ExportError, match="1 documents await adjudication"):
        export(task, "jsonl", tmp_path / "x.jsonl", session=session)


def test_nothing_to_export_says_how_to_add_gold(session, tmp_path):
    repo.ensure_documents("medqa_it", "test", RECORDS["medqa_it"], session=session)
    with pytest.raises(ExportError, match="no corrected records .*--with-gold"):
        export("medqa_it", "jsonl", tmp_path / "x.jsonl", session=session)
    with pytest.raises(ExportError, match="unknown format 'xml'"):
        export("medqa_it", "xml", tmp_path / "x", session=session)


def test_conll_leaves_out_overlapping_entities_and_says_so(session, tmp_path):
    task = "e3c_clinical_entities"
    ents = _spans(NER_TEXT, ("Febbre alta", "CLINENTITY"), ("alta", "CLINENTITY"))
    _corrected(session, task, [{"id": "o", "text": NER_TEXT, "entities": ents}])
    summary = export(task, "conll", tmp_path / "o.conll", session=session)
    assert summary["overlapping_entities_left_out"] == 1
    assert import_export("conll", tmp_path / "o.conll", task)[0]["entities"] == ents[:1]
