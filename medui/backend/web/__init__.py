"""The web layer: the request guard (guard.py: Host, Origin, frames, body limits), logins (login.py: back-off,
sessions), the upload folder's files (files.py), uploads (uploads.py), documents read in a bounded worker
(documents.py), and the Gradio App the server starts (server.py)."""
