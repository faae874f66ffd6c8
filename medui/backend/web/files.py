"""Who reads which file of Gradio's upload folder: the /file= route's targets and the upload route's answers.

RequestGuard (guard.py) asks `FileAccess` before a file of the upload folder is served, and has it record, as the
upload route answers, whose each uploaded file is (uploads.UPLOADS).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

UPLOAD_ROUTE = "/gradio_api/upload"
FILE_ROUTES = ("/gradio_api/file=", "/gradio_api/file/")  # Gradio's file route and its older spelling
MAX_UPLOAD_ANSWER_BYTES = 1_000_000  # the upload route's answer: the stored paths, as JSON


class FileAccess:
    """Who may read a file of Gradio's upload folder by its path. Gradio serves any file there to anyone logged
    in; here an upload goes only to who uploaded it (uploads.UPLOADS, recorded as the upload route answers),
    and any other file there only when this app made it (an output, such as Studio's CSV): another user's
    upload, a file left by an earlier run and a missing file get the same 403, Gradio's own words.

    `user_of(headers)`: the logged-in user of a request (None: not logged in, or the one user without accounts);
    `made_here(path)`: whether the app wrote that file for a page.
    """

    def __init__(self, folder: str, owners, user_of: Callable[[dict], str | None],
                 made_here: Callable[[str], bool]):  # fmt: skip
        self.folder = Path(folder).resolve()
        self.owners, self.user_of, self.made_here = owners, user_of, made_here

    def may_read(self, headers: dict, target: str) -> bool:
        """Whether a request may read the file a /file= path names (outside the upload folder: Gradio decides)."""
        path = os.path.abspath(target)  # as Gradio's file route reads it
        try:
            inside = Path(path).resolve().is_relative_to(self.folder)
        except (OSError, RuntimeError, ValueError):
            return True  # Gradio refuses what it cannot read
        if not inside:
            return True
        if self.owners.known(path):
            return self.owners.owned_by(path, self.user_of(headers))
        return self.made_here(path)

    def recording(self, send, headers: dict):
        """A send that records the paths an upload answer names as the requesting user's, before the client
        reads them."""
        user, status, body = self.user_of(headers), {}, bytearray()

        async def wrapped(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            elif message["type"] == "http.response.body" and status.get("code") == 200:
                if len(body) <= MAX_UPLOAD_ANSWER_BYTES:
                    body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    self.owners.record(upload_paths(bytes(body)), user)
            await send(message)

        return wrapped


def upload_paths(answer: bytes) -> list[str]:
    """The stored paths in the upload route's answer (a JSON list of them); none when it is not one."""
    try:
        paths = json.loads(answer)
    except ValueError:
        return []
    return [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else []


def file_route_target(path: str) -> str | None:
    """The server path a request to Gradio's file route names (None: another route, or a URL to fetch)."""
    for prefix in FILE_ROUTES:
        if path.startswith(prefix):
            target = path[len(prefix) :]
            return None if target.lower().startswith(("http://", "https://")) else target
    return None
