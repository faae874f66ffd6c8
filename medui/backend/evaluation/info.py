"""What describes a run: the task's spec, the model (and adapter), the strategy and its few-shot choice, the split
and limit, where the model ran. Built once where a run starts (`RunInfo.of(engine, ...)`), then passed whole to
the runner, the store, the study and the app's evaluations, so no one unpacks it back out of the metrics.

The per-record prompt hash stays with each prediction (a prompt differs from record to record).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from medui.backend.inference.models import model_and_adapter
from medui.tasks.spec import TaskSpec

if TYPE_CHECKING:
    from medui.backend.inference.engine import Engine


@dataclass(frozen=True)
class RunInfo:
    """A run's description. `model` and `adapter` are as a run row stores them: an adapter's run names its base
    model and the adapter; `name` is the name the model was loaded by (the adapter's, for an adapter)."""

    spec: TaskSpec
    model: str
    strategy: str
    adapter: str | None = None
    shots: int = 0
    seed: int = 0
    demos: str = "random"  # how few-shot demonstrations were chosen: random or similar
    guidelines: bool = False  # whether the prompts carried the task's label guidelines
    split: str | None = None
    limit: int | None = None
    device: str | None = None
    dtype: str | None = None
    server_url: str | None = None  # a served model's server

    @classmethod
    def of(cls, engine: Engine, *, split: str | None = None, limit: int | None = None) -> RunInfo:
        """The description of a run of an engine (its model, task and strategy) on a split, with a limit."""
        lm = engine.lm
        model, adapter = model_and_adapter(lm.name)
        return cls(
            engine.spec, model, engine.strategy.name, adapter=adapter, shots=engine.strategy.shots,
            seed=engine.seed, demos=engine.demos.mode, guidelines=engine.guidelines, split=split, limit=limit,
            device=lm.device, dtype=lm.dtype, server_url=lm.server_url,
        )  # fmt: skip

    @property
    def name(self) -> str:
        """The name the model was loaded by."""
        return self.adapter or self.model

    @property
    def task(self) -> str:
        return self.spec.id

    def run_keys(self) -> dict:
        """What ran, as a run's metrics name it (runner.RUN_KEYS before the speed keys)."""
        return {
            "task": self.spec.id,
            "model": self.name,
            "strategy": self.strategy,
            "shots": self.shots,
            "seed": self.seed,
            "demos": self.demos,
            "guidelines": self.guidelines,
        }
