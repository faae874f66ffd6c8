"""The plot of the study's averages: horizontal bars a model and strategy (the average over all tasks and, where
the table has it, over the real-data tasks), from study.csv.

    python bench/plot_study.py [--study bench/results/study]   # writes study.png beside study.csv
Needs matplotlib (in the dev extra).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from medui.backend.evaluation.study import REAL_AVERAGE, StudyTable


def plot(table: StudyTable, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(table.rows, key=lambda r: r["average"] or 0.0)
    labels = [f"{r['model']} · {r['strategy']}" for r in rows]
    series = [("average", f"all {len(table.tasks)} tasks", 0.0)]
    if REAL_AVERAGE in table.averages:
        series = [("average", f"all {len(table.tasks)} tasks", -0.2), (REAL_AVERAGE, "real-data tasks", 0.2)]
    height = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(rows) * len(series) + 1.2), dpi=120)
    shade = ["#2a7ab0" if "-ft" in r["model"] else "#9bb7cc" for r in rows]
    top = 1.0
    for column, name, offset in series:
        values = [r.get(column) or 0.0 for r in rows]
        top = max(top, *values)
        positions = [i + offset for i in range(len(rows))]
        bars = ax.barh(positions, values, height=height, color=shade, label=name,
                       hatch="//" if column == REAL_AVERAGE else None, edgecolor="white")  # fmt: skip
        ax.bar_label(bars, fmt="%.1f", padding=3, fontsize=8)
    ax.set_yticks(range(len(rows)), labels)
    ax.set_xlabel("average primary metric x100")
    ax.set_xlim(0, top * 1.15)
    if len(series) > 1:
        ax.legend(loc="lower right", fontsize=8)
    ax.set_title("medui study: fine-tuned (dark) and base models", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--study", default="bench/results/study", help="folder holding study.csv")
    folder = Path(ap.parse_args().study)
    table = StudyTable.from_csv((folder / "study.csv").read_text(encoding="utf-8"))
    plot(table, folder / "study.png")
    print(f"wrote {folder / 'study.png'} ({len(table.rows)} rows)")


if __name__ == "__main__":
    main()
