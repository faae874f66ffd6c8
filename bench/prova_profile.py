"""Where a warm Prova run's seconds go: the decoder's forward passes (how many, how wide, how long) against the
rest of the loop, with and without drafted copy tokens, on bench/prova_first_run.py's 976-character note.

    .venv/bin/python bench/prova_profile.py [--model gemma-3-270m-ft] [--task e3c_clinical_entities] [--runs 3]

Prints one line a run (the first of each setting warms it up); run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe  # noqa: E402
from bench.prova_first_run import NOTE  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="gemma-3-270m-ft")
    ap.add_argument("--task", default="e3c_clinical_entities")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from medui.backend.inference import decoding, kvbatch
    from medui.backend.service import running
    from medui.backend.service.core import model_strategy

    passes: list[tuple[int, float]] = []  # (widest chunk, seconds) of each forward pass
    extend_all = kvbatch.KVBatch.extend_all

    def timed(self, chunks):
        began = time.perf_counter()
        out = extend_all(self, chunks)
        passes.append((max(len(c) for c in chunks), time.perf_counter() - began))
        return out

    kvbatch.KVBatch.extend_all = timed
    engine = running.engine_for(args.model, args.task, model_strategy(args.model), demos="random")
    print(
        f"{describe()}; {args.model} ({engine.lm.model.dtype}), {args.task}, note of {len(NOTE)} characters"
    )
    for drafts in (decoding.DRAFT_TOKENS, 0):
        decoding.DRAFT_TOKENS = drafts
        for run in range(args.runs):
            passes.clear()
            began = time.perf_counter()
            (prediction,) = engine.predict([{"id": "note", "text": NOTE}])
            total = time.perf_counter() - began
            prefill = [s for w, s in passes if w > 8]
            steps = [s for w, s in passes if w <= 8]
            in_decoder = sum(s for _, s in passes)
            print(
                f"drafts {drafts}, run {run}: {total:.2f} s, {len(prediction.record.get('entities', []))} mentions, "
                f"{prediction.output_tokens} tokens; {len(passes)} passes ({in_decoder:.2f} s): prefill "
                f"{sum(prefill):.2f} s, {len(steps)} steps of median {1000 * statistics.median(steps):.0f} ms; "
                f"outside the decoder {total - in_decoder:.2f} s; load {os.getloadavg()[0]:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
