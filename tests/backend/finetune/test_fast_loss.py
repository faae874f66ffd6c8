"""The fast training loss on tiny random models: the subset loss against the full softmax, the shared prefix
against rows run apart, and the bf16 choice by a timing."""

from __future__ import annotations

import math

import pytest
import torch
from transformers import AutoConfig, AutoModelForCausalLM

from medui.backend.finetune import objective, prefix
from medui.backend.finetune.dataset import IGNORE, TrainRow
from medui.backend.finetune.losses import SubsetLoss, full_loss_sum, outside_mass
from medui.backend.finetune.recipe import TrainConfig

VOCAB = 300


def tiny(kind: str):
    """A 2-layer random model: Llama, or Gemma-3 with a sliding window shorter than the rows."""
    common = {
        "hidden_size": 16,
        "intermediate_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
        "vocab_size": VOCAB,
        "max_position_embeddings": 256,
    }
    if kind == "gemma3_text":
        common |= {"head_dim": 8, "sliding_window": 6, "layer_types": ["sliding_attention", "full_attention"]}
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(AutoConfig.for_model(kind, **common), dtype=torch.float32)
    model.lm_head.weight.requires_grad_(False)
    return model.train()


def rows_sharing(prefix_len: int, lengths: list[int], answer: int = 5, seed: int = 1) -> list[TrainRow]:
    """Rows that start with the same prefix_len tokens and end with `answer` labelled tokens."""
    rng = torch.Generator().manual_seed(seed)
    shared = torch.randint(3, VOCAB, (prefix_len,), generator=rng).tolist()
    rows = []
    for n in lengths:
        ids = shared + torch.randint(3, VOCAB, (n - prefix_len,), generator=rng).tolist()
        rows.append(TrainRow(ids, [IGNORE] * (n - answer) + ids[n - answer :], "task"))
    return rows


def grads(model) -> dict[str, torch.Tensor]:
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("kind", ["llama", "gemma3_text"])
def test_a_shared_prefix_gives_the_loss_and_gradients_of_rows_run_apart(kind):
    model = tiny(kind)
    rows = rows_sharing(20, [31, 27, 35])
    assert prefix.shared_length(rows) == 20
    runs = []
    for run in (prefix.states_and_targets, prefix.plain_states_and_targets):
        model.zero_grad()
        states, targets = run(model.get_decoder(), rows, pad_id=0, device="cpu")
        loss = full_loss_sum(model.lm_head, None, states, targets)
        loss.backward()
        runs.append((loss.item(), targets.tolist(), grads(model)))
    (shared_loss, shared_targets, shared_grads), (apart_loss, apart_targets, apart_grads) = runs
    assert shared_targets == apart_targets and len(shared_targets) == 15
    assert shared_loss == pytest.approx(apart_loss, rel=1e-5)
    for name, grad in apart_grads.items():
        torch.testing.assert_close(shared_grads[name], grad, rtol=1e-4, atol=1e-6)


def test_the_prefix_stops_before_the_first_state_that_predicts_a_label():
    rows = rows_sharing(20, [31, 27])
    rows[1].labels[10] = rows[1].input_ids[10]  # a label inside the shared tokens
    assert prefix.shared_length(rows) == 9


def test_the_subset_loss_is_the_full_softmax_when_every_other_token_is_drawn():
    model = tiny("llama")
    rows = rows_sharing(4, [12, 15])
    states, targets = prefix.plain_states_and_targets(model.get_decoder(), rows, 0, "cpu")
    full_states = states.detach().requires_grad_()
    full = full_loss_sum(model.lm_head, None, full_states, targets)
    full.backward()
    subset = SubsetLoss(model.lm_head, rows, [0, 1, 2], negatives=VOCAB, seed=0)
    assert 0 < subset.size < VOCAB and subset.negatives == VOCAB - subset.size
    fast_states = states.detach().requires_grad_()
    fast = subset(fast_states, targets, None)
    fast.backward()
    assert fast.item() == pytest.approx(full.item(), rel=1e-5)
    torch.testing.assert_close(fast_states.grad, full_states.grad, rtol=1e-4, atol=1e-6)


def test_without_negatives_the_subset_loss_misses_exactly_the_mass_outside_it():
    """full - subset = -log(1 - p_outside) at each position: the documented bound of the approximation."""
    model = tiny("gemma3_text")
    rows = rows_sharing(4, [12])
    batch = {
        "input_ids": torch.tensor([rows[0].input_ids]),
        "attention_mask": torch.ones(1, 12, dtype=torch.long),
        "labels": torch.tensor([rows[0].labels]),
    }
    subset = SubsetLoss(model.lm_head, rows, [], negatives=0, seed=0)
    with torch.no_grad():
        states, targets = prefix.plain_states_and_targets(model.get_decoder(), rows, 0, "cpu")
        gaps = []
        for i in range(len(targets)):
            one = (states[i : i + 1], targets[i : i + 1])
            gaps.append(full_loss_sum(model.lm_head, None, *one).item() - subset(*one, None).item())
        logits = model.lm_head(states)
        outside = 1 - torch.softmax(logits, -1)[:, subset.subset].sum(-1)
    assert all(g > 0 for g in gaps)
    assert gaps == pytest.approx([-math.log(1 - p) for p in outside.tolist()], rel=1e-3)
    assert outside_mass(model, batch, subset.subset) == pytest.approx(outside.mean().item(), rel=1e-4)


def test_softcapped_logits_take_the_same_loss_and_gradient():
    model = tiny("llama")
    rows = rows_sharing(4, [14])
    states, targets = prefix.plain_states_and_targets(model.get_decoder(), rows, 0, "cpu")
    a, b = states.detach().requires_grad_(), states.detach().requires_grad_()
    full = full_loss_sum(model.lm_head, 0.5, a, targets)
    fast = SubsetLoss(model.lm_head, rows, [], negatives=VOCAB, seed=0)(b, targets, 0.5)
    (full + fast).backward()
    assert fast.item() == pytest.approx(full.item(), rel=1e-5)
    torch.testing.assert_close(b.grad, a.grad, rtol=1e-4, atol=1e-6)


def test_negatives_are_drawn_from_the_seed_and_the_draw_number():
    model = tiny("llama")
    subset = SubsetLoss(model.lm_head, rows_sharing(4, [12]), [], negatives=8, seed=3)
    assert torch.equal(subset.sample(5)[0], subset.sample(5)[0])
    assert not torch.equal(subset.sample(5)[0], subset.sample(6)[0])
    shift = subset.sample(5)[1]
    assert shift[: subset.size].abs().max() == 0
    assert shift[subset.size :].tolist() == pytest.approx([math.log((VOCAB - subset.size) / 8)] * 8)


def test_bf16_is_chosen_by_a_timing_and_the_flag_rule_stays_an_option(monkeypatch):
    objective.bf16_pays.cache_clear()
    timings = {torch.float32: 1.0, torch.bfloat16: 2.0}
    monkeypatch.setattr(objective, "matmul_seconds", lambda dtype: timings[dtype])
    monkeypatch.setattr(objective.models, "cpu_has_bf16", lambda: True)
    assert not objective.use_bf16(TrainConfig(bf16="auto"), "cpu")  # slower here, whatever the flag says
    assert objective.use_bf16(TrainConfig(bf16="flag"), "cpu")
    objective.bf16_pays.cache_clear()
    timings[torch.bfloat16] = 0.5
    assert objective.use_bf16(TrainConfig(bf16="auto"), "cpu")
    objective.bf16_pays.cache_clear()


def test_every_labelled_token_of_a_step_weighs_the_same_whatever_its_micro_batch():
    """Rows with one-token answers batched together (as length sorting batches empty answers) take no more
    weight a token than rows with long answers: the step's gradient is that of the mean over all its tokens."""
    from medui.backend.finetune.dataset import TrainData
    from medui.backend.finetune.loop import Loop, token_scale

    model = tiny("llama")
    short = rows_sharing(0, [12, 14], answer=1, seed=2)
    long = rows_sharing(0, [30, 32], answer=9, seed=3)
    rows = short + long
    config = TrainConfig(batch_size=2, grad_accum=2, loss_vocab="full", share_prefix=False, bf16=False)
    loop = Loop(model, TrainData(rows, "s"), config, 0, "cpu", None, None, None)
    plan = [[0, 1], [2, 3]]
    loop.scale = token_scale(plan, rows)
    assert loop.scale == 10  # (2 + 18) labelled positions over 2 micro-batches
    model.zero_grad()
    step_loss, _ = loop.accumulate(plan, autocast=False)
    got = grads(model)

    model.zero_grad()
    states, targets = prefix.plain_states_and_targets(model.get_decoder(), rows, pad_id=0, device="cpu")
    mean = full_loss_sum(model.lm_head, None, states, targets) / len(targets)
    mean.backward()
    assert len(targets) == 20 and step_loss == pytest.approx(mean.item(), rel=1e-5)
    for name, grad in grads(model).items():
        torch.testing.assert_close(got[name], grad, rtol=1e-4, atol=1e-7)
