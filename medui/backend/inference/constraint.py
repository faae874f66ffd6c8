"""The output constraint: a task's JSON schema compiled to an outlines_core Index on a model's vocabulary.

Besides the Index, a Constraint holds the tables the decoding loop's fast path needs:
- the transitions of its small states (few allowed tokens), where logits are computed only for those tokens;
- the characters each state forces (JSON keys, punctuation, the only possible label) and, per state, the
  tokens that write them without a decoding step (jump-forward). The last forced token is held back where a
  longer token could write it together with what follows (`"},{"` in Gemma's vocabulary): the model then picks
  the token its own tokenizer would have used, instead of continuing an unnatural split it was never trained on
  (that split made Gemma close every entity list after its first entity).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from medui.backend.inference import ranges
from medui.backend.inference.copying import CopyKeys
from medui.backend.inference.gbnf import MAX_DIGITS
from medui.backend.inference.types import LoadedModel

WHITESPACE = ""  # compact JSON: no whitespace between tokens (fewer steps; more characters are forced)
SPIECE_UNDERLINE = "\u2581"
NUMERIC = ("integer", "number")
SMALL_STATE = 512  # a state allowing at most this many tokens is "small": sparse logits, forced characters


def token_string(tokenizer, token: str) -> str:
    """A vocabulary entry as the text it adds; fixes outlines' double space with Gemma under transformers 5."""
    text = tokenizer.convert_tokens_to_string([token])
    if (token.startswith(SPIECE_UNDERLINE) or token == "<0x20>") and not text.startswith(" "):
        text = " " + text
    return text


def token_strings(lm: LoadedModel) -> dict[int, str]:
    """token id -> the text it adds, for every non-special token (about 1 s for Gemma's 262k), built once."""
    if lm.caches.token_strings is None:
        tok = lm.tokenizer
        special = set(tok.all_special_ids)
        lm.caches.token_strings = {
            token_id: text
            for token, token_id in tok.get_vocab().items()
            if token_id not in special and (text := token_string(tok, token))
        }
    return lm.caches.token_strings


def vocabulary(lm: LoadedModel):
    """The outlines_core Vocabulary of the model's tokenizer, built once."""
    if lm.caches.vocabulary is None:
        from outlines_core import Vocabulary

        entries: dict[str, list[int]] = {}
        for token_id, text in token_strings(lm).items():
            entries.setdefault(text, []).append(token_id)
        lm.caches.vocabulary = Vocabulary(eos_ids(lm)[0], entries)
    return lm.caches.vocabulary


def eos_ids(lm: LoadedModel) -> list[int]:
    ids = []
    configured = getattr(lm.model.generation_config, "eos_token_id", None)
    for value in (lm.tokenizer.eos_token_id, configured):
        for token_id in value if isinstance(value, list) else [value]:
            if token_id is not None and token_id not in ids:
                ids.append(token_id)
    return ids


# outlines_core writes integers and numbers with unbounded digits: a small model can write "eta":1000... until
# max_new_tokens, and the answer is cut, invalid (Gemma-3-270M did, on one ed_dyspnea_crf note in a batch of 10).
# Bounded as the GBNF grammar bounds them. (The schema's own maxDigits bounds an integer, but outlines_core's
# maxDigitsInteger drops single-digit numbers: "5.2" would not match.)
UNBOUNDED_DIGITS = {
    "[1-9][0-9]*)": f"[1-9][0-9]{{0,{MAX_DIGITS - 1}}})",  # an integer, or a number's integer part
    r"(\.[0-9]+)?": rf"(\.[0-9]{{1,{MAX_DIGITS}}})?",  # a number's fraction
    "([eE][+-][0-9]+)?": "([eE][+-][0-9]{1,3})?",  # a number's exponent
}


# outlines_core reads no minimum or maximum: a bounded integer or number (a form item's range) goes in as a
# placeholder constant, whose place in the regex then takes the range spelled out digit by digit (ranges.py, the
# numbers the GBNF grammar allows too)
PLACEHOLDER = 7_391_046_285_913_000  # 16 digits no task schema holds; the n-th range is PLACEHOLDER + n


def schema_regex(json_schema: dict) -> str:
    """The regex of an answer: one space (the prompt ends at 'Risposta:'), then the compact JSON object, every
    integer and number in it at most MAX_DIGITS digits long, or within its minimum and maximum."""
    from outlines_core.json_schema import build_regex_from_schema

    found: list[str] = []
    regex = build_regex_from_schema(json.dumps(_ranges_aside(json_schema, found)), WHITESPACE)
    for unbounded, bounded in UNBOUNDED_DIGITS.items():
        regex = regex.replace(unbounded, bounded)
    for n, numbers in enumerate(found, start=1):
        regex = regex.replace(str(PLACEHOLDER + n), numbers)
    return " " + regex


def _ranges_aside(schema, found: list[str]):
    """The schema with each bounded integer or number replaced by a placeholder constant, its regex appended to
    `found`."""
    if isinstance(schema, list):
        return [_ranges_aside(item, found) for item in schema]
    if not isinstance(schema, dict):
        return schema
    options = ranges.alternatives(schema, 10**MAX_DIGITS - 1) if schema.get("type") in NUMERIC else None
    if options is not None:
        found.append(ranges.to_regex(options, MAX_DIGITS))
        return {"const": PLACEHOLDER + len(found)}
    return {key: _ranges_aside(value, found) for key, value in schema.items()}


@dataclass
class Constraint:
    """A compiled schema: the Index, the transitions of its small states, and the characters they force."""

    index: object
    small: dict[int, dict[int, int]]  # state -> {token id: next state}, for states with few allowed tokens
    forced: dict[
        int, tuple[str, int]
    ]  # state -> (the one character every continuation starts with, next state)
    strings: dict[int, str]  # token id -> its text
    char_ids: dict[
        str, int
    ]  # single-character tokens, to spell forced text the tokenizer would split otherwise
    plans: dict[int, tuple[int, ...]] = field(
        default_factory=dict
    )  # state -> tokens to force (filled lazily)
    copy_keys: CopyKeys = CopyKeys()  # where string values copy the source (the task's kind says)

    def forced_text(self, state: int) -> tuple[str, int]:
        """The characters forced from a state on, and the state after them."""
        chars = []
        while state in self.forced and len(chars) < 256:
            ch, state = self.forced[state]
            chars.append(ch)
        return "".join(chars), state

    def forced_tokens(self, state: int, encode) -> tuple[int, ...]:
        """The tokens to append without a decoding step from `state` (cached per state).

        encode(text) -> token ids is the model's tokenizer: forced text is written as the model would write it.
        """
        if state not in self.plans:
            self.plans[state] = self._plan(state, encode)
        return self.plans[state]

    def _plan(self, state: int, encode) -> tuple[int, ...]:
        text, _ = self.forced_text(state)
        if not text:
            return ()
        ids = encode(text)
        states = self._walk(state, ids)
        if states is None:  # the tokenizer's split leaves the schema's path: spell it character by character
            ids = [self.char_ids[ch] for ch in text]
            states = self._walk(state, ids)
        if states is None or text.endswith(self.copy_keys.strings + self.copy_keys.lists):
            return tuple(ids)  # a copied string starts next: the copy constraint governs its first token
        last = self.strings[ids[-1]]
        before_last = self.small.get(states[-2], {})
        merges = any(
            len(s) > len(last) and s.startswith(last) for s in map(self.strings.get, before_last) if s
        )
        return tuple(ids[:-1]) if merges else tuple(ids)

    def _walk(self, state: int, ids: list[int]) -> list[int] | None:
        """The states visited by feeding ids from state (through small states only), or None off the path."""
        states = [state]
        for token_id in ids:
            nxt = self.small.get(states[-1], {}).get(token_id)
            if nxt is None:
                return None
            states.append(nxt)
        return states


def compile_constraint(lm: LoadedModel, json_schema: dict, copy_keys: CopyKeys | None = None) -> Constraint:
    """The Constraint of a schema on this model's vocabulary; cached by the schema's regex and copy keys.

    copy_keys: the string values that copy the source (`Kind.copy_keys`); none by default.
    """
    regex = schema_regex(json_schema)
    copy_keys = copy_keys or CopyKeys()
    key, constraints, indexes = (regex, copy_keys), lm.caches.constraints, lm.caches.indexes
    if key not in constraints:
        from outlines_core import Index

        if regex not in indexes:
            indexes[regex] = _with_tables(lm, Index(regex, vocabulary(lm)))
        constraints[key] = dataclasses.replace(indexes[regex], plans={}, copy_keys=copy_keys)
    return constraints[key]


def _with_tables(lm: LoadedModel, index) -> Constraint:
    strings = token_strings(lm)
    single_char = {text: tid for tid, text in strings.items() if len(text) == 1}
    small = {s: t for s, t in index.get_transitions().items() if len(t) <= SMALL_STATE}
    forced = {}
    for state, trans in small.items():
        if index.is_final_state(state):
            continue
        firsts = {strings[tid][0] for tid in trans if tid in strings}
        if len(firsts) == 1:
            ch = firsts.pop()
            tid = single_char.get(ch)
            if tid in trans:
                forced[state] = (ch, trans[tid])
    return Constraint(index, small, forced, strings, single_char)
