"""Where the text of a run goes (medui.backend.inference.destination): loopback or remote, the notice, and the gate."""

from __future__ import annotations

import pytest

from medui.backend.inference import destination
from medui.backend.inference.destination import (
    NOTICE_LOCAL,
    IdentifiersRefused,
    gate_record,
    is_local_url,
    notice,
    remote_host,
    url_host,
)
from medui.config import get_settings

NOTE = "Il sig. Mario Rossi, CF RSSMRA80A01H501U, tel. 339/1234567: dolore toracico, PCR 12 mg/l."


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/v1",
        "http://LOCALHOST/v1",
        "http://127.0.0.1:8000/v1",
        "https://127.9.8.7/v1",
        "http://[::1]:8000/v1",
        "http://[::ffff:127.0.0.1]:8000/v1",
        "http://user:secret@localhost:8000/v1",
    ],
)
def test_loopback_servers_are_on_this_machine(url):
    assert is_local_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://gpu.example.org:8000/v1",
        "http://10.0.0.5:8000/v1",
        "http://192.168.1.20/v1",
        "http://0.0.0.0:8000/v1",  # not a loopback address: asked, as anything else
        "http://localhost.example.org/v1",
        "http://127.0.0.1.nip.io/v1",
        "http://[2001:db8::1]/v1",
        "not a url",
        "",
    ],
)
def test_every_other_server_is_remote(url):
    assert not is_local_url(url)


def test_the_host_is_named_without_credentials_or_path():
    assert url_host("https://alice:s3cret@gpu.example.org:8443/v1?key=abc") == "gpu.example.org:8443"
    assert url_host("http://[2001:db8::1]/v1") == "[2001:db8::1]"


def test_the_notice_says_where_the_text_goes():
    assert notice(None) == notice("http://127.0.0.1:8000/v1") == NOTICE_LOCAL
    remote = notice("https://alice:s3cret@gpu.example.org:8443/v1")
    assert "gpu.example.org:8443" in remote and "tutto gira su questa macchina" not in remote
    assert "s3cret" not in remote and "alice" not in remote and "/v1" not in remote


def test_only_served_models_on_a_remote_server_send_text_away(medui_home, monkeypatch):
    assert remote_host("openai:qwen") is None  # no server: nothing is sent (loading refuses it)
    monkeypatch.setenv("MEDUI_OPENAI_BASE_URL", "http://gpu.example.org:8000/v1")
    get_settings.cache_clear()
    assert remote_host("openai:qwen") == remote_host(" openai-chat:qwen") == "gpu.example.org:8000"
    assert remote_host("gemma-3-270m") is None
    assert remote_host("openai:qwen", "http://127.0.0.1:9/v1") is None  # --base-url wins
    monkeypatch.setenv("MEDUI_MODEL", "openai:qwen")
    get_settings.cache_clear()
    assert remote_host("") == "gpu.example.org:8000"  # the default model, when it is a served one


def test_the_gate_refuses_identifiers_bound_for_a_remote_server():
    with pytest.raises(IdentifiersRefused) as refused:
        gate_record({"id": "a", "text": NOTE}, "gpu.example.org")
    assert "gpu.example.org" in refused.value.italian and "codice fiscale" in refused.value.italian
    assert "--mask-identifiers" in str(refused.value) and "\n" not in str(refused.value)
    messages = str(refused.value) + refused.value.italian
    assert "RSSMRA80A01H501U" not in messages and "339/1234567" not in messages  # kinds only, no values


def test_the_gate_masks_or_sends_when_asked_and_warns_locally():
    record = {"id": "a", "text": NOTE}
    masked = gate_record(record, "gpu.example.org", mask_identifiers=True)
    text = masked.record["text"]
    assert masked.masked and len(text) == len(NOTE) and masked.left == [] and masked.record["id"] == "a"
    assert "Rossi" not in text and "339" not in text and "PCR 12 mg/l" in text
    assert masked.kinds == ["nome", "codice_fiscale", "telefono"] and record["text"] == NOTE  # not changed
    sent = gate_record(record, "gpu.example.org", confirm=True)
    assert sent.record == record and sent.left == ["nome", "codice_fiscale", "telefono"]
    local = gate_record(record, None)
    assert local.record == record and not local.masked and local.left == sent.left
    clean = {"id": "b", "text": "Dolore toracico, PCR 12 mg/l, terapia per via orale."}
    assert gate_record(clean, "gpu.example.org").record == clean


def test_every_string_of_a_question_record_is_scanned_and_masked():
    record = {
        "id": "q",
        "question": "La sig.ra Bianchi (tel. 339/1234567) ha febbre: quale farmaco?",
        "options": {"A": "Paracetamolo", "B": "Scrivere a anna.bianchi@example.it"},
    }
    with pytest.raises(IdentifiersRefused, match="telefono.*email|email.*telefono"):
        gate_record(record, "gpu.example.org")
    masked = gate_record(record, "gpu.example.org", mask_identifiers=True).record
    assert "339" not in masked["question"] and "bianchi@" not in masked["options"]["B"]
    assert masked["options"]["A"] == "Paracetamolo" and len(masked["question"]) == len(record["question"])


def test_the_classification_is_what_the_gate_reads(monkeypatch):
    monkeypatch.setattr(destination, "is_local_url", lambda url: False)
    assert remote_host("openai:qwen", "http://127.0.0.1:8000/v1") == "127.0.0.1:8000"
