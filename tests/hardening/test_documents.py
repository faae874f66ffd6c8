"""Hostile documents (generated here, see bombs.py): each is refused within bounded memory and time.

Each read runs in a child process limited to 1.5 GB and 30 s of CPU time: the old readers (python-docx parsing
every inflated byte, pypdf extracting every page before the text limit) fail these tests by running out of one
or the other, or by not naming the limit that stopped them, instead of hanging the test run. No test measures
how long a read took: the deadlines are tested with a clock that moves when the reader looks at it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import zipfile
from types import SimpleNamespace

import pytest

from medui.cli import main
from tests.hardening import bombs

SMALL_MB = 300  # peak resident memory of the reading process and its worker


def refused_early(path, fragment: str) -> None:
    """Refused by the limit the fragment names (the reader stopped there), within a small peak memory."""
    got = bombs.bounded(path, timeout_s=300, memory_mb=1500, cpu_s=30)  # the timeout only stops a hang
    assert got.outcome == "refused", got
    assert fragment in got.message and got.message.startswith(path.name), got.message
    assert got.peak_mb < SMALL_MB, got


def test_a_docx_zip_bomb_is_refused_from_the_zip_directory(tmp_path):
    refused_early(bombs.docx_bomb(tmp_path / "bomba.docx", 300), "decompresso supera")


def test_a_docx_part_that_inflates_too_much_is_refused_by_its_ratio(tmp_path):
    refused_early(bombs.docx_bomb(tmp_path / "rapporto.docx", 40), "si espande")


def test_a_docx_flooding_text_stops_at_the_text_limit_as_it_grows(tmp_path):
    refused_early(bombs.docx_text_flood(tmp_path / "fiume.docx", 8), "supera il limite")


def test_a_pdf_bomb_is_refused_at_its_first_page(tmp_path):
    refused_early(bombs.pdf_bomb(tmp_path / "bomba.pdf", 200, 2), "pagina 1")


def documents():
    """The bounded reader (imported here: the tests above must run on code without it)."""
    from medui.backend.web import documents

    return documents


def test_a_slow_pdf_under_the_content_limit_stops_at_the_deadline(tmp_path, monkeypatch):
    """The deadline is checked as the text comes, on a clock that moves 0.3 s each time the reader looks."""
    reader, looks = documents(), []

    def clock() -> float:
        looks.append(0.3 * len(looks))
        return looks[-1]

    monkeypatch.setattr(reader, "time", SimpleNamespace(monotonic=clock))
    path = bombs.pdf_bomb(tmp_path / "lento.pdf", 200, 0.9)
    with pytest.raises(reader.DocumentError, match="lettura interrotta dopo 1 s"):
        reader.pdf_text(path, deadline_s=1.0)
    assert looks[-2] <= 1.0 < looks[-1]  # it stopped at its first look past the deadline


def test_the_worker_is_stopped_at_its_timeout(tmp_path, monkeypatch):
    """A document that never ends (a named pipe nobody writes to): the worker is killed at the timeout."""
    workers = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            workers.append(self)

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    path = tmp_path / "infinito.pdf"
    os.mkfifo(path)
    with pytest.raises(documents().DocumentError, match="lettura interrotta dopo 1 s"):
        documents().read_document(path, timeout_s=1.0)
    assert [worker.returncode for worker in workers] == [-signal.SIGKILL]  # killed, and reaped


def test_too_many_pages_are_refused_before_any_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(documents(), "MAX_PDF_PAGES", 10)
    with pytest.raises(documents().DocumentError, match="200 pagine"):
        documents().pdf_text(bombs.pdf_bomb(tmp_path / "pagine.pdf", 200, 0.01))


def test_a_docx_with_a_dtd_is_refused(tmp_path):
    path = tmp_path / "dtd.docx"
    xml = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", xml)
    with pytest.raises(documents().DocumentError, match="DTD"):
        documents().docx_text(path)


def test_ordinary_documents_still_read(tmp_path):
    assert documents().read_document(bombs.docx_small(tmp_path / "nota.docx")) == "Paziente con febbre."
    text = documents().read_document(bombs.pdf_bomb(tmp_path / "breve.pdf", 2, 0.0003))
    assert "febbre alta e tosse" in text


# medui run --file ------------------------------------------------------------------------------------------
def test_run_file_reads_docx_and_pdf_with_the_apps_reader(capsys, tmp_path, tiny_model_dir, medui_home):
    for path in (bombs.docx_small(tmp_path / "nota.docx"), bombs.pdf_bomb(tmp_path / "nota.pdf", 1, 0.0003)):
        code = main(["run", "--task", "drug_leaflet_entities", "--model", str(tiny_model_dir),
                     "--strategy", "zero-shot", "--file", str(path), "--json"])  # fmt: skip
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "febbre" in json.loads(out)["text"]


def test_run_file_refuses_a_bomb_in_one_line(capsys, tmp_path):
    code = main(["run", "--task", "e3c_events", "--file", str(bombs.docx_bomb(tmp_path / "b.docx", 300))])
    err = capsys.readouterr().err
    assert code == 2 and "decompresso supera" in err and len(err.strip().splitlines()) == 1


def test_prova_reads_documents_outside_the_model_queue(medui_home):
    """Prova's run is not in the model's concurrency group: a document is read (bounded) before MODEL_LOCK."""
    from medui.cli.serve import load_app_module
    from medui.pages import common

    demo = load_app_module().build_demo()
    by_name = {fn.api_name: fn for fn in demo.fns.values()}
    assert by_name["prova_esegui"].concurrency_id != common.MODEL_QUEUE
    assert by_name["run_task"].concurrency_id == common.MODEL_QUEUE  # text only: the model's queue
