"""The third review's smaller findings (issue 22, finding 9): Studio's temporary folders, uploads that outlived the
app and could be read by anyone who named their path, a model path probe for every role, saves of documents
assigned to others, and bidi overrides and C1 controls in notes. Each test fails on the code before the fix."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from medui.backend import service
from medui.backend.data.inputs import InputError, strip_note_controls
from medui.backend.evaluation.info import RunInfo
from medui.backend.service import auth
from medui.backend.service.team import assign_documents
from medui.backend.store import repo
from medui.backend.store.assignment import AssignmentError
from medui.backend.store.db import session_scope
from medui.backend.store.tables import Adjudication, Correction
from medui.cli import main
from medui.config import REPO_ROOT
from medui.tasks.registry import get_spec
from tests.backend.store.records import NER_TASK, make_prediction, ner_record

HOSTILE_NOTE = "visto\u202edi contrario\u202c, \x85ok\x9b \u2066isolato\u2069 \u202a\u202b\u202d fine"
CLEAN_NOTE = "vistodi contrario, ok isolato  fine"


# Studio ----------------------------------------------------------------------------------------------------
def test_studio_makes_no_temporary_folder_per_page_load(medui_home, tmp_path, monkeypatch):
    from medui.pages import studio

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(studio, "_FOLDER", None, raising=False)  # as in a fresh process
    shown = [studio.opening("")[3] for _ in range(3)] + [studio.study("", studio.SAVED)[2]]
    assert len(list(tmp_path.glob("medui-studio-*"))) == 1
    assert len({shown[0], shown[1], shown[2]}) == 1 and all(Path(p).name == "studio.csv" for p in shown)


def test_studio_s_folder_goes_when_the_process_ends(tmp_path):
    script = "from medui.pages import studio; print(studio.csv_file('modello,media\\nm,1\\n'))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path), "MEDUI_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    written = Path(done.stdout.strip())
    assert written.is_relative_to(tmp_path) and written.name == "studio.csv"
    assert not written.exists() and not list(tmp_path.glob("medui-studio-*"))


# uploads ---------------------------------------------------------------------------------------------------
def guarded_files(folder: Path, made: set[str]) -> TestClient:
    """The guard on a bare app with Gradio's upload and file routes in small; the user is the x-user header."""
    from medui.backend.web.files import FileAccess
    from medui.backend.web.guard import RequestGuard, allowed_hosts
    from medui.backend.web.uploads import UploadOwners

    async def upload(request: Request):
        form = await request.form()
        data = await form["files"].read()
        stored = folder / uuid.uuid4().hex / form["files"].filename
        stored.parent.mkdir()
        stored.write_bytes(data)
        return JSONResponse([str(stored)])

    async def file(request: Request):
        path = Path(request.path_params["path"])
        return FileResponse(path) if path.is_file() else JSONResponse({"detail": "no"}, status_code=403)

    inner = Starlette(routes=[
        Route("/gradio_api/upload", upload, methods=["POST"]),
        Route("/gradio_api/file={path:path}", file), Route("/gradio_api/file/{path:path}", file),
    ])  # fmt: skip
    owners = UploadOwners()
    files = FileAccess(str(folder), owners, lambda headers: headers.get("x-user"), made.__contains__)
    guard = RequestGuard(inner, hosts=allowed_hosts("127.0.0.1"), files=files)
    client = TestClient(guard, base_url="http://127.0.0.1:7860")
    client.owners = owners  # type: ignore[attr-defined]
    return client


def test_an_upload_is_served_only_to_who_uploaded_it(tmp_path):
    folder, elsewhere = tmp_path / "gradio", tmp_path / "altrove.txt"
    folder.mkdir()
    elsewhere.write_text("non un caricamento")
    output = folder / "uscita" / "studio.csv"
    output.parent.mkdir()
    output.write_text("modello,media\n")
    leftover = folder / "vecchio" / "nota.txt"  # an upload of an earlier run: nobody's now
    leftover.parent.mkdir()
    leftover.write_text("Paziente di ieri.")
    client = guarded_files(folder, made={str(output)})
    (stored,) = client.post(
        "/gradio_api/upload", files={"files": ("nota.txt", b"Febbre alta.")}, headers={"x-user": "anna"}
    ).json()
    assert client.owners.owned_by(stored, "anna")
    for route in ("/gradio_api/file=", "/gradio_api/file/"):
        mine = client.get(route + stored, headers={"x-user": "anna"})
        assert mine.status_code == 200 and mine.text == "Febbre alta."
        theirs = client.get(route + stored, headers={"x-user": "clara"})
        missing = client.get(route + str(folder / "nessuno" / "nota.txt"), headers={"x-user": "clara"})
        assert theirs.status_code == missing.status_code == 403
        assert theirs.json() == {
            "detail": f"File not allowed: {stored}."
        }  # Gradio's words for a missing file
        dotted = client.get(f"{route}{folder}/../{folder.name}/{Path(stored).parent.name}/nota.txt")
        assert dotted.status_code == 403  # another spelling of the same path
        assert client.get(route + str(leftover), headers={"x-user": "anna"}).status_code == 403
        assert client.get(route + str(output), headers={"x-user": "clara"}).status_code == 200  # the app's
        assert client.get(route + str(elsewhere), headers={"x-user": "clara"}).status_code == 200  # not ours
    assert client.head("/gradio_api/file=" + stored, headers={"x-user": "clara"}).status_code == 403


def test_prova_reads_only_the_user_s_own_upload(tmp_path):
    from medui.backend.web.uploads import UploadOwners, read_upload

    spec, folder, owners = get_spec(NER_TASK), tmp_path / "gradio", UploadOwners()
    upload = folder / "abc" / "nota.txt"
    upload.parent.mkdir(parents=True)
    upload.write_text("Febbre alta.", encoding="utf-8")
    owners.record([str(upload)], "anna")
    assert read_upload(upload, spec, folder, owners, "anna") == ["Febbre alta."]
    refusals = []
    for path in (upload, folder / "abc" / ".." / "abc" / "nota.txt", folder / "xyz" / "nota.txt"):
        with pytest.raises(InputError, match="non è un file caricato da te") as refused:
            read_upload(path, spec, folder, owners, "clara")
        refusals.append(str(refused.value))
    assert len(set(refusals)) == 1  # an existing upload of another user reads as a missing one
    owners.record([str(upload)], "clara")  # she uploaded the same bytes: Gradio gives her the same path
    assert read_upload(upload, spec, folder, owners, "clara") == ["Febbre alta."]


def test_uploads_are_swept_while_the_app_runs():
    from medui.cli.serve import load_app_module

    demo = load_app_module().build_demo()
    frequency, age = demo.delete_cache
    assert 0 < frequency <= 600 and 0 < age <= 3600


def test_the_app_serves_an_upload_only_to_its_uploader_and_removes_it_when_it_stops(tiny_model_dir, tmp_path):
    from gradio.utils import get_upload_folder

    from tests.app.conftest import launched_app
    from tests.app.tiny_ner import make_tiny_ner_model

    model = make_tiny_ner_model(tiny_model_dir, tmp_path / "ner")
    users = [("anna", "annotator", "password-anna"), ("clara", "clinician", "password-clara")]
    (tmp_path / "home").mkdir()
    text = f"Febbre alta da tre giorni, nota {uuid.uuid4().hex}."
    with launched_app(tmp_path / "home", model, users) as server:
        anna, clara = (logged_in(server.url, name) for name in ("anna", "clara"))
        files = {"files": ("nota.txt", text.encode(), "text/plain")}
        (stored,) = anna.post("/gradio_api/upload", files=files).json()
        assert Path(stored).is_relative_to(Path(get_upload_folder()).resolve())
        assert anna.get(f"/gradio_api/file={stored}").text == text
        assert clara.get(f"/gradio_api/file={stored}").status_code == 403
        upload = {"path": stored, "orig_name": "nota.txt", "meta": {"_type": "gradio.FileData"}}
        args = [
            NER_TASK,
            "cd",
            "",
            "",
            "",
            upload,
            False,
            False,
            "casuali",
        ]  # over plain HTTP: gradio_client would
        event, payload = call(clara, "prova_esegui", args)  # upload the file again from this machine's disk
        assert event == "error" and "nota.txt: non è un file caricato da te" in payload["error"], payload
        event, payload = call(anna, "prova_esegui", args)
        assert event == "complete" and text in json.dumps(payload, ensure_ascii=False), payload
        anna.close()
        clara.close()
        assert Path(stored).exists()
    assert not Path(stored).exists()  # stopped with SIGTERM, as launched_app does


def logged_in(url: str, name: str) -> httpx.Client:
    """An HTTP client of the app logged in as `name` (password-NAME)."""
    http = httpx.Client(base_url=url, timeout=120)
    assert http.post("/login", data={"username": name, "password": f"password-{name}"}).status_code == 200
    return http


def call(http: httpx.Client, endpoint: str, data: list) -> tuple[str, object]:
    """An endpoint called over plain HTTP, as a script can (naming a path): its last event and payload."""
    started = http.post(f"/gradio_api/call/{endpoint}", json={"data": data})
    stream = http.get(f"/gradio_api/call/{endpoint}/{started.json()['event_id']}").text
    lines = stream.strip().split("\n\n")[-1].splitlines()
    return lines[0].removeprefix("event: "), json.loads(lines[1].removeprefix("data: "))


# model paths -----------------------------------------------------------------------------------------------
def test_who_may_not_load_folders_gets_one_answer_for_any_server_path(tiny_model_dir, medui_home):
    import shutil

    from medui.backend.service.core import checked_model, default_model

    inside = shutil.copytree(tiny_model_dir, medui_home / "modello-nuovo")  # a folder the app could load
    for name, role in (("clara", "clinician"), ("anna", "annotator"), ("carla", "curator")):
        service.add_user(name, role, f"password-{name}")
    names = [
        "/etc", "/etc/passwd", "/etc/nessun-file", "../../../../../../etc/passwd", "../../../../nessuna/cartella",
        str(inside), str(medui_home / "non-esiste"), "~/", "README.md", "medui/pages", "nessuna/cartella",
        "a/b/c",
    ]  # fmt: skip
    for user in ("clara", "anna", "carla"):
        answers = set()
        for name in names:
            with pytest.raises(auth.AuthError) as refused:
                service.run_task(NER_TASK, name, "cd", "Febbre alta.", user)
            answers.add(refused.value.italian.replace(repr(name), "NOME"))
        assert len(answers) == 1, answers
        assert "richiede il ruolo ricercatore" in answers.pop()
        who = auth.Identity(user, "clinician")
        assert checked_model(default_model(), who) == default_model()  # the models offered stay open
    ricerca = auth.Identity("ricerca", "researcher")
    assert checked_model(str(inside), ricerca) == str(inside)  # researchers load folders as before
    with pytest.raises(InputError, match="cartella del modello non consentita"):
        checked_model("/etc", ricerca)


# documents assigned to others ------------------------------------------------------------------------------
def _assigned_prediction(to: str) -> int:
    """A stored prediction whose document a curator (carla) assigned to `to`."""
    with session_scope() as s:
        run = repo.save_run(RunInfo(get_spec(NER_TASK), "m", "cd", split="test"), session=s)
        (row,) = repo.save_predictions(run, [make_prediction(ner_record("a"))], [None], session=s)
        assign_documents(NER_TASK, [to], 1, session=s, curator="carla")
        return row.id


def _corrections() -> list[tuple[str, int]]:
    with session_scope() as s:
        return [(c.annotator, c.document_id) for c in s.exec(select(Correction).order_by(Correction.id))]


def test_a_document_assigned_to_others_is_saved_only_by_them_or_a_curator(medui_home, capsys, tmp_path):
    for name, role in (("anna", "annotator"), ("bruno", "annotator"), ("carla", "curator")):
        service.add_user(name, role, f"password-{name}")
    prediction = _assigned_prediction("anna")
    for accept in (False, True):
        with pytest.raises(AssignmentError) as refused:
            service.save_correction(prediction, None if accept else ner_record("a"), "bruno", accept=accept)
        assert refused.value.italian.startswith("Salvataggio rifiutato: il documento")
        assert "assegnato a anna, non a bruno" in refused.value.italian
    record = tmp_path / "record.json"
    record.write_text(json.dumps(ner_record("a")))
    argv = ["corrections", "add", "--task", NER_TASK, "--prediction", str(prediction), "--file", str(record)]
    assert main([*argv, "--annotator", "bruno"]) == 2
    err = capsys.readouterr().err
    assert "is assigned to anna, not to bruno" in err and err.count("\n") == 1, err
    assert _corrections() == []
    mine = service.save_correction(prediction, ner_record("a"), "anna")
    curator = service.save_correction(prediction, ner_record("a"), "carla")
    assert main([*argv, "--annotator", "carla", "--json"]) == 0
    document = mine["document_id"]
    assert curator["document_id"] == document
    assert _corrections() == [("anna", document), ("carla", document), ("carla", document)]


# notes -----------------------------------------------------------------------------------------------------
def test_notes_lose_bidi_overrides_and_c1_controls(medui_home, capsys, tmp_path):
    assert strip_note_controls(HOSTILE_NOTE) == CLEAN_NOTE
    ordinary = "Febbre già alta\n\tcittà: ok → שלום مرحبا \u200f (segni di direzione semplici restano)"
    assert strip_note_controls(ordinary) == ordinary
    for name, role in (("anna", "annotator"), ("bruno", "annotator"), ("carla", "curator")):
        service.add_user(name, role, f"password-{name}")
    with session_scope() as s:
        run = repo.save_run(RunInfo(get_spec(NER_TASK), "m", "cd", split="test"), session=s)
        (row,) = repo.save_predictions(run, [make_prediction(ner_record("a"))], [None], session=s)
        prediction = row.id
    saved = service.save_correction(prediction, ner_record("a"), "anna", note=HOSTILE_NOTE)
    assert saved["note"] == CLEAN_NOTE
    record = tmp_path / "record.json"
    record.write_text(json.dumps(ner_record("a", spans=((27, 38),))))
    code = main(["corrections", "add", "--task", NER_TASK, "--prediction", str(prediction), "--file", str(record),
                 "--annotator", "bruno", "--note", HOSTILE_NOTE, "--json"])  # fmt: skip
    assert code == 0 and json.loads(capsys.readouterr().out)["note"] == CLEAN_NOTE
    document = saved["document_id"]
    code = main(["adjudicate", NER_TASK, "--document", str(document), "--take", "anna", "--curator", "carla",
                 "--note", HOSTILE_NOTE])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    service.save_adjudication(document, take="bruno", username="carla", note=HOSTILE_NOTE)
    with session_scope() as s:
        notes = [a.note for a in s.exec(select(Adjudication).order_by(Adjudication.id))]
        stored = [c.note for c in s.exec(select(Correction).order_by(Correction.id))]
    assert notes == [CLEAN_NOTE, CLEAN_NOTE] and stored == [CLEAN_NOTE, CLEAN_NOTE]
