"""What goes to and comes back from an OpenAI-compatible server, read defensively: the body of a completion
request and the grammar of a schema, the parts of a completion and of a model listing medui uses, the listings
kept, and the one-line errors.

An answer's required parts (the first choice's text, the list of models) fail with one ServingError when
malformed; optional ones (usage, log-probabilities, finish reason, owners) are read when well formed and taken as
absent otherwise. A listing is read up to its first MAX_LISTED usable models: the rest are counted, not read.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from medui.backend.inference import gbnf
from medui.backend.inference.openai_http import Reply, ServingError, first_line, parse_json

MAX_LISTED = 500  # models taken from a listing
MAX_NAME_CHARS = 256
MAX_COUNT = 10**9  # a token count past this is not one
LISTING_TTL_S = 30.0
FAILED_LISTING_TTL_S = 10.0  # a server that does not answer is asked again after this
MAX_LISTINGS = 16  # servers whose listing is kept


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


# completions ------------------------------------------------------------------------------------------------
def completion_request(
    served: str,
    chat: bool,
    prompt: str,
    schema: dict | None,
    max_tokens: int,
    schema_name: str,
    logprobs: bool,
    grammar: bool,
) -> dict:
    """The request body for one prompt: greedy, log-probabilities when asked, the schema as structured output
    (`grammar`: as the GBNF grammar that llama-cpp-python's server reads instead)."""
    body: dict = {"model": served, "max_tokens": max_tokens, "temperature": 0.0}
    if chat:
        body["messages"] = [{"role": "user", "content": prompt}]
    else:
        body["prompt"] = prompt
    if logprobs:
        body["logprobs"] = True if chat else 1
    if schema is None:
        body["stop"] = ["\n"]
    elif grammar:
        body["grammar"] = grammar_of(json.dumps(schema))
    else:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": schema_name, "schema": schema, "strict": True},
        }
        if not chat:
            body["json_schema"] = schema  # llama.cpp's server reads the schema of a completion here
    return body


@dataclass(frozen=True)
class Answer:
    """What medui reads of a completion: the text (required), the rest when the server sent it well formed."""

    text: str
    finish: str
    logprobs: list[float]
    prompt_tokens: int | None
    completion_tokens: int | None


def read_answer(data: object, chat: bool, url: str) -> Answer:
    """The Answer of a completion or chat completion; ServingError when it has no first choice with a text."""
    choices = data.get("choices") if isinstance(data, dict) else None
    choice = choices[0] if isinstance(choices, list) and choices else None
    text = _text_of(choice, chat) if isinstance(choice, dict) else None
    if not isinstance(data, dict) or not isinstance(choice, dict) or text is None:
        raise ServingError(
            f"the server {url} gave an answer that is not an OpenAI completion",
            f"il server {url} ha dato una risposta che non è un completamento OpenAI",
        )
    usage = data.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    finish = choice.get("finish_reason")
    return Answer(
        text=text,
        finish=finish if isinstance(finish, str) else "",
        logprobs=_logprobs_of(choice.get("logprobs"), chat),
        prompt_tokens=_count(usage.get("prompt_tokens")),
        completion_tokens=_count(usage.get("completion_tokens")),
    )


def _text_of(choice: dict, chat: bool) -> str | None:
    """The text of a choice ("" for a null one), None when it has none or not a string."""
    holder = choice.get("message") if chat else choice
    key = "content" if chat else "text"
    if not isinstance(holder, dict) or key not in holder:
        return None
    text = holder[key]
    return "" if text is None else text if isinstance(text, str) else None


def _logprobs_of(found: object, chat: bool) -> list[float]:
    """The returned tokens' log-probabilities: the well-formed ones (numbers from -1e9 to 0), none if malformed."""
    if not isinstance(found, dict):
        return []
    values = found.get("content") if chat else found.get("token_logprobs")
    if not isinstance(values, list):
        return []
    if chat:
        values = [t.get("logprob") for t in values if isinstance(t, dict)]
    return [
        float(v) for v in values if isinstance(v, float | int) and not isinstance(v, bool) and -1e9 < v <= 0
    ]


def _count(value: object) -> int | None:
    """A token count when it is one (a whole number from 0), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT:
        return value
    return None


def check_schema_followed(text: str, finish: str, url: str) -> None:
    """Under a schema the output is one JSON object, nothing after it (or a cut one, at the token limit)."""
    stripped = text.lstrip()
    try:
        _, end = json.JSONDecoder().raw_decode(stripped)
        followed = stripped.startswith("{") and not stripped[end:].strip()
    except (ValueError, RecursionError):
        followed = stripped.startswith("{") and finish == "length"
    if not followed:
        raise ServingError(
            f"the server {url} ignored the JSON schema (its output is not one JSON object: "
            f"{first_line(text)[:60]!r}); use a server with structured output (vLLM, llama.cpp's llama-server) "
            "or a strategy without cd",
            f"il server {url} ha ignorato lo schema JSON: usa un server con output strutturato o una strategia "
            "senza cd",
        )


# listings ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Listed:
    """The models of a /models answer: the names of its first MAX_LISTED usable ones, their owners, how many."""

    names: tuple[str, ...]
    owners: frozenset[str]
    total: int  # the entries of the listing, read or not

    @property
    def truncated(self) -> bool:
        """Whether the server lists more models than were read."""
        return len(self.names) >= MAX_LISTED and self.total > len(self.names)


def read_listing(data: object, url: str) -> Listed:
    """The Listed of a /models answer; ServingError without a list of models. Entries without a usable name
    (`usable_name`) are skipped."""
    entries = data.get("data") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ServingError(
            f"the server {url} answered /models with no model list",
            f"il server {url} ha risposto a /models senza un elenco di modelli",
        )
    names: dict[str, None] = {}
    owners: set[str] = set()
    for entry in entries:
        if len(names) >= MAX_LISTED:
            break
        name = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(name, str) and usable_name(name):
            names[name] = None
            owner = entry.get("owned_by")
            owners.add(owner if isinstance(owner, str) else "")
    return Listed(tuple(names), frozenset(owners), len(entries))


def usable_name(name: str) -> bool:
    """Whether a served model's name can be shown and sent: not empty, not too long, no control characters."""
    return 0 < len(name) <= MAX_NAME_CHARS and name.strip() == name and all(ch >= " " for ch in name)


def check_listed(served: str, listed: Listed, url: str) -> None:
    """Fail unless the listing holds the model (one line, naming a few of those it holds)."""
    if served in listed.names:
        return
    shown = ", ".join(listed.names[:10]) + (", ..." if len(listed.names) > 10 else "")
    cut, cut_it = "", ""
    if listed.truncated:
        cut = f"; medui reads only the first {len(listed.names)} of the {listed.total} it lists"
        cut_it = f"; medui legge solo i primi {len(listed.names)} dei {listed.total} che elenca"
    raise ServingError(
        f"the server {url} has no model {served!r} (it serves: {shown}){cut}",
        f"il server {url} non ha il modello {served!r} (serve: {shown}){cut_it}",
    )


@dataclass(frozen=True)
class _Asked:
    """A listing as asked: when its answer came, what it listed or why it failed (English, Italian)."""

    stamp: float
    listed: Listed | None
    error: tuple[str, str] | None

    @property
    def ttl(self) -> float:
        return LISTING_TTL_S if self.error is None else FAILED_LISTING_TTL_S


class ListingCache:
    """Listings by server, each kept LISTING_TTL_S (a failed one FAILED_LISTING_TTL_S) from when its answer came,
    so a slow listing is not asked again at once; callers at the same time wait for the one request."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._asked: dict[tuple, _Asked] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, ask: Callable[[], Listed]) -> Listed:
        """The listing under `key`, asked (`ask`, raising ServingError) when none is kept; ServingError."""
        with self._lock:
            asked = self._asked.get(key)
            if asked is None or self.clock() - asked.stamp >= asked.ttl:
                asked = self._ask(ask)
                self._asked.pop(key, None)
                self._asked[key] = asked
                while len(self._asked) > MAX_LISTINGS:
                    self._asked.pop(next(iter(self._asked)))
        if asked.listed is None:
            raise ServingError(*(asked.error or ("no listing", "nessun elenco")))
        return asked.listed

    def _ask(self, ask: Callable[[], Listed]) -> _Asked:
        try:
            listed, error = ask(), None
        except ServingError as exc:
            listed, error = None, (str(exc), exc.italian)
        return _Asked(self.clock(), listed, error)

    def clear(self) -> None:
        with self._lock:
            self._asked.clear()


# refusals ---------------------------------------------------------------------------------------------------
def _detail(body: bytes) -> str:
    """The first line of what a refusal says (its error message, else its body)."""
    data = parse_json(body)
    if data is None:
        return first_line(body.decode("utf-8", "replace"))
    detail = data.get("error", data.get("detail", data)) if isinstance(data, dict) else data
    if isinstance(detail, dict):
        detail = detail.get("message", detail)
    if not isinstance(detail, str):
        try:
            detail = json.dumps(detail, ensure_ascii=False)[:1000]
        except (ValueError, RecursionError):
            detail = type(detail).__name__
    return first_line(detail)


def refused(reply: Reply, url: str, served: str, path: str, body: dict | None) -> ServingError:
    """The one-line error of a request the server refused (4xx other than 429)."""
    status, detail = reply.status, _detail(reply.body)
    if status in (401, 403):
        return ServingError(
            f"the server {url} refused the request ({status}): check MEDUI_OPENAI_API_KEY",
            f"il server {url} ha rifiutato la richiesta ({status}): controlla MEDUI_OPENAI_API_KEY",
        )
    if status == 404:
        what, what_it = (
            (path, path)
            if path == "/models"
            else (f"{path} for model {served!r}", f"{path} per il modello {served!r}")
        )
        return ServingError(
            f"the server {url} has no {what} ({detail}); does the base URL end in /v1, and is the model served?",
            f"il server {url} non ha {what_it}: l'URL finisce in /v1?",
        )
    schema = bool(body and ("response_format" in body or "grammar" in body))
    what = " (with a JSON schema: does it support structured output?)" if schema else ""
    return ServingError(
        f"the server {url} refused the request{what}: {status} {detail}",
        f"il server {url} ha rifiutato la richiesta{what and ' (con uno schema JSON)'}: {status} {detail}",
    )
