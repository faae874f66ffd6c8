"""Whether a process recorded by its pid (an evaluating server, a training worker) still runs on this machine."""

from __future__ import annotations

import os


def pid_alive(pid: int | str | None) -> bool:
    """True while a process with this pid exists; a pid that cannot be checked counts as alive (the caller then
    waits or refuses rather than declaring a running job dead)."""
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OverflowError):
        return True
    return True
