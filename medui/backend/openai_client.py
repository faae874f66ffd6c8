"""The HTTP side of a served model: an OpenAI-compatible server (vLLM, llama.cpp, ...) behind the variants
`openai:NAME` and `openai-chat:NAME` (ServerModel; its engine is serving.py).

NAME is the server's model name (what its /v1/models lists: a base model, or for vLLM a LoRA module given with
--lora-modules). The server is --base-url or MEDUI_OPENAI_BASE_URL, e.g. http://127.0.0.1:8000/v1; the API key,
when the server wants one, is read from MEDUI_OPENAI_API_KEY when a model connects and is never stored or shown.

- `openai:NAME` posts to /v1/completions: the prompt goes as it is, the same text as a local run's (few-shot text
  ending at "Risposta:", written for base models such as Gemma-3-270M), so a served run and a local run of a
  model are comparable and store the same prompt hash. This is the default because medui's prompts are plain text.
- `openai-chat:NAME` posts the prompt as the one user message to /v1/chat/completions, for instruction-tuned
  models that need their chat template; the server then wraps the text, so the model sees more than the prompt.
- A schema (constrained decoding) goes as structured output:
  `response_format: {"type": "json_schema", "json_schema": {"name", "schema", "strict": true}}` (OpenAI, vLLM),
  and on /v1/completions the schema again as `json_schema` (what llama.cpp's server reads there).
  llama-cpp-python's server reads no JSON schema, only a GBNF `grammar`: medui writes the schema's grammar
  (backend/gbnf.py) and sends that instead when the server lists its models as owned by "me" (that server's
  mark) or MEDUI_OPENAI_CONSTRAINT=grammar (json_schema forces the schema). A server that ignores the schema
  (text after the JSON object, or no object) ends the run with a ServingError rather than storing unconstrained
  output as a cd run.
- Free decoding stops at the first newline, as a local run stops at the end of the answer line.
- Confidence: the geometric mean of the returned tokens' probabilities (log-probabilities are requested), else None.
  llama-cpp-python's server is not asked for them (MEDUI_OPENAI_LOGPROBS=auto): they make it 13x slower.
- At most `concurrency` requests (MEDUI_OPENAI_CONCURRENCY, 8) are in flight to a server model, over all engines;
  one answer may take MEDUI_OPENAI_TIMEOUT seconds; connection errors, 429 and 5xx are retried
  MEDUI_OPENAI_RETRIES times with exponential back-off. A server that is down or refuses a request (or the
  schema) raises ServingError, one line: a run that fails stores nothing.

No torch here (`medui models` lists a server's models without it): Generation is imported when a prompt is sent.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import httpx

from medui.backend import gbnf
from medui.backend.models import SERVER_PREFIXES, ModelError, Variant
from medui.config import get_settings
from medui.errors import MeduiError

if TYPE_CHECKING:
    from medui.backend.decoding import Generation

MAX_RETRY_AFTER_S = 30.0
LISTING_TTL_S = 30.0
FINISH = {"stop": "eos", "length": "length"}
CONSTRAINTS = ("auto", "json_schema", "grammar")
LOGPROBS = ("auto", "on", "off")


class ServingError(MeduiError, RuntimeError):
    """A server that cannot be reached, refuses a request or ignores the schema; `italian`: for the app."""

    def __init__(self, message: str, italian: str | None = None):
        super().__init__(message, italian=italian)


def shown_url(url: str) -> str:
    """A URL without the user and password it may carry (for messages and stored parameters)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _base_url(base_url: str | None) -> str:
    url = (base_url or get_settings().openai_base_url or "").strip().rstrip("/")
    if not url:
        raise ModelError(
            "an openai: model needs a server: pass --base-url or set MEDUI_OPENAI_BASE_URL (e.g. http://host:8000/v1)",
            "un modello openai: richiede un server: imposta MEDUI_OPENAI_BASE_URL (es. http://host:8000/v1)",
        )
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        shown = shown_url(url)
        raise ModelError(f"not an http(s) server URL: {shown!r}", f"URL del server non valido: {shown!r}")
    return url


def _api_key() -> str | None:
    import os

    return os.environ.get("MEDUI_OPENAI_API_KEY") or None


@dataclass(eq=False)
class ServerModel:
    """A model served by an OpenAI-compatible server: what the engine posts to, with its bound and retries."""

    name: str  # openai:NAME or openai-chat:NAME
    served: str  # NAME, the server's model name
    chat: bool
    base_url: str
    concurrency: int = 8
    timeout: float = 120.0
    retries: int = 4
    backoff: float = 0.5  # seconds before the first retry, doubled each time
    constraint: str = "auto"  # json_schema | grammar | auto (see MEDUI_OPENAI_CONSTRAINT)
    logprobs: str = "auto"  # on | off | auto (see MEDUI_OPENAI_LOGPROBS)
    device: str = "server"
    dtype: str = "-"

    def __post_init__(self) -> None:
        for setting, value, allowed in (
            ("MEDUI_OPENAI_CONSTRAINT", self.constraint, CONSTRAINTS),
            ("MEDUI_OPENAI_LOGPROBS", self.logprobs, LOGPROBS),
        ):
            if value not in allowed:
                raise ServingError(
                    f"unknown {setting} {value!r}: use {', '.join(allowed)}",
                    f"{setting} {value!r} sconosciuto: usa {', '.join(allowed)}",
                )
        self.owners: set[str] = set()  # owned_by of the listed models: says which server this is
        self.detected: bool | None = None  # whether the server is llama-cpp-python's (asked once)
        self.slots = threading.BoundedSemaphore(max(1, self.concurrency))
        self.variant = Variant(self.name, "server", None)
        headers = {"Authorization": f"Bearer {key}"} if (key := _api_key()) else {}
        parts = urlsplit(self.base_url)  # a user and password in the URL go as basic auth, never in a URL
        auth = (parts.username or "", parts.password or "") if parts.username else None
        timeout = httpx.Timeout(self.timeout, connect=min(10.0, self.timeout))
        self.client = httpx.Client(base_url=self.shown_url, timeout=timeout, headers=headers, auth=auth)

    def __repr__(self) -> str:  # never the headers (the API key)
        return f"ServerModel({self.name!r}, {self.shown_url!r})"

    @property
    def key(self) -> str:
        return f"{self.name}|{self.shown_url}"

    @property
    def shown_url(self) -> str:
        return shown_url(self.base_url)

    @property
    def path(self) -> str:
        return "/chat/completions" if self.chat else "/completions"

    def request(self, prompt: str, schema: dict | None, max_tokens: int, schema_name: str) -> dict:
        """The request body for one prompt: greedy, log-probabilities, the schema as structured output."""
        body: dict = {"model": self.served, "max_tokens": max_tokens, "temperature": 0.0}
        if self.chat:
            body["messages"] = [{"role": "user", "content": prompt}]
        else:
            body["prompt"] = prompt
        if self.wants_logprobs():
            body["logprobs"] = True if self.chat else 1
        if schema is None:
            body["stop"] = ["\n"]
        elif self.constrains_by() == "grammar":
            body["grammar"] = grammar_of(json.dumps(schema))
        else:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": True},
            }
            if not self.chat:
                body["json_schema"] = schema  # llama.cpp's server reads the schema of a completion here
        return body

    def llama_cpp_python(self) -> bool:
        """Whether the server is llama-cpp-python's (it lists its models as owned by "me"), asked once."""
        if self.detected is None:
            self.models()
            self.detected = self.owners == {"me"}
        return self.detected

    def constrains_by(self) -> str:
        """How the schema goes to this server: a GBNF `grammar` for llama-cpp-python's server (it reads no JSON
        schema), else `response_format` with the JSON schema; MEDUI_OPENAI_CONSTRAINT decides when not auto."""
        if self.constraint != "auto":
            return self.constraint
        return "grammar" if self.llama_cpp_python() else "json_schema"

    def wants_logprobs(self) -> bool:
        """Log-probabilities (the confidence) are asked for unless MEDUI_OPENAI_LOGPROBS says no; auto: not from
        llama-cpp-python's server, which takes a softmax over the whole vocabulary in Python for each token
        (13x slower on Gemma's 262k tokens: 40 tokens in 15.7 s against 1.2 s)."""
        if self.logprobs != "auto":
            return self.logprobs == "on"
        return not self.llama_cpp_python()

    def complete(self, prompt: str, schema: dict | None, max_tokens: int, schema_name: str) -> Generation:
        """One prompt through the server (waiting for a free slot): its text, log-probabilities and counts."""
        from medui.backend.decoding import Generation  # imports torch

        with self.slots:
            data = self.send("POST", self.path, self.request(prompt, schema, max_tokens, schema_name))
        text, finish, logprobs, usage = _read_answer(data, self.chat, self.shown_url)
        if schema is not None:
            _check_schema_followed(text, finish, self.shown_url)
        return Generation(
            text=text,
            logprobs=logprobs,
            stopped="schema" if schema is not None and finish == "stop" else FINISH.get(finish, "length"),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            counted_tokens=int(usage.get("completion_tokens") or len(logprobs)),
        )

    def send(self, method: str, path: str, body: dict | None = None) -> dict:
        """A request with retries and exponential back-off on connection errors, 429 and 5xx; its JSON answer."""
        failure, wait = "", self.backoff
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(wait)
                wait *= 2
            try:
                response = self.client.request(method, path, json=body)
            except httpx.ConnectTimeout as exc:
                failure = f"connection timed out ({type(exc).__name__})"
                continue
            except httpx.TimeoutException:
                raise ServingError(
                    f"the server {self.shown_url} did not answer within {self.timeout:g} s "
                    "(MEDUI_OPENAI_TIMEOUT)",
                    f"il server {self.shown_url} non ha risposto entro {self.timeout:g} s",
                ) from None
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {_first_line(str(exc))}"
                continue
            if response.status_code == 429 or response.status_code >= 500:
                failure = f"HTTP {response.status_code}"
                wait = max(wait, min(_retry_after(response), MAX_RETRY_AFTER_S))
                continue
            if response.status_code >= 400:
                raise _refused(response, self, body)
            try:
                return response.json()
            except ValueError:
                raise ServingError(f"the server {self.shown_url} answered {path} with no JSON") from None
        tries = f"{self.retries + 1} attempt{'s' if self.retries else ''}"
        raise ServingError(
            f"cannot reach the server {self.shown_url} ({failure}, {tries}): is it running?",
            f"impossibile raggiungere il server {self.shown_url} ({failure}, {tries}): è avviato?",
        )

    def models(self) -> list[str]:
        """The model names the server lists (/v1/models)."""
        data = self.send("GET", "/models")
        try:
            self.owners = {str(m.get("owned_by", "")) for m in data["data"]}
            return [str(m["id"]) for m in data["data"]]
        except (KeyError, TypeError) as exc:
            raise ServingError(f"the server {self.shown_url} answered /models with no model list") from exc

    def check(self) -> None:
        """Fail unless the server lists this model."""
        names = self.models()
        if self.served not in names:
            raise ServingError(
                f"the server {self.shown_url} has no model {self.served!r} (it serves: {', '.join(names)})",
                f"il server {self.shown_url} non ha il modello {self.served!r} (serve: {', '.join(names)})",
            )


@lru_cache(maxsize=64)
def grammar_of(schema_json: str) -> str:
    """The GBNF grammar of a JSON schema (given as JSON text, so it is written once a schema)."""
    try:
        return gbnf.from_json_schema(json.loads(schema_json))
    except gbnf.SchemaError as exc:
        raise ServingError(
            f"cannot write this task's JSON schema as a grammar ({exc}): set MEDUI_OPENAI_CONSTRAINT=json_schema "
            "for a server that reads JSON schemas",
            "lo schema JSON di questo compito non si può scrivere come grammatica: usa un server che legge "
            "schemi JSON (MEDUI_OPENAI_CONSTRAINT=json_schema)",
        ) from exc


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:200]


def _retry_after(response: httpx.Response) -> float:
    """The seconds a 429 or 503 asks to wait (Retry-After), 0 when it says none."""
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return 0.0


def _refused(response: httpx.Response, server: ServerModel, body: dict | None) -> ServingError:
    """The one-line error of a request the server refused (4xx other than 429)."""
    try:
        data = response.json()
    except ValueError:
        data = response.text
    detail = data.get("error", data.get("detail", data)) if isinstance(data, dict) else data
    if isinstance(detail, dict):
        detail = detail.get("message", detail)
    detail = _first_line(detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False))
    status, url = response.status_code, server.shown_url
    if status in (401, 403):
        return ServingError(
            f"the server {url} refused the request ({status}): check MEDUI_OPENAI_API_KEY",
            f"il server {url} ha rifiutato la richiesta ({status}): controlla MEDUI_OPENAI_API_KEY",
        )
    if status == 404:
        return ServingError(
            f"the server {url} has no {server.path} for model {server.served!r} ({detail}); "
            "does the base URL end in /v1, and is the model served?",
            f"il server {url} non ha {server.path} per il modello {server.served!r}: l'URL finisce in /v1?",
        )
    schema = bool(body and ("response_format" in body or "grammar" in body))
    what = " (with a JSON schema: does it support structured output?)" if schema else ""
    return ServingError(
        f"the server {url} refused the request{what}: {status} {detail}",
        f"il server {url} ha rifiutato la richiesta{what and ' (con uno schema JSON)'}: {status} {detail}",
    )


def _read_answer(data: dict, chat: bool, url: str) -> tuple[str, str, list[float], dict]:
    """(text, finish reason, log-probabilities, usage) of a completion or chat completion."""
    try:
        choice = data["choices"][0]
        text = (choice["message"]["content"] if chat else choice["text"]) or ""
        found = choice.get("logprobs") or {}
        if chat:
            values = [t.get("logprob") for t in found.get("content") or []]
        else:
            values = found.get("token_logprobs") or []
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ServingError(f"the server {url} gave an answer that is not an OpenAI completion") from exc
    logprobs = [float(v) for v in values if isinstance(v, int | float) and not math.isnan(v)]
    return str(text), str(choice.get("finish_reason") or ""), logprobs, data.get("usage") or {}


def _check_schema_followed(text: str, finish: str, url: str) -> None:
    """Under a schema the output is one JSON object, nothing after it (or a cut one, at the token limit)."""
    stripped = text.lstrip()
    try:
        _, end = json.JSONDecoder().raw_decode(stripped)
        followed = stripped.startswith("{") and not stripped[end:].strip()
    except ValueError:
        followed = stripped.startswith("{") and finish == "length"
    if not followed:
        raise ServingError(
            f"the server {url} ignored the JSON schema (its output is not one JSON object: "
            f"{_first_line(text)[:60]!r}); use a server with structured output (vLLM, llama.cpp's llama-server) "
            "or a strategy without cd",
            f"il server {url} ha ignorato lo schema JSON: usa un server con output strutturato o una strategia "
            "senza cd",
        )


_SERVERS: dict[tuple, ServerModel] = {}
_SERVERS_LOCK = threading.Lock()


def connect(name: str, base_url: str | None = None) -> ServerModel:
    """The server model of a name `openai:NAME` / `openai-chat:NAME` (one per name and server; no request yet)."""
    prefix = next((p for p in SERVER_PREFIXES if name.startswith(p)), None)
    served = name[len(prefix) :].strip() if prefix else ""
    if not served:
        raise ModelError(f"not a served model name: {name!r} (use openai:NAME)")
    s, url = get_settings(), _base_url(base_url)
    options = {
        "concurrency": s.openai_concurrency, "timeout": s.openai_timeout, "retries": s.openai_retries,
        "constraint": s.openai_constraint, "logprobs": s.openai_logprobs,
    }  # fmt: skip
    key = (name, url, *options.values(), _api_key())
    with _SERVERS_LOCK:
        if key not in _SERVERS:
            _SERVERS[key] = ServerModel(name, served, prefix == "openai-chat:", url, **options)
        return _SERVERS[key]


_LISTED: dict[str, tuple[float, list[str], str | None]] = {}


def listed_models(timeout: float = 3.0) -> tuple[list[str], str | None]:
    """`openai:NAME` of every model the configured server lists, and the error when it cannot be asked.

    For the app's model lists: asked at most every 30 s, one attempt, a short timeout; ([], None) without a server.
    """
    url = (get_settings().openai_base_url or "").strip().rstrip("/")
    if not url:
        return [], None
    now = time.monotonic()
    cached = _LISTED.get(url)
    if cached and now - cached[0] < LISTING_TTL_S:
        return cached[1], cached[2]
    probe = ServerModel("openai:?", "?", False, _base_url(url), timeout=timeout, retries=0)
    try:
        names, error = [f"openai:{n}" for n in probe.models()], None
    except ServingError as exc:
        names, error = [], exc.italian
    finally:
        probe.client.close()
    _LISTED[url] = (now, names, error)
    return names, error
