"""LoRA training on a CUDA device (bf16 autocast there): the adapter learns and loads back on the GPU."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def test_lora_training_runs_on_the_gpu(tiny_llama, tmp_path, monkeypatch):
    from medui.backend.finetune import dataset, loop, train
    from medui.backend.finetune.recipe import load_recipe
    from medui.backend.inference import models
    from medui.config import get_settings

    monkeypatch.setenv("MEDUI_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    try:
        data = dataset.sft_dataset(
            ["medqa_it"], "gold", train.load_tokenizer(str(tiny_llama)), max_length=512
        )
        config = load_recipe("sft_lora_gpu").with_overrides(max_steps=20, learning_rate=1e-2)
        assert loop.use_bf16(config, "cuda")
        result = train.train(str(tiny_llama), data, config, name="gpu-tiny", device="cuda")
        assert result.loss_after < result.loss_before
        adapter = models.load("gpu-tiny", "cuda", "bfloat16")
        base = models.load(str(tiny_llama), "cuda", "bfloat16")
        assert next(adapter.model.parameters()).is_cuda
        ids = torch.tensor([data.rows[0].input_ids[:64]], device="cuda")
        with torch.no_grad():
            assert not torch.allclose(adapter.model(ids).logits, base.model(ids).logits)
    finally:
        models.unload()
        get_settings.cache_clear()
