"""The app's own login page, in Italian, in place of Gradio's.

Gradio's login form (its frontend's Login component) is English whatever `auth_message` says, empties both fields
after a refusal, and ignores the 429 of the back-off (guard.py), so a right password typed during a pause reads
as wrong. Its words can be translated (pages/italian.py) but not that behaviour, so `LoginPage` answers a visit to
one of the app's pages without a valid login with this form instead: "Accedi", "Nome utente", "Password"; a
refusal says "Credenziali non valide" and keeps the user name; during the back-off it says that access is
paused and for how many seconds (the Retry-After of the 429), counting down.

The form posts to the same POST /login as Gradio's (same fields, a fetch from this origin), so everything
RequestGuard and Gradio do there is unchanged: the limits and back-off, one answer whether the user exists or
not, the session cookies (SameSite=Lax) and tokens.
"""

from __future__ import annotations

import html
from collections.abc import Callable

PAGE = """<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>medui · Accedi</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1f2328; margin: 0; }
  main { max-width: 26rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: 0.75rem;
         box-shadow: 0 1px 4px rgba(0, 0, 0, 0.12); }
  h1 { margin: 0 0 0.5rem; font-size: 1.6rem; }
  label { display: block; margin: 1rem 0 0.3rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: 0.6rem; font-size: 1rem; border: 1px solid #c4c8ce;
          border-radius: 0.4rem; }
  button { margin-top: 1.4rem; width: 100%; padding: 0.7rem; font-size: 1rem; font-weight: 600; color: #fff;
           background: #e8590c; border: 0; border-radius: 0.4rem; cursor: pointer; }
  button:disabled { background: #b0b4ba; cursor: default; }
  #messaggio { margin: 1rem 0 0; padding: 0.6rem 0.8rem; border-radius: 0.4rem; }
  #messaggio.errore { background: #fde8e8; color: #9b1c1c; }
  #messaggio.info { background: #e8f1fd; color: #1c4f9b; }
</style>
</head>
<body>
<main>
  <h1>Accedi</h1>
  <p>__MESSAGE__</p>
  <form id="accesso" method="post" action="login">
    <label for="username">Nome utente</label>
    <input id="username" name="username" autocomplete="username" required autofocus>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <p id="messaggio" role="alert" hidden></p>
    <button type="submit">Accedi</button>
  </form>
</main>
<script>
(() => {
  const form = document.getElementById("accesso"), message = document.getElementById("messaggio");
  const button = form.querySelector("button"), password = form.elements.password;
  let timer = null;
  const say = (text, kind) => { message.textContent = text; message.className = kind; message.hidden = !text; };
  const pause = (seconds) => {  // the back-off: no attempt is sent until it ends
    const end = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.ceil((end - Date.now()) / 1000);
      if (left <= 0) {
        clearInterval(timer); button.disabled = false; say("Puoi riprovare ad accedere.", "info"); return;
      }
      say("Accesso sospeso per troppi tentativi falliti: riprova tra " + left +
          (left === 1 ? " secondo." : " secondi."), "errore");
    };
    clearInterval(timer); button.disabled = true; tick(); timer = setInterval(tick, 1000);
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    say("Verifica in corso…", "info");
    let response;
    try {
      response = await fetch("login", {method: "POST", body: new FormData(form), credentials: "same-origin"});
    } catch (error) {
      button.disabled = false; say("Il server non risponde: controlla la connessione e riprova.", "errore"); return;
    }
    if (response.ok) { location.reload(); return; }
    if (response.status === 429) { pause(parseInt(response.headers.get("Retry-After"), 10) || 1); return; }
    let detail = "";
    try { detail = (await response.json()).detail; } catch (error) { detail = ""; }
    button.disabled = false;
    password.value = "";
    password.focus();
    if (response.status === 400 && !(typeof detail === "string" && detail.startsWith("richiesta"))) {
      say("Credenziali non valide: controlla nome utente e password.", "errore");
    } else {
      say(typeof detail === "string" && detail ? detail : "Accesso non riuscito (errore " + response.status + ").",
          "errore");
    }
  });
})();
</script>
</body>
</html>
"""


def login_page(message: str | None) -> bytes:
    """The login page, with the app's message (escaped) above the form."""
    return PAGE.replace("__MESSAGE__", html.escape(message or "")).encode("utf-8")


class LoginPage:
    """A GET (or HEAD) of one of the app's pages, while logins are required and the request has no valid one,
    answers the Italian login page; everything else goes on to the app.

    `pages()`: the paths of the app's pages ("/" and each route); `needs_login()`: whether the app asks for a
    login (users with a password exist); `user_of(headers)`: the logged-in user of a request, or None;
    `message()`: the line shown above the form.
    """

    def __init__(
        self,
        app,
        *,
        pages: Callable[[], set[str]],
        needs_login: Callable[[], bool],
        user_of: Callable[[dict], str | None],
        message: Callable[[], str | None],
    ):
        self.app, self.pages, self.needs_login = app, pages, needs_login
        self.user_of, self.message = user_of, message

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope.get("method") not in ("GET", "HEAD")
            or scope.get("path", "") not in self.pages()
            or not self.needs_login()
        ):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if self.user_of(headers) is not None:
            return await self.app(scope, receive, send)
        body = login_page(self.message())
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"),
        ]})  # fmt: skip
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})
