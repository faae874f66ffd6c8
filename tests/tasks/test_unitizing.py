"""Krippendorff's unitizing alpha (medui/tasks/unitizing.py): the published worked examples reproduced, random
small cases against a brute force written from the definitions another way (segments found character by
character, every pair of segments of every two coders through the four cases of the distance as printed, exact
fractions), and the undefined cases."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from medui.tasks.agreement import span_pair, text_length
from medui.tasks.unitizing import unitizing_alpha

approx = pytest.approx


# the published examples -------------------------------------------------------------------------------------
def test_krippendorff_2004_worked_example():
    """Content Analysis (2004, p. 254): two observers on a continuum from 150 to 450, labels c and k; units
    given as (begin, length)."""
    i = [(225, 70, "c"), (370, 30, "c"), (180, 60, "k"), (300, 50, "k")]
    j = [(220, 80, "c"), (355, 20, "c"), (400, 20, "c"), (180, 60, "k"), (300, 50, "k")]
    spans = [[(b - 150, b - 150 + n, label) for b, n, label in coder] for coder in (i, j)]
    result = unitizing_alpha([(300, spans)])
    c, k = result["per_label"]["c"], result["per_label"]["k"]
    # c: 225+70 ~ 220+80 gives 5^2 + 5^2, 370+30 ~ 355+20 gives 15^2 + 25^2, j's 400+20 lies in i's gap: 20^2;
    # each counted for both orders of the two observers, over m(m-1)L^2 = 2 * 300^2
    assert c["observed"] == approx(2 * (50 + 850 + 400) / (2 * 300**2))
    assert (round(c["observed"], 4), round(c["expected"], 4), round(c["value"], 4)) == (
        0.0144,
        0.0532,
        0.7286,
    )
    assert (k["observed"], round(k["expected"], 4), k["value"]) == (0.0, 0.0490, 1.0)
    # the example's overall 0.8591 is 1 - .0144 / (.0532 + .0490), from the rounded figures; unrounded 0.8587
    assert round(1 - 0.0144 / (round(c["expected"], 4) + round(k["expected"], 4)), 4) == 0.8591
    assert result["value"] == approx(1 - c["observed"] / (c["expected"] + k["expected"]))
    assert result["value"] == approx(0.8591, abs=5e-4)


STRETCHED = {  # Krippendorff (1995, p. 57): four pairs of coders on 24 positions, units as (begin, length)
    "A": ([(2, 8), (14, 6)], [(4, 4), (15, 2)]),
    "B": ([(0, 18)], [(0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 3), (9, 1)]),
    "C": ([(2, 6), (10, 2), (14, 4), (20, 2)], [(0, 2), (4, 4), (10, 4), (16, 2), (20, 2)]),
    "D": ([(0, 2), (2, 8), (10, 4), (14, 6), (20, 4)], [(0, 4), (4, 4), (8, 7), (15, 2), (17, 7)]),
}


@pytest.mark.parametrize(
    ("label", "observed", "value"),
    [("A", 0.03125, 0.553), ("B", 2.26736, -0.926), ("C", 0.02777, 0.679), ("D", 0.38715, 0.066)],
)
def test_krippendorff_1995_examples(label, observed, value):
    """The observed disagreements exactly; the alphas were printed for a continuous scale (approached here by
    stretching the 24 positions 50,000 times) with an error in the expected disagreement that DKPro
    Statistics' tests of the same coefficient note, so within their tolerance, 0.02."""

    def study(stretch: int) -> dict:
        coders = [[(b * stretch, (b + n) * stretch, label) for b, n in units] for units in STRETCHED[label]]
        return unitizing_alpha([(24 * stretch, coders)])["per_label"][label]

    assert study(1)["observed"] == approx(observed, abs=1e-5)
    assert study(50_000)["value"] == approx(value, abs=0.02)


# a brute force from the definitions ---------------------------------------------------------------------------
def _segments(length: int, spans: list[tuple[int, int]], offset: int) -> list[tuple[int, int, bool]]:
    """One coder's segments of one document, character by character: (begin, length, is a unit), a unit ending
    where no span covers both a character and the next."""
    covered = [any(s <= k < e for s, e in spans) for k in range(length)]
    out: list[list] = []
    for k in range(length):
        joined = k > 0 and any(s <= k - 1 and k < e for s, e in spans)
        if k == 0 or covered[k] != covered[k - 1] or (covered[k] and not joined):
            out.append([offset + k, 0, covered[k]])
        out[-1][1] += 1
    return [tuple(s) for s in out]


def _d2(g: tuple, h: tuple) -> int:
    (bg, lg, ug), (bh, lh, uh) = g, h
    if ug and uh and -lg < bg - bh < lh:
        return (bg - bh) ** 2 + (bg + lg - bh - lh) ** 2
    if ug and not uh and lh - lg >= bg - bh >= 0:
        return lg**2
    if not ug and uh and lg - lh >= bh - bg >= 0:
        return lh**2
    return 0


def _brute(documents: list) -> tuple[dict, float | None]:
    m, total = len(documents[0][1]), sum(n for n, _ in documents)
    labels = sorted({lab for _, coders in documents for spans in coders for *_, lab in spans})
    per_label = {}
    for label in labels:
        segments: list[list] = [[] for _ in range(m)]
        offset = 0
        for n, coders in documents:
            for i, spans in enumerate(coders):
                clipped = [(max(0, s), min(n, e)) for s, e, lab in spans if lab == label]
                segments[i] += _segments(n, clipped, offset)
            offset += n
        do = Fraction(
            sum(
                _d2(g, h)
                for i in range(m)
                for j in range(m)
                if i != j
                for g in segments[i]
                for h in segments[j]
            ),
            m * (m - 1) * total**2,
        )
        units = [g for coder in segments for g in coder if g[2]]
        gaps = [g for coder in segments for g in coder if not g[2]]
        chance = sum(
            Fraction(len(units) - 1, 3) * (2 * u[1] ** 3 - 3 * u[1] ** 2 + u[1])
            + u[1] ** 2 * sum(h[1] - u[1] + 1 for h in gaps if h[1] >= u[1])
            for u in units
        )
        de = (
            Fraction(2, total)
            * chance
            / (m * total * (m * total - 1) - sum(u[1] * (u[1] - 1) for u in units))
        )
        per_label[label] = (do, de)
    expected = sum(de for _, de in per_label.values())
    overall = None if expected == 0 else 1 - sum(do for do, _ in per_label.values()) / expected
    return per_label, overall


def _random_documents(rng: random.Random) -> list:
    coders = rng.choice((2, 2, 3))
    documents = []
    for _ in range(rng.randint(1, 3)):
        n = rng.randint(0, 25)
        spans = []
        for _ in range(coders):
            mine = []
            for _ in range(rng.randint(0, 4) if n else 0):
                start = rng.randrange(n)
                mine.append((start, rng.randint(start + 1, min(n, start + 8)), rng.choice("AB")))
            if mine and rng.random() < 0.3:
                mine.append(mine[0])  # a duplicate
            spans.append(mine)
        if spans[0] and rng.random() < 0.3:
            spans[1] = list(spans[0])  # agreeing coders
        documents.append((n, spans))
    return documents


def test_random_small_cases_agree_with_the_brute_force():
    rng = random.Random(24)
    defined = 0
    for _ in range(400):
        documents = _random_documents(rng)
        if sum(n for n, _ in documents) == 0:
            assert unitizing_alpha(documents)["value"] is None
            continue
        result = unitizing_alpha(documents)
        per_label, overall = _brute(documents)
        assert set(result["per_label"]) == set(per_label)
        for label, (do, de) in per_label.items():
            row = result["per_label"][label]
            assert (row["observed"], row["expected"]) == (approx(float(do)), approx(float(de))), documents
        if overall is None:
            assert result["value"] is None
        else:
            assert result["value"] == approx(float(overall)), documents
            defined += 1
    assert defined > 200  # the cases are not mostly undefined ones


# edge cases -----------------------------------------------------------------------------------------------
def test_perfect_agreement_is_one_and_the_order_of_coders_does_not_matter():
    spans = [(0, 5, "A"), (3, 9, "B"), (12, 20, "A")]
    assert unitizing_alpha([(30, [spans, list(reversed(spans))])])["value"] == 1.0
    a, b = [(0, 5, "A"), (10, 14, "A")], [(1, 5, "A"), (20, 22, "A")]
    assert unitizing_alpha([(30, [a, b])])["value"] == approx(unitizing_alpha([(30, [b, a])])["value"])
    assert unitizing_alpha([(30, [a, b])])["value"] < 1


def test_undefined_without_two_coders_spans_or_text():
    assert unitizing_alpha([(30, [[(0, 5, "A")]])])["value"] is None  # one coder
    assert unitizing_alpha([(30, [[], []])]) == {"value": None, "observed": 0, "expected": 0, "per_label": {}}
    assert unitizing_alpha([])["value"] is None
    assert unitizing_alpha([(0, [[], []])])["value"] is None
    with pytest.raises(ValueError, match="same coders"):
        unitizing_alpha([(10, [[], []]), (10, [[]])])
    with pytest.raises(ValueError, match="negative"):
        unitizing_alpha([(-1, [[], []])])


def test_a_pair_of_span_records_reports_alpha_beside_f1_per_label():
    text = "Paziente con febbre alta e tosse secca."
    a = {
        "text": text,
        "entities": [{"start": 13, "end": 24, "label": "X"}, {"start": 27, "end": 38, "label": "Y"}],
    }
    b = {"entities": [{"start": 13, "end": 19, "label": "X"}, {"start": 27, "end": 38, "label": "Y"}]}
    pair = span_pair([a], [b])
    expected = unitizing_alpha(
        [(len(text), [[(13, 24, "X"), (27, 38, "Y")], [(13, 19, "X"), (27, 38, "Y")]])]
    )
    assert pair["unitizing_alpha"] == approx(expected["value"]) and 0 < pair["unitizing_alpha"] < 1
    assert pair["per_label"]["Y"]["unitizing_alpha"] == 1.0 and pair["per_label"]["Y"]["strict_f1"] == 1.0
    assert pair["per_label"]["X"]["unitizing_alpha"] < 1 and pair["per_label"]["X"]["strict_f1"] == 0.0
    assert text_length([b]) == 38 and text_length([a, b]) == len(text)  # no text: as far as the spans reach
    empty = span_pair([{"text": text, "entities": []}], [{"text": text, "entities": []}])
    assert empty["unitizing_alpha"] is None and empty["per_label"] == {}
