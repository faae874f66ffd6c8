"""The three systems of bench/fast_bench.py, each run in its own child process (its peak RSS its own).

    python bench/fast_systems.py naive|peer|medui WORK.json [--threads 2] [--lead-space] [--no-outlines-fix]

WORK.json (written by fast_bench.py) holds the task, the prompts, the JSON schema and the token budget; the child
prints one JSON line: the raw outputs with their token counts and seconds, load and setup time, peak RSS, notes.
Only the standard library is imported at the top: the peer runs in any interpreter with llama-cpp-python.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL, STRATEGY, SEED = "gemma-3-270m", "few-shot+cd", 0
SPIECE_UNDERLINE = "\u2581"


def peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def records_for(task: str, limit: int) -> tuple:
    """The task's spec, kind and the first `limit` records of its evaluation split."""
    from medui.backend.evaluation import load_eval_records
    from medui.tasks.kinds import kind_for
    from medui.tasks.registry import get_spec

    spec = get_spec(task)
    return spec, kind_for(spec), load_eval_records(spec, spec.eval_split, limit)


def patch_outlines_gemma() -> None:
    """outlines adds a space to every SentencePiece-marked token; Gemma's tokenizer already returns it."""
    from outlines.models.transformers import TransformerTokenizer

    def convert_token_to_string(self, token: str) -> str:
        text = self.tokenizer.convert_tokens_to_string([token])
        if (token.startswith(SPIECE_UNDERLINE) or token == "<0x20>") and not text.startswith(" "):
            return " " + text
        return text

    TransformerTokenizer.convert_token_to_string = convert_token_to_string


def run_naive(work: dict, lead_space: bool, fix: bool) -> dict:
    import outlines
    from outlines.types import JsonSchema, Regex
    from outlines_core.json_schema import build_regex_from_schema

    from medui.backend.inference import models

    if fix:
        patch_outlines_gemma()
    start = time.perf_counter()
    lm = models.load(MODEL, dtype="float32")
    load_s = time.perf_counter() - start
    schema = json.dumps(work["schema"])
    special = set(lm.tokenizer.all_special_ids)
    outputs, build_s = [], 0.0
    loop = time.perf_counter()
    for rec in work["records"]:
        t0 = time.perf_counter()
        model = outlines.from_transformers(lm.model, lm.tokenizer)
        output_type = Regex(" " + build_regex_from_schema(schema)) if lead_space else JsonSchema(schema)
        generator = outlines.Generator(model, output_type=output_type)
        built = time.perf_counter()
        generated: list = []
        inner = model._generate_output_seq  # count the generated ids, which outlines does not return

        def counting(*args, _inner=inner, _box=generated, **kwargs):
            _box.append(_inner(*args, **kwargs))
            return _box[-1]

        model._generate_output_seq = counting
        raw = generator(rec["prompt"], max_new_tokens=work["max_new_tokens"], do_sample=False)
        done = time.perf_counter()
        ids = [int(t) for t in generated[0].reshape(-1)] if generated else []
        build_s += built - t0
        outputs.append(
            {
                "id": rec["id"],
                "raw": raw,
                "tokens": sum(1 for t in ids if t not in special),
                "prompt_tokens": len(lm.tokenizer(rec["prompt"])["input_ids"]),
                "seconds": round(done - t0, 3),
            }
        )
        loop += time.perf_counter() - done  # the counting above is not the system's time
    seconds = time.perf_counter() - loop
    notes = {"outlines_gemma_fix": fix, "whitespace": "outlines default [ ]?", "lead_space": lead_space}
    return _result(outputs, seconds, load_s, build_s, lm.dtype, notes)


def run_peer(work: dict, lead_space: bool, threads: int) -> dict:
    import llama_cpp
    from llama_cpp import Llama, LlamaGrammar
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    path, budget = work["gguf"], work["max_new_tokens"]
    start = time.perf_counter()
    vocab = Llama(model_path=path, vocab_only=True, verbose=False)
    longest = max(len(vocab.tokenize(r["prompt"].encode(), special=True)) for r in work["records"])
    n_ctx = -(-(longest + budget + 16) // 256) * 256
    del vocab
    llm = Llama(
        model_path=path,
        n_ctx=n_ctx,
        n_threads=threads,
        n_threads_batch=threads,
        seed=SEED,
        verbose=False,
    )
    load_s = time.perf_counter() - start
    t0 = time.perf_counter()
    gbnf = json_schema_to_gbnf(json.dumps(work["schema"]))
    if lead_space:  # the one space medui's regex starts with (the prompt ends at 'Risposta:')
        gbnf = re.sub(r"^root ::=", "json-root ::=", gbnf, flags=re.M) + '\nroot ::= " " json-root\n'
    grammar = LlamaGrammar.from_string(gbnf, verbose=False)
    build_s = time.perf_counter() - t0
    outputs = []
    loop = time.perf_counter()
    for rec in work["records"]:
        t0 = time.perf_counter()
        out = llm.create_completion(
            rec["prompt"], max_tokens=budget, temperature=0.0, repeat_penalty=1.0, grammar=grammar, seed=SEED
        )
        outputs.append(
            {
                "id": rec["id"],
                "raw": out["choices"][0]["text"],
                "tokens": out["usage"]["completion_tokens"],
                "prompt_tokens": out["usage"]["prompt_tokens"],
                "seconds": round(time.perf_counter() - t0, 3),
            }
        )
    seconds = time.perf_counter() - loop
    notes = {
        "llama_cpp_python": llama_cpp.__version__,
        "n_ctx": n_ctx,
        "n_threads": threads,
        "weights": "Q4_K_M as stored in the GGUF",
        "lead_space": lead_space,
    }
    return _result(outputs, seconds, load_s, build_s, "q4_k_m", notes)


def run_medui(work: dict) -> dict:
    from medui.backend.evaluation import runner
    from medui.backend.inference import models

    spec, _, records = records_for(work["task"], work["limit"])
    start = time.perf_counter()
    lm = models.load(MODEL)
    load_s = time.perf_counter() - start
    t0 = time.perf_counter()
    engine = runner.build_engine(lm, spec, STRATEGY, seed=SEED)
    build_s = time.perf_counter() - t0
    same = [engine.prompt_for(r) == w["prompt"] for r, w in zip(records, work["records"], strict=True)]
    result = runner.evaluate(engine, records)
    outputs = [
        {
            "id": str(r.get("id")),
            "raw": p.raw,
            "tokens": p.output_tokens,
            "prompt_tokens": p.prompt_tokens,
            "seconds": round(p.latency, 3),
        }
        for r, p in zip(records, result.predictions, strict=True)
    ]
    m = result.metrics
    notes = {
        "prompts_identical": all(same),
        "batch_size": engine.batch_size,
        "engine_metrics": {"primary": m["primary"], "score": m[m["primary"]], "valid_rate": m["valid_rate"]},
        "constraint_cost": constraint_cost(lm, engine, work, [o["raw"] for o in outputs]),
    }
    return _result(outputs, m["seconds"], load_s, build_s, lm.dtype, notes)


def constraint_cost(lm, engine, work: dict, raws: list[str], steps: int = 16) -> dict:
    """Guide.write_mask_into + full-vocabulary masking per step, against one decoding step of the model
    (batch of one, after a real prompt). Measured here because decoding does not expose its timing; it is
    the bitmask path: states the engine handles with sparse logits cost less than this."""
    import torch
    from outlines_core import Guide, Index
    from outlines_core.kernels.torch import apply_token_bitmask_inplace

    from medui.backend.inference import constraint

    index = getattr(engine.constraint, "index", None)
    if index is None:
        index = Index(constraint.schema_regex(work["schema"]), constraint.vocabulary(lm))
    vocab_size = lm.model.get_output_embeddings().weight.shape[0]
    logits = torch.zeros((1, vocab_size), dtype=torch.float32)
    bitmask = torch.zeros((1, (vocab_size + 31) // 32), dtype=torch.int32)
    mask_times = []
    for raw in raws[:5]:
        guide = Guide(index)
        text = raw if raw.startswith(" ") else " " + raw
        for token_id in lm.tokenizer(text, add_special_tokens=False)["input_ids"] + [None]:
            t0 = time.perf_counter()
            guide.write_mask_into(bitmask.data_ptr(), bitmask.numel(), bitmask.element_size())
            apply_token_bitmask_inplace(logits, bitmask)
            mask_times.append(time.perf_counter() - t0)
            if token_id is None or not guide.accepts_tokens([token_id]) or guide.is_finished():
                break
            guide.advance(token_id=token_id, return_tokens=False)
    with torch.inference_mode():
        ids = torch.tensor([lm.tokenizer(work["records"][0]["prompt"])["input_ids"]], device=lm.device)
        out = lm.model(input_ids=ids, use_cache=True)
        cache, token = out.cache, out.logits[:, -1:].argmax(-1)
        step_times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            out = lm.model(input_ids=token, cache=cache, use_cache=True)
            cache, token = out.cache, out.logits[:, -1:].argmax(-1)
            step_times.append(time.perf_counter() - t0)
    mask_ms = 1000 * sorted(mask_times)[len(mask_times) // 2]
    step_ms = 1000 * sorted(step_times)[len(step_times) // 2]
    return {
        "source": "measured by the bench, as decoding exposes no constraint timing",
        "states_timed": len(mask_times),
        "mask_ms_median": round(mask_ms, 3),
        "model_step_ms_median": round(step_ms, 2),
        "share_of_step": round(mask_ms / (mask_ms + step_ms), 4),
        "prompt_tokens": ids.shape[1],
    }


def _result(outputs: list, seconds: float, load_s: float, build_s: float, dtype: str, notes: dict) -> dict:
    return {
        "outputs": outputs,
        "seconds": round(seconds, 3),
        "load_seconds": round(load_s, 2),
        "setup_seconds": round(build_s, 3),
        "dtype": dtype,
        "peak_rss_mb": peak_rss_mb(),
        "notes": notes,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("system", choices=["naive", "peer", "medui"])
    parser.add_argument("work", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lead-space", action="store_true")
    parser.add_argument("--no-outlines-fix", action="store_true")
    args = parser.parse_args()
    work = json.loads(args.work.read_text(encoding="utf-8"))
    if args.system == "naive":
        res = run_naive(work, args.lead_space, not args.no_outlines_fix)
    elif args.system == "peer":
        res = run_peer(work, args.lead_space, args.threads)
    else:
        res = run_medui(work)
    print(json.dumps(res, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
