"""Which Engine a model and a strategy get: the backend the variant chose decides, so no caller asks where a model
runs. A served model (openai_client.ServerModel) gets the ServingEngine, generation by its server; a model loaded
here (LoadedModel) gets the PairEngine for a pair strategy, else the Engine.
"""

from __future__ import annotations

from medui.backend.inference.demos import Demonstrations
from medui.backend.inference.engine import Engine
from medui.backend.inference.openai_client import ServerModel
from medui.backend.inference.pairs import PairEngine
from medui.backend.inference.serving import ServingEngine
from medui.backend.inference.strategy import PAIR_STRATEGIES, Strategy, StrategyError
from medui.backend.inference.types import LoadedModel
from medui.tasks.spec import TaskSpec


def engine_for(
    lm: LoadedModel | ServerModel,
    spec: TaskSpec,
    strategy: Strategy,
    *,
    seed: int = 0,
    batch_size: int | None = None,
    demos: Demonstrations | None = None,
    guidelines: bool = False,
) -> Engine:
    """The Engine of a loaded or served model for a task and a parsed strategy (StrategyError: a pair strategy
    on a served model). `guidelines`: prompts with the task's label guidelines."""
    kw = {"seed": seed, "batch_size": batch_size, "demos": demos, "guidelines": guidelines}
    if isinstance(lm, ServerModel):
        if strategy.name in PAIR_STRATEGIES:
            raise StrategyError(
                f"strategy {strategy.name} runs on a local model, not on a served one",
                f"la strategia {strategy.name} funziona con un modello locale, non con uno servito",
            )
        return ServingEngine(lm, spec, strategy, **kw)
    if strategy.name in PAIR_STRATEGIES:
        return PairEngine(lm, spec, strategy, **kw)
    return Engine(lm, spec, strategy, **kw)
