"""The HTTP side of a served model: an OpenAI-compatible server (vLLM, llama.cpp, ...) behind the variants
`openai:NAME` and `openai-chat:NAME` (ServerModel; its engine is serving.py, its wire openai_http.py, the shapes of
what it sends and reads openai_shapes.py).

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
  (gbnf.py) and sends that instead when the server lists its models as owned by "me" (that server's
  mark) or MEDUI_OPENAI_CONSTRAINT=grammar (json_schema forces the schema). A server that ignores the schema
  (text after the JSON object, or no object) ends the run with a ServingError rather than storing unconstrained
  output as a cd run.
- Free decoding stops at the first newline, as a local run stops at the end of the answer line.
- Confidence: the geometric mean of the returned tokens' probabilities (log-probabilities are requested), else None.
  llama-cpp-python's server is not asked for them (MEDUI_OPENAI_LOGPROBS=auto): they make it 13x slower.
- At most `concurrency` requests (MEDUI_OPENAI_CONCURRENCY, 8) are in flight to a server model, over all engines;
  one answer, whole, may take MEDUI_OPENAI_TIMEOUT seconds and ANSWER_MAX_BYTES; connection errors, 429 and 5xx
  are retried MEDUI_OPENAI_RETRIES times with exponential back-off. A server that is down or refuses a request
  (or the schema) raises ServingError, one line: a run that fails stores nothing.
- A name connects only when the server lists it (its listing is cached: LISTING_TTL_S, a failed one
  FAILED_LISTING_TTL_S; only its first MAX_LISTED models are read), and the MAX_SERVER_MODELS server models used
  last are kept: naming many models does not grow the process.

No torch here: `medui models` lists a server's models without it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from medui.backend.inference.openai_http import (
    ANSWER_MAX_BYTES,
    LISTING_MAX_BYTES,
    Reply,
    ServingError,
    bounded_client,
    exchange,
    first_line,
    parse_json,
    shown_url,
)
from medui.backend.inference.openai_shapes import (
    Listed,
    ListingCache,
    check_listed,
    check_schema_followed,
    completion_request,
    read_answer,
    read_listing,
    refused,
)
from medui.backend.inference.types import ON_EVICT, SERVER_PREFIXES, Generation, ModelError, Variant
from medui.config import get_settings

__all__ = [
    "ServerModel",
    "ServingError",
    "connect",
    "listed_models",
    "server_listing",
    "shown_url",
]

MAX_RETRY_AFTER_S = 30.0
MAX_SERVER_MODELS = 8  # server models kept (each has its connection pool), the least recently used evicted
FINISH = {"stop": "eos", "length": "length"}
CONSTRAINTS = ("auto", "json_schema", "grammar")
LOGPROBS = ("auto", "on", "off")


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
        self.detected: bool | None = None  # whether the server is llama-cpp-python's (asked once)
        self.slots = threading.BoundedSemaphore(max(1, self.concurrency))
        self.variant = Variant(self.name, "server", None)
        self._headers = {"Authorization": f"Bearer {key}"} if (key := _api_key()) else {}
        parts = urlsplit(self.base_url)  # a user and password in the URL go as basic auth, never in a URL
        self._auth = (parts.username or "", parts.password or "") if parts.username else None
        self._client: httpx.Client | None = None  # opened by the first request
        self._users = 0  # requests using the client now
        self._closing = False
        self._state = threading.Lock()

    def __repr__(self) -> str:  # never the headers (the API key)
        return f"ServerModel({self.name!r}, {self.shown_url!r})"

    @property
    def key(self) -> str:
        return f"{self.name}|{self.shown_url}"

    @property
    def shown_url(self) -> str:
        return shown_url(self.base_url)

    @property
    def runs_here(self) -> bool:
        """A served model computes on its server, which bounds its own work (with `concurrency` here)."""
        return False

    @property
    def server_url(self) -> str:
        return self.shown_url

    def info(self) -> dict:
        """Only where it runs: its size is the server's business."""
        return {"device": f"server {self.shown_url}", "dtype": self.dtype}

    @property
    def path(self) -> str:
        return "/chat/completions" if self.chat else "/completions"

    @property
    def closed(self) -> bool:
        """Whether close() was called and its connections are released."""
        return self._closing and self._client is None

    def llama_cpp_python(self) -> bool:
        """Whether the server is llama-cpp-python's (it lists its models as owned by "me"; cached listing)."""
        if self.detected is None:
            self.detected = server_listing(self.base_url, self.timeout, self.retries).owners == {"me"}
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
        with self.slots:
            logprobs = self.wants_logprobs()
            grammar = schema is not None and self.constrains_by() == "grammar"
            body = completion_request(
                self.served, self.chat, prompt, schema, max_tokens, schema_name, logprobs, grammar
            )
            data = self.send("POST", self.path, body)
        answer = read_answer(data, self.chat, self.shown_url)
        if schema is not None:
            check_schema_followed(answer.text, answer.finish, self.shown_url)
        followed = schema is not None and answer.finish == "stop"
        return Generation(
            text=answer.text,
            logprobs=answer.logprobs,
            stopped="schema" if followed else FINISH.get(answer.finish, "length"),
            prompt_tokens=answer.prompt_tokens or 0,
            counted_tokens=answer.completion_tokens or len(answer.logprobs),
        )

    def send(self, method: str, path: str, body: dict | None = None, limit: int = ANSWER_MAX_BYTES) -> object:
        """A request with retries and exponential back-off on connection errors, 429 and 5xx; its JSON answer.

        Each attempt, whole (connecting, sending, the answer's headers and body), takes at most `timeout`
        seconds, and its answer at most `limit` bytes: past either, a ServingError (not retried).
        """
        failure, wait = "", self.backoff
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(wait)
                wait *= 2
            try:
                with self._borrowed() as client:
                    reply = exchange(client, method, path, body, self.timeout, limit)
            except httpx.ConnectTimeout as exc:
                failure = f"connection timed out ({type(exc).__name__})"
                continue
            except httpx.TimeoutException:
                raise ServingError(
                    f"the server {self.shown_url} did not answer within {self.timeout:g} s (MEDUI_OPENAI_TIMEOUT)",
                    f"il server {self.shown_url} non ha risposto entro {self.timeout:g} s",
                ) from None
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {first_line(str(exc))}"
                continue
            if reply.status == 429 or reply.status >= 500:
                failure = f"HTTP {reply.status}"
                wait = max(wait, min(reply.retry_after, MAX_RETRY_AFTER_S))
                continue
            if reply.status >= 400:
                raise refused(reply, self.shown_url, self.served, path, body)
            return self._json(reply, path)
        tries = f"{self.retries + 1} attempt{'s' if self.retries else ''}"
        raise ServingError(
            f"cannot reach the server {self.shown_url} ({failure}, {tries}): is it running?",
            f"impossibile raggiungere il server {self.shown_url} ({failure}, {tries}): è avviato?",
        )

    def _json(self, reply: Reply, path: str) -> object:
        data = parse_json(reply.body)
        if data is None:
            raise ServingError(
                f"the server {self.shown_url} answered {path} with no JSON",
                f"il server {self.shown_url} ha risposto a {path} senza JSON",
            )
        return data

    @contextlib.contextmanager
    def _borrowed(self) -> Iterator[httpx.Client]:
        """The client for one request: opened when there is none, closed after it when the model is closed."""
        with self._state:
            if self._client is None:
                self._client = bounded_client(self.shown_url, self.timeout, self._headers, self._auth)
            self._users += 1
            client = self._client
        try:
            yield client
        finally:
            with self._state:
                self._users -= 1
                idle = self._detached()
            if idle is not None:
                idle.close()

    def _detached(self) -> httpx.Client | None:
        """The client to close now (under the state lock): the model is closed and no request uses it."""
        if not self._closing or self._users or self._client is None:
            return None
        client, self._client = self._client, None
        return client

    def close(self) -> None:
        """Release the connections: now, or when the requests in flight end (a run may still hold the model)."""
        with self._state:
            self._closing = True
            idle = self._detached()
        if idle is not None:
            idle.close()

    def listed(self) -> Listed:
        """What the server lists now (/v1/models; its first MAX_LISTED models)."""
        return read_listing(self.send("GET", "/models", limit=LISTING_MAX_BYTES), self.shown_url)

    def check(self) -> None:
        """Fail unless the server lists this model (asked now)."""
        check_listed(self.served, self.listed(), self.shown_url)


_SERVERS: OrderedDict[tuple, ServerModel] = OrderedDict()  # least recently used first
_SERVERS_LOCK = threading.Lock()


def connect(name: str, base_url: str | None = None) -> ServerModel:
    """The server model of a name `openai:NAME` / `openai-chat:NAME`: one per name and server, refused unless
    the server lists NAME (its cached listing); the MAX_SERVER_MODELS used last are kept."""
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
        if key in _SERVERS:
            _SERVERS.move_to_end(key)
            return _SERVERS[key]
    model = ServerModel(name, served, prefix == "openai-chat:", url, **options)  # opens nothing yet
    check_listed(served, server_listing(url, model.timeout, model.retries), model.shown_url)
    return _kept(key, model)


def _kept(key: tuple, model: ServerModel) -> ServerModel:
    """Keep a server model (or the one another thread kept first), evicting and closing the least recent."""
    with _SERVERS_LOCK:
        kept = _SERVERS.setdefault(key, model)
        _SERVERS.move_to_end(key)
        evicted = [_SERVERS.popitem(last=False)[1] for _ in range(len(_SERVERS) - MAX_SERVER_MODELS)]
    for old in evicted:
        old.close()
        for hook in ON_EVICT:
            hook(old.name)  # engines built on it let it go
    return kept


def forget() -> None:
    """Close and forget every server model and cached listing (after a change of settings; tests)."""
    with _SERVERS_LOCK:
        dropped = list(_SERVERS.values())
        _SERVERS.clear()
    _LISTED.clear()
    for model in dropped:
        model.close()


_LISTED = ListingCache()


def server_listing(url: str, timeout: float = 3.0, retries: int = 0) -> Listed:
    """What a server lists (its first MAX_LISTED models), from the listing cache or asked now; ServingError."""
    return _LISTED.get((url, _api_key()), lambda: _ask_listing(url, timeout, retries))


def _ask_listing(url: str, timeout: float, retries: int) -> Listed:
    probe = ServerModel("openai:?", "?", False, url, timeout=timeout, retries=retries)
    try:
        return probe.listed()
    finally:
        probe.close()


def listed_models(timeout: float = 3.0) -> tuple[list[str], str | None]:
    """`openai:NAME` of the models the configured server lists (its first MAX_LISTED), and what to say about
    them: why it cannot be asked, or that the list is cut. For the app's model lists: one attempt, a short
    timeout, the cached listing; ([], None) without a server."""
    url = (get_settings().openai_base_url or "").strip().rstrip("/")
    if not url:
        return [], None
    try:
        listed = server_listing(_base_url(url), timeout, retries=0)
    except ServingError as exc:
        return [], exc.italian
    names = [f"openai:{n}" for n in listed.names]
    if listed.truncated:
        return names, f"il server elenca {listed.total} modelli: medui mostra solo i primi {len(names)}"
    return names, None
