"""An evaluation's result (what ran, its metrics and predictions); the records of a split to evaluate on.

Scoring itself is pure and lives in medui/tasks/scoring.py. Running a model is medui/backend/evaluation/runner.py;
what describes a run, medui/backend/evaluation/info.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from medui.backend.data import gold as gold_data
from medui.backend.evaluation.info import RunInfo
from medui.tasks.spec import TaskSpec

if TYPE_CHECKING:
    from medui.backend.inference.engine import Prediction


@dataclass
class EvalResult:
    """An evaluation: its metrics and its predictions, in the order of the records, and what ran."""

    metrics: dict
    predictions: list[Prediction]
    info: RunInfo


def load_eval_records(spec: TaskSpec, split: str, limit: int | None) -> list[dict]:
    records = gold_data.load_split(spec, split)
    return records[:limit] if limit else records
