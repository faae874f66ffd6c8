"""`medui phi`: findings as JSON, masking that keeps offsets, a clear error on empty text."""

from __future__ import annotations

import json

from medui.cli import main

NOTE = "Il sig. Mario Rossi, tel. 333 1234567, riferisce dolore toracico; PCR 12 mg/l."


def test_phi_lists_findings_with_offsets(capsys):
    assert main(["phi", "--text", NOTE, "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert {f["kind"] for f in findings} == {"nome", "telefono"}
    assert all(NOTE[f["start"] : f["end"]] == f["text"] for f in findings)


def test_phi_masks_with_same_length_placeholders(capsys):
    assert main(["phi", "--text", NOTE, "--mask"]) == 0
    masked = capsys.readouterr().out.rstrip("\n")
    assert len(masked) == len(NOTE) and "Rossi" not in masked and "PCR 12 mg/l" in masked


def test_phi_refuses_empty_text(capsys):
    assert main(["phi", "--text", "   "]) == 2
    assert "empty" in capsys.readouterr().err


def test_a_clean_text_has_no_findings(capsys):
    assert main(["phi", "--text", "Paziente di 70 anni, SpO2 94%, febbre da tre giorni."]) == 0
    assert "nessun identificativo" in capsys.readouterr().out
