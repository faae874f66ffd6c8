"""The CLI end to end on a tiny random model; bad input exits 2 with one clear line."""

from __future__ import annotations

import json

import pytest

from medui.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def tiny(tiny_model_dir, medui_home):
    return str(tiny_model_dir)


def test_tasks_json_lists_the_twenty_tasks(capsys):
    code, out, _ = run_cli(capsys, "tasks", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 20
    row = next(r for r in rows if r["id"] == "ed_dyspnea_crf")
    assert row["family"] == "crf" and row["splits"] == {"test": 27, "train": 18}
    assert "saturazione_o2" in row["labels"]


def test_a_reader_that_goes_away_ends_the_command_without_a_traceback():
    """`medui tasks | head -1`: the pipe closes before medui writes; it stops with SIGPIPE's status, silently."""
    import subprocess
    import sys

    cli = subprocess.Popen(
        [sys.executable, "-c", "import sys; from medui.cli import main; sys.exit(main(['tasks']))"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    cli.stdout.close()  # before the CLI's imports are done, so its first write meets a closed pipe
    err = cli.stderr.read().decode()
    assert cli.wait(timeout=120) == 141 and err == ""


def test_data_stats_counts_records_and_labels(capsys):
    code, out, _ = run_cli(capsys, "data", "stats", "drug_leaflet_entities", "--json")
    stats = json.loads(out)
    assert code == 0 and stats["task"] == "drug_leaflet_entities"
    assert stats["splits"]["train"]["records"] == 21
    assert stats["splits"]["test"]["labels"]["SINTOMO"] == 98
    assert "relations" not in stats["splits"]["test"]


@pytest.mark.parametrize("strategy", ["zero-shot", "few-shot", "cd", "few-shot+cd"])
def test_run_gives_a_record_in_the_gold_format(capsys, tiny, strategy):
    text = "Paziente con febbre e tosse."
    code, out, err = run_cli(
        capsys,
        "run",
        "--task",
        "drug_leaflet_entities",
        "--model",
        tiny,
        "--strategy",
        strategy,
        "--shots",
        "1",
        "--text",
        text,
        "--json",
    )
    assert code == 0, err
    record = json.loads(out)
    assert record["text"] == text and isinstance(record["entities"], list)
    for ent in record["entities"]:
        assert text[ent["start"] : ent["end"]] == ent["text"]
    if record["valid"] is False:
        assert record["error"]


def test_constrained_outputs_always_fit_the_schema(capsys, tiny):
    """A random model under the constraint still writes schema-valid JSON for a bounded choice task."""
    code, out, err = run_cli(
        capsys, "eval", "--task", "medmcqa_it", "--model", tiny, "--strategy", "cd", "--limit", "4", "--json"
    )
    assert code == 0, err
    metrics = json.loads(out)
    assert metrics["valid_rate"] == 1.0 and metrics["n"] == 4
    assert metrics["primary"] == "accuracy" and 0.0 <= metrics["accuracy"] <= 1.0


def test_eval_writes_predictions_and_score_reproduces_its_metrics(capsys, tiny, tmp_path):
    pred = tmp_path / "pred.jsonl"
    code, out, err = run_cli(
        capsys,
        "eval",
        "--task",
        "ed_syncope_crf",
        "--model",
        tiny,
        "--strategy",
        "few-shot+cd",
        "--shots",
        "1",
        "--limit",
        "2",
        "--out",
        str(pred),
        "--json",
    )
    assert code == 0, err
    metrics = json.loads(out)
    for key in ("primary", "macro_f1", "n", "valid_rate", "seconds", "output_tokens_per_s"):
        assert key in metrics
    gold = tmp_path / "gold.jsonl"
    from medui.backend.data import gold as gold_data
    from medui.tasks.registry import get_spec

    records = gold_data.load_split(get_spec("ed_syncope_crf"), "test")[:2]
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    code, out, err = run_cli(
        capsys, "score", "--task", "ed_syncope_crf", "--gold", str(gold), "--pred", str(pred), "--json"
    )
    assert code == 0, err
    assert json.loads(out)["macro_f1"] == metrics["macro_f1"]


def test_study_writes_csv_and_markdown(capsys, tiny, tmp_path):
    out_dir = tmp_path / "study"
    code, out, err = run_cli(
        capsys,
        "study",
        "--tasks",
        "medmcqa_it,medqa_it",
        "--models",
        tiny,
        "--strategies",
        "cd,few-shot+cd",
        "--shots",
        "1",
        "--limit",
        "2",
        "--out",
        str(out_dir),
    )
    assert code == 0, err
    csv = (out_dir / "study.csv").read_text().splitlines()
    assert csv[0] == "model,strategy,medmcqa_it,medqa_it,average"
    assert len(csv) == 3
    assert "| model | strategy |" in (out_dir / "study.md").read_text()


def _bad(capsys, *argv: str) -> str:
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("medui: error:")
    return lines[0]


def test_bad_input_exits_2_with_one_clear_line(capsys, tmp_path, medui_home):
    assert "unknown task" in _bad(capsys, "run", "--task", "nope", "--text", "x")
    assert "unknown model" in _bad(capsys, "run", "--task", "e3c_events", "--model", "nope", "--text", "x")
    assert "unknown strategy" in _bad(capsys, "eval", "--task", "medqa_it", "--strategy", "greedy")
    assert "empty" in _bad(capsys, "run", "--task", "e3c_events", "--text", " \n\t")
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\x01\x02abc")
    assert "binary" in _bad(capsys, "run", "--task", "e3c_events", "--file", str(binary))
    latin = tmp_path / "latin.txt"
    latin.write_bytes("febbre alta, città".encode("latin-1"))
    assert "UTF-8" in _bad(capsys, "run", "--task", "e3c_events", "--file", str(latin))
    assert "no such file" in _bad(capsys, "run", "--task", "e3c_events", "--file", str(tmp_path / "missing"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "answer": "A"}\n{"id": "b", oops}\n', encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text("", encoding="utf-8")
    assert "line 2" in _bad(capsys, "score", "--task", "medqa_it", "--gold", str(gold), "--pred", str(bad))
    assert "JSON object" in _bad(capsys, "run", "--task", "medqa_it", "--text", "che cosa?")
    assert "unknown format" in _bad(capsys, "data", "import", "xml", str(bad), "--task", "medqa_it")


def test_utf16_file_with_bom_is_read(tmp_path):
    from medui.backend.data.inputs import read_text_file

    path = tmp_path / "u16.txt"
    path.write_bytes("Febbre e città".encode("utf-16"))
    assert read_text_file(path) == "Febbre e città"


def test_data_import_adds_a_users_file_and_skips_what_does_not_fit(capsys, medui_home, tmp_path):
    src = tmp_path / "mine.jsonl"
    rows = [
        {
            "id": "u1",
            "question": "Quale?",
            "options": {"A": "a", "B": "b", "C": "c", "D": "d"},
            "answer": "B",
        },
        {"id": "u2", "question": "Quale?", "options": {"A": "a", "B": "b"}, "answer": "B"},
    ]
    src.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    code, out, err = run_cli(
        capsys, "data", "import", "jsonl", str(src), "--task", "medmcqa_it", "--split", "mine", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["splits"] == {"mine": 1} and sum(result["skipped"].values()) == 1
    code, out, _ = run_cli(capsys, "data", "stats", "medmcqa_it", "--json")
    assert json.loads(out)["splits"]["mine"]["records"] == 1
