"""Corrections imported from other tools' formats (BRAT, CoNLL, doccano, Label Studio, INCEpTION XMI) and
medui's JSONL: matched by id, else by text; stored as the gold format; a label outside the task's refuses the
file, nothing stored; the CLI answers exit code 2 with one line a bad record."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from medui.backend.data.common import DataError
from medui.backend.store import repo
from medui.backend.store.corrections import latest_corrections
from medui.backend.store.corrections_import import CorrectionImportError, import_corrections
from medui.backend.store.tables import Correction
from tests.backend.store.annotation_writers import WRITERS
from tests.backend.store.records import NER_TASK, TEXT

RE_TASK = "e3c_measurement_links"
OTHER = "Dolore 😖 al torace, febbre da due giorni."  # an emoji: browsers and UIMA count it as two
FEBBRE, TORACE = (
    (OTHER.index("febbre"), OTHER.index("febbre") + 6),
    (OTHER.index("torace"), OTHER.index("torace") + 6),
)
MISURE = "Temperatura 38,5 °C; emoglobina 12 g/dl."
FORMATS = list(WRITERS)


def _gold(rid: str, text: str, spans) -> dict:
    return {
        "id": rid,
        "text": text,
        "entities": [{"start": s, "end": e, "label": lab, "text": text[s:e]} for s, e, lab in spans],
    }


@pytest.fixture
def ner_docs(session):
    """Two documents with the same text (only the id tells them apart) and one with an emoji."""
    records = [_gold("a", TEXT, []), _gold("a2", TEXT, []), _gold("b", OTHER, [])]
    return repo.ensure_documents(NER_TASK, "test", records, session=session)


def _stored(session, task: str) -> dict[str, dict]:
    return {c.record["id"]: c.record for c in latest_corrections(task, session=session)}


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_round_trips_matched_by_id_else_by_text(fmt, session, tmp_path, ner_docs):
    spans_a2 = [(13, 24, "CLINENTITY"), (27, 38, "CLINENTITY")]
    spans_b = [(*TORACE, "CLINENTITY"), (*FEBBRE, "CLINENTITY")]
    path = WRITERS[fmt](tmp_path, [("a2", TEXT, spans_a2, []), (None, OTHER, spans_b, [])])
    summary = import_corrections(path, NER_TASK, "anna", session=session, fmt=fmt)
    assert (summary["stored"], summary["format"], summary["documents_created"]) == (2, fmt, 0)
    # a2 by its id (a has the same text), b by its text (the file gives it no id of medui's)
    assert _stored(session, NER_TASK) == {"a2": _gold("a2", TEXT, spans_a2), "b": _gold("b", OTHER, spans_b)}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_label_outside_the_task_refuses_the_file_and_names_document_and_label(
    fmt, session, tmp_path, ner_docs
):
    good, bad = ("a2", TEXT, [(13, 24, "CLINENTITY")], []), (None, OTHER, [(*FEBBRE, "SINTOMO")], [])
    with pytest.raises(CorrectionImportError) as refused:
        import_corrections(WRITERS[fmt](tmp_path, [good, bad]), NER_TASK, "anna", session=session, fmt=fmt)
    (where_why,) = refused.value.where
    assert "document 'b': label 'SINTOMO' on 'febbre' is not one of CLINENTITY" in where_why[1]
    assert "1 of 2 " in str(refused.value) and "nothing stored" in str(refused.value)
    assert session.exec(select(Correction)).all() == []


@pytest.mark.parametrize("fmt", ["jsonl", "brat", "doccano", "labelstudio", "xmi"])
def test_relations_map_to_the_tasks_relation_labels(fmt, session, tmp_path):
    repo.ensure_documents(
        RE_TASK, "test", [{"id": "m1", "text": MISURE, "entities": [], "relations": []}], session=session
    )
    spans = [(0, 11, "EVENT"), (12, 19, "RML"), (21, 31, "EVENT"), (32, 39, "RML")]
    links = [(1, 0, "PERTAINS"), (3, 2, "PERTAINS")]  # RML -> EVENT
    import_corrections(
        WRITERS[fmt](tmp_path, [(None, MISURE, spans, links)]), RE_TASK, "anna", session=session, fmt=fmt
    )
    (record,) = _stored(session, RE_TASK).values()
    by_id = {e["id"]: (e["start"], e["end"], e["label"]) for e in record["entities"]}
    assert sorted(by_id.values()) == sorted(spans)
    pairs = {(by_id[r["head"]][:2], by_id[r["tail"]][:2], r["label"]) for r in record["relations"]}
    assert pairs == {((12, 19), (0, 11), "PERTAINS"), ((32, 39), (21, 31), "PERTAINS")}


def test_a_relation_label_outside_the_task_is_named(session, tmp_path):
    repo.ensure_documents(
        RE_TASK, "test", [{"id": "m1", "text": MISURE, "entities": [], "relations": []}], session=session
    )
    doc = (None, MISURE, [(0, 11, "EVENT"), (12, 19, "RML")], [(1, 0, "BEFORE")])
    with pytest.raises(
        CorrectionImportError, match="document 'm1': relation label 'BEFORE' is not one of PERTAINS"
    ):
        import_corrections(WRITERS["brat"](tmp_path, [doc]), RE_TASK, "anna", session=session, fmt="brat")


def test_unmatched_ambiguous_and_twice_matched_records_are_each_named(session, tmp_path, ner_docs):
    docs = [
        (None, TEXT, [], []),  # text of a and a2: which one?
        ("b", OTHER, [], []),
        (None, OTHER, [], []),  # b again, by its text
        ("nessuno", "Un testo che nessun documento ha.", [], []),
    ]
    with pytest.raises(CorrectionImportError) as refused:
        import_corrections(
            WRITERS["doccano"](tmp_path, docs), NER_TASK, "anna", session=session, fmt="doccano"
        )
    assert [where for where, _ in refused.value.where] == ["line 1", "line 3", "line 4"]
    why = [w for _, w in refused.value.where]
    assert "several documents" in why[0] and "'a' (test)" in why[0] and "'a2' (test)" in why[0]
    assert why[1] == "id 'b' already on line 2"
    assert why[2].startswith(
        "unknown id 'nessuno': no document or gold record of e3c_clinical_entities has it"
    )
    assert session.exec(select(Correction)).all() == []


def test_a_gold_record_on_disk_is_found_by_its_text(session, tmp_path, medui_home):
    from medui.backend.data.gold import load_split
    from medui.tasks.registry import get_spec

    shipped = load_split(get_spec(NER_TASK), "test")[0]
    spans = [(e["start"], e["end"], e["label"]) for e in shipped["entities"][:1]]
    path = WRITERS["labelstudio"](tmp_path, [(None, shipped["text"], spans, [])])
    summary = import_corrections(path, NER_TASK, "anna", session=session, fmt="labelstudio")
    assert (summary["stored"], summary["documents_created"]) == (1, 1)
    assert (
        _stored(session, NER_TASK)[shipped["id"]]["entities"]
        == _gold("x", shipped["text"], spans)["entities"]
    )


def test_unreadable_inputs_are_refused_with_their_reason(session, tmp_path, ner_docs):
    (tmp_path / "export.json").write_text('{"not": "a list"', encoding="utf-8")
    with pytest.raises(DataError, match="not valid JSON"):
        import_corrections(tmp_path / "export.json", NER_TASK, "anna", session=session, fmt="labelstudio")
    with pytest.raises(DataError, match="neither a folder nor a zip"):
        import_corrections(tmp_path / "export.json", NER_TASK, "anna", session=session, fmt="xmi")
    with pytest.raises(DataError, match="holds spans, but medqa_it is a qa task"):
        import_corrections(tmp_path / "export.json", "medqa_it", "anna", session=session, fmt="brat")
    (tmp_path / "bad.conll").write_text("febbre\tX-CLINENTITY\n", encoding="utf-8")
    with pytest.raises(CorrectionImportError, match=r"block 1 \(line 1\): line 1: tag 'X-CLINENTITY'"):
        import_corrections(tmp_path / "bad.conll", NER_TASK, "anna", session=session, fmt="conll")


def test_the_cli_exits_2_with_one_line_a_bad_record(db_url, monkeypatch, capsys, tmp_path):
    from medui.backend.store.db import init_db, session_scope
    from medui.cli import main
    from medui.config import get_settings

    monkeypatch.setenv("MEDUI_DATABASE_URL", db_url)
    get_settings.cache_clear()
    engine = init_db(db_url)
    with session_scope(engine) as session:
        repo.ensure_documents(
            NER_TASK, "test", [_gold("a", TEXT, []), _gold("b", OTHER, [])], session=session
        )
    docs = [
        ("a", TEXT, [(13, 24, "MALATTIA")], []),
        ("b", OTHER, [(*FEBBRE, "CLINENTITY")], []),
        ("zz", "Altro.", [], []),
    ]
    path = WRITERS["brat"](tmp_path, docs)
    args = ["corrections", "import", str(path), "--task", NER_TASK, "--annotator", "anna", "--format", "brat"]
    assert main(args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0] == f"medui: error: {path}: 2 of 3 records refused, nothing stored:"
    assert [line.strip().split(":")[0] for line in lines[1:]] == ["a.ann", "zz.ann"]
    assert "label 'MALATTIA' on 'febbre alta'" in lines[1] and "unknown id 'zz'" in lines[2]
    assert main([*args[:2], str(path / "b.ann"), *args[3:]]) == 2  # a file, not brat's folder
    assert capsys.readouterr().err.strip().endswith("b.ann: neither a folder nor a zip")
    (path / "a.ann").unlink()
    (path / "zz.ann").unlink()
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stored"] == 1
    engine.dispose()
    get_settings.cache_clear()
