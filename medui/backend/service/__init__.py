"""The plain functions the app's pages and its named API endpoints call (see the submodules).

Every action takes the requesting user's name (None when the app runs without accounts) and checks its role on
the server, so a call through the API gets the same checks as a click in a page.
"""

from __future__ import annotations

from medui.backend.service.catalog import adapter_detail, load_model, model_rows, process_memory, unload_model
from medui.backend.service.core import (
    MODEL_LOCK,
    add_user,
    allowed,
    default_model,
    identity,
    login,
    model_choices,
    model_strategy,
    opening_task,
    pick_model,
    remember_task,
    strategy_choices,
    task_choices,
    task_splits,
    users_configured,
)
from medui.backend.service.corrections import (
    correction_item,
    correction_queue,
    parse_record,
    recent_corrections,
    save_correction,
)
from medui.backend.service.evaluations import (
    compare_runs,
    get_run,
    list_runs,
    run_metrics,
    run_records,
    shipped_study_table,
    start_evaluation,
    study_table,
)
from medui.backend.service.identifiers import (
    app_notice,
    check_inputs,
    identifier_kinds,
    identifier_warning,
    served_host,
)
from medui.backend.service.running import RunUpdate, run_stream, run_task, send_to_queue
from medui.backend.service.team import (
    agreement_report,
    assign_to_annotators,
    assignment_overview,
    document_versions,
    pending_documents,
    save_adjudication,
    team_filters,
)
from medui.backend.service.training import (
    DATA_SOURCES,
    before_after,
    cancel_training,
    corrections_for_training,
    job_status,
    list_jobs,
    start_training,
)

__all__ = [
    "DATA_SOURCES", "MODEL_LOCK", "RunUpdate", "adapter_detail", "add_user", "agreement_report", "allowed", "assign_to_annotators", "assignment_overview", "app_notice",
    "before_after", "cancel_training", "check_inputs", "compare_runs", "correction_item", "correction_queue", "corrections_for_training", "default_model",
    "document_versions", "get_run", "identifier_kinds", "identifier_warning", "identity",
    "job_status", "list_jobs", "list_runs",
    "load_model", "login", "model_choices", "model_rows", "model_strategy", "opening_task", "parse_record",
    "pending_documents", "pick_model", "process_memory", "recent_corrections", "remember_task", "run_metrics",
    "run_records", "run_stream", "run_task", "save_adjudication", "save_correction", "send_to_queue", "served_host",
    "start_evaluation", "start_training", "strategy_choices", "shipped_study_table", "study_table", "task_choices", "task_splits",
    "team_filters", "unload_model", "users_configured",
]  # fmt: skip
