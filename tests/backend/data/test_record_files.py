"""Reading the export formats back: plain CoNLL files, brat folders without a manifest, and bad records (export
then import of every format: tests/backend/store/test_export.py)."""

from __future__ import annotations

import pytest

from medui.backend.data.common import DataError
from medui.backend.data.record_files import import_export, import_report


def test_plain_conll_files_are_read_too(tmp_path):
    path = tmp_path / "plain.conll"
    path.write_text("Febbre B-CLINENTITY\nalta I-CLINENTITY\n. O\n\nTosse B-CLINENTITY\n", encoding="utf-8")
    records = import_export("conll", path, "e3c_clinical_entities")
    assert [(r["id"], r["text"]) for r in records] == [("plain-1", "Febbre alta ."), ("plain-2", "Tosse")]
    assert records[0]["entities"] == [{"start": 0, "end": 11, "label": "CLINENTITY", "text": "Febbre alta"}]
    path.write_text("Febbre X-CLINENTITY\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 1: tag 'X-CLINENTITY'"):
        import_export("conll", path, "e3c_clinical_entities")


def test_brat_folders_without_manifest_and_bad_records(tmp_path):
    (tmp_path / "doc1.txt").write_text("Febbre alta.", encoding="utf-8")
    (tmp_path / "doc1.ann").write_text(
        "T1\tCLINENTITY 0 6\tFebbre\nT2\tFARMACO 7 11\talta\n", encoding="utf-8"
    )
    (records,) = import_export("brat", tmp_path, "e3c_clinical_entities")
    assert records["id"] == "doc1" and records["entities"][0]["text"] == "Febbre"
    report = import_report("brat", tmp_path, "e3c_clinical_entities")
    assert report.summary()["splits"] == {} and "FARMACO" in next(iter(report.skipped))
    with pytest.raises(DataError, match="no such file or folder"):
        import_export("brat", tmp_path / "missing", "e3c_clinical_entities")
