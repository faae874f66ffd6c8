"""Recall and precision of the identifier gate (medui/tasks/phi.py) on the synthetic Italian cases.

    .venv/bin/python bench/phi_bench.py                                   # today's medui.tasks.phi
    git show HEAD:medui/tasks/phi.py > /tmp/phi_before.py
    .venv/bin/python bench/phi_bench.py --before /tmp/phi_before.py       # and an older copy beside it

Cases: tests/fixtures/phi_cases.jsonl (text, expected spans and kinds; negatives expect nothing) and, as a
second set, the development corpus tests/tasks/phi_corpus.jsonl. Strict scoring: a finding counts when its
kind and characters equal an expected one; "flagged" counts an expected identifier as caught when any finding
overlaps it, whatever its kind (what a warning needs). Writes results.json and results.md under --out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import shlex
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SETS = {
    "phi_cases": ROOT / "tests" / "fixtures" / "phi_cases.jsonl",
    "phi_corpus": ROOT / "tests" / "tasks" / "phi_corpus.jsonl",
}
OUT = ROOT / "bench" / "results" / "phi"


def load_cases(path: Path) -> list[dict]:
    """The cases of a JSONL file, each with its expected spans located in its text."""
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for case in cases:
        case["spans"] = set()
        for e in case["expected"]:
            start = case["text"].index(e["text"])
            case["spans"].add((e["kind"], start, start + len(e["text"])))
    return cases


def load_module(path: str | None) -> ModuleType:
    """medui.tasks.phi, or a copy of phi.py at a path (an older version, to compare)."""
    if path is None:
        from medui.tasks import phi

        return phi
    spec = importlib.util.spec_from_file_location("phi_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(module: ModuleType, cases: list[dict]) -> dict:
    """Strict precision and recall per kind and overall, flagged recall, and the misses."""
    counts: dict[str, Counter] = defaultdict(Counter)
    flagged, misses, false_alarms = 0, [], []
    for case in cases:
        found = {(f["kind"], f["start"], f["end"]) for f in module.find_identifiers(case["text"])}
        for kind, s, e in case["spans"]:
            hit = (kind, s, e) in found
            counts[kind]["tp" if hit else "fn"] += 1
            flagged += any(fs < e and s < fe for _, fs, fe in found)
            if not hit:
                misses.append({"text": case["text"], "kind": kind, "expected": case["text"][s:e]})
        for kind, s, e in found - case["spans"]:
            counts[kind]["fp"] += 1
            false_alarms.append({"text": case["text"], "kind": kind, "found": case["text"][s:e]})
    total = sum(counts.values(), Counter())
    return {
        "overall": _rates(total),
        "flagged_recall": round(flagged / max(1, total["tp"] + total["fn"]), 3),
        "negatives_clean": sum(1 for c in cases if not c["spans"] and not module.find_identifiers(c["text"])),
        "negatives": sum(1 for c in cases if not c["spans"]),
        "per_kind": {k: _rates(c) for k, c in sorted(counts.items())},
        "misses": misses,
        "false_alarms": false_alarms,
    }


def _rates(c: Counter) -> dict:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    return {
        "tp": tp, "fp": fp, "fn": fn,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
    }  # fmt: skip


def markdown(results: dict) -> str:
    """The results as Markdown tables: overall per version and set, then per kind."""
    lines = [
        "# Identifier gate (medui/tasks/phi.py): recall and precision",
        "",
        f"{results['date']} · `{results['command']}` · working tree on {results['head']}",
        "",
        "Strict: same kind and same characters. Flagged: an expected identifier overlapped by any finding.",
        "",
        "Both sets are development sets (written beside the detectors): unseen text will score lower.",
        "",
        "| version | set | cases | identifiers | precision | recall | flagged recall | negatives clean |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for version, sets in results["versions"].items():
        for name, r in sets.items():
            o = r["overall"]
            lines.append(
                f"| {version} | {name} | {r['cases']} | {o['tp'] + o['fn']} | {o['precision']} | {o['recall']} "
                f"| {r['flagged_recall']} | {r['negatives_clean']}/{r['negatives']} |"
            )
    for version, sets in results["versions"].items():
        r = sets["phi_cases"]
        lines += [
            "",
            f"## {version}: per kind on phi_cases",
            "",
            "| kind | tp | fp | fn | precision | recall |",
        ]
        lines.append("|---|---|---|---|---|---|")
        for kind, k in r["per_kind"].items():
            lines.append(f"| {kind} | {k['tp']} | {k['fp']} | {k['fn']} | {k['precision']} | {k['recall']} |")
    return "\n".join(lines) + "\n"


def _head() -> str:
    """The checkout's commit (the working tree may differ from it)."""
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", help="an older phi.py to score beside today's (e.g. from git show)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    versions = {"after": load_module(None)}
    if args.before:
        versions = {"before": load_module(args.before), **versions}
    sets = {name: load_cases(path) for name, path in SETS.items()}
    results = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "head": _head(),
        "command": shlex.join(
            ["python", "bench/phi_bench.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "versions": {
            version: {name: {"cases": len(cases), **score(module, cases)} for name, cases in sets.items()}
            for version, module in versions.items()
        },
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (out / "results.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
