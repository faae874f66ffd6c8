"""The default prompt of every task stays byte-identical: shipped adapters were trained on it.

`default_prompts.json` holds the sha256 of each task's default prompts rendered for one fixed record (zero-shot,
two demonstrations, and the pair question of a relation task), written before the label guidelines were added.
A change that alters any of them (a template, an instruction, a label's description, a kind's rendering) fails
here; a deliberate one is a new template version and a new spec version, never an edit of the fixture.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from medui.tasks.kinds import kind_for
from medui.tasks.pairs import pair_prompt
from medui.tasks.prompts import render_prompt
from medui.tasks.registry import all_specs
from medui.tasks.spec import TaskSpec

FIXTURE = Path(__file__).parents[1] / "fixtures" / "default_prompts.json"
TEXT = (
    "La paziente, 54 anni, riferisce febbre a 38,5 °C da tre giorni; emocromo negativo. Ricoverata nel 2017."
)


def fixed_record(spec: TaskSpec, n: int) -> dict:
    """A record of the task's family, the same on every run (n tells two apart)."""
    text = f"{TEXT} ({n})"
    if spec.family == "qa":
        record = {
            "id": f"r{n}",
            "question": f"Quale terapia? ({n})",
            "answer": spec.options[0] if spec.options else "paracetamolo",
        }
        if spec.answer_format == "extractive":
            return {**record, "context": text}
        return {**record, "options": {o: f"opzione {o.lower()}" for o in spec.options}}
    if spec.family == "crf":
        return {"id": f"r{n}", "text": text, "fields": {f.name: None for f in spec.fields}}
    labels = list(spec.labels)
    first, second = text.index("febbre"), text.index("emocromo")
    entities = [
        {"id": "T1", "start": first, "end": first + 6, "label": labels[0], "text": "febbre"},
        {"id": "T2", "start": second, "end": second + 8, "label": labels[-1], "text": "emocromo"},
    ]
    record = {"id": f"r{n}", "text": text, "entities": entities}
    if spec.family == "re":
        record["relations"] = [{"head": "T1", "tail": "T2", "label": next(iter(spec.relation_labels))}]
    return record


def default_prompts(spec: TaskSpec) -> dict[str, str]:
    """The task's default prompts for the fixed records, by variant."""
    kind = kind_for(spec)
    examples = [
        {"input": kind.render_input(spec, r), "answer": kind.render_target(spec, r)}
        for r in (fixed_record(spec, 1), fixed_record(spec, 2))
    ]
    shown = kind.render_input(spec, fixed_record(spec, 0))
    out = {"zero-shot": render_prompt(spec, shown, []), "few-shot": render_prompt(spec, shown, examples)}
    if spec.family == "re":
        pair = "La paziente riferisce [A]febbre[/A]; [B]emocromo[/B] negativo."
        out["pair"] = pair_prompt(spec, pair, [{"input": pair, "answer": '"NESSUNA"'}])
    return out


def prompt_hashes() -> dict[str, dict[str, str]]:
    """sha256 of every task's default prompts (what the fixture holds)."""
    return {
        task: {k: hashlib.sha256(p.encode("utf-8")).hexdigest() for k, p in default_prompts(spec).items()}
        for task, spec in all_specs().items()
    }


def test_the_fixture_covers_every_task():
    assert set(json.loads(FIXTURE.read_text(encoding="utf-8"))) == set(all_specs())


@pytest.mark.parametrize("task", sorted(all_specs()))
def test_the_default_prompt_of_every_task_is_unchanged(task):
    assert prompt_hashes()[task] == json.loads(FIXTURE.read_text(encoding="utf-8"))[task]
