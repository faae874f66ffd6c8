"""The team commands end to end: assign, queue, corrections import, agreement, adjudicate, export; bad input
exits 2 with one line."""

from __future__ import annotations

import json

import pytest

from medui.backend.evaluation.info import RunInfo
from medui.backend.service import auth
from medui.backend.store import repo
from medui.backend.store.db import get_engine, session_scope
from medui.backend.store.tables import User
from medui.cli import main
from medui.tasks.registry import get_spec
from tests.backend.store.records import NER_TASK, make_prediction, ner_record

FEBBRE, TOSSE = (13, 24), (27, 38)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def predicted(medui_home) -> dict[str, int]:
    """Predictions of records a-d (febbre alta found in each), least confident a: record id -> prediction id."""
    with session_scope(get_engine()) as session:
        run = repo.save_run(RunInfo(get_spec(NER_TASK), "m", "cd", split="test"), session=session)
        preds = [
            make_prediction(ner_record(i), confidence=c)
            for i, c in zip("abcd", (0.1, 0.2, 0.3, 0.4), strict=True)
        ]
        rows = repo.save_predictions(run, preds, [None] * 4, session=session)
        return {r.record["id"]: r.id for r in rows}


def _jsonl(path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def test_two_annotators_then_agreement_then_adjudication_then_export(capsys, predicted, tmp_path):
    code, out, err = run_cli(capsys, "assign", NER_TASK, "--annotators", "anna,bruno", "--per-document", "2",
                             "--limit", "2", "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["new"] == {"anna": 2, "bruno": 2}
    queue = json.loads(run_cli(capsys, "queue", "--task", NER_TASK, "--annotator", "anna", "--json")[1])
    assert [q["record_id"] for q in queue] == ["a", "b", "c", "d"]
    anna = _jsonl(tmp_path / "anna.jsonl", [ner_record("a", spans=(FEBBRE, TOSSE)), ner_record("b")])
    bruno = _jsonl(tmp_path / "bruno.jsonl", [ner_record("a", spans=(FEBBRE,)), ner_record("b")])
    code, out, _ = run_cli(capsys, "corrections", "import", anna, "--task", NER_TASK, "--annotator", "anna")
    assert code == 0 and out.startswith("2 corrections by anna stored")
    assert run_cli(capsys, "import-corrections", bruno, "--task", NER_TASK, "--annotator", "bruno")[0] == 0
    queue = json.loads(run_cli(capsys, "queue", "--task", NER_TASK, "--annotator", "bruno", "--json")[1])
    assert [q["record_id"] for q in queue] == ["c", "d"]

    code, out, _ = run_cli(capsys, "agreement", "--task", NER_TASK, "--json")
    (pair,) = json.loads(out)["pairs"]
    assert code == 0 and (pair["a"], pair["b"], pair["documents"]) == ("anna", "bruno", 2)
    assert pair["strict_f1"] == pytest.approx(2 * 2 / (3 + 2))
    # unitizing alpha over 2 * 39 characters: anna's "tosse secca" lies in bruno's gap (11^2, both ways); chance
    # from five units of 11 and the gaps 13, 3, 1, 13, 15 (anna), 13, 15, 13, 15 (bruno)
    alpha = 1 - (2 * 121 / (2 * 78**2)) / (2 / 78 * 5 * (4 * 770 + 121 * 27) / (156 * 155 - 5 * 110))
    assert pair["unitizing_alpha"] == pytest.approx(alpha)
    code, out, _ = run_cli(capsys, "agreement", NER_TASK)
    assert code == 0
    assert "anna ~ bruno: 2 documents  strict_f1 0.800  lenient_f1 0.800  unitizing_alpha 0.422" in out

    code, out, _ = run_cli(capsys, "adjudicate", NER_TASK, "--list", "--json")
    (pending,) = json.loads(out)
    assert pending["record_id"] == "a" and sorted(pending["versions"]) == ["anna", "bruno"]
    doc = str(pending["document_id"])
    code, out, _ = run_cli(capsys, "adjudicate", NER_TASK, "--document", doc)
    assert code == 0 and "the annotators disagree" in out and out.count("CLINENTITY") == 3
    assert run_cli(capsys, "export", "--task", NER_TASK, "--format", "jsonl", "--out",
                   str(tmp_path / "before.jsonl"), "--json")[0] == 0  # fmt: skip
    before = [json.loads(line)["id"] for line in (tmp_path / "before.jsonl").read_text().splitlines()]
    assert before == ["b"]  # a waits for its adjudication
    code, out, err = run_cli(capsys, "adjudicate", NER_TASK, "--document", doc, "--take", "anna",
                             "--curator", "carla", "--note", "entrambe")  # fmt: skip
    assert code == 0 and f"of document {doc} stored by carla (anna's version)" in out, err
    assert json.loads(run_cli(capsys, "adjudicate", NER_TASK, "--list", "--json")[1]) == []
    run_cli(capsys, "export", "--task", NER_TASK, "--format", "jsonl", "--out", str(tmp_path / "after.jsonl"))
    after = [json.loads(line) for line in (tmp_path / "after.jsonl").read_text().splitlines()]
    assert [(r["id"], len(r["entities"])) for r in after] == [("a", 2), ("b", 1)]


def test_a_curator_adjudicates_with_a_record_file(capsys, predicted, tmp_path):
    for name, spans in (("anna", (FEBBRE,)), ("bruno", (TOSSE,))):
        run_cli(capsys, "corrections", "import", _jsonl(tmp_path / f"{name}.jsonl", [ner_record("a", spans=spans)]),
                "--task", NER_TASK, "--annotator", name)  # fmt: skip
    doc = str(json.loads(run_cli(capsys, "adjudicate", NER_TASK, "--list", "--json")[1])[0]["document_id"])
    merged = tmp_path / "merged.json"
    merged.write_text(json.dumps(ner_record("a", spans=(FEBBRE, TOSSE))))
    code, out, _ = run_cli(capsys, "adjudicate", NER_TASK, "--document", doc, "--file", str(merged), "--json")
    row = json.loads(out)
    assert code == 0 and row["taken_from"] is None and len(row["record"]["entities"]) == 2
    assert sorted(row["sources"]) == ["anna", "bruno"]


def test_team_commands_refuse_bad_input_with_one_line(capsys, predicted, tmp_path):
    cases = [
        (("assign", NER_TASK, "--annotators", "anna,bruno", "--per-document", "3"), "use --per-document from 1 to 2"),
        (("assign", NER_TASK), "name the annotators"),
        (("assign", "--annotators", "anna"), "name the task: medui assign TASK"),
        (("assign", NER_TASK, "--task", "medqa_it", "--annotators", "a"), "two tasks named"),
        (("agreement", "nessun_compito"), "nessun_compito"),
        (("adjudicate", NER_TASK, "--take", "anna"), "name the document to adjudicate with --document"),
        (("adjudicate", NER_TASK, "--document", "999"), "document 999 does not exist"),
        (("corrections", "import", str(tmp_path / "missing.jsonl"), "--task", NER_TASK, "--annotator", "anna"),
         "missing.jsonl"),
    ]  # fmt: skip
    for argv, message in cases:
        code, out, err = run_cli(capsys, *argv)
        assert code == 2 and message in err and err.count("\n") == 1 and not out, (argv, err)
    bad = _jsonl(tmp_path / "bad.jsonl", [ner_record("a"), {"id": "zz", "entities": []}])
    code, _, err = run_cli(capsys, "corrections", "import", bad, "--task", NER_TASK, "--annotator", "anna")
    assert (
        code == 2 and "1 of 2 lines refused, nothing stored:\n  line 2: unknown id 'zz'" in err
    )  # a line each


def test_with_accounts_only_a_curator_assigns_and_adjudicates(capsys, predicted):
    with session_scope(get_engine()) as session:
        for name, role in (("anna", "annotator"), ("carla", "curator")):
            session.add(
                User(name=name, role=role, password_hash=auth.hash_password("password-x", iterations=1000))
            )
    argv = ("assign", NER_TASK, "--annotators", "anna", "--per-document", "1")
    code, _, err = run_cli(capsys, *argv, "--curator", "anna")
    assert code == 2 and "permesso negato: anna è annotatore; serve il ruolo curatore" in err
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and "name who acts (--curator NAME)" in err
    code, out, _ = run_cli(capsys, *argv, "--curator", "carla", "--json")
    assert code == 0 and json.loads(out)["assigned_by"] == "carla"
    code, out, _ = run_cli(capsys, "assign", NER_TASK, "--list")
    assert code == 0 and out.startswith("anna") and "assigned 4" in out
