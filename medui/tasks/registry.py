"""Discovers the task specs (specs/*.yaml) and reads their gold data (JSONL, one folder per task).

Gold data lives in assets/data/<task>/<split>.jsonl (shipped) and in the user data folder (imported by users,
same layout); a user split of the same name replaces the shipped one. Still pure: files only.
"""

from __future__ import annotations

import json
import random
from functools import lru_cache
from pathlib import Path

from medui.errors import MeduiError
from medui.tasks.spec import TaskSpec, load_spec

SPECS_DIR = Path(__file__).parent / "specs"
# one task per family (ner, re, crf, qa, am): what the benchmarks and the slow tests on the real model run
ONE_TASK_PER_FAMILY = (
    "e3c_clinical_entities",
    "e3c_measurement_links",
    "ed_dyspnea_crf",
    "medmcqa_it",
    "casimedicos_arg_components",
)


class UnknownTask(MeduiError, KeyError):
    def __str__(self) -> str:
        return f"unknown task {self.args[0]!r}: `medui tasks` lists the {len(all_specs())} tasks"

    @property
    def italian(self) -> str:
        return f"compito sconosciuto {self.args[0]!r}: i compiti sono {len(all_specs())}, vedi l'elenco"


@lru_cache(maxsize=1)
def all_specs() -> dict[str, TaskSpec]:
    """Every task spec by id, in id order; a spec whose file name differs from its id is an error."""
    specs = {}
    for path in sorted(SPECS_DIR.glob("*.yaml")):
        spec = load_spec(path)
        if spec.id != path.stem:
            raise ValueError(f"{path.name}: id {spec.id!r} differs from the file name")
        specs[spec.id] = spec
    return specs


def get_spec(task_id: str) -> TaskSpec:
    try:
        return all_specs()[task_id]
    except KeyError:
        raise UnknownTask(task_id) from None


def data_dirs(spec: TaskSpec, roots: list[Path]) -> list[Path]:
    return [root / spec.data_dir for root in roots]


def split_files(spec: TaskSpec, roots: list[Path]) -> dict[str, Path]:
    """split name -> file; later roots (user data) win over earlier ones (shipped assets)."""
    files: dict[str, Path] = {}
    for folder in data_dirs(spec, roots):
        if folder.is_dir():
            for path in sorted(folder.glob("*.jsonl")):
                files[path.stem] = path
    return files


def read_split(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def dataset_card(spec: TaskSpec, roots: list[Path]) -> dict:
    """The YAML front matter of the task's dataset card (README.md), or {}."""
    import yaml

    for folder in reversed(data_dirs(spec, roots)):
        card = folder / "README.md"
        if card.exists():
            text = card.read_text(encoding="utf-8")
            if text.startswith("---"):
                return yaml.safe_load(text.split("---", 2)[1]) or {}
    return {}


def pick_examples(pool: list[dict], k: int, seed: int, exclude_id: str | None = None) -> list[dict]:
    """k few-shot examples drawn deterministically by seed (the record being predicted is never one)."""
    candidates = [r for r in pool if str(r.get("id")) != exclude_id]
    if k <= 0 or not candidates:
        return []
    rng = random.Random(seed)
    return rng.sample(candidates, min(k, len(candidates)))
