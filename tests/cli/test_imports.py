"""`medui tasks`, `medui data stats` and `medui score` run without importing torch or gradio."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from medui.config import REPO_ROOT

PROBE = """
import contextlib, io, json, sys
from medui.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "heavy": sorted(m for m in ("torch", "gradio", "transformers") if m in sys.modules)}))
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["tasks", "--json"],
        ["data", "stats", "medmcqa_it", "--json"],
        ["score", "--task", "medmcqa_it", "--gold", "{gold}", "--pred", "{gold}", "--json"],
    ],
)
def test_light_commands_import_neither_torch_nor_gradio(argv, tmp_path, medui_home):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {"id": "a", "question": "Q?", "options": {"A": "w", "B": "x", "C": "y", "D": "z"}, "answer": "A"}
        )
    )
    argv = [a.replace("{gold}", str(gold)) for a in argv]
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"code": 0, "heavy": []}, out.stderr
