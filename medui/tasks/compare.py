"""Paired comparison of two systems scored on the same records: difference of the primary metric with a paired
bootstrap interval, McNemar's test for per-record right/wrong outcomes, and wins/losses/ties per record.

Every function takes the per-record metric counts (medui.tasks.metrics, stage one) of system A and system B,
in the same record order, and recomputes the task's own aggregation (stage two) on each resample, so the interval
is right for micro F1 (pooled counts) as well as for accuracy or macro F1. Pure Python and seeded: the same
inputs, seed and number of resamples give the same interval everywhere.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from medui.tasks.metrics import PRIMARY, Counts, aggregate, record_score

# metric kinds whose records are right or wrong: the key of the 0/1 outcome in a record's counts
BINARY_OUTCOME = {"choice": "correct", "extractive": "exact"}
EXACT_BELOW = 25  # McNemar: the exact binomial test when fewer records are discordant, chi-square otherwise


def _paired(counts_a: Sequence[Counts], counts_b: Sequence[Counts]) -> None:
    if len(counts_a) != len(counts_b):
        raise ValueError(f"paired records differ in number: {len(counts_a)} and {len(counts_b)}")
    if not counts_a:
        raise ValueError("no records to compare")
    if any(c is None for c in (*counts_a, *counts_b)):
        raise ValueError("every paired record needs its counts")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between order statistics (numpy's default)."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def resample_indices(n: int, resamples: int, seed: int) -> list[list[int]]:
    """The record indices of each bootstrap resample: n draws with replacement, from random.Random(seed)."""
    rng = random.Random(seed)
    population = range(n)
    return [rng.choices(population, k=n) for _ in range(resamples)]


def paired_bootstrap(
    metric: str,
    counts_a: Sequence[Counts],
    counts_b: Sequence[Counts],
    *,
    key: str | None = None,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict:
    """A - B on a metric (the primary one by default) with a percentile bootstrap interval over records.

    Each resample draws records with replacement and aggregates A's and B's counts of the same records; the
    interval holds the middle `confidence` share of the resampled differences. `significant` is true when the
    interval leaves out 0.
    """
    _paired(counts_a, counts_b)
    if not 0 < confidence < 1 or resamples < 1:
        raise ValueError("confidence must be in (0, 1) and resamples at least 1")
    key = key or PRIMARY[metric]
    a, b = aggregate(metric, counts_a)[key], aggregate(metric, counts_b)[key]
    deltas = []
    for idx in resample_indices(len(counts_a), resamples, seed):
        da = aggregate(metric, [counts_a[i] for i in idx])[key]
        db = aggregate(metric, [counts_b[i] for i in idx])[key]
        deltas.append(da - db)
    tail = (1 - confidence) / 2 * 100
    lo, hi = percentile(deltas, tail), percentile(deltas, 100 - tail)
    return {
        "metric": key,
        "a": a,
        "b": b,
        "difference": a - b,
        "interval": [lo, hi],
        "confidence": confidence,
        **({"ci95": [lo, hi]} if confidence == 0.95 else {}),
        "significant": not lo <= 0 <= hi,
        "n": len(counts_a),
        "resamples": resamples,
        "seed": seed,
    }


def mcnemar(correct_a: Sequence[bool | int], correct_b: Sequence[bool | int]) -> dict:
    """McNemar's test on paired right/wrong outcomes: exact two-sided binomial test when the discordant records
    are fewer than EXACT_BELOW, chi-square with continuity correction (1 degree of freedom) otherwise."""
    if len(correct_a) != len(correct_b):
        raise ValueError(f"paired records differ in number: {len(correct_a)} and {len(correct_b)}")
    only_a = sum(1 for x, y in zip(correct_a, correct_b, strict=True) if x and not y)
    only_b = sum(1 for x, y in zip(correct_a, correct_b, strict=True) if y and not x)
    discordant = only_a + only_b
    out = {"only_a": only_a, "only_b": only_b, "discordant": discordant, "n": len(correct_a)}
    if discordant == 0:
        return {**out, "method": "exact", "statistic": 0.0, "p_value": 1.0}
    if discordant < EXACT_BELOW:
        tail = sum(math.comb(discordant, k) for k in range(min(only_a, only_b) + 1))
        p = min(1.0, 2 * tail / 2**discordant)
        return {**out, "method": "exact", "statistic": float(min(only_a, only_b)), "p_value": p}
    chi2 = (abs(only_a - only_b) - 1) ** 2 / discordant
    return {**out, "method": "chi2", "statistic": chi2, "p_value": math.erfc(math.sqrt(chi2 / 2))}


def outcomes(metric: str, counts_a: Sequence[Counts], counts_b: Sequence[Counts]) -> list[str]:
    """Per record: "win" when A's record score is above B's, "loss" below, "tie" equal."""
    _paired(counts_a, counts_b)
    out = []
    for ca, cb in zip(counts_a, counts_b, strict=True):
        sa, sb = record_score(metric, ca), record_score(metric, cb)
        out.append("win" if sa > sb else "loss" if sa < sb else "tie")  # type: ignore[operator]
    return out


def compare(
    metric: str,
    counts_a: Sequence[Counts],
    counts_b: Sequence[Counts],
    *,
    ids: Sequence[str] | None = None,
    resamples: int = 1000,
    seed: int = 0,
) -> dict:
    """Everything about A against B: bootstrap difference, wins/losses/ties (given the record ids, each record's
    outcome and its two record scores), and McNemar's test when the metric's records are right or wrong."""
    result = paired_bootstrap(metric, counts_a, counts_b, resamples=resamples, seed=seed)
    per_record = outcomes(metric, counts_a, counts_b)
    result.update(wins=per_record.count("win"), losses=per_record.count("loss"), ties=per_record.count("tie"))
    if ids is not None:
        if len(ids) != len(per_record):
            raise ValueError("one id a record")
        result["records"] = [
            {"id": i, "outcome": o, "a": record_score(metric, ca), "b": record_score(metric, cb)}
            for i, o, ca, cb in zip(ids, per_record, counts_a, counts_b, strict=True)
        ]
    if metric in BINARY_OUTCOME:
        key = BINARY_OUTCOME[metric]
        result["mcnemar"] = mcnemar([c.get(key, 0) for c in counts_a], [c.get(key, 0) for c in counts_b])
    return result
