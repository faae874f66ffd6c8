"""Italian prompt templates, versioned: a published template (<name>.vN.jinja) never changes what it renders by default.

A run that asks for the task's label guidelines (`guidelines=True`) gets a "Linee guida" block where the template
places `{{ guidelines }}` (after the labels or the form items, before the answer format); without it the variable
is empty and the prompt is byte-identical to the one shipped adapters were trained on
(tests/tasks/test_default_prompts.py).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import jinja2

from medui.tasks.spec import TaskSpec

PROMPTS_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROMPTS_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


def template_source(name: str) -> str:
    return (PROMPTS_DIR / f"{name}.jinja").read_text(encoding="utf-8")


GUIDELINES_HEADING = "Linee guida:"


def guidelines_block(spec: TaskSpec) -> str:
    """The task's label guidelines as the prompt shows them (one line each, ending with a newline), or ''."""
    items = spec.guideline_items()
    if not items:
        return ""
    return GUIDELINES_HEADING + "\n" + "".join(f"- {name}: {text}\n" for name, text in items)


def render_prompt(spec: TaskSpec, input_text: str, examples: list[dict], *, guidelines: bool = False) -> str:
    """The full prompt: instruction, labels, few-shot examples ({input, answer}) and the input; ends at 'Risposta:'.

    `guidelines`: add the task's label guidelines (guidelines_block; nothing for a task without them)."""
    template = _environment().get_template(f"{spec.prompt}.jinja")
    block = guidelines_block(spec) if guidelines else ""
    text = template.render(spec=spec, examples=examples, input=input_text, guidelines=block)
    return text.rstrip()


def prompt_hash(prompt: str) -> str:
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:16]
