"""The app's commands: `medui serve [--host 127.0.0.1] [--port 7860]` and `medui users add NAME --role R`.

Registered by medui/cli/__init__.py.
The app is built by medui/app.py (app.py at the repository root imports it too), so an installed medui serves.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from types import ModuleType

from medui.backend.data.inputs import InputError
from medui.backend.inference.destination import is_loopback

STATIC = (
    Path(__file__).resolve().parent.parent / "pages" / "static"
)  # in the package: an installed medui has them
CSS_FILE = STATIC / "medui.css"
SHORTCUTS = STATIC / "shortcuts.js"  # Correggi's keys
ROLES = ("clinician", "annotator", "curator", "researcher")  # tables.USER_ROLES, without importing the store


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `serve` and `users` subcommands."""
    p = sub.add_parser("serve", help="start the app (Gradio) on this machine")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    p.add_argument("--port", type=int, default=7860)
    p.set_defaults(func=cmd_serve)
    users = sub.add_parser(
        "users", help="app users: `users add NAME --role R` (password from stdin or prompt)"
    )
    actions = users.add_subparsers(dest="users_command", required=True)
    p = actions.add_parser("add", help="add a user, or set the role and password of an existing one")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=ROLES)
    p.set_defaults(func=cmd_users_add)


def cmd_serve(args: argparse.Namespace) -> int:
    launch(host=args.host, port=args.port)
    return 0


def read_password(stdin=None) -> str:
    """The password: typed twice at a prompt, or the first line of standard input when it is not a terminal."""
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("ripeti la password: ") != first:
        raise InputError("the two passwords differ")
    return first


def cmd_users_add(args: argparse.Namespace) -> int:
    from medui.backend import service
    from medui.backend.service.auth import AuthError

    try:
        user = service.add_user(args.name, args.role, read_password())
    except AuthError as exc:
        raise InputError(str(exc)) from None
    print(f"user {user['name']} ({user['role']}) saved; the app asks for a login from its next start")
    return 0


def load_app_module() -> ModuleType:
    """The module that builds the app, medui/app.py (imported when the app starts: it imports Gradio)."""
    from medui import app

    return app


def launch(demo=None, host: str = "127.0.0.1", port: int = 7860, block: bool = True):
    """Start the app: with a login when users with a password exist, else for the one local user. The default
    model is prepared in the background meanwhile (service/warmup.py; Prova says how far it got)."""
    from medui.backend import service

    auth = service.login if service.users_configured() else None
    if auth is None and not is_loopback(host):
        raise InputError(
            f"{host}: with no users, anyone who reaches the app would have every right; "
            "add users first (`medui users add NAME --role R`) or serve on 127.0.0.1"
        )
    from medui.backend.web.server import cleaned_at_exit, guarded_app
    from medui.pages.italian import gradio_italian

    demo = demo or load_app_module().build_demo()
    from medui.backend.service import warmup

    warmup.start()  # the default model and the common tasks' constraints, in the background (MEDUI_WARMUP=0: off)
    with cleaned_at_exit(demo, enabled=block):  # no upload outlives the app, also when stopped with SIGTERM
        return demo.launch(
            server_name=host,
            server_port=port,
            auth=auth,
            auth_message="medui: accedi con il tuo nome utente e la password.",
            css_paths=[CSS_FILE],
            head=f"<script>{SHORTCUTS.read_text(encoding='utf-8')}</script>",
            show_error=False,
            max_file_size="20mb",
            prevent_thread_lock=not block,
            footer_links=["api"],  # "Use via API" in Italian, as Gradio's other strings (pages/italian.py)
            i18n=gradio_italian(),
            inbrowser=False,
            quiet=False,
            run_history=False,  # inputs and outputs (clinical text) would stay in the browser's storage
            _app=guarded_app(host),  # Host allow-list, body, login and file limits, sessions (backend/web/)
        )
