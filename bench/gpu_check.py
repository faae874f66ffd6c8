"""GPU check: LoRA training and batched constrained decoding on a random-weight model of a real model's shape.

Real weights cannot be fetched where a GPU is lent, so the model is built from a config (random weights) with the
SmolLM2 tokenizer that ships with medui (its 49,152-token vocabulary instead of the real model's). It reports:
- training: a few optimizer steps of the sft_lora_gpu recipe (bf16 autocast on CUDA) on gold rows, tokens/s;
- decoding: the local engine's cd on the same records at batch 1 and at batch 32, records/s and tokens/s.
The scores mean nothing (random weights); every output must still fit the task's schema (valid_rate 1.0).

    python bench/gpu_check.py --device cuda --shape qwen3-1.7b --out bench/results/gpu_check.json
    python bench/gpu_check.py --device cpu --shape tiny --steps 2 --batches 1,2 --records 2   # a smoke run here
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from medui.config import get_settings  # noqa: E402

SHAPES = {  # model_type and config of each shape (Qwen3-1.7B's published config; a tiny one for a smoke run)
    "qwen3-1.7b": ("qwen3", dict(hidden_size=2048, intermediate_size=6144, num_hidden_layers=28,
                                 num_attention_heads=16, num_key_value_heads=8, head_dim=128,
                                 tie_word_embeddings=True, rope_theta=1000000.0)),
    "tiny": ("qwen3", dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                           num_key_value_heads=1, head_dim=16, tie_word_embeddings=True)),
}  # fmt: skip
TASK = "e3c_clinical_entities"


def build_model(shape: str, folder: Path) -> Path:
    """A random-weight model of `shape` saved with the SmolLM2 tokenizer into `folder`."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from medui.backend.inference.gguf import _gguf_file

    gguf = _gguf_file("smollm2-135m-instruct")
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model_type, sizes = SHAPES[shape]
    config = AutoConfig.for_model(
        model_type, vocab_size=len(tokenizer), max_position_embeddings=4096, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, **sizes,
    )  # fmt: skip
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def check_training(model_dir: Path, device: str, steps: int) -> dict:
    from medui.backend.finetune import dataset, loop, train
    from medui.backend.finetune.recipe import load_recipe

    recipe = "sft_lora_gpu" if device == "cuda" else "sft_lora_cpu"
    config = load_recipe(recipe).with_overrides(max_steps=steps)
    data = dataset.sft_dataset(
        [TASK], "gold", train.load_tokenizer(str(model_dir)), max_length=config.max_length
    )
    result = train.train(str(model_dir), data, config, name="gpu-check", device=device)
    run = result.meta.get("training", {})
    return {
        "recipe": recipe, "steps": result.steps, "batch_size": config.batch_size, "seconds": round(result.seconds, 1),
        "tokens_per_s": run.get("tokens_per_s"), "bf16_autocast": loop.use_bf16(config, device),
        "loss_before": result.loss_before, "loss_after": result.loss_after,
    }  # fmt: skip


def check_decoding(model_dir: Path, device: str, batches: list[int], n: int) -> list[dict]:
    from medui.backend.evaluation import load_eval_records, runner
    from medui.backend.inference import models
    from medui.tasks.registry import get_spec

    spec = get_spec(TASK)
    records = load_eval_records(spec, spec.eval_split, n)
    lm = models.load(str(model_dir), device, "bfloat16" if device == "cuda" else "float32")
    rows = []
    for batch in batches:
        engine = runner.build_engine(lm, spec, "cd", batch_size=batch)
        start = time.perf_counter()
        metrics = runner.evaluate(engine, records).metrics
        seconds = time.perf_counter() - start
        rows.append({
            "batch_size": batch, "records": len(records), "seconds": round(seconds, 2),
            "records_per_s": round(len(records) / seconds, 2),
            "output_tokens_per_s": round(metrics["output_tokens"] / seconds, 1), "valid_rate": metrics["valid_rate"],
        })  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--shape", choices=sorted(SHAPES), default="qwen3-1.7b")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--records", type=int, default=32)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    import torch

    home = os.environ.get("MEDUI_HOME")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # the adapter and the database stay in a temporary home
            os.environ["MEDUI_HOME"] = str(Path(tmp) / "home")
            get_settings.cache_clear()
            model_dir = build_model(args.shape, Path(tmp) / args.shape)
            batches = [int(b) for b in args.batches.split(",")]
            report = {
                "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
                "torch": torch.__version__, "shape": args.shape, "task": TASK,
                "training": check_training(model_dir, args.device, args.steps),
                "decoding": check_decoding(model_dir, args.device, batches, args.records),
            }  # fmt: skip
    finally:
        if home is None:
            os.environ.pop("MEDUI_HOME", None)
        else:
            os.environ["MEDUI_HOME"] = home
        get_settings.cache_clear()
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return report


if __name__ == "__main__":
    main()
