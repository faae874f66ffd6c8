"""A checkpoint written before a recipe key existed still resumes when the run keeps that key's default."""

from __future__ import annotations

from medui.backend.finetune.loop import same_fingerprint
from medui.backend.finetune.recipe import TrainConfig


def _fingerprint(config: dict) -> dict:
    return {"data": "e31739c9be2221c7", "config": config, "rows": 2426}


def test_a_recipe_key_added_since_the_checkpoint_matches_only_at_its_default():
    current = TrainConfig(epochs=4).to_dict()
    older = {k: v for k, v in current.items() if k not in ("pair_rows", "pair_none_ratio")}
    assert same_fingerprint(_fingerprint(older), _fingerprint(current))
    changed = TrainConfig(epochs=4, pair_rows=True).to_dict()
    assert not same_fingerprint(_fingerprint(older), _fingerprint(changed))
    assert not same_fingerprint(_fingerprint(older), {**_fingerprint(current), "data": "other"})
    assert not same_fingerprint(_fingerprint({**older, "epochs": 3}), _fingerprint(current))
