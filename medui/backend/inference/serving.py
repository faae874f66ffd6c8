"""Inference through an OpenAI-compatible server (vLLM, llama.cpp, ...): an engine with the interface of
the local one, so that the runner, the CLI, the study and the app use a server the way they use a model loaded
here. The server model it generates with (`openai:NAME`, `openai-chat:NAME`: requests, retries, errors) is
openai_client.py's ServerModel.

- Prompts, windows and post-processing are a local run's; the server generates.
- Constrained decoding (cd, few-shot+cd) sends the task's JSON schema to the server, which constrains to the
  schema only (the local copy constraint is not sent); mentions are aligned to the input afterwards as for
  every run.
- A batch's prompts are sent concurrently, at most the server model's `concurrency` in flight, and come back
  in order.
- Texts longer than the input budget are cut into sentence windows as in local runs, counting 3 characters a
  token (no tokenizer here: windows may differ from a local run's on long texts).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from medui.backend.inference.engine import Engine
from medui.backend.inference.openai_client import ServerModel
from medui.backend.inference.types import Generation

CHARS_PER_TOKEN = 3


class ServingEngine(Engine):
    """The Engine of a served model: same prompts, windows and post-processing, generation by the server."""

    lm: ServerModel

    def default_batch_size(self) -> int:
        return 4 * self.lm.concurrency

    def prepare_decoding(self) -> None:
        """The server constrains decoding itself: it gets the JSON schema of a constrained strategy."""
        self.constraint = None
        self.schema = (
            self.kind.output_model(self.spec).model_json_schema() if self.strategy.constrained else None
        )

    def input_tokens(self, text: str) -> int:
        return math.ceil(len(text) / CHARS_PER_TOKEN)

    def generate(self, prompts, sources, on_text) -> list[Generation]:
        """The batch's prompts sent concurrently (at most the server model's bound in flight), in order."""
        start = time.perf_counter()
        done: dict[int, Generation] = {}
        with ThreadPoolExecutor(max_workers=min(len(prompts), self.lm.concurrency) or 1) as pool:
            futures = {
                pool.submit(self.lm.complete, p, self.schema, self.spec.max_new_tokens, self.spec.id): i
                for i, p in enumerate(prompts)
            }
            try:
                for future in as_completed(futures):
                    done[futures[future]] = gen = future.result()
                    if on_text is not None:
                        on_text(futures[future], gen.text)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        seconds = time.perf_counter() - start
        for gen in done.values():
            gen.seconds = seconds  # as a local batch: the engine shares it among the batch's records
        return [done[i] for i in range(len(prompts))]
