"""What is built once per loaded model and kept on it (`LoadedModel.caches`), one typed slot each.

Filled lazily by constraint.py (token strings, vocabulary, compiled constraints) and decoding.py (copy tables,
the encoder, KV caches of shared prompt prefixes); dropped with the model when it is unloaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medui.backend.inference.constraint import Constraint
    from medui.backend.inference.copying import CopyTables
    from medui.tasks.kinds.base import CopyKeys


@dataclass
class ModelCaches:
    """The caches of one loaded model: each None (or empty) until first needed."""

    token_strings: dict[int, str] | None = None  # token id -> the text it adds (non-special tokens)
    vocabulary: Any = None  # outlines_core Vocabulary of the tokenizer
    copy_tables: CopyTables | None = None  # token tables of the copy constraint
    encode: Callable[[str], list[int]] | None = None  # text -> token ids, without special tokens
    indexes: dict[str, Constraint] = field(default_factory=dict)  # schema regex -> its compiled index
    constraints: dict[tuple[str, CopyKeys], Constraint] = field(default_factory=dict)  # (regex, copy keys)
    prefixes: dict[tuple[int, ...], Any] = field(default_factory=dict)  # prefix ids -> KV cache, oldest first
