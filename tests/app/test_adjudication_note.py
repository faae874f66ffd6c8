"""Accordo through the page's own events (gradio_client, as the page calls them): the curator's note belongs to
one adjudication; the next document opens with an empty note and its adjudication stores none (issue 24)."""

from __future__ import annotations

import sqlite3

from gradio_client import Client

from tests.app.conftest import add_account, versions_of

TASK = "e3c_clinical_entities"
DOCUMENTS = {  # text -> the other annotator's second span
    "Astenia e calo ponderale recente.": (10, 24),  # calo ponderale
    "Prurito diffuso e ittero lieve.": (18, 30),  # ittero lieve
}
NOTE = "Preso il calo ponderale: lo dice la lettera di dimissione."


def adjudication_notes(database, document_ids: list[int]) -> list[str | None]:
    with sqlite3.connect(database) as conn:
        return [
            conn.execute("select note from adjudications where document_id = ?", (doc,)).fetchone()[0]
            for doc in document_ids
        ]


def test_the_note_of_one_adjudication_is_not_carried_to_the_next_document(app_server):
    anna = Client(app_server.url, auth=app_server.auth("anna"), verbose=False)
    bruno = Client(app_server.url, auth=add_account(app_server, "bruno-nota", "annotator"), verbose=False)
    docs = [versions_of(anna, bruno, text, ([(0, 7)], [(0, 7), span])) for text, span in DOCUMENTS.items()]
    cura = Client(app_server.url, auth=add_account(app_server, "cura-nota", "curator"), verbose=False)

    *_, note_shown, _ = cura.predict(docs[0], api_name="/accordo_apri")
    assert note_shown == ""
    cura.predict("take:bruno-nota", [], NOTE, TASK, "", api_name="/accordo_salva")  # the curator wrote a note

    *_, note_shown, _ = cura.predict(docs[1], api_name="/accordo_apri")  # the next document
    assert note_shown == ""  # the field the page shows is empty again
    cura.predict("take:anna", [], note_shown, TASK, "", api_name="/accordo_salva")  # saved as shown
    assert adjudication_notes(app_server.database, docs) == [NOTE, None]
