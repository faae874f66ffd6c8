"""`medui train` and `medui jobs` through their parser and dispatch."""

from __future__ import annotations

import argparse
import json

import pytest

from medui.backend.inputs import InputError
from medui.cli import train as cli_train


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="medui")
    cli_train.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_train_waits_and_reports_scores_then_jobs_lists_it(tiny_llama, home, capsys):
    argv = ["train", "--tasks", "medqa_it", "--model", str(tiny_llama), "--data", "gold", "--name", "cli-a"]
    argv += ["--max-steps", "2", "--batch-size", "2", "--lora-r", "4", "--lr", "1e-3", "--eval-limit", "1"]
    assert run([*argv, "--no-base-fewshot", "--wait", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "succeeded" and result["steps"] == 2
    assert set(result["scores"]["tasks"]["medqa_it"]) == {"adapter", "base"}
    assert run(["jobs", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["status"]) for r in rows] == [("cli-a", "succeeded")]
    assert run(["jobs", "show", str(rows[0]["id"]), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["params"]["config"]["lora_r"] == 4 and len(shown["loss_curve"]) == 2
    assert "registered model variant" in shown["log"]


def test_user_errors_are_raised_for_the_cli_to_report(tiny_llama, home):
    with pytest.raises(InputError, match="no training job 42"):
        run(["jobs", "cancel", "42"])
    with pytest.raises(InputError, match="lora_r"):
        run(["train", "--tasks", "medqa_it", "--model", str(tiny_llama), "--name", "x", "--lora-r", "0"])


def test_a_cpt_recipe_makes_a_cpt_job_without_objective(tiny_llama, home, tmp_path, capsys):
    recipe = tmp_path / "cpt.yaml"
    recipe.write_text("objective: cpt\nmax_length: 32\nmax_steps: 1\nbatch_size: 2\nlora_r: 4\n")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"text": "Il paziente presenta febbre e tosse da tre giorni. " * 6}) + "\n")
    argv = ["train", "--recipe", str(recipe), "--model", str(tiny_llama), "--corpus", str(corpus)]
    assert run([*argv, "--name", "cli-cpt", "--eval-limit", "0", "--wait", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "succeeded" and result["objective"] == "cpt"
