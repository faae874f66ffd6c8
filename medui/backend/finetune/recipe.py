"""Training recipes: flat YAML files (recipes/*.yaml), read into a TrainConfig.

A recipe holds hyperparameters and, optionally, what a shipped variant is trained on: `model`, `tasks` (ids, or
"all") and `data` (gold | corrections | both), which `medui train --recipe NAME` uses unless the command line
says otherwise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import yaml

from medui.backend.data.inputs import InputError

RECIPES_DIR = Path(__file__).parent / "recipes"
OBJECTIVES = ("sft", "cpt")
PROJECTIONS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one LoRA run; defaults are the CPU recipe's."""

    objective: str = "sft"
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: list[str] = field(default_factory=lambda: list(PROJECTIONS))
    learning_rate: float = 2e-4
    weight_decay: float = 0.0
    warmup_ratio: float = 0.05
    lr_schedule: str = "cosine"  # cosine | linear | constant (after warmup)
    batch_size: int = 4
    grad_accum: int = 1
    max_length: int = 512
    epochs: float = 1
    max_steps: int | None = None
    max_grad_norm: float = 1.0
    seed: int = 0
    bf16: str | bool = "auto"  # auto: where a timed matmul says bf16 is faster; flag: where the CPU lists it
    loss_vocab: str = "subset"  # subset: the run's tokens + sampled negatives; full: all (losses.py)
    negatives: int = 1024  # tokens outside the subset drawn for each micro-batch's loss
    share_prefix: bool = True  # batches of one task, their shared instruction run once (prefix.py)
    probe_rows: int = 8  # rows whose loss is measured before and after training
    checkpoint_minutes: float = 5.0  # the run's state is saved this often (a killed job resumes from it)
    rows_per_task: int | None = (
        None  # an epoch trains on at most this many rows of each task (a new sample each)
    )
    empty_share: float = 1.0  # share of the rows whose answer lists nothing that an epoch keeps (seeded)
    dev_rows_per_task: int | None = None  # dev rows of each task whose loss selects the epoch
    dev_fraction: float = 0.0  # share of train documents held out as dev for tasks without a dev split
    pair_rows: bool = (
        False  # relation tasks: add the pair question's rows (the `pairs` strategies; dataset.py)
    )
    pair_none_ratio: float = 2.0  # unlinked pairs trained on per linked one
    model: str | None = None  # the base a recipe is meant for (default of `medui train --recipe`)
    tasks: list[str] | str | None = None  # task ids or "all" (default of --tasks)
    data: str | None = None  # gold | corrections | both (default of --data)

    def __post_init__(self) -> None:
        problems = [
            self.objective not in OBJECTIVES and f"objective must be one of {', '.join(OBJECTIVES)}",
            self.lora_r < 1 and "lora_r must be at least 1",
            self.learning_rate <= 0 and "learning rate must be positive",
            self.batch_size < 1 and "batch size must be at least 1",
            self.grad_accum < 1 and "grad_accum must be at least 1",
            self.max_length < 16 and "max_length must be at least 16",
            self.epochs <= 0 and not self.max_steps and "epochs must be positive",
            self.max_steps is not None and self.max_steps < 1 and "max steps must be at least 1",
            self.lr_schedule not in ("cosine", "linear", "constant")
            and "lr_schedule: cosine|linear|constant",
            self.checkpoint_minutes < 0 and "checkpoint_minutes must be at least 0",
            not 0 <= self.dev_fraction < 1 and "dev_fraction must be in [0, 1)",
            not 0 <= self.empty_share <= 1 and "empty_share must be in [0, 1]",
            self.bf16 not in ("auto", "flag", True, False) and "bf16: auto, flag, true or false",
            self.loss_vocab not in ("subset", "full") and "loss_vocab: subset or full",
            self.negatives < 0 and "negatives must be at least 0",
        ]
        first = next((p for p in problems if p), None)
        if first:
            raise InputError(f"training parameters: {first}")

    def to_dict(self) -> dict:
        return asdict(self)

    def task_ids(self) -> list[str]:
        """The recipe's tasks as ids ("all": every registered task)."""
        from medui.tasks.registry import all_specs

        if self.tasks == "all":
            return sorted(all_specs())
        return list(self.tasks or [])

    def with_overrides(self, **overrides) -> TrainConfig:
        """A copy with the given values (None means: keep the recipe's)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def recipe_path(name: str) -> Path:
    """A recipe by name (recipes/<name>.yaml) or by path."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    path = RECIPES_DIR / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in RECIPES_DIR.glob("*.yaml")))
        raise InputError(f"unknown recipe {name!r}: use one of {known}, or a YAML file path")
    return path


def load_recipe(name: str) -> TrainConfig:
    """Read a flat YAML recipe; an unknown key is an error (a typo would silently fall back to a default)."""
    path = recipe_path(name)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise InputError(f"{path}: a recipe must be a flat YAML mapping")
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(f"{path}: unknown recipe keys {', '.join(unknown)}")
    return TrainConfig(**raw)


def default_recipe(objective: str, device: str) -> str:
    """The recipe for an objective on this machine: <objective>_lora_<cpu|gpu>."""
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective {objective!r}: use one of {', '.join(OBJECTIVES)}")
    return f"{objective}_lora_{'gpu' if device == 'cuda' else 'cpu'}"
