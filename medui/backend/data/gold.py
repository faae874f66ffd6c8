"""Gold data on disk: shipped assets plus what users imported, read through the pure registry."""

from __future__ import annotations

from pathlib import Path

from medui.config import ASSETS_DATA_DIR, get_settings
from medui.errors import MeduiError
from medui.tasks import registry
from medui.tasks.spec import TaskSpec


class UnknownSplit(MeduiError, KeyError):
    def __str__(self) -> str:
        task, split, known = self.args
        return f"task {task!r} has no split {split!r} (splits: {', '.join(known) or 'none'})"


def data_roots() -> list[Path]:
    """Shipped data first, the user's imports last (a user split replaces a shipped one of the same name)."""
    return [ASSETS_DATA_DIR, get_settings().user_data_dir]


def split_counts(spec: TaskSpec) -> dict[str, int]:
    """split name -> number of records."""
    counts = {}
    for name, path in registry.split_files(spec, data_roots()).items():
        with open(path, encoding="utf-8") as fh:
            counts[name] = sum(1 for line in fh if line.strip())
    return counts


def load_split(spec: TaskSpec, split: str) -> list[dict]:
    files = registry.split_files(spec, data_roots())
    if split not in files:
        raise UnknownSplit(spec.id, split, sorted(files))
    return registry.read_split(files[split])


def fewshot_pool(spec: TaskSpec) -> list[dict]:
    """Records few-shot examples are drawn from: the spec's few-shot split (of another task if it says so)."""
    source = registry.get_spec(spec.fewshot_task) if spec.fewshot_task else spec
    try:
        return load_split(source, spec.fewshot_split)
    except UnknownSplit:
        return []


def card(spec: TaskSpec) -> dict:
    return registry.dataset_card(spec, data_roots())


def user_split_path(spec: TaskSpec, split: str) -> Path:
    return get_settings().user_data_dir / spec.data_dir / f"{split}.jsonl"
