"""The identifier gate's warning for the app (medui.backend.service.identifiers): kinds found, in Italian."""

from __future__ import annotations

from medui.backend.service import identifiers
from medui.backend.service.identifiers import identifier_kinds, identifier_warning


def test_warning_lists_each_kind_once_in_order():
    text = "CF RSS MRA 80A01 H501U, cell. 339/1234567, tel. +39 (06) 12345678."
    assert identifier_kinds([text]) == ["codice_fiscale", "telefono"]
    assert identifier_warning(text) == "Possibili identificativi: codice fiscale, numero di telefono"


def test_no_warning_on_clinical_text():
    assert identifier_warning("Terapia per via orale 3 volte al giorno; PA 130/80.") == ""
    assert identifier_warning([]) == ""


def test_records_of_an_upload_and_the_scan_limit(monkeypatch):
    records = ["Febbre da tre giorni.", "nosologico 2023/000123", "mario.rossi[at]gmail.com"]
    assert identifier_warning(records) == (
        "Possibili identificativi: numero di cartella o ricovero, indirizzo e-mail"
    )
    monkeypatch.setattr(identifiers, "MAX_SCANNED_CHARS", 50)
    assert identifier_kinds(records) == ["cartella"]  # the e-mail lies past the limit
