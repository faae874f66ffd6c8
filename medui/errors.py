"""MeduiError: the one base of every error a user can cause and fix (bad input, unknown name, refused request).

Each carries a one-line message and its Italian text for the app (`italian`, the message itself when none is
given). The CLI turns any MeduiError into exit code 2 and one line on stderr; the pages into a toast.
"""

from __future__ import annotations


class MeduiError(Exception):
    """An error the user can act on: `str(exc)` says what is wrong in one line, `italian` the same for the app."""

    def __init__(self, *args: object, italian: str | None = None):
        super().__init__(*args)
        self._italian = italian

    @property
    def italian(self) -> str:
        return self._italian or str(self)


class InputError(MeduiError, ValueError):
    """Input that cannot be used; the message says why in one line (`italian`: the same for the app)."""

    def __init__(self, message: str, italian: str | None = None):
        super().__init__(message, italian=italian)
