"""The model variants the app shows (bundled, local, adapters with lineage and scores, the configured server's
models), and loading them."""

from __future__ import annotations

import json
import os
from pathlib import Path

from medui.backend.data.inputs import InputError
from medui.backend.inference import models
from medui.backend.inference.openai_client import ServingError, listed_models, shown_url
from medui.backend.inference.types import GenerationBackend, Variant
from medui.backend.service.core import MODEL_LOCK, allowed, checked_model, default_model
from medui.backend.service.evaluations import shipped_adapter_scores
from medui.backend.service.running import drop_engines
from medui.backend.service.training import before_after
from medui.backend.store.db import session_scope
from medui.config import SHIPPED_MODELS_DIR, get_settings


def folder_bytes(path: Path | None) -> int | None:
    """Bytes of the files in a folder (weights, tokenizer), or None without a folder."""
    if path is None or not path.is_dir():
        return None
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _human(n: float | None, unit: str = "B") -> str:
    if n is None:
        return "-"
    for prefix in ("", "K", "M", "G"):
        if abs(n) < 1024 or prefix == "G":
            return f"{n:.0f} {prefix}{unit}" if prefix == "" else f"{n:.1f} {prefix}{unit}"
        n /= 1024
    return "-"


def _folder_lineage(folder: Path | None) -> dict:
    """An adapter's medui.json when the database does not hold it (a shipped adapter), its record list counted."""
    path = folder / "medui.json" if folder else None
    if path is None or not path.exists():
        return {}
    meta = json.loads(path.read_text(encoding="utf-8"))
    data = meta.get("data") or {}
    if isinstance(data.get("records"), list):
        meta["data"] = {**data, "records": f"{len(data['records'])} records (listed in {path})"}
    return meta


def _registered() -> dict[str, dict]:
    """Adapters registered in the database: lineage and before/after scores, by name."""
    from sqlmodel import select

    from medui.backend.store.tables import ModelVariant

    with session_scope() as session:
        return {
            v.name: {"base": v.base, "tasks": list(v.tasks or []), "lineage": dict(v.lineage or {}),
                     "scores": dict(v.scores or {}), "description": v.description}
            for v in session.exec(select(ModelVariant))
        }  # fmt: skip


def model_rows() -> list[dict]:
    """Every variant: kind, size on disk, whether and where it is loaded, and for adapters lineage and scores;
    then the models of the configured server (MEDUI_OPENAI_BASE_URL, its first MAX_LISTED), and a row saying
    why it cannot be reached or that its list is cut."""
    from medui.backend.finetune.jobs import sweep

    sweep()  # a job killed between installing and registering its adapter must not list it
    loaded = {lm.name: lm for lm in models.loaded()}
    registered = _registered()
    variants = {v["name"]: v for v in models.list_variants()}  # read once, not once a row
    served, note = listed_models()
    rows = []
    for name in dict.fromkeys([default_model(), *variants, *registered, *loaded, *served]):
        rows.append(model_row(name, loaded.get(name), registered.get(name, {}), variants))
    if note:
        rows.append(server_error_row(note, variants))
    return rows


def server_error_row(error: str, variants: dict[str, dict] | None = None) -> dict:
    """The row of a configured server that does not answer, or lists more than is shown (its kind says so)."""
    return {**model_row("openai:?", None, {}, variants), "kind": error, "description": error}


def _server_url() -> str:
    return shown_url(get_settings().openai_base_url or "")


def model_row(
    name: str, lm: GenerationBackend | None, registered: dict, variants: dict | None = None
) -> dict:
    """One variant as plain data for the Modelli page (`variants`: list_variants by name, when already read)."""
    if variants is None:
        variants = {v["name"]: v for v in models.list_variants()}
    listed, (variant, kind) = variants.get(name, {}), _resolved(name)
    folder = variant.path if variant is not None else None  # a server's model has nothing on disk
    info = lm.info() if lm is not None else {}
    if variant is not None and variant.served:  # where it runs, whether or not a run has connected to it
        listed, info = {"params": "-"}, {"device": f"server {_server_url()}", "dtype": "-"}
    lineage = registered.get("lineage") or (_folder_lineage(folder) if kind == "adapter" else {})
    return {
        "name": name, "kind": kind, "default": name == default_model(),
        "description": listed.get("description") or registered.get("description") or "",
        "params": listed.get("params") or _human(info.get("parameters"), ""),
        "disk": _human(folder_bytes(folder)), "loaded": lm is not None,
        "device": info.get("device", "-"), "dtype": info.get("dtype", "-"), "memory": _human(info.get("memory")),
        "base": registered.get("base") or listed.get("base"), "tasks": registered.get("tasks") or [],
        "lineage": lineage, "scores": before_after(registered.get("scores")),
    }  # fmt: skip


def _resolved(name: str) -> tuple[Variant | None, str]:
    """What a variant name resolves to and its kind, or None and why it cannot be used."""
    try:
        variant = models.resolve(name)
    except models.ModelError as exc:
        return None, f"non disponibile ({exc.italian})"
    return variant, variant.kind


MAX_CARD_CHARS = 200_000  # a model card longer than this is cut (a folder from elsewhere may hold anything)


def adapter_detail(name: str, *, paired: bool = True) -> dict:
    """An adapter's model card (README.md in its folder, Markdown, or None), lineage and before/after scores
    (service.before_after's rows) with where the scores come from: the evaluation stored when it was trained
    here, else, for an adapter shipped with medui, the study shipped with it (bench/results/study). `paired`:
    with the paired interval against the reference (seconds the first time for a shipped adapter)."""
    variant, kind = _resolved(name)
    if variant is None or kind != "adapter":
        raise InputError(f"{name!r} non è un adattatore")
    registered = _registered().get(variant.name, {})
    scores, source = registered.get("scores"), "stored"
    if (
        not (scores or {}).get("tasks")
        and variant.path is not None
        and variant.path.parent == SHIPPED_MODELS_DIR
    ):
        base = variant.base.name if variant.base is not None else ""
        scores, source = shipped_adapter_scores(variant.name, base, paired=paired), "study"
    card_path = variant.path / "README.md" if variant.path is not None else None
    card = (
        card_path.read_text(encoding="utf-8", errors="replace") if card_path and card_path.is_file() else None
    )
    if card is not None and len(card) > MAX_CARD_CHARS:
        card = (
            card[:MAX_CARD_CHARS]
            + f"\n\n(scheda tagliata a {MAX_CARD_CHARS} caratteri: il resto è in {card_path})"
        )
    lineage = registered.get("lineage") or _folder_lineage(variant.path)
    rows = before_after(scores)
    return {"name": variant.name, "card": card, "lineage": lineage, "scores": rows,
            "source": source if rows else None, "limit": (scores or {}).get("limit")}  # fmt: skip


def process_memory() -> str:
    """This process's resident memory, and the GPU memory in use when there is a GPU."""
    rss = None
    status = Path(f"/proc/{os.getpid()}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    text = f"memoria del processo: {_human(rss)}"
    if any(lm.device == "cuda" for lm in models.loaded()):
        import torch

        text += f"; GPU: {_human(torch.cuda.memory_allocated())} in uso"
    return text


def load_model(name: str, username: str | None = None) -> dict:
    """Load a variant (researchers only); returns its row."""
    allowed(username, "models")
    with MODEL_LOCK:
        try:
            lm = models.load(checked_model(name))
            lm.check()  # a served model: the server answers and serves it
        except (models.ModelError, ServingError) as exc:
            raise type(exc)(exc.italian) from None  # the app speaks Italian
    return model_row(lm.name, lm, _registered().get(lm.name, {}))


def unload_model(name: str | None, username: str | None = None) -> int:
    """Unload a variant (or all of them); returns how many were unloaded."""
    allowed(username, "models")
    with MODEL_LOCK:
        drop_engines(name or None)
        return models.unload(name or None)
