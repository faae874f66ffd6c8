"""Tests of medui.tasks.compare: the bootstrap against an independent numpy computation on the same resamples,
McNemar against hand-computed values and scipy, wins/losses/ties."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from medui.tasks.compare import compare, mcnemar, outcomes, paired_bootstrap, percentile, resample_indices
from medui.tasks.metrics import choice_counts, span_counts

approx = pytest.approx


def _span_records(seed: int, n: int) -> tuple[list[dict], list[dict]]:
    """Random ner counts of two systems on the same n records (A a bit better than B)."""
    rng = random.Random(seed)
    a, b = [], []
    for _ in range(n):
        gold = {(s, s + 3, rng.choice("XY")) for s in rng.sample(range(0, 200, 5), rng.randint(0, 6))}
        pa = {g for g in gold if rng.random() < 0.8} | ({(201, 204, "X")} if rng.random() < 0.3 else set())
        pb = {g for g in gold if rng.random() < 0.6} | ({(201, 204, "Y")} if rng.random() < 0.5 else set())

        def rec(spans):
            return {"entities": [{"start": s, "end": e, "label": lab} for s, e, lab in spans]}

        a.append(span_counts(rec(gold), rec(pa)))
        b.append(span_counts(rec(gold), rec(pb)))
    return a, b


def test_percentile_matches_numpy():
    values = [random.Random(3).random() for _ in range(37)]
    for q in (0, 2.5, 50, 97.5, 100):
        assert percentile(values, q) == approx(float(np.percentile(values, q)))


def test_bootstrap_micro_f1_against_numpy_reference():
    counts_a, counts_b = _span_records(1, 60)
    result = paired_bootstrap("span", counts_a, counts_b, resamples=400, seed=7)

    # reference: micro F1 straight from pooled tp/fp/fn arrays, on the same resample indices
    arr_a = np.array([[c["tp"], c["fp"], c["fn"]] for c in counts_a])
    arr_b = np.array([[c["tp"], c["fp"], c["fn"]] for c in counts_b])

    def micro_f1(arr: np.ndarray) -> float:
        tp, fp, fn = arr.sum(axis=0)
        return 2 * tp / (2 * tp + fp + fn)

    idx = np.array(resample_indices(60, 400, 7))
    deltas = [micro_f1(arr_a[i]) - micro_f1(arr_b[i]) for i in idx]
    assert result["difference"] == approx(micro_f1(arr_a) - micro_f1(arr_b))
    assert result["ci95"] == approx([np.percentile(deltas, 2.5), np.percentile(deltas, 97.5)])
    # micro F1 is not a mean of record F1s: the pooled reference is what a resample must recompute
    assert result["a"] != approx(
        np.mean([c["tp"] * 2 / max(1, 2 * c["tp"] + c["fp"] + c["fn"]) for c in counts_a])
    )
    assert result["ci95"][0] <= result["difference"] <= result["ci95"][1]


def test_bootstrap_is_seeded_and_deterministic():
    counts_a, counts_b = _span_records(2, 30)
    first = paired_bootstrap("span", counts_a, counts_b, resamples=200, seed=11)
    assert first == paired_bootstrap("span", counts_a, counts_b, resamples=200, seed=11)
    assert first["ci95"] != paired_bootstrap("span", counts_a, counts_b, resamples=200, seed=12)["ci95"]


def test_bootstrap_accuracy_close_to_the_normal_interval():
    rng = random.Random(5)
    truth = [rng.random() < 0.7 for _ in range(400)]
    a = [choice_counts("A", "A" if t else "B") for t in truth]
    b = [choice_counts("A", "A" if (t and rng.random() < 0.85) else "C") for t in truth]
    result = paired_bootstrap("choice", a, b, resamples=1000, seed=0)
    d = np.array([x["correct"] - y["correct"] for x, y in zip(a, b, strict=True)])
    se = d.std(ddof=1) / math.sqrt(len(d))
    assert result["difference"] == approx(d.mean())
    assert result["ci95"][0] == approx(d.mean() - 1.96 * se, abs=0.01)
    assert result["ci95"][1] == approx(d.mean() + 1.96 * se, abs=0.01)
    assert result["significant"]


def test_bootstrap_hand_cases():
    same = [choice_counts("A", "A"), choice_counts("A", "B")] * 5
    result = paired_bootstrap("choice", same, same, resamples=50)
    assert result["difference"] == 0 and result["ci95"] == [0, 0] and not result["significant"]
    always_better = [choice_counts("A", "A")] * 8
    always_worse = [choice_counts("A", "B")] * 8
    result = paired_bootstrap("choice", always_better, always_worse, resamples=50)
    assert result["ci95"] == [1.0, 1.0] and result["significant"]
    with pytest.raises(ValueError):
        paired_bootstrap("choice", same, same[:3])


def test_mcnemar_exact_by_hand():
    # 10 records only A got right, 2 only B: p = 2 * (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 2 * 79 / 4096
    a = [1] * 10 + [0] * 2 + [1] * 5 + [0] * 3
    b = [0] * 10 + [1] * 2 + [1] * 5 + [0] * 3
    result = mcnemar(a, b)
    assert (result["only_a"], result["only_b"], result["method"]) == (10, 2, "exact")
    assert result["p_value"] == approx(158 / 4096)
    scipy_stats = pytest.importorskip("scipy.stats")
    assert result["p_value"] == approx(scipy_stats.binomtest(2, 12, 0.5).pvalue)


def test_mcnemar_chi_square_by_hand():
    # 30 against 12 discordant: chi2 = (|30 - 12| - 1)^2 / 42 = 289 / 42
    a = [1] * 30 + [0] * 12 + [1] * 20
    b = [0] * 30 + [1] * 12 + [1] * 20
    result = mcnemar(a, b)
    assert result["method"] == "chi2"
    assert result["statistic"] == approx(289 / 42)
    scipy_stats = pytest.importorskip("scipy.stats")
    assert result["p_value"] == approx(scipy_stats.chi2.sf(289 / 42, 1))
    assert result["p_value"] == approx(0.00871, abs=1e-4)


def test_mcnemar_no_discordance():
    assert mcnemar([1, 0, 1], [1, 0, 1])["p_value"] == 1.0


def test_outcomes_and_compare():
    a = [choice_counts("A", "A"), choice_counts("A", "B"), choice_counts("A", "A")]
    b = [choice_counts("A", "B"), choice_counts("A", "B"), choice_counts("A", "A")]
    assert outcomes("choice", a, b) == ["win", "tie", "tie"]
    result = compare("choice", a, b, ids=["r1", "r2", "r3"], resamples=100)
    assert (result["wins"], result["losses"], result["ties"]) == (1, 0, 2)
    assert result["records"][0] == {"id": "r1", "outcome": "win", "a": 1.0, "b": 0.0}
    assert result["difference"] == approx(1 / 3)
    assert result["mcnemar"]["p_value"] == 1.0  # 1 discordant record: 2 * 1/2
    ner_a, ner_b = _span_records(4, 20)
    assert "mcnemar" not in compare("span", ner_a, ner_b, resamples=50)
