"""App fixtures: a tiny model that writes entities, and the app launched once on it, with three users."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from medui.config import REPO_ROOT, get_settings
from tests.app.tiny_ner import make_tiny_ner_model

USERS = {  # name -> (role, password)
    "ricerca": ("researcher", "password-ricerca"),
    "anna": ("annotator", "password-anna"),
    "clara": ("clinician", "password-clara"),
}
ARTIFACTS = REPO_ROOT / "test-artifacts"
START_TIMEOUT_S = 120
SERVE = """
import sys
from medui.backend import service
from medui.cli.serve import launch
for name, role, password in {users!r}:
    service.add_user(name, role, password)
launch(host="127.0.0.1", port=int(sys.argv[1]))
"""


@dataclass
class AppServer:
    url: str
    home: Path
    model: Path
    database_url: str | None = None  # None: SQLite at `database`
    pid: int | None = None  # the app process, leader of its own process group

    def kill(self) -> None:
        """SIGKILL the app at once (its process group), as a crash or `kill -9` would."""
        assert self.pid is not None
        os.killpg(self.pid, signal.SIGKILL)

    @property
    def database(self) -> Path:
        return self.home / "medui.sqlite"

    def auth(self, name: str) -> tuple[str, str]:
        return name, USERS[name][1]


def add_account(server: AppServer, name: str, role: str) -> tuple[str, str]:
    """A user added to a running app's database (a cheap hash: it only has to log in): its name and password."""
    from sqlmodel import Session, select

    from medui.backend.service import auth
    from medui.backend.store.db import make_engine
    from medui.backend.store.tables import User

    password = f"password-{name}"
    engine = make_engine(server.database_url or f"sqlite:///{server.database}")
    with Session(engine) as session:
        user = session.exec(select(User).where(User.name == name)).first() or User(name=name)
        user.role, user.password_hash = role, auth.hash_password(password, iterations=1000)
        session.add(user)
        session.commit()
    engine.dispose()
    return name, password


def versions_of(first, second, text: str, spans: tuple[list, list]) -> int:
    """A prediction of an e3c_clinical_entities text sent to the queue, saved by two annotators (gradio_client
    clients) with their own spans: its document id."""
    record = first.predict("e3c_clinical_entities", "", "cd", text, api_name="/run_task")
    prediction = first.predict(record["result_id"], api_name="/send_to_queue")["prediction_id"]
    for client, these in zip((first, second), spans, strict=True):
        entities = [{"start": s, "end": e, "label": "CLINENTITY"} for s, e in these]
        saved = client.predict(
            prediction, json.dumps({"entities": entities}), "", api_name="/save_correction"
        )
    return saved["document_id"]


@pytest.fixture(scope="session")
def tiny_ner_dir(tiny_model_dir, tmp_path_factory) -> Path:
    """The tiny random model rewired to write one entity per text (see tiny_ner.py)."""
    return make_tiny_ner_model(tiny_model_dir, tmp_path_factory.mktemp("tiny-ner"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = START_TIMEOUT_S) -> None:
    """Until the app at `url` answers (RuntimeError with its log's end when it exits or takes over timeout_s)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/config", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (401 before login)
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the app did not start in {timeout_s:.0f}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def app_server(tiny_ner_dir, tmp_path_factory):
    """The app (`medui serve`'s launch) on a fresh home, the tiny model as default, with USERS configured."""
    users = [(name, role, password) for name, (role, password) in USERS.items()]
    with launched_app(tmp_path_factory.mktemp("app-home"), tiny_ner_dir, users) as server:
        yield server


@contextlib.contextmanager
def launched_app(
    home: Path, model: Path, users: list[tuple[str, str, str]], database_url: str | None = None
) -> Iterator[AppServer]:
    """The app in a subprocess on `home` (and `database_url`, default SQLite in home), `users` added first."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "MEDUI_DATABASE_URL"}
    env.update(
        MEDUI_HOME=str(home), MEDUI_MODEL=str(model), MEDUI_MODELS_CACHE=str(get_settings().models_dir),
        TORCHDYNAMO_DISABLE="1", HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", OMP_NUM_THREADS="1",
        TOKENIZERS_PARALLELISM="false", PYTHONPATH=str(REPO_ROOT),
    )  # fmt: skip
    if database_url:
        env["MEDUI_DATABASE_URL"] = database_url
    log = home / "app.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE.format(users=users), str(port)],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc, log)
        yield AppServer(url, home, model, database_url, proc.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):  # a test may have killed it already
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        _stop_workers(home)


def _stop_workers(home: Path) -> None:
    """Kill training workers the app started that are still running (a failed test must not leave them)."""
    import sqlite3

    database = home / "medui.sqlite"
    if not database.exists():
        return
    with sqlite3.connect(database) as conn:
        pids = conn.execute("select pid from training_jobs where status in ('queued', 'running')").fetchall()
    for (pid,) in pids:
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module (skipped, or failed under
    MEDUI_REQUIRE_BROWSER=1, where it is missing: tests/app/browsing.py)."""
    from tests.app.browsing import ARGS, CHROMIUM, playwright_or_skip

    with playwright_or_skip().sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()
