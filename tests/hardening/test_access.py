"""Access: with users configured every write action checks the role on the server, also when called through the
API directly; passwords are salted PBKDF2-SHA256 hashes; the server binds 127.0.0.1 unless told otherwise;
trust_remote_code is never set; model folders load and exports are written only inside allowed folders."""

from __future__ import annotations

import ast
import base64
import hashlib
import inspect
import re
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from medui.backend.data.inputs import InputError, export_target
from medui.backend.service import auth
from medui.cli import build_parser, main
from medui.cli import serve as cli_app
from medui.config import REPO_ROOT, get_settings
from tests.app.browsing import tiny_app
from tests.app.conftest import USERS

TASK = "e3c_clinical_entities"
TEXT = "Il paziente presenta febbre e tosse."
TABLES = ("users", "documents", "runs", "predictions", "corrections", "training_jobs", "model_variants")
LEVEL = {"clara": 0, "anna": 1, "ricerca": 2}  # clinician < annotator < researcher
HASH = re.compile(r"^pbkdf2_sha256\$(\d+)\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43}=)$")
MIN_ITERATIONS = 600_000  # OWASP 2023 for PBKDF2-HMAC-SHA256

# Every named endpoint of the app, classified: a new one fails test_every_endpoint_is_classified until it is.
WRITE_ENDPOINTS = {  # endpoint -> the least role allowed (level in LEVEL)
    "/send_to_queue": 0, "/prova_correggi_questo": 0, "/confronta_avvia": 0,
    "/save_correction": 1, "/accept_prediction": 1, "/correggi_salva": 1, "/correggi_accetta": 1,
    "/start_training": 2, "/addestra_avvia": 2, "/addestra_annulla": 2, "/modelli_carica": 2, "/modelli_scarica": 2,
    "/adjudicate": 2, "/accordo_salva": 2, "/accordo_importa": 2, "/accordo_assegna": 2,  # curators, researchers
    "/prova_scegli_compito": 0, "/confronta_scegli_compito": 0, "/correggi_scegli_compito": 0,
    "/accordo_scegli_compito": 0,  # the task a user chose last, their own
}  # fmt: skip
READ_ENDPOINTS = {  # no stored change (run_task and prova_esegui keep their result in memory until queued)
    "/run_task", "/prova_carica", "/prova_esegui", "/prova_compito", "/prova_mostra_record", "/prova_modelli",
    "/prova_preparazione",
    "/prova_identificativi", "/confronta_modelli", "/addestra_dati",
    "/modelli_elenco",
    "/modelli_aggiorna", "/modelli_adattatore", "/modelli_intervalli", "/confronta_carica", "/confronta_compito", "/confronta_avanzamento",
    "/confronta_valutazione", "/confronta_record", "/confronta_scegli_record", "/confronta_due", "/correggi_coda",
    "/correggi_compito", "/correggi_apri", "/correggi_scegli", "/correggi_apri_scelta", "/correggi_carica",
    "/correggi_menzioni", "/correggi_tabella_menzioni", "/correggi_aggiungi_relazione", "/correggi_rimuovi_relazione", "/correggi_scegli_relazione",
    "/correggi_salta", "/correction_queue", "/addestra_carica", "/addestra_avanzamento",
    "/addestra_lavoro", "/job_status", "/studio_carica", "/studio_aggiorna", "/studio_fonte", "/accordo_carica", "/accordo_compito",
    "/accordo_calcola", "/accordo_in_sospeso", "/accordo_apri", "/accordo_scegli", "/accordo_apri_scelto",
    "/accordo_prendi", "/accordo_unisci", "/accordo_squadra", "/accordo_squadra_dopo",
    "/accordo_assegnazioni", "/accordo_assegnazioni_carica", "/agreement", "/pending_adjudications", "/document_versions",
}  # fmt: skip


def row_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as conn:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}  # noqa: S608


# the launched app ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app(tiny_model_dir, tmp_path_factory):
    with tiny_app(tiny_model_dir, tmp_path_factory.mktemp("access")) as server:
        yield server


@pytest.fixture(scope="module")
def clients(app):
    return {name: Client(app.url, auth=app.auth(name), verbose=False) for name in USERS}


@pytest.fixture
def prediction(clients) -> int:
    """A prediction in the correction queue, sent there by the clinician."""
    result = clients["clara"].predict(TASK, "", "cd", TEXT, api_name="/run_task")
    return clients["clara"].predict(result["result_id"], api_name="/send_to_queue")["prediction_id"]


@pytest.fixture
def queued_job(app) -> int:
    """A training job waiting in the queue (no worker), for cancelling."""
    from sqlmodel import Session

    from medui.backend.store.db import make_engine
    from medui.backend.store.tables import TrainingJob

    engine = make_engine(f"sqlite:///{app.database}")
    with Session(engine) as session:
        job = TrainingJob(name="in-coda", tasks=[TASK], model="tiny", data_source="gold")
        session.add(job)
        session.commit()
        job_id = job.id
    engine.dispose()
    return job_id


RELATIONS = {"headers": ["testa", "relazione", "coda"], "data": []}


def write_calls(prediction: int, job: int) -> dict[str, tuple[list, list | None]]:
    """Per write endpoint: (calls to open the item in the same session, the write call's arguments)."""
    return {
        "/save_correction": ([], [prediction, '{"entities": []}', "nota"]),
        "/accept_prediction": ([], [prediction]),
        "/correggi_salva": (
            [("/correggi_apri", [prediction])],
            [TASK, 20, None, "", RELATIONS, "nota"],  # the form: a state
        ),
        "/correggi_accetta": ([("/correggi_apri", [prediction])], [TASK, 20, "nota"]),
        "/start_training": ([], [[TASK], "gold", "adattatore-vietato", "", 1, 0, 1, 1]),
        "/addestra_avvia": ([], [[TASK], "gold", "adattatore-vietato", "", "", 0, 1, 0, 0, 0, 0, 1]),
        "/addestra_annulla": ([("/addestra_carica", [None])], [job]),
        "/modelli_carica": ([], ["", ""]),
        "/modelli_scarica": ([], ["", ""]),
        "/adjudicate": ([], [1, "anna"]),
        "/accordo_salva": ([], [None, [], "", TASK, ""]),  # the tab state is not an input of the API
        "/accordo_assegna": (
            [],
            [TASK, [], 1, "prossimi", 1, "", ""],
        ),  # refused before the (empty) choice is read
        "/accordo_importa": (
            [],
            [None, "jsonl", "anna", TASK],
        ),  # refused before the (missing) upload is read
    }


def job_status(database: Path, job: int) -> str:
    with sqlite3.connect(database) as conn:
        return conn.execute("select status from training_jobs where id = ?", (job,)).fetchone()[0]


def loaded_models(client: Client) -> list[str]:
    table, *_ = client.predict(api_name="/modelli_elenco")
    loaded = table["headers"].index("caricato")
    return [row[0].removesuffix(" (predefinito)") for row in table["data"] if row[loaded] == "sì"]


@pytest.mark.parametrize("user", ["clara", "anna"])
def test_every_write_is_refused_below_its_role_and_writes_nothing(app, clients, prediction, queued_job, user):
    client, researcher = clients[user], clients["ricerca"]
    models_before = loaded_models(researcher)
    for endpoint, (opens, args) in write_calls(prediction, queued_job).items():
        if WRITE_ENDPOINTS[endpoint] <= LEVEL[user]:
            continue
        for opener, opener_args in opens:
            client.predict(*opener_args, api_name=opener)  # what the page does first, in the same session
        before = row_counts(app.database)
        with pytest.raises(AppError, match="permesso negato") as refused:
            client.predict(*args, api_name=endpoint)
        assert user in str(refused.value), endpoint
        assert row_counts(app.database) == before, endpoint
    assert job_status(app.database, queued_job) == "queued"
    assert loaded_models(researcher) == models_before


def test_the_same_writes_pass_the_role_check_for_the_roles_allowed(app, clients, prediction, queued_job):
    anna, ricerca = clients["anna"], clients["ricerca"]
    before = row_counts(app.database)["corrections"]
    anna.predict(prediction, api_name="/correggi_apri")
    anna.predict(TASK, 20, "accettata", api_name="/correggi_accetta")
    anna.predict(prediction, '{"entities": []}', "corretta", api_name="/save_correction")
    assert row_counts(app.database)["corrections"] == before + 2
    with pytest.raises(AppError, match="dati sconosciuti"):  # past the role check, stopped by the input check
        ricerca.predict([TASK], "nessuno", "x", "", 1, 0, 1, 1, api_name="/start_training")
    ricerca.predict(None, api_name="/addestra_carica")  # the page lists the jobs first
    ricerca.predict(queued_job, api_name="/addestra_annulla")
    assert job_status(app.database, queued_job) == "cancelled"
    ricerca.predict("", "", api_name="/modelli_carica")
    assert str(app.model) in loaded_models(ricerca)


def test_a_result_can_be_queued_only_by_who_ran_it(app, clients):
    result = clients["anna"].predict(TASK, "", "cd", TEXT, api_name="/run_task")
    before = row_counts(app.database)
    with pytest.raises(AppError, match="un altro utente"):
        clients["ricerca"].predict(result["result_id"], api_name="/send_to_queue")
    assert row_counts(app.database) == before


def test_a_role_taken_away_counts_at_the_next_request(app, clients):
    with sqlite3.connect(app.database) as conn:
        conn.execute("update users set role = 'clinician' where name = 'ricerca'")
    try:
        with pytest.raises(AppError, match="permesso negato: ricerca è clinico"):
            clients["ricerca"].predict("", "", api_name="/modelli_scarica")
    finally:
        with sqlite3.connect(app.database) as conn:
            conn.execute("update users set role = 'researcher' where name = 'ricerca'")


def test_logged_in_users_can_read_what_their_pages_show(app, clients, queued_job):
    """The pages' own reads pass the user on (a read that forgets it is refused once users exist)."""
    clinician = clients["clara"]
    rows, jobs, *_ = clinician.predict(None, api_name="/addestra_carica")  # the newest job, opened
    assert queued_job in [row[0] for row in rows["data"]]
    for strategy in ("cd", "zero-shot"):  # two runs on the same first record: Confronta compares them
        clinician.predict(TASK, "test", "", "", strategy, 1, api_name="/confronta_avvia")
    with sqlite3.connect(app.database) as conn:
        query = "select id from runs where split = 'test' order by id desc limit 2"
        run_b, run_a = (row[0] for row in conn.execute(query))
    deadline = time.monotonic() + 60
    while "running" in (run_status(app.database, run_a), run_status(app.database, run_b)):
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert run_status(app.database, run_a) == run_status(app.database, run_b) == "succeeded"
    clinician.predict(TASK, api_name="/confronta_carica")  # the page lists the runs first
    summary, records = clinician.predict(run_a, run_b, api_name="/confronta_due")
    assert "1 record in comune" in summary and len(records["data"]) == 1


def run_status(database: Path, run_id: int) -> str:
    with sqlite3.connect(database) as conn:
        return conn.execute("select status from runs where id = ?", (run_id,)).fetchone()[0]


def test_without_a_login_no_endpoint_answers(app, clients):
    endpoints = clients["anna"].view_api(print_info=False, return_format="dict")["named_endpoints"]
    before = row_counts(app.database)
    with httpx.Client(timeout=30) as http:  # no session cookie
        for name in endpoints:
            response = http.post(f"{app.url}/gradio_api/call{name}", json={"data": []})
            assert response.status_code == 401, name
        upload = http.post(f"{app.url}/gradio_api/upload", files={"files": ("a.txt", b"febbre")})
        join = http.post(f"{app.url}/gradio_api/queue/join", json={"data": [], "fn_index": 0})
        assert upload.status_code == 401 and join.status_code == 401
        assert http.get(f"{app.url}/config").status_code == 401
    assert row_counts(app.database) == before
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a bare Exception on 401
        Client(app.url, verbose=False).predict(TASK, "", "cd", TEXT, api_name="/run_task")


def test_every_endpoint_is_classified(clients):
    endpoints = set(clients["anna"].view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert endpoints == set(WRITE_ENDPOINTS) | READ_ENDPOINTS
    assert not set(WRITE_ENDPOINTS) & READ_ENDPOINTS


# the service functions, called in process ------------------------------------------------------------------
SERVICE_WRITES = {  # function -> (arguments before the username, the least role)
    "send_to_queue": (["nessuno"], "clinician"),
    "start_evaluation": ([TASK, "test", "", "cd", 1], "clinician"),
    "save_correction": ([1, '{"entities": []}'], "annotator"),
    "start_training": ([[TASK], "gold", "x"], "researcher"),
    "cancel_training": ([1], "researcher"),
    "load_model": (["gemma-3-270m"], "researcher"),
    "unload_model": ([None], "researcher"),
    "save_adjudication": ([1, "anna", None], "curator"),
    "pending_documents": ([TASK, ""], "curator"),  # reads, but of the annotators' versions: curators only
    "corrections_for_training": (
        [[TASK], None, None],
        "researcher",
    ),  # reads the team's corrections, to train
    "document_versions": ([1], "curator"),
    "assign_to_annotators": ([TASK, ["anna"], 1, None, 1, ""], "curator"),
    "assignment_overview": ([TASK], "curator"),  # reads, but the team's assignments: curators only
    "remember_task": ([TASK], "clinician"),
}
SERVICE_OTHERS = {  # reads; runs kept in memory (role checked: run); add_user, reached only from `medui users`
    "adapter_detail", "before_after", "compare_runs", "correction_item", "correction_queue", "default_model", "get_run", "identity",
    "job_status", "list_jobs", "list_runs", "login", "model_choices", "model_rows", "opening_task",
    "model_strategy",
    "parse_record", "pick_model", "process_memory", "recent_corrections", "run_metrics", "run_records",
    "strategy_choices", "shipped_study_table", "study_table", "task_choices", "task_splits", "users_configured",
    "allowed", "add_user", "run_stream", "run_task", "agreement_report", "team_filters",
    "identifier_kinds", "identifier_warning",  # the identifier gate on a text the caller sends: nothing stored
    "check_inputs", "app_notice", "served_host",  # the gate before a run, where text goes: nothing stored
}  # fmt: skip


@pytest.fixture
def with_users(medui_home):
    from medui.backend import service

    for name, (role, password) in USERS.items():
        service.add_user(name, role, password)
    return medui_home


def test_every_service_write_checks_the_role_before_anything_else(with_users):
    from sqlmodel import select

    from medui.backend import service
    from medui.backend.store.db import session_scope

    with session_scope() as session:
        names = dict(session.exec(select(auth.User.name, auth.User.role)).all())
    for function, (args, least) in SERVICE_WRITES.items():
        call = getattr(service, function)
        with pytest.raises(auth.AuthError, match="ci sono utenti configurati"):
            call(*args, None)  # no user named while users exist: not the local user
        for name, role in names.items():
            if auth.ROLE_LEVEL[role] < auth.ROLE_LEVEL[least]:
                with pytest.raises(auth.AuthError, match=f"permesso negato: {name}"):
                    call(*args, name)
    with pytest.raises(auth.AuthError, match="ci sono utenti configurati"):
        service.run_task(TASK, "", "cd", TEXT, None)


def test_every_service_function_is_classified():
    from medui.backend import service

    functions = set(service.__all__) - {"DATA_SOURCES", "MODEL_LOCK", "RunUpdate"}
    assert functions == set(SERVICE_WRITES) | SERVICE_OTHERS and not set(SERVICE_WRITES) & SERVICE_OTHERS


# passwords -------------------------------------------------------------------------------------------------
def test_passwords_are_salted_pbkdf2_sha256_in_the_standard_scheme_string():
    first, second = auth.hash_password("una password"), auth.hash_password("una password")
    assert first != second  # salted
    for stored in (first, second):
        iterations, salt, digest = HASH.match(stored).groups()
        assert int(iterations) >= MIN_ITERATIONS and len(base64.b64decode(salt + "==")) >= 16
        expected = hashlib.pbkdf2_hmac("sha256", b"una password", salt.encode("ascii"), int(iterations))
        assert base64.b64decode(digest) == expected  # what Django's PBKDF2PasswordHasher computes
        assert auth.check_password("una password", stored) and not auth.check_password("un'altra", stored)
    assert not auth.check_password("una password", first.replace("pbkdf2_sha256", "md5", 1))


def test_the_app_stores_only_hashes_and_never_the_passwords(app):
    with sqlite3.connect(app.database) as conn:
        hashes = dict(conn.execute("select name, password_hash from users where password_hash is not null"))
    assert set(hashes) == set(USERS)
    assert all(HASH.match(h) for h in hashes.values())
    stored = (
        b"".join(p.read_bytes() for p in app.home.glob("medui.sqlite*")) + (app.home / "app.log").read_bytes()
    )
    for _role, password in USERS.values():
        assert password.encode() not in stored


# binding ---------------------------------------------------------------------------------------------------
class FakeDemo:
    """Stands in for the app: records how it would be launched, binds nothing."""

    def __init__(self):
        self.calls: list[dict] = []

    def launch(self, **kwargs):
        self.calls.append(kwargs)


def test_serve_binds_127_0_0_1_unless_told_otherwise(medui_home, monkeypatch, capsys):
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    assert inspect.signature(cli_app.launch).parameters["host"].default == "127.0.0.1"
    demo = FakeDemo()
    monkeypatch.setattr(cli_app, "load_app_module", lambda: type("App", (), {"build_demo": lambda: demo}))
    assert main(["serve", "--port", "1"]) == 0
    assert demo.calls[-1]["server_name"] == "127.0.0.1" and demo.calls[-1]["auth"] is None
    assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2  # no users: nobody may reach it
    assert "with no users" in capsys.readouterr().err and len(demo.calls) == 1
    from medui.backend import service

    service.add_user("ricerca", "researcher", "password-ricerca")
    assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 0  # told otherwise, with a login
    assert demo.calls[-1]["server_name"] == "0.0.0.0" and demo.calls[-1]["auth"] is not None


def test_the_launched_app_listens_on_loopback_only(app):
    port = int(app.url.rsplit(":", 1)[1])
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                listening.add(address)
    assert listening == {"0100007F"}  # 127.0.0.1, little-endian


# trust_remote_code -------------------------------------------------------------------------------------------
def test_no_code_sets_trust_remote_code():
    found = []
    for path in [*sorted((REPO_ROOT / "medui").rglob("*.py")), REPO_ROOT / "app.py"]:
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.keyword) and node.arg == "trust_remote_code":
                found.append((path, node.value))
        mentions = source.count("trust_remote_code")
        keywords = sum(1 for p, _ in found if p == path)
        assert mentions == keywords, f"{path}: trust_remote_code used other than as a keyword set to False"
    for path, value in found:
        assert isinstance(value, ast.Constant) and value.value is False, path


# allowed folders ---------------------------------------------------------------------------------------------
def test_models_load_only_from_allowed_folders(app, clients, tmp_path_factory):
    researcher = clients["ricerca"]
    outside = tmp_path_factory.mktemp("elsewhere") / "modello"
    shutil.copytree(app.model, outside)
    inside = app.home / "modelli-locali" / "modello"
    shutil.copytree(app.model, inside)
    link = app.home / "collegamento"
    link.symlink_to(outside)
    for name in (str(outside), str(link), str(app.home / ".." / ".." / outside.parent.name / "modello")):
        with pytest.raises(AppError, match="cartella del modello non consentita"):
            researcher.predict("", name, api_name="/modelli_carica")
        with pytest.raises(AppError, match="cartella del modello non consentita"):
            researcher.predict(TASK, name, "cd", TEXT, api_name="/run_task")
        with pytest.raises(AppError, match="cartella del modello non consentita"):
            researcher.predict([TASK], "gold", "da-fuori", name, 1, 0, 1, 1, api_name="/start_training")
    assert str(outside) not in loaded_models(researcher) and str(link) not in loaded_models(researcher)
    researcher.predict("", str(inside), api_name="/modelli_carica")
    assert str(inside) in loaded_models(researcher)


def test_medui_allowed_dirs_adds_model_folders(medui_home, tmp_path, monkeypatch):
    from medui.backend.service.core import checked_model

    folder = tmp_path / "condivisi" / "modello"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    with pytest.raises(InputError, match="non consentita"):
        checked_model(str(folder))
    monkeypatch.setenv("MEDUI_ALLOWED_DIRS", f"/non/esiste:{folder.parent}")
    get_settings.cache_clear()
    assert checked_model(str(folder)) == str(folder)


@pytest.fixture
def elsewhere(medui_home, tmp_path, monkeypatch):
    """The temporary and the current folder moved aside, so that tmp_path/fuori is outside every allowed one."""
    (tmp_path / "tmp").mkdir()
    (tmp_path / "cwd").mkdir()
    (tmp_path / "fuori").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.chdir(tmp_path / "cwd")
    return tmp_path


def test_exports_are_written_only_inside_allowed_folders(elsewhere, monkeypatch):
    home = get_settings().home
    for inside in (home / "export.jsonl", elsewhere / "cwd" / "a.jsonl", elsewhere / "tmp" / "b" / "c.jsonl"):
        assert export_target(inside, "jsonl") == inside.resolve()
    (elsewhere / "cwd" / "fuga").symlink_to(elsewhere / "fuori")
    for outside in (elsewhere / "fuori" / "x.jsonl", "../fuori/x.jsonl", "fuga/x.jsonl", "/etc/passwd"):
        with pytest.raises(InputError, match="outside the folders exports may be written in"):
            export_target(outside, "jsonl")
    monkeypatch.setenv("MEDUI_ALLOWED_DIRS", str(elsewhere / "fuori"))
    get_settings.cache_clear()
    assert export_target("../fuori/x.jsonl", "jsonl") == elsewhere / "fuori" / "x.jsonl"


def test_exports_never_overwrite_medui_data(elsewhere):
    settings = get_settings()
    for target in (settings.home / "medui.sqlite", settings.home / "medui.sqlite-shm", settings.home,
                   settings.adapters_dir / "a.jsonl", settings.user_data_dir / "x" / "train.jsonl"):  # fmt: skip
        with pytest.raises(InputError, match="would write over medui's own data"):
            export_target(target, "jsonl" if target.suffix else "hf")
