"""The vocabulary every inference module shares, at the bottom of the package: it imports none of them.

The model errors, what a model name resolves to (Variant), a model loaded here (LoadedModel) and what is built
once per loaded model (ModelCaches), one decoded output (Generation), the prefixes of served model names and the
hooks called when a model is evicted. No torch, no transformers: the CLI and a served model import it cheaply.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from medui.errors import MeduiError

if TYPE_CHECKING:
    from medui.backend.inference.constraint import Constraint
    from medui.backend.inference.copying import CopyTables
    from medui.tasks.kinds.base import CopyKeys

SERVER_PREFIXES = ("openai:", "openai-chat:")  # a model of an OpenAI-compatible server (openai_client.py)
ON_EVICT: list[
    Callable[[str], None]
] = []  # called with a model's name when it is evicted (engines built on it)


class ModelError(MeduiError, ValueError):
    """A model name or folder that cannot be used; the message says why (`italian`: the same for the app)."""

    def __init__(self, message: str, italian: str | None = None):
        super().__init__(message, italian=italian)


@dataclass(frozen=True)
class Variant:
    """What a model name resolves to: a kind and the folders it loads from."""

    name: str
    kind: str  # bundled | local | hub | adapter | server
    path: (
        Path | None
    )  # model folder (or adapter folder for kind adapter); None for a bundled model not yet converted
    base: Variant | None = None  # for adapters

    @property
    def served(self) -> bool:
        """Whether the model runs on a server (openai:NAME): nothing of it is on disk or loaded here."""
        return self.kind == "server"


@dataclass
class ModelCaches:
    """What is built once per loaded model and kept on it, one typed slot each: each None (or empty) until first
    needed. Filled lazily by constraint.py (token strings, vocabulary, compiled constraints) and decoding.py (copy
    tables, the encoder, KV caches of shared prompt prefixes); dropped with the model when it is unloaded."""

    token_strings: dict[int, str] | None = None  # token id -> the text it adds (non-special tokens)
    vocabulary: Any = None  # outlines_core Vocabulary of the tokenizer
    copy_tables: CopyTables | None = None  # token tables of the copy constraint
    encode: Callable[[str], list[int]] | None = None  # text -> token ids, without special tokens
    indexes: dict[str, Constraint] = field(default_factory=dict)  # schema regex -> its compiled index
    constraints: dict[tuple[str, CopyKeys], Constraint] = field(default_factory=dict)  # (regex, copy keys)
    prefixes: dict[tuple[int, ...], Any] = field(default_factory=dict)  # prefix ids -> KV cache, oldest first


@dataclass
class LoadedModel:
    """A loaded model and tokenizer, plus caches that depend on them (vocabulary, compiled constraints)."""

    name: str
    model: Any
    tokenizer: Any
    device: str
    dtype: str
    variant: Variant
    caches: ModelCaches = field(default_factory=ModelCaches)

    @property
    def key(self) -> str:
        return f"{self.name}|{self.device}|{self.dtype}"

    @property
    def runs_here(self) -> bool:
        """A model loaded here computes in this process: one computation at a time (the app's model lock)."""
        return True

    @property
    def server_url(self) -> str | None:
        """No server: the model is loaded here."""
        return None

    def info(self) -> dict:
        """Parameters and memory of the model, where it runs and in which dtype."""
        params = list(self.model.parameters())
        return {
            "parameters": sum(p.numel() for p in params),
            "memory": sum(p.numel() * p.element_size() for p in params),
            "device": self.device,
            "dtype": self.dtype,
        }

    def check(self) -> None:
        """Nothing to ask: a model loaded here is there."""


class GenerationBackend(Protocol):
    """What a run generates with, chosen by the variant (`models.load`): a model loaded here (LoadedModel) or a
    served one (openai_client.ServerModel), each with its Engine (`engines.engine_for`). Callers ask it what they
    need to know (a lock, a server's URL, its size, whether it answers), never which of the two it is."""

    name: str
    device: str
    dtype: str
    variant: Variant

    @property
    def key(self) -> str:
        """Its key among the loaded or connected models."""
        ...

    @property
    def runs_here(self) -> bool:
        """Whether it computes in this process (then under the app's model lock); a server bounds its own work."""
        ...

    @property
    def server_url(self) -> str | None:
        """The URL of the server it runs on, as shown (no user or password); None for a model loaded here."""
        ...

    def info(self) -> dict:
        """What the Modelli page shows of it: device and dtype, and parameters and memory when loaded here."""
        ...

    def check(self) -> None:
        """Fail (ModelError, ServingError) unless it can answer now."""
        ...


@dataclass
class Generation:
    """One decoded output: its text, tokens, the sampled tokens' log-probabilities and timing."""

    text: str
    token_ids: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    stopped: str = (
        "length"  # eos | newline | schema | closed (within the closing reserve: maybe cut) | length
    )
    seconds: float = 0.0
    prompt_tokens: int = 0
    steps: int = 0  # forward passes that produced this output
    counted_tokens: int | None = None  # output tokens as a server counted them (no token ids there)
    copies: list[tuple[int, int]] = field(default_factory=list)  # (start, end) in the source of each copied
    # value, in the order written (under the copy constraint: copying.SourceCopy.place; else none)

    @property
    def output_tokens(self) -> int:
        return len(self.token_ids) if self.counted_tokens is None else self.counted_tokens

    @property
    def confidence(self) -> float | None:
        """Geometric mean of the sampled tokens' probabilities (forced tokens have probability 1)."""
        if not self.logprobs:
            return None
        return math.exp(sum(self.logprobs) / len(self.logprobs))
