"""Where a form's copied values were read (issue 24): the copy constraint places each copy in the note, the
prediction keeps the offsets (`evidence`) and the form's evidence shows them, not the first occurrence a search
of the note finds ("scompenso cardiaco" diagnosed after the dispnoea is the second one of the note)."""

from __future__ import annotations

import json

import pytest

from medui.backend.inference import decoding, models
from medui.backend.inference.constraint import token_strings
from medui.backend.inference.engine import Engine, parse_strategy
from medui.tasks.form_items import form_evidence
from medui.tasks.kinds import kind_for
from medui.tasks.records import gold_part
from tests.backend.inference.test_copying import copied_crf

NOTE = (
    "Anamnesi di scompenso cardiaco. Giunge per dispnea: diagnosi di scompenso cardiaco acuto, "
    "avviata terapia con furosemide."
)
FIRST, SECOND = NOTE.index("scompenso cardiaco"), NOTE.rindex("scompenso cardiaco")


@pytest.fixture(scope="module")
def tiny(tiny_model_dir):
    return models.load(str(tiny_model_dir), dtype="float32")


def scripted(answer: str):
    """A chooser for the decoding loop that writes `answer` (a tiny random model writes nothing meaningful):
    at each step the longest token that goes on with it among those the constraint allows the row."""

    def choose(lm, batch, hidden, rows, constraint):
        strings, tables = token_strings(lm), decoding._copy_tables(lm)
        tokens = []
        for row in rows:
            written = "".join(strings.get(t, "") for t in row.ids)
            assert answer.startswith(written), (written, answer)
            rest = answer[len(written) :]
            allowed, banned = decoding._allowed(lm, row, constraint), decoding._banned(lm, row)
            fits = (
                t
                for k in range(len(rest), 0, -1)
                for t in tables.by_text.get(rest[:k], ())
                if t not in banned
                and (t in allowed if allowed is not None else row.guide.accepts_tokens([t]))
            )
            tokens.append(next(fits, None))
            assert tokens[-1] is not None, (written, rest[:40])
        return tokens, [0.0] * len(rows)

    return choose


def predicted(tiny, monkeypatch, fields: dict, text: str = NOTE, budget: int = 1024) -> dict:
    spec = copied_crf()
    kind = kind_for(spec)
    answer = json.loads(kind.render_target(spec, {"fields": fields}))
    monkeypatch.setattr(
        decoding, "_choose", scripted(" " + json.dumps(answer, ensure_ascii=False, separators=(",", ":")))
    )
    engine = Engine(tiny, spec, parse_strategy("cd", spec), max_input_tokens=budget)
    return engine.predict([{"id": "nota", "text": text}])[0].record


def test_a_diagnosis_written_after_the_dispnoea_is_shown_where_it_was_read(tiny, monkeypatch):
    fields = {"motivo_presentazione": "dispnea", "diagnosi_principale": "scompenso cardiaco",
              "comorbidita": ["scompenso cardiaco"], "farmaci": ["furosemide"]}  # fmt: skip
    pred = predicted(tiny, monkeypatch, fields)
    assert pred["valid"] and pred["fields"]["diagnosi_principale"] == "scompenso cardiaco", pred
    size = len("scompenso cardiaco")
    assert pred["evidence"] == [
        {"item": "motivo_presentazione", "start": NOTE.index("dispnea"), "end": NOTE.index("dispnea") + 7},
        {"item": "diagnosi_principale", "start": SECOND, "end": SECOND + size},
        {"item": "comorbidita", "start": FIRST, "end": FIRST + size},
        {"item": "farmaci", "start": NOTE.index("furosemide"), "end": NOTE.index("furosemide") + 10},
    ]
    spec = copied_crf()
    shown = {(e["item"], e["start"]) for e in form_evidence(spec, pred, pred["evidence"])}
    assert ("diagnosi_principale", SECOND) in shown and ("comorbidita", FIRST) in shown
    searched = {(e["item"], e["start"]) for e in form_evidence(spec, pred)}
    assert ("diagnosi_principale", FIRST) in searched, "a search of the note finds the first one"

    # a correction stores the form without the offsets, and is a valid record of the task
    corrected = gold_part(pred)
    assert "evidence" not in corrected and kind_for(spec).validate_record(spec, corrected) == []


def test_a_value_written_twice_in_a_list_keeps_its_first_copy(tiny, monkeypatch):
    fields = {"farmaci": ["furosemide", "furosemide"], "esami_strumentali": ["dispnea"]}
    pred = predicted(tiny, monkeypatch, fields)
    assert pred["fields"]["farmaci"] == ["furosemide"]
    assert [e["item"] for e in pred["evidence"]] == ["farmaci", "esami_strumentali"]


def test_a_long_notes_form_keeps_the_offsets_of_its_first_window_in_the_note(tiny, monkeypatch):
    """A note over the input budget is read from its first window, which starts the note."""
    text = NOTE + " Controllo a una settimana con esami ematici e visita cardiologica." * 8
    fields = {"motivo_presentazione": "dispnea", "diagnosi_principale": "scompenso cardiaco"}
    spec = copied_crf()
    window = Engine(tiny, spec, parse_strategy("cd", spec), max_input_tokens=60)._windows({"text": text})
    assert len(window) == 1 and NOTE in window[0]["text"] and len(window[0]["text"]) < len(text)
    pred = predicted(tiny, monkeypatch, fields, text, budget=60)
    assert pred["text"] == text, "the form holds the whole note"
    assert pred["evidence"][1] == {"item": "diagnosi_principale", "start": SECOND, "end": SECOND + 18}
