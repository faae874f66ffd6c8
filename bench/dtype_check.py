"""bf16 against float32 on the same cells: the CPU dtype decision (issue 10) from study cell files.

    python bench/dtype_check.py --a bench/results/study --b bench/results/dtype/float32 --out bench/results/dtype

Every cell file of --b (the float32 cells, `medui study --dtype float32`) is paired with the cell of the same
model, strategy and task in --a (the bfloat16 study): bf16 - float32 on the task's primary metric, with its 95%
paired bootstrap interval over the records both scored. Writes dtype.json and dtype.md to --out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from medui.backend.evaluation.study import paired_difference
from medui.tasks.registry import get_spec


def compare(a_dir: Path, b_dir: Path) -> list[dict]:
    rows = []
    for b_path in sorted((b_dir / "runs").glob("*.json")):
        a_path = a_dir / "runs" / b_path.name
        if not a_path.exists():
            continue
        a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (a_path, b_path))
        test = paired_difference(b["task"], a, b)
        if test is None:
            continue
        rows.append({
            "task": b["task"], "family": get_spec(b["task"]).family, "model": b["model"],
            "strategy": b["strategy"], "n": b["n"], "bf16": 100 * a[a["primary"]],
            "float32": 100 * b[b["primary"]], "difference": 100 * test["difference"],
            "low": 100 * test["interval"][0], "high": 100 * test["interval"][1], "significant": test["significant"],
            "seconds_bf16": a.get("seconds"), "seconds_float32": b.get("seconds"),
        })  # fmt: skip
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [
        "| family | task | model, strategy | records | bf16 | float32 | bf16 - float32 (95% CI) | significant |"
        " s bf16 | s float32 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['family']} | {r['task']} | {r['model']}, {r['strategy']} | {r['n']} | {r['bf16']:.1f} | "
            f"{r['float32']:.1f} | {r['difference']:+.1f} ({r['low']:+.1f}, {r['high']:+.1f}) | "
            f"{'yes' if r['significant'] else 'no'} | {r['seconds_bf16']} | {r['seconds_float32']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", type=Path, default=Path("bench/results/study"), help="the bfloat16 study")
    ap.add_argument("--b", type=Path, default=Path("bench/results/dtype/float32"), help="the float32 cells")
    ap.add_argument("--out", type=Path, default=Path("bench/results/dtype"))
    args = ap.parse_args()
    rows = compare(args.a, args.b)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dtype.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    (args.out / "dtype.md").write_text(markdown(rows), encoding="utf-8")
    print(markdown(rows))


if __name__ == "__main__":
    main()
