"""Gradio's own strings (upload area, footer, tables, queue messages) in Italian, whatever the browser's language.

Gradio translates its built-in strings by the browser's language, ships no Italian, and falls back to English;
`gr.I18n` adds app translations but cannot override a built-in key given as a nested dictionary (Gradio loads
its own dictionaries after the app's). A flat key ("upload_text.drop_file") is looked up before the nested ones,
so the same Italian strings, given under every language Gradio ships, win for every browser.
"""

from __future__ import annotations

import gradio as gr

GRADIO_LOCALES = (  # the languages of Gradio 6's frontend (assets/lang/*.json), and "it" should it ship one
    "ar", "ca", "ckb", "de", "en", "es", "et", "eu", "fa", "fi", "fr", "he", "hi", "id", "it", "ja", "ko", "lt",
    "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sv", "ta", "th", "tr", "uk", "ur", "uz", "zh-CN", "zh-TW",
)  # fmt: skip

GRADIO_STRINGS = {  # the built-in strings the pages can show (their keys in Gradio's en.json)
    "upload_text.click_to_upload": "Clicca per caricare",
    "upload_text.drop_file": "Trascina qui il file",
    "upload_text.drop_csv": "Trascina qui il CSV",
    "upload_text.paste_clipboard": "Incolla dagli appunti",
    "file.uploading": "Caricamento in corso...",
    "common.or": "oppure",
    "common.clear": "Cancella",
    "common.remove": "Rimuovi",
    "common.download": "Scarica",
    "common.download_all": "Scarica tutto",
    "common.edit": "Modifica",
    "common.undo": "Annulla",
    "common.empty": "Vuoto",
    "common.error": "Errore",
    "common.loading": "Caricamento",
    "common.settings": "Impostazioni",
    "common.built_with_gradio": "Creato con Gradio",
    "errors.use_via_api": "Usa tramite API",
    "errors.use_via_api_or_mcp": "Usa tramite API o MCP",
    "status.queue_position": "In coda: {position} di {size}",
    "blocks.lost_connection": "Connessione persa uscendo dalla pagina. Rientro in coda...",
    "blocks.waiting_for_inputs": "Attendi che i file finiscano di caricarsi, poi riprova.",
    "blocks.connection_can_break": (
        "Su un telefono la connessione può cadere se la scheda non è in primo piano o lo schermo si spegne: "
        "il posto in coda andrebbe perso."
    ),
    "blocks.long_requests_queue": "C'è una lunga coda di richieste in attesa.",
    "dataframe.incorrect_format": "Formato non valido: si accettano solo file CSV e TSV",
    "dataframe.new_column": "Aggiungi colonna",
    "dataframe.new_row": "Nuova riga",
    "dataframe.add_row_above": "Aggiungi riga sopra",
    "dataframe.add_row_below": "Aggiungi riga sotto",
    "dataframe.delete_row": "Elimina riga",
    "dataframe.delete_column": "Elimina colonna",
    "dataframe.add_column_left": "Aggiungi colonna a sinistra",
    "dataframe.add_column_right": "Aggiungi colonna a destra",
    "dataframe.sort_column": "Ordina colonna",
    "dataframe.sort_ascending": "Ordine crescente",
    "dataframe.sort_descending": "Ordine decrescente",
    "dataframe.clear_sort": "Togli ordinamento",
    "dataframe.filter": "Filtra",
    "dataframe.clear_filter": "Togli filtri",
    "dataframe.drop_to_upload": "Trascina qui un file CSV o TSV per importarne i dati nella tabella",
    "dataframe.import_empty_file": "Il file trascinato è vuoto.",
    "dataframe.import_no_column_names": "Il file trascinato non ha nomi di colonna.",
    "dataframe.import_ragged_row": "La riga {line} del file ha {fields} campi, l'intestazione {columns}.",
    "dataframe.import_static_columns": "Non si può importare in una tabella con colonne di sola lettura.",
    "dataframe.import_fixed_columns": "Questa tabella ha esattamente {expected} colonne, il file {actual}.",
    "dataframe.import_fixed_rows": "Questa tabella ha esattamente {expected} righe, il file {actual}.",
    "dropdown.dropdown": "Menu a tendina",
    "highlighted_text.highlighted_text": "Testo evidenziato",
    "number.number": "Numero",
    "plot.plot": "Grafico",
    "radio.radio": "Scelta",
    "checkbox.checkbox_group": "Gruppo di caselle",
    "login.login": "Accedi",  # Gradio's own login form, should it ever show (medui serves its own: web/login_page.py)
    "login.username": "Nome utente",
    "login.password": "Password",
    "login.incorrect_credentials": "Credenziali non valide",
}


def gradio_italian() -> gr.I18n:
    """The launch's `i18n`: Gradio's own strings in Italian for a browser in any language."""
    return gr.I18n(**dict.fromkeys(GRADIO_LOCALES, GRADIO_STRINGS))
