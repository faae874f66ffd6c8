"""Hostile input: every case of hostile/cases.yaml through the CLI (in process) or the launched app's API.

A refused input gets one clear line (CLI: exit 2 on stderr; app: a gradio Error with that text, never a generic
"Error" nor "Errore interno"), leaves no traceback in the app's log and adds no row to the database. An accepted
one keeps what it must: the text (cleaned where the case says), offsets that index it, notes byte for byte,
every table in place.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from gradio.utils import get_upload_folder
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from medui.backend.evaluation.info import RunInfo
from medui.backend.inference.engine import Prediction, doc_hash
from medui.cli import main
from medui.cli import serve as cli_app
from medui.config import REPO_ROOT, get_settings
from tests.app.conftest import USERS, launched_app
from tests.app.tiny_ner import make_tiny_ner_model
from tests.hardening import bombs

HERE = Path(__file__).parent / "hostile"
CASES = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))["cases"]
CLI_CASES = [c for c in CASES if c["via"].startswith("cli_")]
API_CASES = [c for c in CASES if c["via"].startswith("api_")]
NER_TASK = "e3c_clinical_entities"
DOC_TEXT = "Febbre alta <img src=x onerror=alert(1)> e tosse; '; DROP TABLE corrections;-- fine."
TABLES = ("users", "documents", "runs", "predictions", "corrections", "training_jobs")
OUTSIDE = Path("/var/tmp/medui-hostile-export")  # outside every allowed folder; must never be created
REQUIRED = (  # what the issue asks the corpus to hold: a case id fragment each
    "text-empty", "text-blank", "5mb", "binary", "latin1", "utf16-bom", "emoji", "controls", "rtl", "html",
    "label-script", "label-img", "sql", "model-traversal", "filename-traversal", "export-traversal",
    "malformed-jsonl", "malformed-csv", "offsets-out-of-range", "start-after-end", "text-mismatch",
    "missing-label", "wrong-types", "unknown-task", "unknown-strategy",
)  # fmt: skip


# the corpus itself -----------------------------------------------------------------------------------------
def test_the_corpus_holds_every_kind_of_hostile_input():
    ids = [c["id"] for c in CASES]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    for fragment in REQUIRED:
        assert any(fragment in i for i in ids), f"no case for {fragment}"
    for case in CASES:
        assert case["what"] and set(case["expect"]) in ({"error"}, {"error", "by"}, {"ok"}), case["id"]
        if "file" in case["input"]:
            assert (HERE / "files" / case["input"]["file"]).is_file(), case["id"]


# building inputs -------------------------------------------------------------------------------------------
DOCUMENTS = {  # generated hostile documents (tests/hardening/bombs.py): kind -> (maker, suffix)
    "docx_bomb": (bombs.docx_bomb, "docx"), "docx_text_flood": (bombs.docx_text_flood, "docx"),
    "pdf_bomb": (bombs.pdf_bomb, "pdf"), "docx_note": (lambda p, _n: bombs.docx_small(p), "docx"),
}  # fmt: skip


def generated(spec: dict, folder: Path) -> tuple[str, Path]:
    """A generated input (text and the file holding it): big_text N bytes, deep_json N brackets, or a
    document of DOCUMENTS (N: its size in MB, pages for pdf_bomb; docx_note holds "Paziente con febbre.")."""
    ((kind, size),) = spec.items()
    if kind in DOCUMENTS:
        make, suffix = DOCUMENTS[kind]
        path = folder / f"{kind}-{size}.{suffix}"
        if not path.exists():
            make(path, size)
        return ("Paziente con febbre." if kind == "docx_note" else ""), path
    text = ("febbre alta e tosse " * (size // 20 + 1))[:size] if kind == "big_text" else "[" * size
    path = folder / f"{kind}-{size}.{'txt' if kind == 'big_text' else 'jsonl'}"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    return text, path


def value(raw, places: dict[str, str]):
    """A case value: {repeat: [s, n]} expanded, {placeholders} filled in."""
    if isinstance(raw, dict) and "repeat" in raw:
        piece, times = raw["repeat"]
        return piece * times
    return raw.format(**places) if isinstance(raw, str) and "{" in raw else raw


def input_text(case: dict, folder: Path) -> str:
    inp = case["input"]
    return generated(inp["generate"], folder)[0] if "generate" in inp else value(inp.get("text"), {})


def input_path(case: dict, folder: Path, places: dict[str, str]) -> Path:
    inp = case["input"]
    if "generate" in inp:
        return generated(inp["generate"], folder)[1]
    if "file" in inp:
        return HERE / "files" / inp["file"]
    return Path(value(inp["path"], places))


def record_json(case: dict, folder: Path) -> str:
    inp = case["input"]
    if "generate" in inp:
        return generated(inp["generate"], folder)[0]
    return inp["raw"] if "raw" in inp else json.dumps(inp["record"], ensure_ascii=False)


# the database ----------------------------------------------------------------------------------------------
def row_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as conn:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}  # noqa: S608


def table_names(database: Path) -> set[str]:
    with sqlite3.connect(database) as conn:
        return {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}


def stored_note(database: Path, correction_id: int) -> str:
    with sqlite3.connect(database) as conn:
        return conn.execute("select note from corrections where id = ?", (correction_id,)).fetchone()[0]


def stored_text(database: Path, prediction_id: int) -> str:
    query = "select d.text from documents d join predictions p on p.document_id = d.id where p.id = ?"
    with sqlite3.connect(database) as conn:
        return conn.execute(query, (prediction_id,)).fetchone()[0]


def check_record(record: dict, expected_text: str) -> None:
    """The record's text is the expected one and every mention's offsets index it."""
    assert record["text"] == expected_text
    for ent in record.get("entities", []):
        assert record["text"][ent["start"] : ent["end"]] == ent["text"], ent


# the CLI ---------------------------------------------------------------------------------------------------
@dataclass
class CliEnv:
    home: Path
    tmp: Path
    model: Path
    ner_prediction: int
    qa_prediction: int

    @property
    def database(self) -> Path:
        return self.home / "medui.sqlite"

    @property
    def places(self) -> dict[str, str]:
        return {"home": str(self.home), "tmp": str(self.tmp), "escape": str(self.tmp / "escape")}


@pytest.fixture(scope="module")
def ner_model(tiny_model_dir, tmp_path_factory) -> Path:
    """The tiny model that writes one entity per text (see tests/app/tiny_ner.py)."""
    return make_tiny_ner_model(tiny_model_dir, tmp_path_factory.mktemp("hostile-ner"))


@pytest.fixture(scope="module")
def cli_env(ner_model, tmp_path_factory):
    """A medui home holding an NER and a QA prediction, and an NER correction to export."""
    base = tmp_path_factory.mktemp("hostile-cli")
    home, tmp = base / "home", base / "tmp"
    (tmp / "full").mkdir(parents=True)
    (tmp / "full" / "appunti.txt").write_text("non toccare", encoding="utf-8")
    (tmp / "escape").symlink_to(OUTSIDE)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDUI_HOME", str(home))
        mp.setenv("MEDUI_MODELS_CACHE", str(get_settings().models_dir))
        mp.delenv("MEDUI_DATABASE_URL", raising=False)
        get_settings.cache_clear()
        ner, qa = seed_predictions()
        yield CliEnv(home, tmp, ner_model, ner, qa)
    get_settings.cache_clear()


def seed_predictions() -> tuple[int, int]:
    """Store one NER prediction (with a correction) and one QA prediction; their ids."""
    from medui.backend.data import gold
    from medui.backend.store import repo
    from medui.backend.store.corrections import add_correction
    from medui.backend.store.db import session_scope
    from medui.tasks.registry import get_spec

    qa_record = gold.load_split(get_spec("medqa_it"), "test")[0]
    ids = []
    with session_scope() as session:
        for task, record in (
            (NER_TASK, {"id": "h1", "text": DOC_TEXT, "entities": []}),
            ("medqa_it", qa_record),
        ):
            run = repo.save_run(RunInfo(get_spec(task), "tiny", "cd", split="prova"), session=session)
            pred = Prediction(record, "{}", "p" * 16, doc_hash(record), 0.1, 10, 5, 0.5)
            ids.append(repo.save_predictions(run, [pred], [None], session=session)[0].id)
        add_correction({"entities": [{"start": 0, "end": 6, "label": "CLINENTITY"}]}, "anna", session=session,
                       prediction_id=ids[0])  # fmt: skip
    return ids[0], ids[1]


def cli_argv(case: dict, env: CliEnv) -> list[str]:
    """The `medui` arguments of a CLI case."""
    inp, via = case["input"], case["via"]
    if via in ("cli_run_text", "cli_run_file"):
        source = ["--text", input_text(case, env.tmp)] if via == "cli_run_text" else [
            "--file", str(input_path(case, env.tmp, env.places))]  # fmt: skip
        model = value(inp.get("model", str(env.model)), env.places)
        return ["run", "--task", inp.get("task", NER_TASK), "--model", model,
                "--strategy", inp.get("strategy", "cd"), *source, "--json"]  # fmt: skip
    if via == "cli_import":
        path = input_path(case, env.tmp, env.places)
        return ["data", "import", inp["format"], str(path), "--task", inp.get("task", NER_TASK), "--json"]
    if via == "cli_export":
        out = value(inp["out"], env.places)
        return ["export", "--task", NER_TASK, "--format", inp.get("format", "jsonl"), "--out", out, "--json"]
    if via == "cli_serve":
        return ["serve", "--host", inp["host"], "--port", "1"]
    return correction_argv(case, env)


def correction_argv(case: dict, env: CliEnv) -> list[str]:
    inp = case["input"]
    record_file = env.tmp / f"{case['id']}.json"
    record_file.write_text(record_json(case, env.tmp), encoding="utf-8")
    qa = inp.get("target") == "qa"
    prediction = env.qa_prediction if qa else env.ner_prediction
    note = ["--note", inp["note"]] if "note" in inp else []
    return ["corrections", "add", "--task", "medqa_it" if qa else NER_TASK, "--prediction", str(prediction),
            "--file", str(record_file), "--annotator", "anna", *note, "--json"]  # fmt: skip


class FakeDemo:
    """Stands in for the app: records how it would be launched, binds nothing."""

    launched: list[dict] = []

    def launch(self, **kwargs):
        self.launched.append(kwargs)


@pytest.mark.parametrize("case", CLI_CASES, ids=[c["id"] for c in CLI_CASES])
def test_cli_case(case, cli_env, capsys, monkeypatch):
    monkeypatch.setattr(cli_app, "load_app_module", lambda: type("App", (), {"build_demo": FakeDemo}))
    argv, before = cli_argv(case, cli_env), row_counts(cli_env.database)
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if "error" in case["expect"]:
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("medui: error:"), err
        assert case["expect"]["error"] in lines[0]
        assert row_counts(cli_env.database) == before and FakeDemo.launched == []
        assert not OUTSIDE.exists() and (cli_env.tmp / "full").is_dir()
        return
    assert code == 0, err
    check_cli_result(case, cli_env, json.loads(out))


def check_cli_result(case: dict, env: CliEnv, result: dict) -> None:
    ok = case["expect"]["ok"]
    if case["via"] in ("cli_run_text", "cli_run_file"):
        check_record(result, ok.get("text", input_text(case, env.tmp)))
    elif case["via"] == "cli_import":
        assert sum(result["splits"].values()) == ok["imported"]
        assert sum(result["skipped"].values()) == ok["skipped"]
    elif case["via"] == "cli_export":
        lines = Path(result["out"]).read_text(encoding="utf-8").splitlines()
        assert len(lines) == result["records"] == ok["records"]
        assert json.loads(lines[0])["text"] == DOC_TEXT
    else:
        assert stored_note(env.database, result["id"]) == case["input"]["note"]
        assert set(TABLES) <= table_names(env.database)


# the app ---------------------------------------------------------------------------------------------------
@dataclass
class Api:
    server: object
    anna: Client
    ricerca: Client
    prediction: int
    tmp: Path

    @property
    def database(self) -> Path:
        return self.server.home / "medui.sqlite"

    @property
    def log(self) -> Path:
        return self.server.home / "app.log"


@pytest.fixture(scope="module")
def api(ner_model, tmp_path_factory):
    """The app launched with the three users, and a queued prediction of DOC_TEXT to correct."""
    users = [(name, role, password) for name, (role, password) in USERS.items()]
    base = tmp_path_factory.mktemp("hostile-app")
    (base / "home").mkdir()
    with launched_app(base / "home", ner_model, users) as server:
        anna = Client(server.url, auth=server.auth("anna"), verbose=False)
        ricerca = Client(server.url, auth=server.auth("ricerca"), verbose=False)
        result = anna.predict(NER_TASK, "", "cd", DOC_TEXT, api_name="/run_task")
        queued = anna.predict(result["result_id"], api_name="/send_to_queue")
        yield Api(server, anna, ricerca, queued["prediction_id"], base)


def call_api(case: dict, api: Api):
    """Send a case to its endpoint; what the endpoint returns."""
    inp, via = case["input"], case["via"]
    if via == "api_run_task":
        args = [inp.get("task", NER_TASK), value(inp.get("model", ""), {}), inp.get("strategy", "cd")]
        args += [
            input_text(case, api.tmp),
            False,
            False,
            "random",
        ]  # mask_identifiers, send_identifiers, demos
        return (
            raw_call(api, "run_task", args)
            if inp.get("raw")
            else api.anna.predict(*args, api_name="/run_task")
        )
    if via == "api_correction":
        prediction = inp.get("prediction", api.prediction)
        note = value(inp.get("note", ""), {})
        return api.anna.predict(prediction, record_json(case, api.tmp), note, api_name="/save_correction")
    if via == "api_load_model":
        return api.ricerca.predict(inp["model"], "", api_name="/modelli_carica")
    args = [
        NER_TASK,
        "cd",
        "",
        "",
        "",
        upload_value(case, api),
        False,
        False,
        "casuali",
    ]  # no masking, no confirmation
    if "server_path" in inp:
        return raw_call(api, "prova_esegui", args)
    return api.anna.predict(*args, api_name="/prova_esegui")


def raw_call(api: Api, endpoint: str, data: list):
    """Call an endpoint over plain HTTP as anna (JSON with \\u escapes, as browsers send); its first output."""
    with httpx.Client(cookies=api.anna.cookies, timeout=120) as http:
        body = json.dumps({"data": data})  # ensure_ascii: a lone surrogate travels as a \\ud800 escape
        url = f"{api.server.url}/gradio_api/call/{endpoint}"
        event_id = http.post(url, content=body, headers={"content-type": "application/json"}).json()[
            "event_id"
        ]
        stream = http.get(f"{url}/{event_id}").text
    events = [block.splitlines() for block in stream.strip().split("\n\n")]
    event, payload = events[-1][0].removeprefix("event: "), json.loads(events[-1][1].removeprefix("data: "))
    if event == "error":
        raise AppError((payload or {}).get("error") or "Error")
    return payload[0]


def upload_value(case: dict, api: Api):
    """The file argument of Prova: an upload, an upload under a hostile name, or a path on the server."""
    inp = case["input"]
    places = {"repo": str(REPO_ROOT), "upload_folder": get_upload_folder()}
    if "server_path" in inp:
        return {"path": value(inp["server_path"], places), "meta": {"_type": "gradio.FileData"}}
    path = input_path(case, api.tmp, places)
    if "upload_name" not in inp:
        return handle_file(str(path))
    with httpx.Client(cookies=api.anna.cookies) as http:
        files = {"files": (inp["upload_name"], path.read_bytes(), "text/plain")}
        (stored,) = http.post(api.server.url + "/gradio_api/upload", files=files).json()
    assert Path(stored).resolve().is_relative_to(Path(get_upload_folder()).resolve()), stored
    return {"path": stored, "orig_name": inp["upload_name"], "meta": {"_type": "gradio.FileData"}}


@pytest.mark.parametrize("case", API_CASES, ids=[c["id"] for c in API_CASES])
def test_api_case(case, api):
    before, log_start = row_counts(api.database), api.log.stat().st_size
    if "error" in case["expect"]:
        with pytest.raises(AppError) as raised:
            call_api(case, api)
        message = str(raised.value)
        assert case["expect"]["error"] in message and "Errore interno" not in message, message
        assert row_counts(api.database) == before
        if case["expect"].get("by") == "gradio":
            return  # Gradio refused it before any medui code ran; it logs that with a traceback of its own
        assert message.strip() not in ("", "Error"), message
    else:
        check_api_result(case, api, call_api(case, api))
    new_log = api.log.read_bytes()[log_start:].decode("utf-8", "replace")
    assert "Traceback" not in new_log, new_log[-3000:]
    assert set(TABLES) <= table_names(api.database)


def check_api_result(case: dict, api: Api, result) -> None:
    inp, ok = case["input"], case["expect"]["ok"]
    if case["via"] == "api_correction":
        assert result["annotator"] == "anna" and stored_note(api.database, result["id"]) == inp["note"]
        return
    if case["via"] == "api_upload":
        result = next(r for r in result if isinstance(r, dict) and "result_id" in r)
        assert not Path("/tmp/medui-evil.txt").exists()
    check_record(result, ok.get("text", input_text(case, api.tmp)))
    if inp.get("queue"):
        queued = api.anna.predict(result["result_id"], api_name="/send_to_queue")
        assert stored_text(api.database, queued["prediction_id"]) == result["text"]


def test_prova_reads_no_file_outside_the_upload_folder(tmp_path):
    """Behind Gradio's own check: a path that is not an upload is refused before anything is read."""
    from medui.backend.data.inputs import InputError
    from medui.backend.web.uploads import read_upload
    from medui.tasks.registry import get_spec

    spec, uploaded = get_spec(NER_TASK), tmp_path / "uploads" / "nota.txt"
    uploaded.parent.mkdir()
    uploaded.write_text("Febbre alta.", encoding="utf-8")
    assert read_upload(uploaded, spec, uploaded.parent) == ["Febbre alta."]
    for path in (REPO_ROOT / "README.md", uploaded.parent / ".." / ".." / uploaded.parent.name / "x.txt"):
        with pytest.raises(InputError, match="non è un file caricato"):
            read_upload(path, spec, uploaded.parent)
