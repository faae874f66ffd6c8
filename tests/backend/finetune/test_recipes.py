"""Every shipped recipe loads; the settings of the fast loop are checked when a recipe is read."""

from __future__ import annotations

import pytest

from medui.backend.data.inputs import InputError
from medui.backend.finetune.recipe import RECIPES_DIR, TrainConfig, load_recipe


@pytest.mark.parametrize("path", sorted(RECIPES_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_recipe_loads(path):
    config = load_recipe(path.stem)
    assert config.loss_vocab in ("subset", "full")


@pytest.mark.parametrize("name", ["gemma-3-270m-ft-all", "smollm2-135m-ft-all"])
def test_the_all_rows_recipes_train_every_task_with_the_fast_loop(name):
    config = load_recipe(name)
    assert config.tasks == "all" and config.data == "gold" and config.epochs >= 3
    assert (config.loss_vocab, config.share_prefix, config.bf16) == ("subset", True, "auto")


@pytest.mark.parametrize(
    "bad", [{"bf16": "sometimes"}, {"loss_vocab": "half"}, {"negatives": -1}], ids=lambda b: next(iter(b))
)
def test_a_bad_fast_loop_setting_is_refused_with_its_name(bad):
    with pytest.raises(InputError, match=next(iter(bad))):
        TrainConfig(**bad)
