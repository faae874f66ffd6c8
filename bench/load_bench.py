"""Load benchmark: 20 annotators save 50 corrections each through the app at once while an evaluation runs.

The scenario of tests/hardening/test_load.py (tests/hardening/load_scenario.py), with a real bundled model for
the evaluation: the app runs in its own process on a fresh database (SQLite in WAL mode, and PostgreSQL when a
URL is given), every client is a gradio_client `Client` in a thread of this process. Reports the save latency
(p50, p95, p99, max), the throughput, errors, what the database lost, and the machine and its load. Results go
to bench/results/load.json and load.md.

    .venv/bin/python bench/load_bench.py [--databases sqlite,postgres] [--model smollm2-135m-instruct]
        [--eval-limit 40] [--clients 20] [--saves 50]

PostgreSQL: `eval "$(bash scripts/ci/postgres.sh)"` starts a local server and sets MEDUI_TEST_POSTGRES_URL;
each run gets a new schema, dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from medui.backend.store.db import init_db  # noqa: E402
from tests.app.conftest import launched_app  # noqa: E402
from tests.hardening import load_scenario as scenario  # noqa: E402
from tests.postgres import postgres_schema  # noqa: E402

POSTGRES_ENV = "MEDUI_TEST_POSTGRES_URL"


def run(database: str, url: str, plan: scenario.Plan, model: str) -> dict:
    """Seed a fresh database, launch the app on it, run the load, wait for the evaluation, check everything."""
    engine = init_db(url)
    try:
        predictions = scenario.seed(engine, plan)
        with (
            tempfile.TemporaryDirectory(prefix="medui-load-") as home,
            launched_app(Path(home), model, [], url) as server,
        ):
            result = scenario.run_load(server.url, engine, plan, predictions)
            result.eval = scenario.wait_evaluation(engine, result.eval_run_id, timeout_s=1800)
        wrong = scenario.problems(engine, result.saves, plan)
        server_version = _server_version(engine)
    finally:
        engine.dispose()
    return {**_report(database, plan, result, wrong), "server": server_version}


def _server_version(engine) -> str:
    if engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with engine.connect() as conn:
        return "PostgreSQL " + conn.exec_driver_sql("SHOW server_version").scalar()


def _report(database: str, plan: scenario.Plan, result: scenario.LoadResult, wrong: list[str]) -> dict:
    stats = scenario.latency(result.saves, result.wall_s)
    lost = sum("not in the database" in w for w in wrong)
    return {
        "database": database, **stats, "lost": lost, "problems": len(wrong), "first_problems": wrong[:5],
        "first_errors": [s.error for s in result.saves if s.error][:5], "evaluation": result.eval,
        "evaluation_when_saves_began": result.eval_status_when_saves_began,
        "evaluation_when_saves_ended": result.eval_status_when_saves_ended,
        "load_average_after": list(os.getloadavg()),
    }  # fmt: skip


def machine() -> dict:
    return {
        "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "load_average_before": list(os.getloadavg()), "date": time.strftime("%Y-%m-%d %H:%M"),
    }  # fmt: skip


def markdown(meta: dict, runs: list[dict]) -> str:
    m, plan = meta["machine"], meta["plan"]
    lines = [
        f"# Load: {plan['clients']} annotators x {plan['saves']} corrections through the app, during an evaluation",
        "",
        f"- {m['cores']} cores ({m['cpu']}), Python {m['python']}, SQLite {m['sqlite']}; {m['date']}",
        f"- evaluation: {meta['model']}, {plan['eval_strategy']}, {plan['eval_limit']} records of "
        f"{scenario.TASK}/{scenario.EVAL_SPLIT}, in the app's background thread",
        f"- half of each annotator's saves on its own predictions, half on {plan['shared']} shared ones",
        f"- command: `{meta['command']}`",
        "",
        "| database | saves | errors | lost | p50 ms | p95 ms | p99 ms | max ms | saves/s | wall s | evaluation |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        ev = r["evaluation"]
        lines.append(
            f"| {r['database']} | {r['acknowledged']}/{r['saves']} | {r['errors']} | {r['lost']} | {r['p50_ms']} "
            f"| {r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['saves_per_s']} | {r['wall_s']} "
            f"| {ev['status']}, {ev['predictions']} predictions in {ev['seconds']} s; when the saves began: "
            f"{r['evaluation_when_saves_began']}, ended: {r['evaluation_when_saves_ended']} |"
        )
    lines += ["", "## Conditions", "", *_conditions(meta, runs)]
    return "\n".join(lines) + "\n"


def _conditions(meta: dict, runs: list[dict]) -> list[str]:
    cores = meta["machine"]["cores"] or 1
    loads = [meta["machine"]["load_average_before"][0], *(r["load_average_after"][0] for r in runs)]
    out = [
        "- Latency is the client's: from `Client.predict` to its answer (HTTP, the app's queue, the database).",
        "- The app's queue runs one `/save_correction` at a time (`demo.queue(default_concurrency_limit=1)`):",
        "  each latency includes the wait for the other clients' saves.",
        f"- 1-minute load average before and after the runs: {', '.join(f'{x:.1f}' for x in loads)} "
        f"on {cores} cores.",
    ]
    if meta.get("note"):
        out.append(f"- {meta['note']}")
    if max(loads) > cores / 2:
        out.append(
            "- Measured WITH OTHER WORK ON THE MACHINE (load above half the cores): the latencies are inflated; "
            "rerun on a quiet machine before quoting them."
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--model", default="smollm2-135m-instruct", help="the evaluation's model (app default)"
    )
    parser.add_argument("--eval-limit", type=int, default=40)
    parser.add_argument("--strategy", default="cd")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "load"))
    parser.add_argument("--note", default="", help="a line on the conditions, added to the report")
    args = parser.parse_args()
    plan = scenario.Plan(clients=args.clients, saves=args.saves, eval_limit=args.eval_limit,
                         eval_strategy=args.strategy)  # fmt: skip
    meta = {"machine": machine(), "model": args.model, "plan": {**vars(plan), "total": plan.total},
            "command": " ".join(["python bench/load_bench.py", *sys.argv[1:]]), "note": args.note}  # fmt: skip
    runs = []
    for database in args.databases.split(","):
        if database == "sqlite":
            with tempfile.TemporaryDirectory(prefix="medui-load-db-") as folder:
                runs.append(run("sqlite", f"sqlite:///{Path(folder) / 'medui.sqlite'}", plan, args.model))
        elif os.environ.get(POSTGRES_ENV):
            with postgres_schema(os.environ[POSTGRES_ENV], "load") as url:
                runs.append(run("postgres", url, plan, args.model))
        else:
            print(f"postgres skipped: {POSTGRES_ENV} is not set", file=sys.stderr)
            continue
        print(json.dumps(runs[-1]), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=2) + "\n")
    out.with_suffix(".md").write_text(markdown(meta, runs), encoding="utf-8")
    print(f"wrote {out.with_suffix('.json')} and {out.with_suffix('.md')}")
    return 0 if all(r["errors"] == 0 and r["problems"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
