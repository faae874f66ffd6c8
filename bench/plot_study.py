"""The plot of the study's averages: one horizontal bar a model and strategy, from study.csv.

    python bench/plot_study.py [--study bench/results/study]   # writes study.png beside study.csv
Needs matplotlib (in the dev extra).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from medui.backend.study import StudyTable


def plot(table: StudyTable, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(table.rows, key=lambda r: r["average"] or 0.0)
    labels = [f"{r['model']} · {r['strategy']}" for r in rows]
    values = [r["average"] or 0.0 for r in rows]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.2), dpi=120)
    bars = ax.barh(labels, values, color=["#2a7ab0" if "-ft" in r["model"] else "#9bb7cc" for r in rows])
    ax.bar_label(bars, fmt="%.1f", padding=3)
    ax.set_xlabel(f"average primary metric x100 over {len(table.tasks)} tasks")
    ax.set_xlim(0, max([*values, 1.0]) * 1.15)
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
