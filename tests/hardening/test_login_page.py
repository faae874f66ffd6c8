"""medui's Italian login page in front of the app's pages: shown to a visit of a page without a valid login, never
in the way of a logged-in user, of the app's other routes or of POST /login, and only when logins are required."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from medui.backend.web.login_page import LoginPage


def app_page(request):
    return PlainTextResponse("la pagina dell'app")


def client(needs_login: bool = True) -> TestClient:
    inner = Starlette(
        routes=[
            Route(p, app_page, methods=["GET", "HEAD", "POST"])
            for p in ("/", "/accordo", "/config", "/login")
        ]
    )
    page = LoginPage(
        inner,
        pages=lambda: {"/", "/accordo"},
        needs_login=lambda: needs_login,
        user_of=lambda headers: "anna" if "sessione=buona" in headers.get("cookie", "") else None,
        message=lambda: "medui: <b>accedi</b>",
    )
    return TestClient(page)


def test_a_page_without_a_login_answers_the_italian_form_and_nothing_else():
    http = client()
    for path in ("/", "/accordo"):
        answer = http.get(path)
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
        text = answer.text
        assert "<h1>Accedi</h1>" in text and ">Nome utente</label>" in text and ">Password</label>" in text
        assert "la pagina dell'app" not in text
        assert "medui: &lt;b&gt;accedi&lt;/b&gt;" in text  # the message is escaped
    assert http.head("/").content == b""


def test_a_logged_in_user_other_routes_and_the_login_post_reach_the_app():
    http = client()
    assert http.get("/", headers={"cookie": "sessione=buona"}).text == "la pagina dell'app"
    assert http.get("/config").text == "la pagina dell'app"  # not a page: the app answers (401 in Gradio)
    assert http.post("/login", data={"username": "anna", "password": "x"}).text == "la pagina dell'app"
    assert client(needs_login=False).get("/").text == "la pagina dell'app"  # no accounts: no login
