"""Model variants: what a name resolves to, and the clear errors when it cannot be used."""

from __future__ import annotations

import json

import pytest

from medui.backend.inference import models


def test_bundled_names_resolve_without_loading(medui_home):
    variant = models.resolve("gemma-3-270m")
    assert variant.kind == "bundled" and variant.name == "gemma-3-270m"
    names = {row["name"] for row in models.list_variants()}
    assert {"gemma-3-270m", "smollm2-135m-instruct"} <= names


def test_a_local_folder_loads_once_and_is_cached(tiny_model_dir, medui_home):
    variant = models.resolve(str(tiny_model_dir))
    assert variant.kind == "local"
    first = models.load(str(tiny_model_dir), device="cpu", dtype="float32")
    assert models.load(str(tiny_model_dir), device="cpu", dtype="float32") is first
    assert first.dtype == "float32" and first.device == "cpu"
    assert models.unload(str(tiny_model_dir)) == 1


def test_a_hub_id_missing_from_the_cache_is_a_clear_error(medui_home, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(models.ModelError, match="not in the local Hugging Face cache"):
        models.resolve("Qwen/Qwen3-0.6B")


@pytest.mark.parametrize("name", ["nope", "", "../../etc"])
def test_unknown_names_are_refused(medui_home, name):
    with pytest.raises(models.ModelError):
        models.resolve(name)


def test_a_folder_that_is_no_model_is_refused(medui_home, tmp_path):
    (tmp_path / "junk").mkdir()
    with pytest.raises(models.ModelError, match="neither a model folder"):
        models.resolve(str(tmp_path / "junk"))


def test_an_adapter_folder_resolves_to_its_base(medui_home, tiny_model_dir):
    from peft import LoraConfig, get_peft_model

    base = models.load(str(tiny_model_dir), device="cpu", dtype="float32")
    peft_model = get_peft_model(base.model, LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))
    folder = models.get_settings().adapters_dir / "mine"
    peft_model.save_pretrained(folder)
    (folder / "medui.json").write_text(json.dumps({"base": str(tiny_model_dir)}), encoding="utf-8")
    models.unload()
    variant = models.resolve("mine")
    assert variant.kind == "adapter" and variant.base.kind == "local"
    loaded = models.load("mine", device="cpu", dtype="float32")
    assert loaded.variant.kind == "adapter"
    assert any(row["name"] == "mine" and row["kind"] == "adapter" for row in models.list_variants())
    models.unload()


def test_bad_device_and_dtype_are_refused():
    with pytest.raises(models.ModelError):
        models.pick_device("tpu")
    with pytest.raises(models.ModelError):
        models.pick_dtype("cpu", "int3")


def test_a_shipped_adapter_resolves_by_name_and_is_listed_once(
    medui_home, tiny_model_dir, tmp_path, monkeypatch
):
    from peft import LoraConfig, get_peft_model

    base = models.load(str(tiny_model_dir), device="cpu", dtype="float32")
    peft_model = get_peft_model(base.model, LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))
    shipped = tmp_path / "assets-models"
    for folder in (shipped / "tiny-ft", models.get_settings().adapters_dir / "tiny-ft"):
        peft_model.save_pretrained(folder)
        meta = {"base": str(tiny_model_dir), "description": f"from {folder.parent.name}"}
        (folder / "medui.json").write_text(json.dumps(meta), encoding="utf-8")
    models.unload()
    monkeypatch.setattr(models, "SHIPPED_MODELS_DIR", shipped)
    variant = models.resolve("tiny-ft")
    assert variant.kind == "adapter" and variant.path == shipped / "tiny-ft"
    rows = [row for row in models.list_variants() if row["name"] == "tiny-ft"]
    assert [(r["kind"], r["description"]) for r in rows] == [("shipped", "from assets-models")]
    assert models.load("tiny-ft", device="cpu", dtype="float32").variant.path == shipped / "tiny-ft"
    models.unload()


def test_the_shipped_fine_tuned_gemma_is_the_default_and_is_meant_for_cd(medui_home, monkeypatch):
    from medui import config

    assert (config.SHIPPED_MODELS_DIR / "gemma-3-270m-ft" / "adapter_config.json").exists()
    monkeypatch.delenv("MEDUI_MODEL", raising=False)
    config.get_settings.cache_clear()
    assert config.get_settings().model == "gemma-3-270m-ft"
    assert [r["name"] for r in models.list_variants() if r["default"]] == ["gemma-3-270m-ft"]
    assert models.intended_strategy("gemma-3-270m-ft") == "cd"
    assert models.intended_strategy(None) == "cd"  # the default model's
    assert models.intended_strategy("gemma-3-270m") == "few-shot+cd"
    assert models.intended_strategy("nope") == "few-shot+cd"  # loading it will say what is wrong
    monkeypatch.setattr(config, "SHIPPED_MODELS_DIR", medui_home / "no-assets")
    config.get_settings.cache_clear()
    assert config.get_settings().model == "gemma-3-270m"  # without the adapter: the bundled base


def test_an_adapter_trained_on_answers_gets_cd_and_a_cpt_one_few_shot_cd(medui_home, tiny_model_dir):
    from peft import LoraConfig, get_peft_model

    base = models.load(str(tiny_model_dir), device="cpu", dtype="float32")
    peft_model = get_peft_model(base.model, LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))
    for name, objective in (("answers", "sft"), ("language", "cpt")):
        folder = models.get_settings().adapters_dir / name
        peft_model.save_pretrained(folder)
        meta = {"base": str(tiny_model_dir), "objective": objective}
        (folder / "medui.json").write_text(json.dumps(meta), encoding="utf-8")
    models.unload()
    assert models.intended_strategy("answers") == "cd"
    assert models.intended_strategy("language") == "few-shot+cd"
    from medui.backend.evaluation import runner

    engine = runner.build_engine("answers", "e3c_clinical_entities", device="cpu", dtype="float32")
    assert engine.strategy.name == "cd"  # no strategy given: the model's own
    models.unload()
