"""Check that jump-forward writes forced text the way the model's own tokenizer splits a gold answer."""

from __future__ import annotations

from outlines_core import Guide

from medui.backend.inference.constraint import Constraint


def forced_departures(lm, constraint: Constraint, answer: str) -> list[str]:
    """Walk the tokenizer's split of `answer` as the decoding loop would (sample one token, then force the
    planned tokens); every place where the forced tokens differ from the tokenizer's own, described."""
    ids = lm.tokenizer.encode(answer, add_special_tokens=False)
    strings = constraint.strings

    def encode(text: str) -> list[int]:
        return lm.tokenizer.encode(text, add_special_tokens=False)

    guide, i, problems = Guide(constraint.index), 0, []
    while i < len(ids):
        guide.advance(token_id=ids[i], return_tokens=False)  # the sampled token
        i += 1
        if guide.is_finished():
            break
        forced = list(constraint.forced_tokens(guide.get_state(), encode))
        if forced != ids[i : i + len(forced)]:
            ours = [strings.get(t) for t in forced]
            theirs = [strings.get(t) for t in ids[i : i + len(forced) + 1]]
            problems.append(f"after {answer[:40]!r}...: forced {ours}, the tokenizer writes {theirs}")
            return problems
        for token_id in forced:
            guide.advance(token_id=token_id, return_tokens=False)
        i += len(forced)
    return problems
