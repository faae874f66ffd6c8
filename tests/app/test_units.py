"""The app's backend pieces without a server: passwords and roles, uploads, span rebuilding, form parsing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from medui.backend.data.inputs import InputError
from medui.backend.service import auth
from medui.backend.web.uploads import read_upload
from medui.pages import common
from medui.tasks.form_items import item_title
from medui.tasks.kinds.crf import form_editor_rows, parse_form
from medui.tasks.registry import get_spec

NER = get_spec("e3c_clinical_entities")


@pytest.fixture
def session(medui_home):
    from medui.backend.store.db import dispose_engines, session_scope

    with session_scope() as s:
        yield s
    dispose_engines()


def test_passwords_use_the_standard_scheme_and_check():
    stored = auth.hash_password("segreta-123", iterations=1000)
    scheme, iterations, salt, digest = stored.split("$")
    assert (scheme, iterations) == ("pbkdf2_sha256", "1000") and salt and digest
    assert auth.check_password("segreta-123", stored)
    assert not auth.check_password("segreta-124", stored)
    assert not auth.check_password("x", "md5$1$a$b") and not auth.check_password("x", None)


def test_without_users_one_local_user_may_do_everything(session):
    who = auth.identity(None, session=session)
    assert who.local and all(who.can(action) for action in auth.ACTIONS)


def test_roles_grow_and_are_read_from_the_database(session):
    auth.add_user("clara", "clinician", "password-clara", session=session)
    assert auth.users_configured(session=session)
    assert auth.verify_login("clara", "password-clara", session=session)
    assert not auth.verify_login("clara", "sbagliata", session=session)
    assert not auth.verify_login("nessuno", "password-clara", session=session)
    clara = auth.identity("clara", session=session)
    assert clara.can("run") and clara.can("compare") and not clara.can("correct")
    with pytest.raises(auth.AuthError, match="permesso negato"):
        auth.require(clara, "train")
    with pytest.raises(auth.AuthError, match="accedi"):
        auth.identity(None, session=session)  # accounts exist: no anonymous local user any more
    auth.add_user("clara", "researcher", "password-nuova", session=session)
    assert auth.identity("clara", session=session).can("train")


def test_bad_users_are_refused(session):
    with pytest.raises(auth.AuthError, match="ruolo"):
        auth.add_user("x", "admin", "password-lunga", session=session)
    with pytest.raises(auth.AuthError, match="almeno"):
        auth.add_user("x", "annotator", "corta", session=session)


def test_users_add_reads_the_password_from_stdin(medui_home, monkeypatch, capsys):
    import argparse

    from medui.cli import serve as cli_app

    parser = argparse.ArgumentParser()
    cli_app.register(parser.add_subparsers(dest="command"))
    monkeypatch.setattr("sys.stdin", io.StringIO("password-anna\n"))
    args = parser.parse_args(["users", "add", "anna", "--role", "annotator"])
    assert args.func(args) == 0 and "anna (annotator)" in capsys.readouterr().out
    assert parser.parse_args(["serve"]).host == "127.0.0.1"


def test_uploads_give_one_input_or_one_per_row(tmp_path):
    (tmp_path / "a.txt").write_text("Febbre alta.", encoding="utf-8")
    (tmp_path / "b.csv").write_text('id,testo\n1,"Tosse, febbre."\n2,Dispnea.\n', encoding="utf-8")
    (tmp_path / "c.jsonl").write_text('{"text": "Uno."}\n"Due."\n', encoding="utf-8")
    assert read_upload(tmp_path / "a.txt", NER) == ["Febbre alta."]
    assert read_upload(tmp_path / "b.csv", NER) == ["Tosse, febbre.", "Dispnea."]
    assert read_upload(tmp_path / "c.jsonl", NER) == ["Uno.", "Due."]
    qa = get_spec("medqa_it")
    (tmp_path / "q.csv").write_text(
        "question," + ",".join(qa.options) + "\nChe cosa?" + ",x" * len(qa.options) + "\n"
    )
    question = json.loads(read_upload(tmp_path / "q.csv", qa)[0])
    assert question["question"] == "Che cosa?" and set(question["options"]) == set(qa.options)


def test_documents_are_read_and_bad_files_get_a_clear_message(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Paziente con febbre.")
    document.save(tmp_path / "d.docx")
    assert read_upload(tmp_path / "d.docx", NER) == ["Paziente con febbre."]
    (tmp_path / "e.pdf").write_bytes(b"not a pdf")
    with pytest.raises(InputError, match="non è un PDF leggibile"):
        read_upload(tmp_path / "e.pdf", NER)
    (tmp_path / "f.exe").write_bytes(b"MZ")
    with pytest.raises(InputError, match="formato non supportato"):
        read_upload(tmp_path / "f.exe", NER)
    (tmp_path / "g.txt").write_bytes(b"x" * 2_000_001)
    with pytest.raises(InputError, match="oltre il limite"):
        read_upload(tmp_path / "g.txt", NER)
    (tmp_path / "h.csv").write_text("colonna\nvalore\n")
    with pytest.raises(InputError, match="colonna 'text'"):
        read_upload(tmp_path / "h.csv", NER)


def test_edited_highlights_give_back_offsets():
    text = "Il paziente presenta febbre, tosse e dispnea."
    entities = [
        {"start": 21, "end": 27, "label": "CLINENTITY"},
        {"start": 29, "end": 34, "label": "CLINENTITY"},
    ]
    value = common.highlight_value(text, entities)
    pieces = [
        {"token": text[e["start"] : e["end"]], "class_or_confidence": e["entity"]} for e in value["entities"]
    ]
    flat = [
        ("Il paziente presenta ", None),
        (pieces[0]["token"], "CLINENTITY"),
        (", ", None),
        ("tosse", "CLINENTITY"),
    ]
    flat.append((" e dispnea.", None))
    rebuilt = common.spans_from_highlight(text, flat)
    assert [(e["start"], e["end"], e["text"]) for e in rebuilt] == [(21, 27, "febbre"), (29, 34, "tosse")]
    dicts = [{"token": t, "class_or_confidence": label} for t, label in flat]
    assert common.spans_from_highlight(text, dicts) == rebuilt
    with pytest.raises(InputError):
        common.spans_from_highlight(text, [("testo diverso", "X")])


def test_overlapping_spans_are_shown_apart_and_html_is_escaped():
    text = "<b>febbre</b> alta"
    shown, hidden = common.non_overlapping(
        [{"start": 0, "end": 13, "label": "A"}, {"start": 3, "end": 9, "label": "B"}]
    )
    assert [e["label"] for e in shown] == ["A"] and [e["label"] for e in hidden] == ["B"]
    gold, pred = common.span_status(
        [{"start": 3, "end": 9, "label": "<i>X</i>"}], [{"start": 14, "end": 18, "label": "Y"}]
    )
    html = common.marked_html(text, gold + pred)
    assert "<b>" not in html and "&lt;b&gt;" in html and "&lt;i&gt;X&lt;/i&gt;" in html
    assert 'class="medui-fn"' in html and 'class="medui-fp"' in html
    assert common.message_of(ValueError("<script>x</script>")) == "&lt;script&gt;x&lt;/script&gt;"


def test_form_and_relation_editors():
    crf = get_spec("clinical_case_crf")
    rows = form_editor_rows(crf, {})
    fields = parse_form(crf, rows)
    assert set(fields) == {item.name for item in crf.fields}
    number = next((i for i in crf.fields if i.type in ("integer", "number")), None)
    if number is not None:
        bad = [r if r[0] != number.name else [r[0], "molti"] for r in rows]
        with pytest.raises(InputError, match=f"voce «{item_title(number)}»: «molti» non è un numero"):
            parse_form(crf, bad)
    # the relation editor's helpers are tested in tests/app/test_relation_editor.py


def test_pages_that_pick_a_task_open_on_clinical_entities():
    import gradio as gr

    with gr.Blocks():
        assert common.task_dropdown().value == "e3c_clinical_entities"
        assert common.task_dropdown(families=("qa",)).value != "e3c_clinical_entities"


def test_the_strategy_picker_opens_on_the_default_models_own_and_follows_the_model(medui_home, monkeypatch):
    import gradio as gr

    from medui.backend import service
    from medui.config import get_settings

    monkeypatch.delenv("MEDUI_MODEL", raising=False)
    get_settings.cache_clear()
    with gr.Blocks():
        strategy = common.strategy_dropdown()
    assert service.default_model() == "gemma-3-270m-ft" and strategy.value == "cd"
    assert service.model_strategy("gemma-3-270m") == "few-shot+cd"
    assert service.model_strategy("gemma-3-270m-ft") == "cd"
    assert service.model_strategy("/somewhere/else") == "few-shot+cd"  # a folder is not read for this


def test_studio_opens_on_the_shipped_study_on_a_fresh_database(medui_home):
    from medui.backend.evaluation.study import StudyTable
    from medui.config import REPO_ROOT
    from medui.pages import studio

    shipped = (REPO_ROOT / "bench/results/study/study.csv").read_text(encoding="utf-8")
    source, frame, plot, csv_path, note = studio.opening("")
    assert source == studio.SHIPPED and "distribuiti con medui" in note
    rows = [line.split(",")[:2] for line in shipped.strip().splitlines()[1:]]
    assert frame[["modello", "strategia"]].values.tolist() == rows and len(plot) == len(rows)
    assert (
        StudyTable.from_csv(Path(csv_path).read_text(encoding="utf-8")).rows
        == StudyTable.from_csv(shipped).rows
    )
    frame, _plot, _csv, note = studio.study("", studio.SAVED)
    assert frame.empty and "Nessuna valutazione" in note
    with pytest.raises(InputError, match="not a study table"):
        StudyTable.from_csv("a,b\n1,2\n")


def test_the_training_progress_label_says_the_time_left_in_italian():
    from medui.pages import addestra

    job = {"id": 7, "name": "ner-v1", "status": "running", "progress": 0.45, "eta_seconds": 720.0,
           "evaluates": True, "adapter_variant_id": None, "error": None, "loss_curve": [[1, 2.0]],
           "log": "", "scores": None}  # fmt: skip
    progress, _curve, _log, _scores = addestra.job_view(job)
    assert (
        "lavoro 7 ner-v1: in corso (45%), circa 12 min di addestramento rimanenti, poi la valutazione"
        in progress
    )
    assert addestra.time_left({**job, "eta_seconds": None}) == "stima del tempo dopo i primi passi"
    assert addestra.time_left({**job, "eta_seconds": 30.0, "evaluates": False}) == (
        "circa 1 min di addestramento rimanente"
    )
    assert addestra.time_left({**job, "eta_seconds": 4000.0}).startswith("circa 1 h 07 min")
    assert addestra.time_left({**job, "adapter_variant_id": 3}) == "valutazione in corso"
    assert addestra.time_left({**job, "status": "succeeded"}) == ""


def _rendered(markdown: str) -> tuple[str, str]:
    """The HTML a Markdown value becomes (CommonMark + tables, as gr.Markdown does) and the text a user reads."""
    import html
    import re

    from markdown_it import MarkdownIt

    out = MarkdownIt("commonmark").enable("table").render(markdown)
    return out, html.unescape(re.sub(r"<[^>]+>", "", out))


def test_model_names_and_output_keys_reach_markdown_as_plain_text():
    from medui.pages.confronta import comparison_summary
    from medui.pages.prova import stats_markdown

    beacon, key = "openai:![x](http://h/b.png)", "![y](http://h/c.png)"
    run = {"strategy": "few-shot+cd", "split": "test", "records": 20}
    result = {
        "run_a": {**run, "id": 1, "model": beacon}, "run_b": {**run, "id": 2, "model": "qwen2.5-1.5b_it"},
        "n": 20, "ci95": [0.1, 0.3], "metric": "f1_micro", "a": 0.5, "b": 0.3, "difference": 0.2,
        "significant": True, "wins": 5, "losses": 1, "ties": 14,
    }  # fmt: skip
    stats = {"seconds": 1.5, "output_tokens": 12, "tokens_per_s": 8.0, "confidence": None, "valid": False,
             "error": f"chiave non prevista '{key}'\n# titolo <img src=x>"}  # fmt: skip
    for markdown, shown in (
        (
            comparison_summary(result),
            ["#1 openai:![x](http://h/b.png) · few-shot+cd · test", "qwen2.5-1.5b_it"],
        ),
        (stats_markdown(stats), [f"output non valido: chiave non prevista '{key}' # titolo <img src=x>"]),
    ):
        assert "![" not in markdown and "](" not in markdown and "<img" not in markdown
        out, text = _rendered(markdown)
        assert "<img" not in out and "<a " not in out and "<h1" not in out  # no image, link or heading
        assert all(s in text for s in shown)  # the names read exactly as they are
    assert "| f1_micro | 50.0 | 30.0 | +20.0 |" in _rendered(comparison_summary(result))[1].replace(
        "\n", " | "
    )
    for name in ("anna", "O'Brien", "dr_rossi", "gpt-4o-mini", "a*b* 1. [x]"):
        assert _rendered(common.md_escape(name))[1].strip() == name  # ordinary names read the same


def test_the_notice_and_prova_say_where_the_text_goes(medui_home, monkeypatch):
    import gradio as gr

    from medui.config import get_settings
    from medui.pages import prova

    with gr.Blocks():
        page = prova.ProvaPage()
        local = common.notice().value
    assert "tutto gira su questa macchina" in local and not page.send.visible
    assert "Maschera gli identificativi" in page.mask.label
    monkeypatch.setenv("MEDUI_OPENAI_BASE_URL", "https://alice:s3cret@gpu.example.org:8443/v1")
    get_settings.cache_clear()
    with gr.Blocks():
        page = prova.ProvaPage()
        remote = common.notice().value
    assert "gpu.example.org:8443" in remote and "tutto gira su questa macchina" not in remote
    assert "s3cret" not in remote and "alice" not in remote
    assert page.send.visible and "gpu.example.org:8443" in page.send.label
    warning = prova.identifiers_markdown("Possibili identificativi: codice fiscale")
    assert "gpu.example.org:8443" in warning.replace("\\", "") and "Maschera gli identificativi" in warning


def test_prova_checks_every_input_before_the_first_runs(medui_home, monkeypatch):
    from medui.backend import service
    from medui.backend.inference import destination
    from medui.backend.inference.destination import IdentifiersRefused
    from medui.config import get_settings

    inputs = ["Febbre da tre giorni.", "Chiamare la figlia al 339/1234567.", ""]  # "" is left to the run
    assert "restano su questa macchina" in service.check_inputs(NER.id, "gemma-3-270m", inputs)
    assert service.check_inputs(NER.id, "openai:x", inputs[:1]) == ""
    monkeypatch.setenv("MEDUI_OPENAI_BASE_URL", "http://gpu.example.org:8000/v1")
    get_settings.cache_clear()
    with pytest.raises(IdentifiersRefused, match="gpu.example.org:8000"):
        service.check_inputs(NER.id, "openai:x", inputs)
    assert "su tua conferma" in service.check_inputs(NER.id, "openai:x", inputs, send_identifiers=True)
    masked = service.check_inputs(NER.id, "openai:x", inputs, mask_identifiers=True)
    assert masked.startswith("Identificativi mascherati") and "numero di telefono" in masked
    monkeypatch.setattr(destination, "is_local_url", lambda url: True)
    assert "restano su questa macchina" in service.check_inputs(NER.id, "openai:x", inputs)


def test_run_and_job_statuses_and_study_columns_read_in_italian():
    from medui.pages import common

    assert [common.status_it(s) for s in ("queued", "running", "succeeded", "failed", "cancelled")] == [
        "in coda", "in corso", "completato", "non riuscito", "annullato",
    ]  # fmt: skip
    assert common.status_it("sconosciuto") == "sconosciuto"
    assert set(common.STUDY_COLUMNS_IT) >= {"model", "strategy", "average", "average_real"}


def test_prova_shows_the_notices_of_a_run_under_its_figures():
    from medui.pages import prova

    result = {"task": "e3c_clinical_entities", "seconds": 1.0, "output_tokens": 10, "tokens_per_s": 10.0,
              "confidence": 0.9, "valid": True}  # fmt: skip
    assert "⚠️" not in prova.stats_markdown(result)
    notice = "La risposta ha raggiunto il limite di 30 menzioni nella finestra 2 di 3: quella parte [x](y)"
    first, shown = prova.stats_markdown({**result, "truncated": True, "notices": [notice]}).split("\n\n")
    assert first == prova.stats_markdown(result)
    assert shown.startswith("⚠️ **La risposta ha raggiunto il limite di 30 menzioni nella finestra 2 di 3")
    assert "](" not in shown  # model and user text stay text


def test_prova_says_the_file_runs_when_a_text_is_pasted_too():
    from medui.pages import prova

    assert prova.both_inputs("/tmp/gradio/abc/nota.docx", "Febbre.") == (
        "Eseguo il file «nota.docx»: il testo incollato non è usato (rimuovi il file per eseguire il testo)."
    )
    assert prova.both_inputs("/tmp/gradio/abc/nota.docx", "  ") == ""
    assert prova.both_inputs(None, "Febbre.") == ""


def test_prova_lists_the_demonstrations_used_with_a_link_to_a_team_correction():
    from medui.pages import prova

    shown = prova.examples_markdown(
        [
            {"id": "documento:7", "text": "Cefalea pulsante [x](http://h)", "link": "/correggi?predizione=3"},
            {"id": "IT101#2", "text": "Febbre.", "link": None},
        ]
    )
    lines = shown.splitlines()
    assert lines[0].startswith("**Esempi usati**")
    assert lines[1].startswith("1. correzione del team, documento 7: «Cefalea pulsante \\[x\\]")
    assert lines[1].endswith("[apri in Correggi](/correggi?predizione=3)")
    assert lines[2].startswith("2. train, IT101") and "Correggi" not in lines[2]


def test_dropdowns_name_tasks_and_strategies_in_italian():
    """A clinician picks a task by its Italian name and a strategy by what it does; the values stay the ids the
    API and the CLI take."""
    from medui.backend import service
    from medui.backend.inference.strategy import STRATEGIES
    from medui.tasks.registry import all_specs

    tasks = service.task_choices()
    assert [value for _, value in tasks] == list(all_specs())
    labels = [label for label, _ in tasks]
    assert len(set(labels)) == len(labels)
    assert not any(value in label for label, value in tasks)  # no id, no family code in what is shown
    assert ("Entità cliniche (E3C)", "e3c_clinical_entities") in tasks
    strategies = service.strategy_choices()
    assert [value for _, value in strategies] == list(STRATEGIES)
    assert ("Vincolato allo schema (cd)", "cd") in strategies
