"""Importing an annotator's corrections from the export format: every line checked, all stored or none."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from medui.backend.data.common import DataError
from medui.backend.data.gold import load_split
from medui.backend.service import corrections as correction_service
from medui.backend.store import repo
from medui.backend.store.corrections import CorrectionError, add_correction, latest_corrections
from medui.backend.store.corrections_import import CorrectionImportError, import_corrections
from medui.backend.store.export import export, export_records
from medui.backend.store.in_force import records_in_force
from medui.backend.store.tables import Correction, Document
from medui.tasks.registry import get_spec
from tests.backend.store.records import NER_TASK, TEXT, ner_record

FEBBRE, TOSSE = (13, 24), (27, 38)


@pytest.fixture
def shipped(medui_home) -> dict:
    """The first test record of the shipped e3c_clinical_entities data (not stored as a document yet)."""
    return load_split(get_spec(NER_TASK), "test")[0]


def _write(path, lines: list) -> str:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines))
    return str(path)


def test_every_line_becomes_the_annotators_correction(session, tmp_path, shipped):
    repo.ensure_documents(NER_TASK, "test", [ner_record("a", spans=()), ner_record("b")], session=session)
    mine = {"id": shipped["id"], "text": shipped["text"], "entities": shipped["entities"][:1]}
    path = _write(tmp_path / "anna.jsonl", [ner_record("a", spans=(FEBBRE, TOSSE)), "", mine])
    summary = import_corrections(path, NER_TASK, "anna", session=session)
    assert (summary["stored"], summary["documents_created"], summary["annotator"]) == (2, 1, "anna")
    stored = latest_corrections(NER_TASK, session=session)
    assert [c.record["id"] for c in stored] == ["a", shipped["id"]] and {c.annotator for c in stored} == {
        "anna"
    }
    assert all(c.prediction_id is None for c in stored) and len(stored[0].record["entities"]) == 2
    created = session.exec(select(Document).where(Document.record_id == shipped["id"])).one()
    assert (created.split, created.gold["entities"]) == ("test", shipped["entities"])


def test_an_export_imported_as_another_annotator_agrees_with_the_first(session, tmp_path):
    (doc,) = repo.ensure_documents(NER_TASK, "test", [ner_record("a", spans=())], session=session)
    add_correction(ner_record("a", spans=(TOSSE,)), "anna", document_id=doc.id, session=session)
    export(NER_TASK, "jsonl", tmp_path / "out.jsonl", session=session)
    import_corrections(tmp_path / "out.jsonl", NER_TASK, "bruno", session=session)
    (in_force,) = records_in_force(NER_TASK, session=session)
    assert (in_force.source, in_force.annotators) == ("agreed", ("anna", "bruno"))


def test_one_bad_line_refuses_the_file_and_names_every_bad_line(session, tmp_path, shipped):
    repo.ensure_documents(NER_TASK, "test", [ner_record(i, spans=()) for i in "ab"], session=session)
    lines = [
        {"id": shipped["id"], "entities": []},  # 1: fine (its document would be created)
        '{"id": "a", "entities": [',  # 2: not JSON
        {"id": "nessuno", "entities": []},  # 3: unknown id
        {"entities": []},  # 4: no id
        {"id": "a", "entities": [{"start": 13, "end": 24, "label": "DRUG"}]},  # 5: not the task's label
        {"id": shipped["id"], "entities": []},  # 6: the id of line 1 again
        {"id": "b", "text": "Un altro testo.", "entities": []},  # 7: not the document's text
        [1, 2],  # 8: not an object
    ]
    with pytest.raises(CorrectionImportError) as refused:
        import_corrections(_write(tmp_path / "bad.jsonl", lines), NER_TASK, "anna", session=session)
    assert [n for n, _ in refused.value.problems] == [2, 3, 4, 5, 6, 7, 8]
    message = str(refused.value)
    assert "7 of 8 lines refused, nothing stored" in message and "line 3: unknown id 'nessuno'" in message
    assert "line 5: " in message and "label 'DRUG' is not one of CLINENTITY" in message
    assert f"line 6: id '{shipped['id']}' already on line 1" in message and "text differs" in message
    assert session.exec(select(Correction)).all() == []
    assert session.exec(select(Document).where(Document.record_id == shipped["id"])).all() == []


def test_an_id_in_several_splits_needs_split(session, tmp_path):
    for split in ("test", "user"):
        repo.ensure_documents(NER_TASK, split, [ner_record("x", spans=())], session=session)
    path = _write(tmp_path / "x.jsonl", [ner_record("x")])
    with pytest.raises(CorrectionImportError, match=r"line 1: id 'x' is in several splits \(test, user\)"):
        import_corrections(path, NER_TASK, "anna", session=session)
    assert import_corrections(path, NER_TASK, "anna", split="user", session=session)["stored"] == 1
    (corr,) = session.exec(select(Correction)).all()
    assert (
        repo.get_document(corr.document_id, session=session).split == "user" and corr.record["text"] == TEXT
    )


def test_an_empty_file_or_a_clinician_is_refused(session, tmp_path):
    repo.get_or_create_user("clara", "clinician", session=session)
    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(DataError, match="no records"):
        import_corrections(tmp_path / "empty.jsonl", NER_TASK, "anna", session=session)
    with pytest.raises(CorrectionError, match="clara is a clinician and cannot correct"):
        correction_service.import_corrections(tmp_path / "empty.jsonl", NER_TASK, "clara", session=session)


OLD_SQLITE_LIMIT = 999  # bind parameters a statement may hold in SQLite before 3.32 (32,766 since)


@pytest.fixture
def few_parameters(engine):
    """The test engine, on SQLite with its old limit on bind parameters (pooled connections replaced)."""
    if engine.dialect.name == "sqlite":

        def lower_limit(dbapi_connection, _record) -> None:
            dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, OLD_SQLITE_LIMIT)

        event.listen(engine, "connect", lower_limit)
        engine.dispose()
    return engine


def test_a_file_with_more_ids_than_bind_parameters_is_stored_or_refused_whole(few_parameters, tmp_path):
    n = OLD_SQLITE_LIMIT + 200
    records = [ner_record(f"r{i}", spans=()) for i in range(n)]
    with Session(few_parameters) as session:
        repo.ensure_documents(NER_TASK, "test", records, session=session)  # one IN list of n ids would fail
        session.commit()
    lines = [ner_record(f"r{i}", spans=(FEBBRE,)) for i in range(n)]
    bad = _write(tmp_path / "bad.jsonl", [*lines[:-1], {"id": f"r{n - 1}", "entities": [{"start": 0}]}])
    with Session(few_parameters) as session, pytest.raises(CorrectionImportError, match=f"line {n}: "):
        import_corrections(bad, NER_TASK, "anna", session=session)
    with Session(few_parameters) as session:
        assert session.exec(select(Correction)).all() == []
        summary = import_corrections(_write(tmp_path / "ok.jsonl", lines), NER_TASK, "anna", session=session)
        session.commit()
        assert (summary["stored"], summary["documents_created"]) == (n, 0)
        assert len(latest_corrections(NER_TASK, session=session)) == n
        records, corrected, _ = export_records(NER_TASK, session=session)
        assert corrected == n and [r["id"] for r in records] == [f"r{i}" for i in range(n)]


def test_lookups_ask_for_a_chunk_of_ids_at_a_time_under_every_limit():
    assert [len(part) for part in repo.chunked(range(1201), 500)] == [500, 500, 201]
    assert repo.IN_CHUNK + 10 <= OLD_SQLITE_LIMIT  # room for the query's other parameters
