"""Krippendorff's unitizing alpha (uα): how far coders agree on where labelled spans lie in a text and on their
labels, chance-corrected, counting by how much boundaries differ rather than by exact matches as F1 does.

The variant is the uα of Krippendorff (2004), Content Analysis: An Introduction to Its Methodology, 2nd ed.,
computed label by label and combined as 1 - sum(Do) / sum(De): the coefficient INCEpTION reports as
"Krippendorff's alpha (unitizing)" (DKPro Statistics' KrippendorffAlphaUnitizingAgreement), so a team moving
from it reads the same figure, and one with a published worked example (Krippendorff 2004, p. 254: uα 0.7286
for label c, 1 for k, 0.8591 over both from the rounded Do and De, 0.8587 unrounded) that
tests/tasks/test_unitizing.py reproduces. Each label is its own
continuum, so nested or overlapping spans of different labels need no special rule. medui reports it for each
pair of annotators (and their mean), like the F1 figures: the 2004 form is known to misbehave with more than
two coders (Krippendorff, Mathet, Bouvry & Widlöcher 2016, Quality & Quantity 50: 2347-2364), and INCEpTION
reports it pairwise too.

For one label c, each of the m coders cuts the continuum (the text's characters, length L) into c-units (their
spans labelled c) and gaps (everything else). Between a segment g of coder i (begin b, length l) and a segment
h of coder j != i:
    d2 = (b_g - b_h)^2 + (b_g + l_g - b_h - l_h)^2   both are units and they share a character,
    d2 = l_g^2                                     g is a unit lying wholly inside the gap h (and vice versa),
    d2 = 0                                         otherwise.
    Do_c = sum over i != j, g, h of d2 / (m (m - 1) L^2)
    De_c = 2/L * sum over units u [ (N_c - 1) l_u (l_u - 1) (2 l_u - 1) / 3
                                    + l_u^2 * sum over gaps h of every coder with l_h >= l_u of (l_h - l_u + 1) ]
           / (m L (m L - 1) - sum over units u of l_u (l_u - 1))
with N_c the number of c-units of all coders; uα_c = 1 - Do_c / De_c. A coder's overlapping spans of one label
are merged into one unit (the coefficient needs a coder's units of a label disjoint; touching spans stay two).
Several documents are laid end to end (L their summed length), a gap never running from one into the next.
uα is undefined (None) without two coders, without text, or when chance disagreement is nil (no spans at all).
Pure Python: integer sums, divided once at the end.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from itertools import accumulate

Span = tuple[int, int, str]  # start, end (exclusive), label
Unit = tuple[int, int]  # start, end (exclusive)
Document = tuple[int, Sequence[Sequence[Span]]]  # text length, each coder's spans


def coder_units(spans: Iterable[tuple[int, int]], length: int) -> list[Unit]:
    """One coder's spans of one label as sorted, disjoint units: clipped to the text, empty ones dropped,
    overlapping ones merged into their union."""
    units: list[Unit] = []
    for start, end in sorted((max(0, s), min(length, e)) for s, e in spans):
        if end <= start:
            continue
        if units and start < units[-1][1]:
            units[-1] = (units[-1][0], max(units[-1][1], end))
        else:
            units.append((start, end))
    return units


def gap_lengths(units: Sequence[Unit], length: int) -> list[int]:
    """The lengths of the stretches of a text of `length` characters that none of the (sorted, disjoint) units
    covers."""
    out, position = [], 0
    for start, end in units:
        if start > position:
            out.append(start - position)
        position = end
    if length > position:
        out.append(length - position)
    return out


def _inside_gaps(mine: Sequence[Unit], theirs: Sequence[Unit]) -> int:
    """Sum of the squared lengths of my units that lie wholly in one of their gaps (overlap none of their units:
    the stretch their units leave free around such a unit is a single gap)."""
    return sum((end - start) ** 2 for start, end in mine if not any(s < end and start < e for s, e in theirs))


def segment_distance(x: Sequence[Unit], y: Sequence[Unit]) -> int:
    """Sum of d2 over every segment of one coder and every segment of another (same document and label): the
    boundary differences of each two units that overlap, and the squared length of each unit lying in a gap of
    the other coder (the gap-gap pairs, and units partly in a gap, count 0)."""
    overlaps = sum((a - s) ** 2 + (b - e) ** 2 for a, b in x for s, e in y if s < b and a < e)
    return overlaps + _inside_gaps(x, y) + _inside_gaps(y, x)


def label_disagreement(documents: Sequence[tuple[int, Sequence[Sequence[Unit]]]]) -> tuple[float, float]:
    """Observed and expected disagreement (Do_c, De_c) of one label: documents as (length, each coder's units,
    sorted and disjoint), every document with the same m >= 2 coders and a positive summed length."""
    m = len(documents[0][1])
    total = sum(length for length, _ in documents)
    observed = 2 * sum(  # d2 is symmetric: the ordered pairs i != j are twice the pairs i < j
        segment_distance(coders[i], coders[j])
        for _, coders in documents
        for i in range(m)
        for j in range(i + 1, m)
    )
    units = [end - start for _, coders in documents for units in coders for start, end in units]
    gaps = sorted(g for length, coders in documents for units in coders for g in gap_lengths(units, length))
    after = [0, *accumulate(reversed(gaps))][::-1]  # after[k]: sum of gaps[k:]

    def room(unit: int) -> int:
        """Places a unit of this length fits in the gaps: sum over gaps of at least its length of gap - unit + 1."""
        k = bisect_left(gaps, unit)
        return after[k] - (unit - 1) * (len(gaps) - k)

    n = len(units)
    chance = sum((n - 1) * (u * (u - 1) * (2 * u - 1) // 3) + u * u * room(u) for u in units)
    denominator = m * total * (m * total - 1) - sum(u * (u - 1) for u in units)
    return observed / (m * (m - 1) * total * total), 2 * chance / (total * denominator)


def alpha(observed: float, expected: float) -> float | None:
    """1 - observed / expected, or None when expected disagreement is nil (alpha undefined)."""
    return None if expected == 0 else 1 - observed / expected


def unitizing_alpha(documents: Sequence[Document]) -> dict:
    """uα of coders' labelled spans over documents, each given as (text length, each coder's spans as (start,
    end, label)), the same coders in the same order in every document. Returns {"value", "observed",
    "expected", "per_label": {label: {"value", "observed", "expected"}}}; value None when undefined (see the
    module docstring). ValueError when documents have different numbers of coders or a negative length."""
    coders = {len(spans) for _, spans in documents}
    if len(coders) > 1:
        raise ValueError("every document needs a version from each of the same coders")
    if any(length < 0 for length, _ in documents):
        raise ValueError("a document's length cannot be negative")
    labels = sorted({label for _, spans in documents for mine in spans for _, _, label in mine})
    undefined = {"value": None, "observed": None, "expected": None, "per_label": {}}
    if not documents or coders.pop() < 2 or sum(length for length, _ in documents) == 0:
        return undefined
    per_label = {}
    for label in labels:
        units = [
            (length, [coder_units(((s, e) for s, e, lab in mine if lab == label), length) for mine in spans])
            for length, spans in documents
        ]
        observed, expected = label_disagreement(units)
        per_label[label] = {"value": alpha(observed, expected), "observed": observed, "expected": expected}
    observed = sum(row["observed"] for row in per_label.values())
    expected = sum(row["expected"] for row in per_label.values())
    return {
        "value": alpha(observed, expected),
        "observed": observed,
        "expected": expected,
        "per_label": per_label,
    }
