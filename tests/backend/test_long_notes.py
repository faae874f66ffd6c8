"""A note longer than the task was trained on (issue 24): the run says how long it is, what the task was trained
on and what medui does with it, in Prova (Italian, the result's notices) and in `medui run` (stderr)."""

from __future__ import annotations

import re

from medui.backend import service
from medui.backend.inference import reading
from medui.cli import main
from medui.tasks.align import sentence_windows
from medui.tasks.registry import get_spec
from tests.backend.inference.test_windows import SENTENCES

MODEL = "openai:stub-model"
SENTENCE = "Il paziente riferisce dolore toracico e dispnea da sforzo. "


def test_a_note_longer_than_the_trained_ones_is_read_in_windows_and_the_result_says_so(stub):
    text = SENTENCE * 40  # 2,360 characters: longer than any E3C train text (2,072), within the input budget
    updates = list(service.run_stream("e3c_clinical_entities", MODEL, "cd", text))
    result = updates[-1].result
    windows = len(stub.generations())
    assert windows >= 3  # read in windows of at most 973 characters (the train texts' 95th percentile)
    assert any(f"(testo lungo: {windows} finestre" in u.status for u in updates[:-1])
    (notice,) = result["notices"]
    assert notice.startswith(
        "Il testo è lungo 2.360 caratteri; il compito è stato addestrato su testi fino a 2.072 caratteri "
        "(il 95% entro 973): "
    )
    said = re.search(
        rf"medui lo legge in {windows} finestre di frasi intere \(al massimo (\d+) caratteri", notice
    )
    assert said and int(said[1]) <= 973
    assert all(text[e["start"] : e["end"]] == e["text"] for e in result["entities"])
    assert result["entities"][-1]["start"] > len(text) - 973  # the last window was read too


def test_a_dense_note_whose_whole_answer_filled_the_list_is_read_again_and_the_result_says_so(stub):
    """An 8-sentence note of ordinary length read whole: the answer fills its 30 mentions from the first sentence,
    so medui reads the note again in windows, and Prova says so."""
    text = " ".join(SENTENCES)
    first = [w for w in SENTENCES[0].split() if len(w) > 3]
    filled = {"entities": [{"text": first[k % len(first)], "label": "CLINENTITY"} for k in range(30)]}
    named = lambda window: [{"text": window.rstrip(".").split()[-1], "label": "CLINENTITY"}]  # noqa: E731
    stub.reply = lambda read: filled if read == text else {"entities": named(read)}
    spec = get_spec("e3c_clinical_entities")
    windows = sentence_windows(text, reading.reread_size(reading.trained_length(spec), len(text)))
    result = service.run_task("e3c_clinical_entities", MODEL, "cd", text)
    assert len(windows) >= 2 and len(stub.generations()) == 1 + len(windows)  # whole, then each window
    assert result["notices"] == [
        "La risposta sul testo intero ha raggiunto il limite di 30 menzioni: medui ha riletto il testo in "
        f"{len(windows)} finestre di frasi intere e ne ha unito le risposte"
    ]
    last = text.rindex("ipertensiva")
    assert [e["start"] for e in result["entities"]][-1] == last  # the end of the note is read
    assert all(text[e["start"] : e["end"]] == e["text"] for e in result["entities"])


def test_a_note_of_ordinary_length_gets_no_notice(stub):
    result = service.run_task("e3c_clinical_entities", MODEL, "cd", SENTENCE * 3)
    assert result["notices"] == [] and len(stub.generations()) == 1


def test_a_form_from_a_very_long_note_is_filled_from_its_first_part_and_says_so(stub):
    text = SENTENCE * 340  # 20,060 characters, over the input budget (1,024 tokens, 3 characters a token)
    result = service.run_task("ed_dyspnea_crf", MODEL, "cd", text)
    (sent,) = stub.generations()
    assert SENTENCE * 60 not in str(sent["body"])  # the model read the first part only
    assert result["text"] == text  # the prediction holds the whole note
    (notice,) = result["notices"]
    assert notice.startswith(
        "Il testo è lungo 20.060 caratteri; il compito è stato addestrato su testi fino a 698 caratteri"
    )
    assert "un modulo non si legge a finestre: medui lo compila dai primi " in notice
    assert "il resto del testo non è letto" in notice


def test_medui_run_says_on_stderr_how_a_long_note_was_read(stub, capsys):
    assert main(["run", "--task", "e3c_clinical_entities", "--model", MODEL, "--text", SENTENCE * 40]) == 0
    err = capsys.readouterr().err
    assert (
        "medui: warning: The text is 2,360 characters long; the task was trained on texts of up to 2,072"
        in err
    )
    assert "medui reads it in " in err
