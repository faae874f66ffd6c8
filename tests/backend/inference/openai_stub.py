"""A local stand-in for an OpenAI-compatible server (http.server in a thread) that checks the shape of every
request and answers schema-valid JSON built from the request's schema, copying a word of the input."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOGPROBS = [-0.1, -0.2, -0.3]


@dataclass
class Stub:
    """What the stub answers; what it saw (requests, headers, most requests in flight at once)."""

    models: list[str] = field(default_factory=lambda: ["stub-model"])
    delay: float = 0.0
    failures: list[int] = field(default_factory=list)  # statuses answered first, one per request
    refuse_after: int | None = None  # answer 400 to generation requests after this many
    refuse_schema: bool = False  # 400 to any request with a response_format
    ignore_schema: bool = False  # free text after the JSON object
    logprobs: bool = True
    expect_logprobs: bool = True  # whether requests must ask for log-probabilities
    owned_by: str | None = None  # what /v1/models says owns each model ("me": llama-cpp-python's server)
    grammar_schema: dict | None = None  # the schema of the answers to requests with a GBNF grammar
    api_key: str | None = None  # 401 to requests without it
    reply: Callable[[str], dict] | None = (
        None  # the answer to a prompt's input text (default: the schema's example)
    )
    # hostile modes
    drip: dict[str, float] = field(default_factory=dict)  # path -> seconds between the bytes of its answers
    endless_headers: dict[str, float] = field(
        default_factory=dict
    )  # path -> seconds of header bytes, then hang up
    pad: dict[str, int] = field(default_factory=dict)  # path -> bytes of padding added to its 200 answers
    send_length: bool = True  # False: no Content-Length, the body ends when the connection closes
    patch: dict = field(default_factory=dict)  # merged into each completion (e.g. {"usage": "oops"})
    choice_patch: dict = field(default_factory=dict)  # merged into its choice
    listing_status: int = 200  # what /v1/models answers
    on_listing: Callable[[], None] | None = None  # called as /v1/models is asked (a fake clock, a delay)
    requests: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def generations(self) -> list[dict]:
        return [r for r in self.requests if r["path"] != "/v1/models"]

    def listings(self) -> list[dict]:
        return [r for r in self.requests if r["path"] == "/v1/models"]


def example(schema: dict, root: dict, word: str):
    """A value that fits a (medui task) JSON schema, its strings the given word."""
    if "$ref" in schema:
        return example(root["$defs"][schema["$ref"].rsplit("/", 1)[-1]], root, word)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example(options[0], root, word)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: example(props[k], root, word) for k in schema.get("required", list(props))}
    if kind == "array":
        return [example(schema.get("items", {}), root, word)] if schema.get("maxItems", 1) else []
    if kind == "string":
        return word[: schema.get("maxLength", len(word))]
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    return None


def input_text(prompt: str) -> str:
    """The last input line of a medui prompt ("Testo: ..."), without its head; the whole prompt without one."""
    lines = [line for line in prompt.splitlines() if line.startswith("Testo: ")]
    return lines[-1].removeprefix("Testo: ") if lines else prompt


def input_word(prompt: str) -> str:
    """The first word of 4+ letters of the last input line of a medui prompt ("Testo: ...")."""
    words = re.findall(r"[A-Za-zÀ-ÿ]{4,}", input_text(prompt))
    return words[0] if words else "testo"


def check_shape(path: str, body: dict, stub: Stub) -> None:
    """The request medui must send: the model, greedy, a token limit, log-probabilities, the schema."""
    assert body["model"] in stub.models, body["model"]
    assert body["temperature"] == 0.0 and isinstance(body["max_tokens"], int) and body["max_tokens"] > 0
    chat = path == "/v1/chat/completions"
    prompt = body["messages"][0]["content"] if chat else body["prompt"]
    assert isinstance(prompt, str) and prompt.endswith("Risposta:"), prompt[-40:]
    if stub.expect_logprobs:
        assert body["logprobs"] is True if chat else body["logprobs"] == 1
    else:
        assert "logprobs" not in body
    fmt = body.get("response_format")
    if "grammar" in body:
        assert body["grammar"].startswith("root ::=") and "stop" not in body
        assert fmt is None and "json_schema" not in body
        return
    if fmt is None:
        assert body["stop"] == ["\n"] and "json_schema" not in body
        return
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", fmt["json_schema"]["name"])
    assert fmt["json_schema"]["schema"]["type"] == "object" and "stop" not in body
    assert ("json_schema" not in body) if chat else body["json_schema"] == fmt["json_schema"]["schema"]


def answer(path: str, body: dict, stub: Stub) -> dict:
    chat = path == "/v1/chat/completions"
    prompt = body["messages"][0]["content"] if chat else body["prompt"]
    fmt = body.get("response_format")
    schema = fmt["json_schema"]["schema"] if fmt else stub.grammar_schema if "grammar" in body else None
    if stub.reply is not None:
        value = stub.reply(input_text(prompt))
    else:
        value = example(schema, schema, input_word(prompt)) if schema else {"entities": []}
    text = " " + json.dumps(value, ensure_ascii=False) + ("\nTesto: altro" if stub.ignore_schema else "")
    if "grammar" in body:
        from tests.backend.inference.gbnf_match import accepts

        assert accepts(body["grammar"], text.strip()), "the answer does not fit the request's grammar"
    logprobs = None
    if stub.logprobs and "logprobs" in body:
        logprobs = (
            {"content": [{"token": "x", "logprob": v} for v in LOGPROBS]}
            if chat
            else {"tokens": ["x"] * 3, "token_logprobs": LOGPROBS}
        )
    choice = {"index": 0, "finish_reason": "stop", "logprobs": logprobs}
    choice.update({"message": {"role": "assistant", "content": text}} if chat else {"text": text})
    choice.update(stub.choice_patch)
    reply = {"choices": [choice], "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": 7}}
    return {**reply, **stub.patch}


def _handler(stub: Stub):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _reply(self, status: int, data: dict, headers: dict | None = None) -> None:
            path = self.path
            if status == 200 and stub.pad.get(path):
                data = {**data, "padding": "x" * stub.pad[path]}
            raw = json.dumps(data).encode()
            lines = [
                f"{self.protocol_version} {status} {HTTPStatus(status).phrase}",
                "Content-Type: application/json",
            ]
            lines += [f"{key}: {value}" for key, value in (headers or {}).items()]
            if stub.send_length:
                lines.append(f"Content-Length: {len(raw)}")
            message = ("\r\n".join(lines) + "\r\n\r\n").encode() + raw
            self.close_connection = True
            if path in stub.endless_headers:
                return self._endless_headers(stub.endless_headers[path])
            pause = stub.drip.get(path)
            if not pause:
                self.wfile.write(message)
                return
            for i in range(len(message)):  # status line, headers and body, a byte at a time
                self.wfile.write(message[i : i + 1])
                time.sleep(pause)

        def _endless_headers(self, seconds: float) -> None:
            """A status line, then a header a byte at a time that never ends; hang up after `seconds`."""
            self.wfile.write(f"{self.protocol_version} 200 OK\r\nX-Slow: ".encode())
            until = time.monotonic() + seconds
            while time.monotonic() < until:
                self.wfile.write(b"a")
                time.sleep(0.02)

        def do_GET(self) -> None:
            stub.requests.append({"path": self.path})
            if self.path != "/v1/models":
                return self._reply(404, {"error": {"message": "no such route"}})
            if stub.on_listing is not None:
                stub.on_listing()
            if stub.listing_status != 200:
                return self._reply(stub.listing_status, {"error": {"message": "listing failed"}})
            owner = {"owned_by": stub.owned_by} if stub.owned_by else {}
            listed = [{"id": m, "object": "model", **owner} for m in stub.models]
            self._reply(200, {"object": "list", "data": listed})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with stub.lock:
                stub.requests.append({"path": self.path, "body": body})
                stub.headers.append(dict(self.headers))
                n = len(stub.generations())
                stub.in_flight += 1
                stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                failure = stub.failures.pop(0) if stub.failures else None
            try:
                time.sleep(stub.delay)
                self._answer(body, n, failure)
            finally:
                with stub.lock:
                    stub.in_flight -= 1

        def _answer(self, body: dict, n: int, failure: int | None) -> None:
            if stub.api_key and self.headers.get("Authorization") != f"Bearer {stub.api_key}":
                return self._reply(401, {"error": {"message": "invalid api key"}})
            if failure is not None:
                return self._reply(failure, {"error": {"message": f"busy ({failure})"}}, {"Retry-After": "0"})
            if self.path not in ("/v1/completions", "/v1/chat/completions"):
                return self._reply(404, {"error": {"message": "no such route"}})
            if body.get("model") not in stub.models:
                return self._reply(
                    404, {"error": {"message": f"The model `{body.get('model')}` does not exist."}}
                )
            if (stub.refuse_after is not None and n > stub.refuse_after) or (
                stub.refuse_schema and "response_format" in body
            ):
                return self._reply(
                    400, {"error": {"message": "json_schema: unsupported keyword\nmore lines"}}
                )
            try:
                check_shape(self.path, body, stub)
                reply = answer(self.path, body, stub)
            except (AssertionError, KeyError, TypeError) as exc:
                return self._reply(422, {"detail": f"bad request shape: {exc!r}"})
            self._reply(200, reply)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """Quiet: a client that gave up (a timeout test) closes the socket before the answer is written."""


def start(stub: Stub) -> tuple[ThreadingHTTPServer, Stub]:
    server = _Server(("127.0.0.1", 0), _handler(stub))
    threading.Thread(target=server.serve_forever, name="openai-stub", daemon=True).start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    return server, stub
