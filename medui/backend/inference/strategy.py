"""The strategies and their parsing; pure, so the CLI lists them cheaply.

The four of every task (zero-shot, few-shot, cd, few-shot+cd), and two of the relation tasks (`pairs`,
`few-shot+pairs`: the entities under cd, zero- or few-shot, then one constrained question per candidate pair;
medui/backend/inference/pairs.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from medui.errors import MeduiError
from medui.tasks.spec import TaskSpec

STRATEGIES = ("zero-shot", "few-shot", "cd", "few-shot+cd", "pairs", "few-shot+pairs")
PAIR_STRATEGIES = ("pairs", "few-shot+pairs")  # relation tasks only


class StrategyError(MeduiError, ValueError):
    """A strategy name or shot count that cannot be used; `italian`: the message for the app."""

    def __init__(self, message: str, italian: str | None = None):
        super().__init__(message, italian=italian)


@dataclass(frozen=True)
class Strategy:
    name: str
    shots: int
    constrained: bool


def parse_strategy(name: str, spec: TaskSpec, shots: int | None = None) -> Strategy:
    if name not in STRATEGIES:
        raise StrategyError(
            f"unknown strategy {name!r}: use one of {', '.join(STRATEGIES)}",
            f"strategia sconosciuta {name!r}: usa una tra {', '.join(STRATEGIES)}",
        )
    if name in PAIR_STRATEGIES and spec.family != "re":
        raise StrategyError(
            f"strategy {name} is for the relation tasks; {spec.id} is a {spec.family} task",
            f"la strategia {name} è per i task di relazioni; {spec.id} non lo è",
        )
    few = name.startswith("few-shot")
    k = (spec.default_shots if shots is None else shots) if few else 0
    if k < 0:
        raise StrategyError("--shots must be 0 or more")
    return Strategy(name, k, name.endswith(("cd", "pairs")))
