"""Italian prompt templates, versioned: a published template (<name>.vN.jinja) is never edited in place."""

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


def render_prompt(spec: TaskSpec, input_text: str, examples: list[dict]) -> str:
    """The full prompt: instruction, labels, few-shot examples ({input, answer}) and the input; ends at 'Risposta:'."""
    template = _environment().get_template(f"{spec.prompt}.jinja")
    text = template.render(spec=spec, examples=examples, input=input_text)
    return text.rstrip()


def prompt_hash(prompt: str) -> str:
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:16]
