"""Multiple-choice QA importers (MedQA-it, MedMCQA-it, IMB-MCQA) and the shipped sample data of the three tasks."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

from medui.backend.data.common import DataError, read_jsonl
from medui.backend.data.mcqa import import_imb_mcqa_json, import_medmcqa_parquet, import_medqa_parquet
from medui.backend.data.mcqa_answers import parse_options, resolve_answer
from medui.config import ASSETS_DATA_DIR
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mcqa"
TASKS = ("medqa_it", "medmcqa_it", "specialty_exam_mcqa")
FIVE = {"A": "uno", "B": "due", "C": "tre", "D": "quattro", "E": "cinque"}


def write_parquet(path: Path, rows: list[dict]) -> Path:
    pd.DataFrame(rows).to_parquet(path, index=False)
    return path


def record(rid: str, question: str, options: dict, answer: str) -> dict:
    return {"id": rid, "question": question, "options": options, "answer": answer}


# MedQA-it ------------------------------------------------------------------------------------------------
def test_medqa_parquet_options_as_struct(tmp_path):
    rows = [
        {"question": " Domanda uno? ", "options": FIVE, "answer_idx": "B"},
        {"question": "Domanda due?", "options": {**FIVE, "E": None}, "answer_idx": "A"},  # 4 options
        {"question": None, "options": FIVE, "answer_idx": "C"},
        {"question": "Domanda quattro?", "options": FIVE, "answer_idx": "F"},
        {"question": "Domanda cinque?", "options": FIVE, "answer_idx": None},
        {"question": "Domanda sei?", "options": FIVE, "answer_idx": "e"},
    ]
    report = import_medqa_parquet(write_parquet(tmp_path / "dev.parquet", rows), split="dev")
    assert report.records == {
        "dev": [record("dev-1", "Domanda uno?", FIVE, "B"), record("dev-6", "Domanda sei?", FIVE, "E")]
    }
    assert report.skipped == Counter(
        {
            "option letters ABCD do not match the task's ABCDE": 1,
            "missing question": 1,
            "bad answer letter": 1,
            "missing answer": 1,
        }
    )


def test_medqa_parquet_options_as_key_value_list(tmp_path):
    pairs = [{"key": k, "value": v} for k, v in reversed(FIVE.items())]
    rows = [
        {"id": "q1", "question": "Prima?", "options": pairs, "answer_idx": "D"},
        {"id": "q2", "question": "Seconda?", "options": pairs[:4], "answer_idx": "D"},
    ]
    report = import_medqa_parquet(write_parquet(tmp_path / "kv.parquet", rows))
    assert report.records["user"] == [record("q1", "Prima?", FIVE, "D")]
    assert list(report.records["user"][0]["options"]) == ["A", "B", "C", "D", "E"]
    assert report.skipped == Counter({"option letters BCDE do not match the task's ABCDE": 1})


def test_medqa_parquet_options_as_json_string(tmp_path):
    rows = [
        {"question": "Testo?", "options": json.dumps(FIVE), "answer_idx": "C"},
        {"question": "Lista?", "options": json.dumps(list(FIVE.values())), "answer_idx": "A"},
        {"question": "Rotto?", "options": '{"A": "uno", ', "answer_idx": "A"},
        {"question": "Vuota?", "options": json.dumps({**FIVE, "B": "  "}), "answer_idx": "A"},
    ]
    report = import_medqa_parquet(write_parquet(tmp_path / "s.parquet", rows))
    assert report.records["user"] == [record("s-1", "Testo?", FIVE, "C"), record("s-2", "Lista?", FIVE, "A")]
    assert report.skipped == Counter({"options unreadable": 1, "empty option text": 1})


def test_medqa_missing_column_names_the_columns(tmp_path):
    path = write_parquet(tmp_path / "x.parquet", [{"question": "Q?", "options": FIVE, "answer": "B"}])
    with pytest.raises(
        DataError, match=r"x\.parquet: no column 'answer_idx' .*columns: question, options, answer"
    ):
        import_medqa_parquet(path)


# MedMCQA-it ----------------------------------------------------------------------------------------------
def medmcqa_row(rid: str, cop, opd: str | None = "quattro") -> dict:
    return {"id": rid, "question": f"Domanda {rid}?", "opa": "uno", "opb": "due", "opc": "tre", "opd": opd,
            "cop": cop, "exp": "spiegazione", "subject_name": "Anatomy"}  # fmt: skip


FOUR = {"A": "uno", "B": "due", "C": "tre", "D": "quattro"}


def test_medmcqa_hf_parquet_zero_based(tmp_path):
    rows = [medmcqa_row("a", 0), medmcqa_row("b", 3), medmcqa_row("c", -1), medmcqa_row("d", 2, opd=None)]
    report = import_medmcqa_parquet(write_parquet(tmp_path / "test.parquet", rows), split="test")
    assert report.records["test"] == [
        record("a", "Domanda a?", FOUR, "A"),
        record("b", "Domanda b?", FOUR, "D"),
    ]
    assert report.skipped == Counter(
        {"no answer key (cop -1)": 1, "option letters ABC do not match the task's ABCD": 1}
    )


def test_medmcqa_original_json_release_one_based():
    report = import_medmcqa_parquet(FIXTURES / "medmcqa_original.jsonl")
    options = {"A": "Ascellare", "B": "Radiale", "C": "Ulnare", "D": "Mediano"}
    antidotes = {"A": "Naloxone", "B": "Flumazenil", "C": "Atropina", "D": "N-acetilcisteina"}
    assert report.records["user"] == [
        record("m-1", "Quale nervo innerva il deltoide?", options, "A"),
        record("m-2", "Antidoto del paracetamolo:", antidotes, "D"),
    ]
    assert report.skipped == Counter({"empty option text": 1})


def test_medmcqa_cop_base_override_and_conflict(tmp_path):
    path = write_parquet(tmp_path / "m.parquet", [medmcqa_row("a", 1), medmcqa_row("b", 2)])
    assert [r["answer"] for r in import_medmcqa_parquet(path).records["user"]] == ["B", "C"]  # parquet: 0-3
    assert [r["answer"] for r in import_medmcqa_parquet(path, cop_base=1).records["user"]] == ["A", "B"]
    both = write_parquet(tmp_path / "both.parquet", [medmcqa_row("a", 0), medmcqa_row("b", 4)])
    with pytest.raises(DataError, match="cop holds both 0 and 4"):
        import_medmcqa_parquet(both)


def test_medmcqa_accepts_the_medqa_shape(tmp_path):
    rows = [{"question": "Q?", "options": FOUR, "answer_idx": "C"}]
    report = import_medmcqa_parquet(write_parquet(tmp_path / "mq.parquet", rows))
    assert report.records["user"] == [record("mq-1", "Q?", FOUR, "C")]


def test_medmcqa_unknown_columns(tmp_path):
    path = write_parquet(tmp_path / "u.parquet", [{"domanda": "Q?", "risposta": "A"}])
    with pytest.raises(DataError, match=r"expected MedMCQA columns .*\(columns: domanda, risposta\)"):
        import_medmcqa_parquet(path)


# IMB-MCQA ------------------------------------------------------------------------------------------------
def test_imb_paper_shaped_json_with_answer_as_text():
    report = import_imb_mcqa_json(FIXTURES / "imb_mcqa.json")
    ids_answers = [(r["id"], r["answer"]) for r in report.records["user"]]
    assert ids_answers == [("101", "A"), ("102", "C"), ("107", "A")]
    assert report.records["user"][0] == record(
        "101",
        "Quale lesione elementare è tipica dell'orticaria?",
        {"A": "Pomfo", "B": "Vescicola", "C": "Bolla", "D": "Pustola", "E": "Crosta"},
        "A",
    )
    assert report.skipped == Counter(
        {
            "option letters ABCD do not match the task's ABCDE": 1,
            "answer matches no option": 1,
            "missing question": 1,
            "duplicate id": 1,
        }
    )


def test_imb_jsonl_with_italian_keys():
    report = import_imb_mcqa_json(FIXTURES / "imb_mcqa_italian_keys.jsonl", split="imb")
    assert [(r["id"], r["answer"]) for r in report.records["imb"]] == [("ssm-1", "A"), ("ssm-2", "C")]
    assert report.records["imb"][1]["options"]["C"] == "Dabigatran"
    assert report.skipped == Counter(
        {"ambiguous answer (letter or option text)": 1, "numeric answer (index base unknown)": 1}
    )


def test_imb_json_object_holding_the_list(tmp_path):
    rows = [{"question": "Q?", "choices": list(FIVE.values()), "correct_answer": "quattro"}]
    path = tmp_path / "imb.json"
    path.write_text(json.dumps({"version": 1, "MultipleChoiceQA": rows}), encoding="utf-8")
    assert import_imb_mcqa_json(path).records["user"] == [record("imb-1", "Q?", FIVE, "D")]


def test_imb_without_an_answer_field(tmp_path):
    path = tmp_path / "no_answer.json"
    path.write_text(json.dumps([{"question": "Q?", "options": FIVE}]), encoding="utf-8")
    with pytest.raises(DataError, match="cannot find the answer field"):
        import_imb_mcqa_json(path)


# unreadable input ----------------------------------------------------------------------------------------
def test_malformed_json_lines_names_the_line():
    with pytest.raises(DataError, match=r"malformed\.jsonl: line 2 is not valid JSON"):
        import_imb_mcqa_json(FIXTURES / "malformed.jsonl")


def test_malformed_json_array_names_the_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n {"question": "Q?"},\n {"question": }\n]\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"broken\.json: line 3 is not valid JSON"):
        import_imb_mcqa_json(path)


def test_binary_and_truncated_files(tmp_path):
    binary = tmp_path / "data.parquet"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(DataError, match="binary file, expected parquet, JSON or JSON lines"):
        import_medqa_parquet(binary)
    good = write_parquet(tmp_path / "good.parquet", [{"question": "Q?", "options": FIVE, "answer_idx": "A"}])
    truncated = tmp_path / "cut.parquet"
    truncated.write_bytes(good.read_bytes()[:40])
    with pytest.raises(DataError, match=r"cut\.parquet: unreadable parquet file"):
        import_medqa_parquet(truncated)
    with pytest.raises(DataError, match="cannot read"):
        import_medqa_parquet(tmp_path / "missing.parquet")
    empty = tmp_path / "empty.json"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"empty\.json: empty file"):
        import_imb_mcqa_json(empty)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"question": "perché?"}\n'.encode("latin-1"))
    with pytest.raises(DataError, match="not valid UTF-8"):
        import_imb_mcqa_json(path)


# helpers ---------------------------------------------------------------------------------------------------
def test_parse_options_shapes():
    assert parse_options({"a": " x ", "b": "y"}) == {"A": "x", "B": "y"}
    assert parse_options([{"label": "B", "text": "y"}, {"label": "A", "text": "x"}]) == {"B": "y", "A": "x"}
    assert parse_options({"1": "x", "2": "y"}) == {"A": "x", "B": "y"}
    assert parse_options({"A": "x", "a": "y"}) is None
    assert parse_options(42) is None


def test_resolve_answer():
    options = {"A": "Vitamina B", "B": "C", "C": "Ferro"}
    assert resolve_answer("(C)", options) == ("C", None)
    assert resolve_answer("ferro", options) == ("C", None)
    assert resolve_answer("C", options) == (None, "ambiguous answer (letter or option text)")
    assert resolve_answer("Z", options) == (None, "bad answer letter")


# shipped sample data -------------------------------------------------------------------------------------
@pytest.mark.parametrize("task", TASKS)
def test_sample_data_fits_the_spec(task):
    spec = get_spec(task)
    kind = kind_for(spec)
    splits = {name: read_jsonl(ASSETS_DATA_DIR / task / f"{name}.jsonl") for name in ("train", "test")}
    assert len(splits["train"]) >= 18 and len(splits["test"]) >= 27
    ids = [r["id"] for recs in splits.values() for r in recs]
    assert len(ids) == len(set(ids))
    for name, recs in splits.items():
        for rec in recs:
            assert kind.validate_record(spec, rec) == [], rec["id"]
            assert list(rec["options"]) == list(spec.options)
            assert len({t.casefold() for t in rec["options"].values()}) == len(spec.options), rec["id"]
        counts = Counter(rec["answer"] for rec in recs)
        assert set(counts.values()) == {len(recs) // len(spec.options)}, (name, counts)


@pytest.mark.parametrize("task", TASKS)
def test_dataset_card_matches_the_files(task):
    text = (ASSETS_DATA_DIR / task / "README.md").read_text(encoding="utf-8")
    card = yaml.safe_load(text.split("---", 2)[1])
    assert card["task"] == task and card["origin"] == "sample" and card["url"] is None
    assert card["licence"] == "CC BY 4.0" and card["citation"]
    for name, n in card["splits"].items():
        assert len(read_jsonl(ASSETS_DATA_DIR / task / f"{name}.jsonl")) == n


def test_medqa_vignettes_are_vignette_length():
    for name in ("train", "test"):
        for rec in read_jsonl(ASSETS_DATA_DIR / "medqa_it" / f"{name}.jsonl"):
            assert 300 <= len(rec["question"]) <= 700, rec["id"]
