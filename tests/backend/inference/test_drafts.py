"""Drafted copy tokens (decoding.py, prompt lookup): the answer is the one decoding token by token gives, with
fewer forward passes when the drafts are right, and a wrong drafted token leaves no trace in what follows."""

from __future__ import annotations

import pytest
import torch

from medui.backend.data.gold import load_split
from medui.backend.inference import decoding, kvbatch, models
from medui.backend.inference.copying import SourceCopy
from medui.backend.inference.engine import Engine, parse_strategy
from medui.tasks.registry import get_spec
from tests.backend.inference.listing import favour_lists

TASKS = ["e3c_clinical_entities", "e3c_measurement_links", "casimedicos_arg_components", "ed_dyspnea_crf"]


@pytest.fixture(scope="module")
def tiny(tiny_model_dir):
    return models.load(str(tiny_model_dir), dtype="float32")


@pytest.fixture
def listing(tiny, monkeypatch):
    """The tiny model made to write list items (their tokens favoured, a list's closing disfavoured), so that
    its answers copy many values from the note, as a trained model's do."""
    favour_lists(tiny, monkeypatch)
    return tiny


def _decode(lm, task_id: str, n: int, draft_tokens: int, limit: int = 96):
    spec = get_spec(task_id)
    engine = Engine(lm, spec, parse_strategy("cd", spec))
    records = load_split(spec, "train")[:n]
    prompts = [engine.prompt_for(r) for r in records]
    sources = [engine.copy_source(r) for r in records]
    return decoding.generate(
        lm, prompts, engine.constraint, limit, sources=sources, draft_tokens=draft_tokens
    )


def _same(a, b) -> None:
    assert [g.token_ids for g in a] == [g.token_ids for g in b]
    assert [(g.stopped, g.steps, g.copies) for g in a] == [(g.stopped, g.steps, g.copies) for g in b]
    for x, y in zip(a, b, strict=True):
        assert torch.allclose(torch.tensor(x.logprobs), torch.tensor(y.logprobs), atol=1e-4)


@pytest.mark.parametrize("task_id", TASKS)
@pytest.mark.parametrize("lists", [False, True])
def test_drafting_gives_the_answer_of_decoding_token_by_token(tiny, request, task_id, lists):
    lm = request.getfixturevalue("listing") if lists else tiny
    _same(_decode(lm, task_id, 3, draft_tokens=0), _decode(lm, task_id, 3, draft_tokens=4))


@pytest.mark.parametrize("task_id", ["e3c_clinical_entities", "ed_dyspnea_crf"])
def test_right_drafts_save_passes_and_a_wrong_one_leaves_no_trace(listing, monkeypatch, task_id):
    """Drafts from an oracle (the next tokens of the answer decoded token by token), with a wrong token after
    them: the same answer, to the log-probabilities, in fewer forward passes."""
    tiny = listing
    reference = _decode(tiny, task_id, 1, draft_tokens=0)[0]
    wrong = tiny.tokenizer.convert_tokens_to_ids(tiny.tokenizer.tokenize(" zzz"))[0]

    def oracle(row, n, limit):
        if row.stopped is not None or len(row.ids) >= len(reference.token_ids):
            return []
        assert row.ids == reference.token_ids[: len(row.ids)]
        right = reference.token_ids[len(row.ids) : len(row.ids) + n - 1]
        return right + [wrong]  # the right tokens, then a wrong one the model never takes here

    passes: list[int] = []
    extend_all = kvbatch.KVBatch.extend_all

    def counted(self, chunks):
        passes.append(len(chunks))
        return extend_all(self, chunks)

    monkeypatch.setattr(kvbatch.KVBatch, "extend_all", counted)
    plain = _decode(tiny, task_id, 1, draft_tokens=0)
    token_by_token = len(passes)
    passes.clear()
    monkeypatch.setattr(decoding, "_draft", oracle)
    drafted = _decode(tiny, task_id, 1, draft_tokens=4)
    assert reference.token_ids
    _same(plain, drafted)
    assert len(passes) < token_by_token, (len(passes), token_by_token)  # the savings: bench/engine_bench.py


def test_a_draft_goes_on_copying_the_source_in_its_longest_tokens():
    source = "febbre alta e tosse"
    by_text = {t: [i] for i, t in enumerate(["feb", "bre", "b", "re", " alta", " al", " e", " tosse", "e"])}
    copy = SourceCopy(source, by_text, closers=[])
    assert copy.draft("feb", 3) == [1, 4, 6]  # "bre", " alta", " e": the longest token text at each place
    assert copy.draft("febbre alta e tosse", 3) == []  # nothing left to copy
    assert copy.draft("", 3) == [] and copy.draft("xyz", 3) == []  # a value's start; not in the source
    assert copy.draft("feb", 0) == []


@pytest.fixture(scope="module")
def tiny_sliding(tiny_model_dir, tmp_path_factory):
    """A tiny random Gemma-3 whose sliding window (8 positions) is far shorter than its prompts, as Gemma-3-270M's
    (512) is shorter than a long note and its answer."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    config = AutoConfig.for_model(
        "gemma3_text", hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, head_dim=8, vocab_size=len(tokenizer), sliding_window=8,
        layer_types=["sliding_attention", "full_attention"], max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.eos_token_id,
    )  # fmt: skip
    torch.manual_seed(1)
    folder = tmp_path_factory.mktemp("tiny-gemma3")
    AutoModelForCausalLM.from_config(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return models.load(str(folder), dtype="float32")


def test_with_a_sliding_window_a_wrong_draft_leaves_no_trace_either(tiny_sliding, monkeypatch):
    """A sliding-window layer counts cache positions: a drafted token masked out but kept would push a real one
    out of the window. The batch drops them (KVBatch.settle), so one note decodes to the same answer."""
    lm = tiny_sliding
    wrong = lm.tokenizer.convert_tokens_to_ids(lm.tokenizer.tokenize(" zzz"))[0]
    for task_id in ("e3c_clinical_entities", "ed_dyspnea_crf"):
        reference = _decode(lm, task_id, 1, draft_tokens=0)

        def wrong_drafts(row, n, limit):
            return [] if row.stopped is not None else [wrong] * n  # never the model's choice here

        with monkeypatch.context() as patched:
            patched.setattr(decoding, "_draft", wrong_drafts)
            drafted = _decode(lm, task_id, 1, draft_tokens=4)
        assert len(reference[0].token_ids) > 8, "longer than the window"
        _same(reference, drafted)


def test_a_batch_of_a_sliding_window_model_is_not_drafted(tiny_sliding, monkeypatch):
    """In a batch, positions one row no longer uses stay while another row's chunk was longer: with a sliding
    window that would shorten the row's window, so a sliding-window model drafts only for a note decoded alone."""
    drafted: list[int] = []
    draft = decoding._draft

    def counted(row, n, limit):
        drafted.append(n)
        return draft(row, n, limit)

    monkeypatch.setattr(decoding, "_draft", counted)
    _decode(tiny_sliding, "e3c_clinical_entities", 2, draft_tokens=4)
    assert drafted and set(drafted) == {0}
    drafted.clear()
    _decode(tiny_sliding, "e3c_clinical_entities", 1, draft_tokens=4)
    assert set(drafted) == {4}
