"""The numbers between two whole bounds, as JSON writes them, in the forms a regex and a GBNF grammar take.

A form item's integer or number has a minimum and a maximum (its spec says them; the schema carries them). Neither
outlines_core's regex nor a grammar of digits bounds a value, so the allowed numbers are spelled out digit by digit:
0..130 is `0|[1-9][0-9]?|1[0-2][0-9]|130` (no leading zeros, as JSON). A number (a decimal) is an integer part in
the range and an optional fraction, the maximum itself only with a fraction of zeros (130.5 would be over 130).

Both writers read the same Alternatives, so the regex (in-process cd) and the grammar (a server's cd) allow exactly
the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

Digits = tuple[tuple[str, int], ...]  # (a digit "7" or a range of digits "0-9", how many times), in order


@dataclass(frozen=True)
class Alternative:
    """One way of writing numbers of the range: a sign, digits, and what fraction may follow."""

    negative: bool
    digits: Digits
    fraction: str = ""  # "" none, "any" any digits, "zeros" only zeros (the bound itself, as a decimal)


def _same_length(low: str, high: str) -> list[Digits]:
    """The digit strings from `low` to `high` (as long as each other), as few digit-class sequences as it takes."""
    n = len(low)
    if n == 0:
        return [()]
    if low == high:
        return [tuple((d, 1) for d in low)]
    if low[0] == high[0]:
        return [((low[0], 1), *rest) for rest in _same_length(low[1:], high[1:])]
    rest = n - 1
    out: list[Digits] = []
    first, last = int(low[0]), int(high[0])
    if low[1:] != "0" * rest:  # low's first digit, followed by anything from low's rest up to 9...9
        out += [((low[0], 1), *tail) for tail in _same_length(low[1:], "9" * rest)]
        first += 1
    top = (
        []
        if high[1:] == "9" * rest
        else [((high[0], 1), *tail) for tail in _same_length("0" * rest, high[1:])]
    )
    if top:
        last -= 1
    if first <= last:
        lead = str(first) if first == last else f"{first}-{last}"
        out.append(((lead, 1), ("0-9", rest)) if rest else ((lead, 1),))
    return out + top


def natural_range(low: int, high: int) -> list[Digits]:
    """The whole numbers low..high (0 <= low <= high) as JSON writes them (no leading zeros)."""
    if not 0 <= low <= high:
        raise ValueError(f"not a range of natural numbers: {low}..{high}")
    out: list[Digits] = []
    for length in range(len(str(low)), len(str(high)) + 1):
        start = max(low, 10 ** (length - 1) if length > 1 else 0)
        end = min(high, 10**length - 1)
        if start <= end:
            out += _same_length(str(start), str(end))
    return out


def integer_alternatives(minimum: int, maximum: int) -> list[Alternative]:
    """The integers minimum..maximum."""
    if minimum > maximum:
        raise ValueError(f"empty range {minimum}..{maximum}")
    out = []
    if maximum >= 0:
        out += [Alternative(False, d) for d in natural_range(max(minimum, 0), maximum)]
    if minimum < 0:
        out += [Alternative(True, d) for d in natural_range(max(-maximum, 1), -minimum)]
    return out


def _magnitudes(low: int, high: int, negative: bool) -> list[Alternative]:
    """Decimals with a magnitude from low to high: integer part low..high-1 with any fraction, or high itself."""
    out = [Alternative(negative, d, "any") for d in natural_range(low, high - 1)] if low < high else []
    return out + [Alternative(negative, d, "zeros") for d in natural_range(high, high)]


def number_alternatives(minimum: int, maximum: int) -> list[Alternative]:
    """The decimals minimum..maximum (whole bounds): integer part, optional fraction."""
    if minimum > maximum:
        raise ValueError(f"empty range {minimum}..{maximum}")
    out = []
    if maximum >= 0:
        out += _magnitudes(max(minimum, 0), maximum, negative=False)
    if minimum < 0:
        out += _magnitudes(max(-maximum, 0), -minimum, negative=True)
    return out


def alternatives(schema: dict, largest: int) -> list[Alternative] | None:
    """The numbers a JSON schema `{"type": "integer" | "number", "minimum", "maximum"}` allows; None when it has
    neither bound (one bound alone: the other side goes as far as +-`largest`)."""
    if "minimum" not in schema and "maximum" not in schema:
        return None
    low, high = schema.get("minimum", -largest), schema.get("maximum", largest)
    if not all(isinstance(b, int) and not isinstance(b, bool) for b in (low, high)):
        raise ValueError(f"bounds {low}..{high} are not whole numbers")
    return (
        integer_alternatives(low, high) if schema.get("type") == "integer" else number_alternatives(low, high)
    )


def to_regex(options: list[Alternative], max_fraction_digits: int) -> str:
    """A regex (outlines_core's dialect, Python's too) matching exactly the numbers of `options`."""
    written = []
    for option in options:
        text = "-" if option.negative else ""
        for digit, times in option.digits:
            atom = f"[{digit}]" if "-" in digit else digit
            text += atom if times == 1 else f"{atom}{{{times}}}"
        if option.fraction == "any":
            text += rf"(\.[0-9]{{1,{max_fraction_digits}}})?"
        elif option.fraction == "zeros":
            text += rf"(\.0{{1,{max_fraction_digits}}})?"
        written.append(text)
    return "(" + "|".join(written) + ")"
