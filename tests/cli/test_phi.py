"""`medui phi`: findings as JSON, masking that keeps offsets, a clear error on empty text; `medui run`'s gate."""

from __future__ import annotations

import json

import pytest

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


def test_score_against_a_second_run_gives_the_difference_and_its_interval(capsys, tmp_path):
    from medui.backend.data import gold
    from medui.tasks.registry import get_spec

    spec = get_spec("medqa_it")
    golds = gold.load_split(spec, "test")[:20]
    right = [{**g} for g in golds]
    wrong = [{**g, "answer": "A" if g["answer"] != "A" else "B"} for g in golds]
    paths = {}
    for name, records in (("gold", golds), ("a", right), ("b", wrong)):
        paths[name] = tmp_path / f"{name}.jsonl"
        paths[name].write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    argv = ["score", "--task", "medqa_it", "--gold", str(paths["gold"]), "--pred", str(paths["a"])]
    assert main([*argv, "--against", str(paths["b"]), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["difference"] == 1.0 and out["ci95"] == [1.0, 1.0]
    assert out["comparison"]["wins"] == 20 and out["comparison"]["mcnemar"]["p_value"] < 0.001
    assert main([*argv, "--against", str(paths["a"])]) == 0
    assert "not significant" in capsys.readouterr().out


def test_run_refuses_identifiers_for_a_remote_server_before_connecting(capsys, medui_home):
    remote = ["--model", "openai:qwen", "--base-url", "http://user:secret@10.255.255.1:8000/v1"]
    assert main(["run", "--task", "e3c_clinical_entities", *remote, "--text", NOTE]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "10.255.255.1:8000" in err and "secret" not in err
    assert "--mask-identifiers" in err and "--send-identifiers" in err and "Rossi" not in err
    assert "cannot reach" not in err  # refused before any connection


def test_run_takes_mask_or_send_not_both(capsys):
    both = [
        "run",
        "--task",
        "e3c_clinical_entities",
        "--text",
        NOTE,
        "--mask-identifiers",
        "--send-identifiers",
    ]
    with pytest.raises(SystemExit) as exited:
        main(both)
    assert exited.value.code == 2 and "not allowed with" in capsys.readouterr().err
