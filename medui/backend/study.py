"""The paper-style study table: rows model x strategy, a column per task (primary metric x100), the average."""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

from medui.backend import gold, models
from medui.backend.engine import Engine, parse_strategy
from medui.backend.evaluation import evaluate, load_eval_records
from medui.tasks.registry import all_specs, get_spec


@dataclass
class StudyTable:
    tasks: list[str]
    rows: list[dict]  # {"model", "strategy", task: score x100 or None, "average"}

    def columns(self) -> list[str]:
        return ["model", "strategy", *self.tasks, "average"]

    def to_csv(self) -> str:
        lines = [",".join(self.columns())]
        for row in self.rows:
            lines.append(",".join(_cell(row.get(c)) for c in self.columns()))
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        cols = self.columns()
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        lines += ["| " + " | ".join(_cell(row.get(c)) for c in cols) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"


def _cell(value) -> str:
    if value is None:
        return ""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def expand_tasks(spec: str) -> list[str]:
    """'all', 'real' (tasks with real gold data) or a comma-separated list of ids (each checked)."""
    if spec in ("all", "real"):
        ids = list(all_specs())
        if spec == "real":
            ids = [t for t in ids if gold.card(get_spec(t)).get("origin") == "real"]
        return ids
    return [get_spec(t.strip()).id for t in spec.split(",") if t.strip()]


def build_table(tasks: list[str], results: list[dict]) -> StudyTable:
    """Results (metrics dicts with model, strategy, task) into the table; averages over the tasks present."""
    rows: dict[tuple[str, str], dict] = {}
    for m in results:
        row = rows.setdefault((m["model"], m["strategy"]), {"model": m["model"], "strategy": m["strategy"]})
        row[m["task"]] = 100.0 * m[m["primary"]]
    for row in rows.values():
        scores = [row[t] for t in tasks if row.get(t) is not None]
        row["average"] = sum(scores) / len(scores) if scores else None
    return StudyTable(tasks, list(rows.values()))


def _run_file(out: Path, model: str, strategy: str, task: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.+-]", "_", f"{model}__{strategy}__{task}")
    return out / "runs" / f"{safe}.json"


def run_study(args: argparse.Namespace) -> StudyTable:
    """Evaluate every model x strategy x task (runs already in OUT/runs are reused), write CSV and Markdown."""
    out = Path(args.out)
    tasks = expand_tasks(args.tasks)
    model_names = [m.strip() for m in args.models.split(",") if m.strip()]
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    for s in strategies:
        parse_strategy(s, get_spec(tasks[0]))  # fail early on an unknown strategy
    for name in model_names:
        models.resolve(name)  # fail early on an unknown model
    results = []
    for name in model_names:
        lm = models.load(name, args.device, args.dtype)
        for strategy in strategies:
            for task in tasks:
                results.append(_one_run(out, lm, task, strategy, args))
        models.unload(name)
    table = build_table(tasks, results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "study.csv").write_text(table.to_csv(), encoding="utf-8")
    (out / "study.md").write_text(table.to_markdown(), encoding="utf-8")
    return table


def _one_run(out: Path, lm, task: str, strategy: str, args: argparse.Namespace) -> dict:
    path = _run_file(out, lm.name, strategy, task)
    if path.exists():
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("limit") == args.limit and saved.get("seed") == args.seed:
            return saved
    spec = get_spec(task)
    engine = Engine(
        lm, spec, parse_strategy(strategy, spec, args.shots), seed=args.seed, batch_size=args.batch_size
    )
    metrics = evaluate(engine, load_eval_records(spec, spec.eval_split, args.limit)).metrics
    metrics["limit"] = args.limit
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metrics, ensure_ascii=False, indent=2), encoding="utf-8")
    return metrics
