"""Benchmark: how long a clinician waits for Prova's first answers after the app starts, with and without the
warm-up (issue 24; medui/backend/service/warmup.py).

Every figure goes through `service.run_task`, the function behind Prova's run and the app's /run_task endpoint,
with the default model (`--model`, default MEDUI_MODEL or the shipped gemma-3-270m-ft) and its own strategy, on a
976-character emergency note (NOTE, 8 sentences, several disorders and drugs). Each scenario runs in a fresh
child process (a fresh home and database; the converted models are reused from `--models-cache`), timed after
its imports, as an app's page is ready after its own:

- cold: no warm-up, the first entities run (loading the model and building its constraint), then the first form
  run (ed_dyspnea_crf: its constraint is built), then warm runs of both: the app as it was before the warm-up;
- warm-up, run at once: the warm-up starts (as `medui serve` starts it) and the user runs the entities at once:
  the seconds from the start to the answer (the target: within 15 s), the run's own seconds, and when the
  warm-up finished; then the first form run and warm runs of both;
- warm-up, run later: the warm-up finishes, then the first entities and form runs.

A warm run is the median of `--repeats` runs. Every figure carries `uptime`'s load averages at its end: run it
on a quiet machine (a load well under the number of cores).

    .venv/bin/python bench/prova_first_run.py                      # about 5 minutes on 2 quiet cores
    .venv/bin/python bench/prova_first_run.py --quick --model DIR  # one repeat, to /tmp/prova_first_run_quick

Writes OUT/results.json and OUT/results.md (default bench/results/prova/).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.machine import describe  # noqa: E402

ENTITIES, FORM = "e3c_clinical_entities", "ed_dyspnea_crf"
TARGET_FIRST_S = 15.0  # the first answer within this many seconds of the page being ready
TARGET_WARM_S = 5.0  # a warm entities run on such a note
NOTE = (
    "Uomo di 78 anni, giunto in Pronto Soccorso per dispnea ingravescente da quattro giorni, ortopnea ed edemi "
    "declivi agli arti inferiori. In anamnesi ipertensione arteriosa, diabete mellito di tipo 2 in terapia con "
    "metformina, fibrillazione atriale permanente in trattamento con apixaban e pregresso infarto miocardico. "
    "All'ingresso il paziente è vigile e tachipnoico, pressione arteriosa 160/95 mmHg, frequenza cardiaca 112 bpm "
    "irregolare, saturazione 88% in aria ambiente. All'auscultazione crepitii bibasali e soffio sistolico al "
    "focolaio mitralico. La radiografia del torace mostra congestione del piccolo circolo e versamento pleurico "
    "bilaterale. Il BNP è pari a 1450 pg/ml, la creatinina 1,6 mg/dl. Si pone diagnosi di scompenso cardiaco "
    "acuto in cardiopatia ischemica e si avvia terapia con furosemide endovena e nitroglicerina in infusione. "
    "Sospesa la metformina per insufficienza renale lieve; il paziente viene ricoverato in Cardiologia con "
    "miglioramento della dispnea."
)
SCENARIOS = ("cold", "warmup_at_once", "warmup_later")


def uptime() -> str:
    """The 1, 5 and 15-minute load averages, as `uptime` shows them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# a child: one scenario in a fresh process -------------------------------------------------------------------
def timed_run(task: str, model: str, strategy: str) -> dict:
    """One run through service.run_task: wall seconds, the run's own (model) seconds, what it found, uptime."""
    from medui.backend import service

    began = time.monotonic()
    result = service.run_task(task, model, strategy, NOTE)
    wall = time.monotonic() - began
    found = len(result.get("entities", [])) if task == ENTITIES else len(result.get("fields", {}))
    return {
        "wall_s": round(wall, 2),
        "model_s": result["seconds"],
        "output_tokens": result["output_tokens"],
        "found": found,
        "valid": result.get("valid", True) is not False,
        "reread": any(x.get("reread") for x in result.get("limits") or []),
        "uptime": uptime(),
    }


def warm_runs(task: str, model: str, strategy: str, repeats: int) -> dict:
    """The median of `repeats` warm runs (each figure beside it)."""
    runs = [timed_run(task, model, strategy) for _ in range(repeats)]
    return {"median_wall_s": round(statistics.median(r["wall_s"] for r in runs), 2), "runs": runs}


def child(scenario: str, repeats: int, out: Path) -> None:
    from medui.backend import service
    from medui.backend.service import warmup

    model = service.default_model()
    strategy = service.model_strategy(model)
    figures: dict = {"model": model, "strategy": strategy, "uptime_start": uptime()}
    began = time.monotonic()
    if scenario == "cold":
        figures["first_entities"] = timed_run(ENTITIES, model, strategy)
    else:
        thread = warmup.start(model)
        if thread is None:
            raise SystemExit(f"the warm-up did not start ({warmup.state().phase}): is MEDUI_WARMUP=0 set?")
        if scenario == "warmup_at_once":
            figures["first_entities"] = timed_run(ENTITIES, model, strategy)
            figures["first_entities"]["since_start_s"] = round(time.monotonic() - began, 2)
        thread.join()
        done = warmup.state()
        figures["warmup"] = {"phase": done.phase, "seconds": round(done.elapsed(), 2), "reason": done.reason,
                             "uptime": uptime()}  # fmt: skip
        if scenario == "warmup_later":
            figures["first_entities"] = timed_run(ENTITIES, model, strategy)
    figures["first_form"] = timed_run(FORM, model, strategy)
    figures["warm_entities"] = warm_runs(ENTITIES, model, strategy, repeats)
    figures["warm_form"] = warm_runs(FORM, model, strategy, repeats)
    out.write_text(json.dumps(figures, indent=1, ensure_ascii=False), encoding="utf-8")


# the parent -----------------------------------------------------------------------------------------------
def run_child(scenario: str, args: argparse.Namespace, models_cache: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="prova-bench-") as home:
        out = Path(home) / "figures.json"
        env = {k: v for k, v in os.environ.items() if k != "MEDUI_DATABASE_URL"}
        env.update(MEDUI_HOME=str(Path(home) / "home"), MEDUI_MODELS_CACHE=str(models_cache),
                   MEDUI_WARMUP="0" if scenario == "cold" else "1")  # fmt: skip
        if args.model:
            env["MEDUI_MODEL"] = args.model
        command = [sys.executable, __file__, "--child", scenario, "--repeats", str(args.repeats), "--child-out",
                   str(out)]  # fmt: skip
        print(f"[{scenario}] load {uptime()}", flush=True)
        subprocess.run(command, cwd=REPO, env=env, check=True)
        return json.loads(out.read_text(encoding="utf-8"))


def markdown(results: dict) -> str:
    s = results["scenarios"]
    rows = []

    def row(what: str, figure: dict | None, key: str = "wall_s", extra: str = "") -> None:
        if figure is not None:
            rows.append(f"| {what} | {figure[key]:.1f} | {extra} | {figure['uptime']} |")

    for name, title in (("cold", "no warm-up (before)"), ("warmup_at_once", "warm-up, run at once (after)"),
                        ("warmup_later", "warm-up, run once it is ready")):  # fmt: skip
        f = s[name]
        first = f["first_entities"]
        if "since_start_s" in first:
            row(f"{title}: first entities answer, from the start", first, "since_start_s")
        detail = f"model {first['model_s']:.1f} s, {first['found']} mentions" + (
            ", re-read" if first["reread"] else ""
        )
        row(f"{title}: first entities run", first, extra=detail)
        if "warmup" in f:
            w = f["warmup"]
            rows.append(
                f"| {title}: warm-up ({w['phase']}) | {w['seconds']:.1f} | {w['reason']} | {w['uptime']} |"
            )
        row(f"{title}: first form run", f["first_form"], extra=f"model {f['first_form']['model_s']:.1f} s")
        for key, what in (("warm_entities", "warm entities run"), ("warm_form", "warm form run")):
            runs = f[key]["runs"]
            each = ", ".join(f"{r['wall_s']:.1f}" for r in runs)
            rows.append(f"| {title}: {what} (median of {len(runs)}) | {f[key]['median_wall_s']:.1f} | runs {each} s "
                        f"| {runs[-1]['uptime']} |")  # fmt: skip
    at_once = s["warmup_at_once"]["first_entities"]["since_start_s"]
    warm = s["warmup_at_once"]["warm_entities"]["median_wall_s"]
    lines = [
        "# Prova: the first answers after the app starts (issue 24)",
        "",
        f"{results['date']} · {results['machine']} · model `{results['model']}` ({results['strategy']}) · "
        f"note of {results['note_chars']} characters · `{results['command']}`",
        "",
        f"- First entities answer after the start, with the warm-up: {at_once:.1f} s (target {TARGET_FIRST_S:.0f} s: "
        f"{'met' if at_once <= TARGET_FIRST_S else 'not met'}).",
        f"- Warm entities run: {warm:.1f} s (target {TARGET_WARM_S:.0f} s: "
        f"{'met' if warm <= TARGET_WARM_S else 'not met'}).",
        "",
        "Seconds are wall-clock through `service.run_task` (a run's `model` seconds are the decoding's own); the "
        "load column is `uptime`'s 1, 5 and 15-minute load averages at the end of each figure.",
        "",
        "| figure | seconds | detail | load |",
        "|---|---:|---|---|",
        *rows,
    ]
    if results.get("quick"):
        lines[1:1] = ["", "**Quick check (`--quick`): not a result to commit.**"]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="the default model (MEDUI_MODEL): default, the app's own")
    ap.add_argument("--repeats", type=int, default=3, help="warm runs per task (the median is reported)")
    ap.add_argument("--models-cache", type=Path, help="the converted models (default: this checkout's)")
    ap.add_argument(
        "--out", type=Path, help="default bench/results/prova (--quick: /tmp/prova_first_run_quick)"
    )
    ap.add_argument("--quick", action="store_true", help="one warm repeat: a check that the bench works")
    ap.add_argument("--child", choices=SCENARIOS, help=argparse.SUPPRESS)
    ap.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.repeats, args.child_out)
        return
    if args.quick:
        args.repeats = 1
    out = args.out or (Path("/tmp/prova_first_run_quick") if args.quick else REPO / "bench/results/prova")
    from medui.config import get_settings

    models_cache = args.models_cache or get_settings().models_dir
    scenarios = {name: run_child(name, args, models_cache) for name in SCENARIOS}
    first = scenarios["cold"]
    results = {
        "date": datetime.datetime.now().isoformat(timespec="minutes"),
        "machine": describe(),
        "model": first["model"],
        "strategy": first["strategy"],
        "note_chars": len(NOTE),
        "command": " ".join(["bench/prova_first_run.py", *sys.argv[1:]]),
        "quick": args.quick,
        "targets": {"first_answer_s": TARGET_FIRST_S, "warm_entities_s": TARGET_WARM_S},
        "scenarios": scenarios,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "results.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


if __name__ == "__main__":
    main()
