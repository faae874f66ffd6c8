"""The paper-style study table: rows model x strategy, a column per task (primary metric x100), the average.

Each cell file in OUT/runs keeps the cell's per-record metric counts by record id (`record_counts`), so that
study.md can mark the cells not significantly different from the reference row's cell on the same task (paired
bootstrap, medui.tasks.compare). Cell files written before they kept them are read as they are, unmarked.
The cells themselves (their files, their runs) are in cells.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from medui.backend.data import gold
from medui.backend.data.inputs import InputError
from medui.backend.evaluation import runner
from medui.backend.evaluation.cells import RECORD_COUNTS, Cell, earlier_cells, run_cell, strategy_label
from medui.backend.inference import models
from medui.backend.inference.demos import check_mode
from medui.backend.inference.engine import parse_strategy
from medui.backend.inference.strategy import STRATEGIES
from medui.errors import MeduiError
from medui.tasks.compare import paired_bootstrap
from medui.tasks.kinds import kind_for
from medui.tasks.registry import UnknownTask, all_specs, get_spec
from medui.tasks.spec import TaskSpec

MARK = "†"  # in study.md: not significantly different from the reference row on that task
REAL_AVERAGE = "average_real"  # the average over the real-data tasks, where the table holds others too


def is_real(task: str) -> bool:
    """Whether the task's gold data is real (E3C, CasiMedicos, AbstRCT), not sample data written for medui."""
    try:
        return gold.card(get_spec(task)).get("origin") == "real"
    except UnknownTask:  # a task id this install does not know (a table written elsewhere)
        return False


def real_subset(tasks: list[str]) -> list[str]:
    """The real-data tasks among `tasks` where they are some but not all of them (the tasks REAL_AVERAGE
    averages), else []."""
    real = [t for t in tasks if is_real(t)]
    return real if len(real) < len(tasks) else []


@dataclass
class StudyTable:
    tasks: list[str]
    rows: list[dict]  # {"model", "strategy", task: score x100 or None, "average"[, REAL_AVERAGE]}
    reference: tuple[str, str] | None = None  # (model, strategy) of the row the others are compared with
    # the cells compared with the reference's cell on their task, (model, strategy, task): significant or not
    significant: dict[tuple[str, str, str], bool] = field(default_factory=dict)

    @cached_property
    def averages(self) -> list[str]:
        """The average columns: over the real-data tasks where the table holds sample-data tasks too, then over
        all its tasks ("average"). Read once per table: each task's dataset card is a file."""
        return ([REAL_AVERAGE] if real_subset(self.tasks) else []) + ["average"]

    def columns(self) -> list[str]:
        return ["model", "strategy", *self.tasks, *self.averages]

    def to_csv(self) -> str:
        columns = self.columns()
        lines = [",".join(columns)]
        for row in self.rows:
            lines.append(",".join(_cell(row.get(c)) for c in columns))
        return "\n".join(lines) + "\n"

    @classmethod
    def from_csv(cls, text: str) -> StudyTable:
        """A table written by `to_csv` (cells as floats, empty cells None); not compared with a reference."""
        lines = [line.split(",") for line in text.strip().splitlines()]
        if not lines or lines[0][:2] != ["model", "strategy"] or lines[0][-1] != "average":
            raise InputError("not a study table: the header must be model,strategy,<tasks>,average")
        header, rows = lines[0], []
        for values in lines[1:]:
            row = dict(zip(header, values, strict=True))
            rows.append(
                {k: (v if k in ("model", "strategy") else float(v) if v else None) for k, v in row.items()}
            )
        return cls([c for c in header[2:-1] if c != REAL_AVERAGE], rows)

    def to_markdown(self) -> str:
        """The table, a cell not significantly different from the reference's marked, and the mark's legend."""
        cols = self.columns()
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        lines += ["| " + " | ".join(self._marked(row, c) for c in cols) + " |" for row in self.rows]
        if self.significant and self.reference:
            lines += ["", self.legend(*self.reference)]
        return "\n".join(lines) + "\n"

    def _marked(self, row: dict, column: str) -> str:
        text = _cell(row.get(column))
        return text + MARK if self.significant.get((row["model"], row["strategy"], column)) is False else text

    def legend(self, model: str, strategy: str) -> str:
        """One line: what the mark means against the reference row, and whether some cells were not compared."""
        line = (
            f"{MARK}: not significantly different from the reference row ({model}, {strategy}) on that task "
            "(the 95% paired bootstrap interval of the difference, on the records both scored, includes 0)"
        )
        others = [r for r in self.rows if (r["model"], r["strategy"]) != (model, strategy)]
        unpaired = any(
            r.get(t) is not None and (r["model"], r["strategy"], t) not in self.significant
            for r in others
            for t in self.tasks
        )
        return line + ("; cells without per-record counts are not compared." if unpaired else ".")


def _cell(value) -> str:
    if value is None:
        return ""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _mean(scores: list[float | None]) -> float | None:
    present = [s for s in scores if s is not None]
    return sum(present) / len(present) if present else None


def expand_tasks(spec: str) -> list[str]:
    """'all', 'real' (tasks with real gold data) or a comma-separated list of ids (each checked)."""
    if spec in ("all", "real"):
        ids = list(all_specs())
        if spec == "real":
            ids = [t for t in ids if is_real(t)]
        return ids
    return [get_spec(t.strip()).id for t in spec.split(",") if t.strip()]


def build_table(
    tasks: list[str], results: list[dict], reference: tuple[str, str] | None = None
) -> StudyTable:
    """Results (metrics dicts with model, strategy, task) into the table; averages over the tasks present (and
    over the real-data ones, where the tasks mix real and sample data).

    `reference` (model, strategy), default the first row: every other cell with per-record counts is compared
    with the reference's cell on the same task (paired bootstrap of the primary metric).
    """
    rows: dict[tuple[str, str], dict] = {}
    for m in results:
        row = rows.setdefault((m["model"], m["strategy"]), {"model": m["model"], "strategy": m["strategy"]})
        row[m["task"]] = 100.0 * m[m["primary"]]
    real = real_subset(tasks)
    for row in rows.values():
        row["average"] = _mean([row.get(t) for t in tasks])
        if real:
            row[REAL_AVERAGE] = _mean([row.get(t) for t in real])
    if reference is None and rows:
        reference = next(iter(rows))
    elif reference is not None and reference not in rows:
        known = ", ".join(f"{m}:{s}" for m, s in rows)
        raise InputError(
            f"the reference {reference[0]}:{reference[1]} is not a row of the study (rows: {known})"
        )
    significant = {} if reference is None else compare_with_reference(results, reference)
    return StudyTable(tasks, list(rows.values()), reference, significant)


def compare_with_reference(
    results: list[dict], reference: tuple[str, str]
) -> dict[tuple[str, str, str], bool]:
    """(model, strategy, task) of every cell compared with the reference's cell on its task: significant or not.
    Cells where either side has no per-record counts, or the two share no record, are left out."""
    cells = {(m["model"], m["strategy"], m["task"]): m for m in results}
    out = {}
    for (model, strategy, task), cell in cells.items():
        other = cells.get((*reference, task))
        if (model, strategy) == reference or other is None:
            continue
        test = paired_difference(task, cell, other)
        if test is not None:
            out[(model, strategy, task)] = test["significant"]
    return out


def paired_difference(task: str, cell: dict, reference: dict) -> dict | None:
    """Cell minus reference on the task's primary metric, with its 95% paired bootstrap interval over the records
    both scored (medui.tasks.compare.paired_bootstrap); None without per-record counts on both sides."""
    counts, reference_counts = cell.get(RECORD_COUNTS), reference.get(RECORD_COUNTS)
    shared = [rid for rid in counts or {} if rid in (reference_counts or {})]
    if not shared:
        return None
    spec = get_spec(task)
    return paired_bootstrap(
        kind_for(spec).metric_name(spec), [counts[r] for r in shared], [reference_counts[r] for r in shared]
    )


def parse_reference(text: str) -> tuple[str, str]:
    """'MODEL:STRATEGY' (a served model's name may hold colons: the strategy is after the last one)."""
    model, _, strategy = text.rpartition(":")
    if not model.strip() or not strategy.strip():
        raise InputError(f"--reference {text!r}: expected MODEL:STRATEGY, e.g. gemma-3-270m:few-shot+cd")
    return model.strip(), strategy.strip()


CONDITIONS = "conditions.md"  # hand-written conditions of a study, appended to its study.md


def run_study(
    tasks: list[str],
    model_names: list[str],
    strategies: list[str],
    out: str | Path,
    *,
    limit: int | None = None,
    shots: int | None = None,
    seed: int = 0,
    batch_size: int | None = None,
    device: str | None = None,
    dtype: str | None = None,
    base_url: str | None = None,
    store: bool = False,
    reference: str | None = None,
    log: Callable[[str], None] | None = None,
    demos: str = "random",
    guidelines: bool = False,
) -> StudyTable:
    """Evaluate every model x strategy x task, write OUT/study.csv and OUT/study.md, return the table.

    `reference` ('MODEL:STRATEGY', default the table's first row): study.md marks the cells not significantly
    different from that row's cell on the same task.

    A cell is computed once: one already in OUT/runs (same spec version, limit and seed) is reused; with `store`, every
    computed cell is also stored as a run in the database, and a cell already stored there (same model,
    strategy, spec version, split, limit, shots and seed) is reused, so a study can be run in pieces.
    A model is loaded only when one of its cells has to be computed; `base_url`: the server of openai: models.
    `demos="similar"`: each record's few-shot examples are the most similar ones (demos.py); the rows are named
    "STRATEGY (similar)", so a study of both kinds of demonstrations is run in two pieces into one folder.
    `guidelines`: prompts with the label guidelines of the tasks that have them, in rows "STRATEGY (guidelines)";
    a task without guidelines (the question tasks) is computed as without them, in the plain row.
    """
    out = Path(out)
    check_mode(demos)
    for s in strategies:
        parse_strategy(s, get_spec(tasks[0]), shots)  # fail early on an unknown strategy
    names = [models.resolve(name).name for name in model_names]  # fail early on an unknown model
    if reference:
        rows = [(n, strategy_label(s, demos, guidelines)) for n in names for s in strategies]
        _check_reference(reference, rows, out, tasks, limit, seed)
    results = []
    for name in names:
        loaded: list = []

        def engine_for(spec: TaskSpec, strategy: str, name: str = name, loaded: list = loaded):
            if not loaded:
                loaded.append(models.load(name, device, dtype, base_url))
            return runner.build_engine(
                loaded[0], spec, strategy, shots=shots, seed=seed, batch_size=batch_size, demos=demos,
                split=spec.eval_split, guidelines=guidelines and bool(spec.guidelines),
            )  # fmt: skip

        for strategy in strategies:
            for task in tasks:
                task_spec = get_spec(task)
                guided = guidelines and bool(task_spec.guidelines)
                cell = Cell(task_spec, name, strategy, limit, shots, seed, demos, guided)
                results.append(run_cell(out, cell, engine_for, store, log))
        if loaded:
            models.unload(name)
    order = {name: i for i, name in enumerate(STRATEGIES)}
    cells = sorted(
        earlier_cells(out, tasks, limit, seed, results) + results,
        key=lambda m: (m["model"], *_strategy_order(m["strategy"], order)),
    )  # by model, then strategy as STRATEGIES lists them (random demonstrations before similar ones)
    table = build_table(tasks, cells, _reference_row(reference, cells))
    out.mkdir(parents=True, exist_ok=True)
    (out / "study.csv").write_text(table.to_csv(), encoding="utf-8")
    conditions = out / CONDITIONS
    notes = "\n" + conditions.read_text(encoding="utf-8") if conditions.exists() else ""
    (out / "study.md").write_text(table.to_markdown() + notes, encoding="utf-8")
    return table


def _check_reference(
    reference: str, computed: list[tuple[str, str]], out: Path, tasks: list[str], limit: int | None, seed: int
) -> None:
    """Fail before any cell is computed unless the reference row will be in the table: a row this command
    computes, or one whose cells an earlier piece of the study left in OUT/runs."""
    cells = [{"model": m, "strategy": s} for m, s in computed] + earlier_cells(out, tasks, limit, seed, [])
    rows = {(c["model"], c["strategy"]) for c in cells}
    model, strategy = _reference_row(reference, cells)
    if (model, strategy) not in rows:
        known = ", ".join(f"{m}:{s}" for m, s in sorted(rows)) or "none"
        raise InputError(
            f"the reference {model}:{strategy} is not a row of this study: it is neither computed by this "
            f"command nor in {out / 'runs'} for these tasks, limit and seed (rows: {known})"
        )


def _reference_row(reference: str | None, cells: list[dict]) -> tuple[str, str] | None:
    """The row `reference` names: its model as written, or as the rows name it (a folder by its full path);
    as written where it names no model this machine has."""
    if not reference:
        return None
    model, strategy = parse_reference(reference)
    if (model, strategy) not in {(c["model"], c["strategy"]) for c in cells}:
        with contextlib.suppress(MeduiError):
            model = models.resolve(model).name
    return model, strategy


def _strategy_order(label: str, order: dict[str, int]) -> tuple[int, str]:
    strategy, _, demos = label.partition(" (")
    return order.get(strategy, len(order)), demos
