"""The server's start-up pieces: the Gradio App behind the request guard, and the clean-up when it stops."""

from __future__ import annotations

import contextlib
import signal
import threading

from medui.backend.web.files import FileAccess
from medui.backend.web.guard import RequestGuard, allowed_hosts
from medui.backend.web.login import SessionTokens, password_stamp
from medui.backend.web.login_page import LoginPage
from medui.backend.web.uploads import UPLOADS


@contextlib.contextmanager
def cleaned_at_exit(demo, enabled: bool = True):
    """Around a blocking launch: SIGTERM stops the app as Ctrl-C does (Gradio's loop closes the server), and when
    it stops, every file it put in the upload folder (uploads, outputs) is removed, as Gradio's delete_cache does
    on a clean shutdown of its server thread, which a SIGTERM or a connection still open at exit skip."""
    if not enabled:
        yield
        return
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if getattr(demo, "temp_file_sets", None) is not None:  # a gr.Blocks
            from gradio.route_utils import delete_files_created_by_app

            delete_files_created_by_app(demo, None)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


# the app ---------------------------------------------------------------------------------------------------
MOVED_PAGES = {"/prova": "/"}  # Prova opens the app since it became the first page; old links still reach it


class MovedPages:
    """GET of a page that moved answers 308 to where it is now, its query string kept (a bookmark of
    /prova?x=1 opens /?x=1)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        target = MOVED_PAGES.get(path.rstrip("/") or "/") if scope["type"] == "http" else None
        if target is None or path == target or scope.get("method") not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        query = scope.get("query_string", b"").decode("latin-1")
        location = target + (f"?{query}" if query else "")
        await send({"type": "http.response.start", "status": 308, "headers": [
            (b"location", location.encode("latin-1")), (b"content-length", b"0"),
        ]})  # fmt: skip
        await send({"type": "http.response.body", "body": b""})


def guarded_app(bind: str):
    """A Gradio App whose middleware stack sits inside a RequestGuard, whose login tokens expire and whose pages
    ask for a login with medui's Italian form (login_page.py)."""
    from gradio.routes import App
    from gradio.utils import get_upload_folder
    from starlette.requests import cookie_parser
    from starlette.responses import JSONResponse

    from medui.config import get_settings

    settings = get_settings()
    hosts = allowed_hosts(bind, settings.allowed_hosts)

    class GuardedApp(App):
        def configure_app(self, blocks) -> None:
            super().configure_app(blocks)
            self.tokens = SessionTokens(password_stamp, settings.session_hours * 3600)

        def build_middleware_stack(self):
            files = FileAccess(get_upload_folder(), UPLOADS, self.user_of, self.made_here)
            moved = MovedPages(super().build_middleware_stack())
            login = LoginPage(
                moved, pages=self.page_paths, needs_login=lambda: self.auth is not None, user_of=self.user_of,
                message=lambda: self.get_blocks().auth_message,
            )  # fmt: skip
            return RequestGuard(login, hosts=hosts, files=files)

        def page_paths(self) -> set[str]:
            """The paths of the app's pages: its root and each route."""
            return {"/", *(f"/{page[0]}" for page in self.get_blocks().pages if page[0])}

        def user_of(self, headers: dict) -> str | None:
            """The logged-in user of a request, read as Gradio reads it (its login cookie)."""
            cookies = cookie_parser(headers.get("cookie", ""))
            token = cookies.get(f"access-token-{self.cookie_id}") or cookies.get(
                f"access-token-unsecure-{self.cookie_id}"
            )
            return self.tokens.get(token) if token else None

        def made_here(self, path: str) -> bool:
            """Whether a page's output put this file in the upload folder (not an upload)."""
            blocks = self.get_blocks()
            return any(
                path in files for files in blocks.temp_file_sets if files is not blocks.upload_file_set
            )

    try:
        from fastapi.responses import ORJSONResponse

        response_class = ORJSONResponse
    except ImportError:  # pragma: no cover - orjson is a Gradio dependency
        response_class = JSONResponse
    return GuardedApp(default_response_class=response_class)
