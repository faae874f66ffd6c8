"""A hostile web page and a login flood: Host allow-list, CORS, body limits, login back-off, sessions, /config.

The guard is tested on a bare ASGI app (fast), then on the launched app (medui serve's launch) once.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import subprocess
import sys
import threading
import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from medui.backend import service
from medui.config import REPO_ROOT
from tests.app.conftest import launched_app
from tests.app.tiny_ner import make_tiny_ner_model

FOREIGN = "rebind.example.org"
FREE_FAILURES = 5  # failed logins before the back-off (medui.backend.web.login.FREE_FAILURES)


# the guard on a bare app -----------------------------------------------------------------------------------
async def echo(request: Request):
    body = await request.body()
    headers = {"access-control-allow-origin": request.headers.get("origin", "*")}  # as Gradio's CORS does
    return PlainTextResponse(f"{len(body)}", headers=headers)


async def fake_login(request: Request):
    """Gradio's login handler in small: the form's last value of each field, a cookie as Gradio sets it."""
    form = await request.form()
    request.app.state.checked.append(form.get("username"))
    if form.get("password") != "giusta":
        return JSONResponse({"success": False}, status_code=400)
    answer = JSONResponse({"success": True})
    answer.set_cookie("access-token-x", "t", httponly=True, samesite="none", secure=True)
    return answer


def guarded_client(address: str = "testclient", **options) -> TestClient:
    """The guard on a bare app, seen from one client address; `checked(client)`: the names the login checked."""
    from medui.backend.web.guard import RequestGuard, allowed_hosts

    inner = Starlette(
        routes=[Route("/echo", echo, methods=["GET", "POST"]), Route("/login", fake_login, methods=["POST"])]
    )
    inner.state.checked = []
    hosts = allowed_hosts("127.0.0.1", "medui.reparto.local")
    guard = RequestGuard(inner, hosts=hosts, **options)
    return TestClient(guard, base_url="http://127.0.0.1:7860", client=(address, 50000))


def checked(client: TestClient) -> list[str]:
    """The user names the bare app's login handler was asked to check."""
    return client.app.app.state.checked


def test_a_foreign_host_is_refused_and_known_names_pass():
    client = guarded_client()
    assert client.get("/echo").status_code == 200
    for host in ("localhost:7860", "127.0.0.1", "medui.reparto.local:7860", "[::1]:7860", "10.1.2.3:7860"):
        assert client.get("/echo", headers={"host": host}).status_code == 200, host
    for host in (FOREIGN, f"{FOREIGN}:7860", "127.0.0.1.nip.io", ""):
        answer = client.get("/echo", headers={"host": host, "origin": f"http://{FOREIGN}"})
        assert answer.status_code == 403, host
        assert "access-control-allow-origin" not in answer.headers


def test_a_foreign_origin_is_never_told_it_may_read():
    client = guarded_client()
    answer = client.get("/echo", headers={"origin": f"http://{FOREIGN}"})
    assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers
    answer = client.get("/echo", headers={"origin": "http://127.0.0.1:7860"})
    assert answer.headers["access-control-allow-origin"] == "http://127.0.0.1:7860"


def framed_only_by_this_site(answer: httpx.Response) -> bool:
    """Whether an answer says that only its own site may show it in a frame (CSP, and older browsers' header)."""
    policy = answer.headers.get("content-security-policy", "")
    return "frame-ancestors 'self'" in policy and answer.headers.get_list("x-frame-options") == ["SAMEORIGIN"]


def test_no_answer_may_be_framed_by_another_site_and_cookies_stay_on_this_one():
    client = guarded_client(max_body=1000)
    answers = {
        "page": client.get("/echo"),
        "foreign host": client.get("/echo", headers={"host": FOREIGN}),
        "foreign origin": client.get("/echo", headers={"origin": f"http://{FOREIGN}"}),
        "too large": client.post("/echo", content=b"x" * 1001),
        "login": client.post("/login", data={"username": "anna", "password": "giusta"}),
        "not found": client.get("/nowhere"),
    }
    assert [answer.status_code for answer in answers.values()] == [200, 403, 200, 413, 200, 404]
    for what, answer in answers.items():
        assert framed_only_by_this_site(answer), (what, answer.headers)
    cookie = answers["login"].headers["set-cookie"]
    assert "SameSite=Lax" in cookie and "none" not in cookie.lower() and "Secure" in cookie, cookie


def test_a_body_over_the_limit_is_refused_before_it_is_read():
    client = guarded_client(max_body=1000)
    assert client.post("/echo", content=b"x" * 1000).text == "1000"
    assert client.post("/echo", content=b"x" * 1001).status_code == 413

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(10):
            yield b"x" * 500

    answer = client.post("/echo", content=chunks())
    assert answer.status_code == 413 and "troppo grande" in answer.json()["detail"]


def test_failed_logins_back_off_per_client_and_a_success_resets():
    client = guarded_client()
    for _ in range(FREE_FAILURES):
        assert client.post("/login", data={"username": "anna", "password": "no"}).status_code == 400
    answer = client.post("/login", data={"username": "anna", "password": "giusta"})
    assert answer.status_code == 429 and int(answer.headers["retry-after"]) >= 1
    assert "riprova tra" in answer.json()["detail"]
    assert checked(client) == ["anna"] * FREE_FAILURES  # a refused attempt costs no password check


FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_a_login_naming_a_field_twice_is_refused_before_any_check():
    client = guarded_client()
    for body in ("username=decoy&username=anna&password=giusta", "username=anna&password=no&password=giusta"):
        answer = client.post("/login", content=body, headers=FORM)
        assert answer.status_code == 400 and "ripetuto" in answer.json()["detail"], body
    assert checked(client) == []


def test_the_per_user_back_off_counts_the_name_the_handler_checks():
    """Gradio's handler reads the last value of a field and multipart bodies too: the limits read the same name."""
    from medui.backend.web.login import LoginLimiter

    limiter, wrong = LoginLimiter(), {"username": "anna", "password": "no"}
    for i in range(FREE_FAILURES):  # failures at anna from many addresses
        assert guarded_client(f"10.0.0.{i}", limiter=limiter).post("/login", data=wrong).status_code == 400
    guesser = guarded_client("10.0.0.99", limiter=limiter)
    assert guesser.post("/login", data={"username": "anna", "password": "giusta"}).status_code == 429
    repeated = guesser.post("/login", content="username=decoy&username=anna&password=giusta", headers=FORM)
    assert repeated.status_code == 400
    multipart = guesser.post("/login", files={"username": (None, "anna"), "password": (None, "giusta")})
    assert multipart.status_code == 429
    encoded = guesser.post("/login", content="user%6Eame=+anna+&password=giusta", headers=FORM)
    assert encoded.status_code == 429
    assert checked(guesser) == []


def test_the_back_off_doubles_per_user_name_whatever_the_client():
    from medui.backend.web.login import MAX_BACKOFF_S, LoginLimiter

    now = [1000.0]
    limiter = LoginLimiter(free=2, clock=lambda: now[0])
    for client in ("10.0.0.1", "10.0.0.2"):
        assert limiter.wait_s(f"client:{client}", "user:anna") == 0
        limiter.failed(f"client:{client}", "user:anna")
    assert limiter.wait_s("client:10.0.0.3", "user:anna") == 1  # a third client, the same name
    limiter.failed("client:10.0.0.3", "user:anna")
    assert limiter.wait_s("client:10.0.0.4", "user:anna") == 2
    now[0] += 2
    assert limiter.wait_s("client:10.0.0.4", "user:anna") == 0
    assert limiter.wait_s("client:10.0.0.4", "user:clara") == 0
    for _ in range(30):
        limiter.failed("user:clara")
    assert limiter.wait_s("user:clara") == MAX_BACKOFF_S
    limiter.succeeded("user:clara")
    assert limiter.wait_s("user:clara") == 0


def test_colleagues_behind_one_address_log_in_at_once_but_parallel_guesses_at_one_name_are_bounded():
    from medui.backend.web.login import MAX_PARALLEL_LOGINS, LoginLimiter

    limiter = LoginLimiter(free=5, clock=lambda: 1000.0)
    names = [f"user:annotatore{i}" for i in range(20)]
    assert all(limiter.admit("client:10.0.0.1", name) == 0 for name in names)  # 20 in flight at once
    for name in names:
        limiter.finish("client:10.0.0.1", name, ok=True)
    assert limiter.wait_s("client:10.0.0.1") == 0
    admitted = [limiter.admit(f"client:10.0.0.{i}", "user:anna") == 0 for i in range(10)]
    assert admitted == [True] * 5 + [False] * 5  # guesses in flight at one name count as failures
    for i in range(5):
        limiter.finish(f"client:10.0.0.{i}", "user:anna", ok=False)
    assert limiter.wait_s("client:10.0.0.9", "user:anna") == 1
    crowd = [limiter.admit("client:10.0.0.2", f"user:u{i}") == 0 for i in range(MAX_PARALLEL_LOGINS + 1)]
    assert crowd.count(False) == 1  # one address is capped at MAX_PARALLEL_LOGINS attempts in flight


def test_sessions_expire_and_a_password_reset_ends_them():
    from medui.backend.web.login import SessionTokens

    now, stamps = [0.0], {"anna": "a1", "clara": "c1"}
    tokens = SessionTokens(lambda name: stamps.get(name), session_seconds=3600, clock=lambda: now[0])
    tokens["t-anna"], tokens["t-clara"] = "anna", "clara"
    assert tokens.get("t-anna") == "anna" and tokens.get("t-clara") == "clara"
    stamps["anna"] = "a2"  # `medui users add anna` with a new password
    assert tokens.get("t-anna") is None and "t-anna" not in tokens
    now[0] = 3601
    assert tokens.get("t-clara") is None
    tokens["t-clara"] = "clara"  # a new login starts a new session
    assert tokens.get("t-clara") == "clara"


def test_the_password_check_runs_off_the_event_loop(medui_home, monkeypatch):
    """Each check waits until the event loop has served another task: run on the loop, it would wait in vain."""
    from medui.backend.service import auth
    from medui.backend.web.login import HASHING_AT_ONCE

    service.add_user("anna", "annotator", "password-anna")
    assert inspect.iscoroutinefunction(service.login)
    check, lock = auth.check_password, threading.Lock()
    checking, loop_served = threading.Event(), threading.Event()
    seen = {"threads": set(), "at_once": 0, "most_at_once": 0}

    def held_check(password: str, stored: str | None) -> bool:
        with lock:
            seen["threads"].add(threading.get_ident())
            seen["at_once"] += 1
            seen["most_at_once"] = max(seen["most_at_once"], seen["at_once"])
        checking.set()
        try:
            assert loop_served.wait(timeout=60), "the event loop stood still while a password was checked"
            return check(password, stored)
        finally:
            with lock:
                seen["at_once"] -= 1

    monkeypatch.setattr(auth, "check_password", held_check)

    async def another_request() -> None:
        while not checking.is_set():
            await asyncio.sleep(0.001)
        loop_served.set()

    async def scenario() -> list[bool]:
        server = asyncio.create_task(another_request())
        results = await asyncio.gather(*(service.login("anna", "sbagliata") for _ in range(4)))
        await server
        return results

    assert asyncio.run(scenario()) == [False] * 4
    assert threading.get_ident() not in seen["threads"]  # asyncio.run's loop runs in this thread
    assert seen["most_at_once"] <= HASHING_AT_ONCE


# the launched app ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app(tiny_model_dir, tmp_path_factory):
    model = make_tiny_ner_model(tiny_model_dir, tmp_path_factory.mktemp("web-model"))
    users = [("anna", "annotator", "password-anna"), ("clara", "clinician", "password-clara")]
    with launched_app(tmp_path_factory.mktemp("web-home"), model, users) as server:
        yield server


def login(app, name: str, password: str) -> httpx.Response:
    return httpx.post(app.url + "/login", data={"username": name, "password": password}, timeout=30)


def test_the_app_answers_only_to_its_own_names(app):
    for host in (FOREIGN, "evil.example:80"):
        answer = httpx.get(app.url + "/config", headers={"host": host, "origin": f"http://{FOREIGN}"})
        assert answer.status_code == 403 and "access-control-allow-origin" not in answer.headers
    assert httpx.get(app.url + "/config").status_code == 401  # its own name: asks for a login


def test_no_page_answer_or_file_of_the_app_may_be_framed_by_another_site(app):
    answer = login(app, "anna", "password-anna")
    cookies = answer.headers.get_list("set-cookie")
    assert answer.status_code == 200 and framed_only_by_this_site(answer)
    assert cookies and all("samesite=lax" in c.lower() and "samesite=none" not in c.lower() for c in cookies)
    page = httpx.get(app.url + "/", cookies=answer.cookies)
    script = re.search(r'src="\.?(/assets/[^"]+\.js)"', page.text)
    assert page.status_code == 200 and script, page.text[:500]
    paths = ["/", "/modelli", "/config", "/gradio_api/info", script.group(1), "/favicon.ico", "/nowhere"]
    for path in paths:
        got = httpx.get(app.url + path, cookies=answer.cookies, timeout=60)
        assert got.status_code in (200, 404) and framed_only_by_this_site(got), (path, got.headers)
    refused = httpx.get(app.url + "/config", headers={"host": FOREIGN})
    assert refused.status_code == 403 and framed_only_by_this_site(refused)
    assert framed_only_by_this_site(httpx.get(app.url + "/config"))  # 401: no login


def test_prova_opens_the_app_and_its_old_address_leads_there(app):
    cookies = login(app, "anna", "password-anna").cookies
    moved = httpx.get(app.url + "/prova?predizione=3", cookies=cookies)
    assert moved.status_code == 308 and moved.headers["location"] == "/?predizione=3"
    assert framed_only_by_this_site(moved)
    assert httpx.get(app.url + "/prova/", cookies=cookies).headers["location"] == "/"
    page = httpx.get(app.url + "/", cookies=cookies, timeout=60)
    assert page.status_code == 200 and httpx.post(app.url + "/prova", cookies=cookies).status_code != 308


def test_run_history_is_off_in_config(app):
    cookies = login(app, "anna", "password-anna").cookies
    config = httpx.get(app.url + "/config", cookies=cookies).json()
    assert config["run_history"] is False and "runs" not in config.get("footer_links", [])


def test_a_huge_body_is_refused_before_it_is_parsed(app):
    answer = httpx.post(app.url + "/gradio_api/queue/join", content=b"[" * 20_000_000, timeout=60,
                        headers={"content-type": "application/json"})  # fmt: skip
    assert answer.status_code == 413


def test_a_password_reset_ends_the_users_sessions(app):
    cookies = login(app, "clara", "password-clara").cookies
    assert httpx.get(app.url + "/config", cookies=cookies).status_code == 200
    env = {**os.environ, "MEDUI_HOME": str(app.home), "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run([sys.executable, "-m", "medui.cli", "users", "add", "clara", "--role", "clinician"],
                   input="password-nuova\n", text=True, env=env, cwd=REPO_ROOT, check=True)  # fmt: skip
    assert httpx.get(app.url + "/config", cookies=cookies).status_code == 401
    assert login(app, "clara", "password-nuova").status_code == 200


def test_a_failed_login_flood_gets_429(app):  # last: it makes this client wait
    codes, started = [], time.monotonic()
    for _ in range(40):
        codes.append(login(app, "anna", "sbagliata").status_code)
    seconds = time.monotonic() - started
    assert codes[:FREE_FAILURES] == [400] * FREE_FAILURES and set(codes) == {400, 429}
    retries = codes[FREE_FAILURES:].count(400)  # one each time a doubling wait (1, 2, 4 s...) has passed
    assert retries <= 1 + int(seconds).bit_length()  # however long the flood took: the waits double
