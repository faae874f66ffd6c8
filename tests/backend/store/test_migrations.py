"""Migrations: an older database upgrades in place and keeps its rows; the head matches the tables."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel, select

from medui.backend.store import db
from medui.backend.store.tables import Document, Prediction, Run, TrainingJob

FIRST = "0001_initial"


def _insert_v1_rows(engine) -> None:
    """Rows written by the first schema (no prediction confidence), in plain SQL."""
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO documents (task, split, record_id, source, text, hash, gold, created_at) "
                "VALUES ('e3c_events', 'test', 'r1', '', 'Febbre.', 'h1', :gold, :now)"
            ),
            {"gold": '{"id": "r1", "text": "Febbre.", "entities": []}', "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO runs (task, split, model, strategy, shots, seed, spec_version, prompt_version, "
                "parameters, metrics, started_at, status) VALUES ('e3c_events', 'test', 'gemma-3-270m', "
                "'cd', 0, 0, 1, 'ner.v1', '{}', '{\"f1\": 0.5}', :now, 'succeeded')"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO predictions (run_id, document_id, record, raw_output, valid, prompt_hash, "
                "created_at) VALUES (1, 1, '{\"id\": \"r1\", \"entities\": []}', '{}', :valid, 'p', :now)"
            ),
            {"valid": True, "now": now},
        )


def test_old_database_upgrades_in_place_and_keeps_its_rows(db_url):
    engine = db.make_engine(db_url)
    db.upgrade(engine, FIRST)
    assert db.current_revision(engine) == FIRST
    assert "confidence" not in {c["name"] for c in inspect(engine).get_columns("predictions")}
    _insert_v1_rows(engine)
    engine.dispose()

    engine = db.init_db(db_url)
    assert db.current_revision(engine) == db.head_revision() != FIRST
    with Session(engine) as session:
        prediction = session.exec(select(Prediction)).one()
        assert prediction.confidence is None and prediction.record == {"id": "r1", "entities": []}
        assert session.exec(select(Run)).one().metrics == {"f1": 0.5}
        assert session.exec(select(Document)).one().gold["text"] == "Febbre."
        prediction.confidence = 0.25
        session.commit()
    engine.dispose()


def test_head_schema_matches_the_tables(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_downgrade_to_first_and_back(db_url):
    from alembic import command

    engine = db.init_db(db_url)
    command.downgrade(db.alembic_config(engine=engine), FIRST)
    assert "confidence" not in {c["name"] for c in inspect(engine).get_columns("predictions")}
    db.upgrade(engine)
    assert "confidence" in {c["name"] for c in inspect(engine).get_columns("predictions")}
    engine.dispose()


def test_run_progress_moves_from_parameters_to_columns(db_url):
    engine = db.make_engine(db_url)
    db.upgrade(engine, "0002_prediction_confidence")
    with engine.begin() as conn:
        for params, metrics, status in [
            ('{"source": "app", "progress": [3, 10], "pid": 4242}', "{}", "running"),
            ('{"source": "app", "progress": [0, 5], "pid": 1}', '{"error": "boom"}', "failed"),
        ]:
            conn.execute(
                text(
                    "INSERT INTO runs (task, model, strategy, shots, seed, spec_version, prompt_version, "
                    "parameters, metrics, started_at, status) VALUES ('e3c_events', 'm', 'cd', 0, 0, 1, 'v1', "
                    ":params, :metrics, :now, :status)"
                ),
                {
                    "params": params,
                    "metrics": metrics,
                    "now": datetime(2024, 5, 1, tzinfo=UTC),
                    "status": status,
                },
            )
    engine.dispose()
    engine = db.init_db(db_url)
    with Session(engine) as session:
        running, failed = session.exec(select(Run).order_by(Run.id)).all()
        assert (running.done, running.total, running.pid, running.error) == (3, 10, 4242, None)
        assert running.parameters == {"source": "app"}
        assert (failed.error, failed.metrics, failed.parameters) == ("boom", {}, {"source": "app"})
    engine.dispose()


def _insert_v3_corrections(engine) -> None:
    """Two documents corrected under 0003 (one chain per document, whoever corrected): anna, bruno, anna on the
    first, bruno on the second."""
    now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    record = '{"id": "r%d", "text": "Febbre.", "entities": []}'
    with engine.begin() as conn:
        for i in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO documents (task, split, record_id, source, text, hash, gold, created_at) "
                    "VALUES ('e3c_events', 'test', :rid, '', 'Febbre.', :hash, NULL, :now)"
                ),
                {"rid": f"r{i}", "hash": f"h{i}", "now": now},
            )
        for doc, annotator, supersedes in [
            (1, "anna", None),
            (1, "bruno", 1),
            (1, "anna", 2),
            (2, "bruno", None),
        ]:
            conn.execute(
                text(
                    "INSERT INTO corrections (document_id, task, record, annotator, note, kind, created_at, "
                    "supersedes_id) VALUES (:doc, 'e3c_events', :record, :annotator, :note, 'edit', :now, :sup)"
                ),
                {"doc": doc, "record": record % doc, "annotator": annotator, "note": f"{annotator} {doc}",
                 "now": now, "sup": supersedes},
            )  # fmt: skip


def _chains(engine) -> list[tuple]:
    with engine.connect() as conn:
        query = "SELECT id, document_id, annotator, note, supersedes_id FROM corrections ORDER BY id"
        return [tuple(row) for row in conn.execute(text(query))]


def test_existing_corrections_become_their_authors_chains_and_back(db_url):
    from alembic import command

    engine = db.make_engine(db_url)
    db.upgrade(engine, "0003_run_progress")
    _insert_v3_corrections(engine)
    engine.dispose()

    engine = db.init_db(db_url)
    assert db.current_revision(engine) == db.head_revision()
    assert _chains(engine) == [
        (1, 1, "anna", "anna 1", None), (2, 1, "bruno", "bruno 1", None), (3, 1, "anna", "anna 1", 1),
        (4, 2, "bruno", "bruno 2", None),
    ]  # fmt: skip
    assert {"assignments", "adjudications"} <= set(inspect(engine).get_table_names())
    with Session(engine) as session:
        from medui.backend.store.corrections import annotator_versions

        assert {n: c.id for n, c in annotator_versions(1, session=session).items()} == {"anna": 3, "bruno": 2}
    command.downgrade(db.alembic_config(engine=engine), "0003_run_progress")
    assert [row[-1] for row in _chains(engine)] == [None, 1, 2, None]  # one chain per document again
    assert "assignments" not in inspect(engine).get_table_names()
    engine.dispose()


def test_training_jobs_gain_a_time_left_and_lose_it_on_downgrade(db_url):
    from alembic import command

    engine = db.make_engine(db_url)
    db.upgrade(engine, "0005_user_last_task")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO training_jobs (name, tasks, objective, data_source, params, status, progress, "
                "loss_curve, log, cancel_requested, created_at) VALUES ('old', '[\"medqa_it\"]', 'sft', 'gold', "
                "'{}', 'running', 0.5, '[[1, 2.0]]', '', :no, :now)"
            ),
            {"no": False, "now": datetime(2026, 12, 1, tzinfo=UTC)},
        )
    engine.dispose()
    engine = db.init_db(db_url)
    with Session(engine) as session:
        job = session.exec(select(TrainingJob)).one()
        assert (job.name, job.progress, job.loss_curve, job.eta_seconds) == ("old", 0.5, [[1, 2.0]], None)
    command.downgrade(db.alembic_config(engine=engine), "0005_user_last_task")
    assert "eta_seconds" not in {c["name"] for c in inspect(engine).get_columns("training_jobs")}
    engine.dispose()
