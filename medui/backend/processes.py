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


def start_time(pid: int) -> str | None:
    """When a process started (clock ticks since boot, /proc/PID/stat field 22), or None when there is none:
    the same pid with another start time is another process that reused the number."""
    try:
        stat = open(f"/proc/{int(pid)}/stat", encoding="ascii", errors="replace").read()  # noqa: SIM115
    except (OSError, ValueError):
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # the command name, in parentheses, may hold spaces
    return fields[19] if len(fields) > 19 else None
