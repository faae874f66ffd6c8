"""bench/gpu_check.py: training and batched cd on a random-weight model of a given shape. Here on the CPU with the
tiny shape (the script itself works); where a CUDA device is lent, on Qwen3-1.7B's shape (`gpu` marker)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "gpu_check.py"


def _gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _assert_report(report: dict, batches: list[int], steps: int) -> None:
    assert report["training"]["steps"] == steps and report["training"]["tokens_per_s"] > 0
    assert [row["batch_size"] for row in report["decoding"]] == batches
    assert all(row["valid_rate"] == 1.0 and row["records_per_s"] > 0 for row in report["decoding"])


def test_the_check_runs_on_the_cpu_with_the_tiny_shape(medui_home, tmp_path):
    out = tmp_path / "check.json"
    report = _gpu_check().main(["--device", "cpu", "--shape", "tiny", "--steps", "2", "--batches", "1,2",
                                "--records", "2", "--out", str(out)])  # fmt: skip
    _assert_report(report, [1, 2], 2)
    assert out.exists() and report["device"] == "cpu"
    assert not (medui_home / "adapters" / "gpu-check").exists(), "the check trains in a temporary home"


@pytest.mark.gpu
def test_qwen3_1_7b_shape_trains_and_decodes_in_batches_on_cuda(medui_home, tmp_path):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    report = _gpu_check().main(["--device", "cuda", "--shape", "qwen3-1.7b", "--steps", "5",
                                "--out", str(tmp_path / "gpu_check.json")])  # fmt: skip
    _assert_report(report, [1, 32], 5)
    assert report["training"]["bf16_autocast"]
    batch_1, batch_32 = report["decoding"]
    assert batch_32["records_per_s"] > batch_1["records_per_s"], "batching must pay on a GPU"
