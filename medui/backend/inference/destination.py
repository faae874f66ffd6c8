"""Where the text of a run goes, and the identifier gate in front of it.

A local model runs on this machine. A served model (`openai:NAME`, `openai-chat:NAME`) sends its prompt, and so
the text, to the server of --base-url or MEDUI_OPENAI_BASE_URL. That server is on this machine only when the
URL's host is a loopback name or address (localhost, 127.0.0.0/8, ::1, ::ffff:127.x); any other host counts as
remote, even one that resolves to this machine: the rule needs no DNS lookup and errs on the side of asking.

The gate (`gate_record`): when the text holds likely identifiers (medui.tasks.phi) and would go to a remote server,
the run is refused unless the user masks them (same-length placeholders, so every offset into the masked text
holds) or confirms sending them as they are; a local run goes on and is warned. The app's runs
(service/running.py) and `medui run` call it before a model sees the text. Messages name the host only, never
the URL (which may carry a user and password).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from medui.backend.inference.types import SERVER_PREFIXES
from medui.config import get_settings
from medui.errors import MeduiError
from medui.tasks.phi import Finding, find_identifiers, mask, summary

NOTICE_LOCAL = "Non incollare dati identificativi dei pazienti; tutto gira su questa macchina."


class IdentifiersRefused(MeduiError):
    """Likely identifiers in a text bound for a server that is not on this machine, neither masked nor
    confirmed: nothing was sent."""


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine only (localhost, 127.0.0.0/8, ::1)."""
    host = (host or "").strip().strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def is_local_url(url: str) -> bool:
    """Whether a server URL points at this machine (its host is a loopback name or address)."""
    try:
        host = urlsplit((url or "").strip()).hostname
    except ValueError:
        return False
    return is_loopback(host or "")


def url_host(url: str) -> str:
    """The host (and port) of a URL, for messages: no scheme, user, password, path or query."""
    try:
        parts = urlsplit((url or "").strip())
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return "?"
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}" if port else host or "?"


def remote_host(model: str | None, base_url: str | None = None) -> str | None:
    """The remote host a run of `model` sends its text to; None when the text stays on this machine (a local
    model, a served model on a loopback server) or goes nowhere (no server URL: loading the model refuses it)."""
    name = (model or "").strip() or get_settings().model
    if not name.startswith(SERVER_PREFIXES):
        return None
    url = (base_url or get_settings().openai_base_url or "").strip()
    if not url or is_local_url(url):
        return None
    return url_host(url)


def notice(base_url: str | None) -> str:
    """The notice every page shows: where the text of a run goes with the configured server."""
    url = (base_url or "").strip()
    if not url or is_local_url(url):
        return NOTICE_LOCAL
    return (
        "Non incollare dati identificativi dei pazienti. I modelli locali girano su questa macchina; con un "
        f"modello servito (openai:) il testo va al server {url_host(url)}."
    )


@dataclass
class Gated:
    """What the gate let through: the record to run, what it found in the record given, and what it did."""

    record: dict
    findings: list[Finding] = field(default_factory=list)
    masked: bool = False  # the findings were replaced by placeholders in `record`
    host: str | None = None  # the remote host the text goes to (None: this machine)

    @property
    def kinds(self) -> list[str]:
        """The kinds found, each once, in order of first appearance."""
        return list(dict.fromkeys(f["kind"] for f in self.findings))

    @property
    def left(self) -> list[str]:
        """The kinds of identifiers still in `record` (none once masked)."""
        return [] if self.masked else self.kinds


def gate_record(
    record: dict, host: str | None, *, mask_identifiers: bool = False, confirm: bool = False
) -> Gated:
    """The input record a run may send (a note's text, a question and its options: every string but the id,
    scanned one by one): masked when asked; refused (IdentifiersRefused) when it holds likely identifiers, goes
    to a remote `host`, and is neither masked nor confirmed. Masking keeps each string's length, so offsets hold."""
    findings: list[Finding] = []

    def scanned(value: object) -> object:
        if isinstance(value, str):
            found = find_identifiers(value)
            findings.extend(found)
            return mask(value, found) if found and mask_identifiers else value
        if isinstance(value, dict):
            return {key: scanned(item) for key, item in value.items()}
        if isinstance(value, list):
            return [scanned(item) for item in value]
        return value

    result = {key: value if key == "id" else scanned(value) for key, value in record.items()}
    if findings and mask_identifiers:
        return Gated(result, findings, masked=True, host=host)
    if findings and host is not None and not confirm:
        kinds = ", ".join(dict.fromkeys(f["kind"] for f in findings))
        raise IdentifiersRefused(
            f"the text holds likely identifiers ({kinds}) and would go to {host}, a server not on this machine: "
            "mask them (--mask-identifiers) or confirm sending them (--send-identifiers)",
            italian=f"Il testo contiene {summary(findings)} e andrebbe al server {host}, che non è su questa "
            "macchina: spunta «Maschera gli identificativi» oppure conferma l'invio al server.",
        )
    return Gated(result, findings, host=host)
