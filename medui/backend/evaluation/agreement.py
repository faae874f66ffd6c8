"""Agreement of a task's annotators, read from the store: each annotator's version of each document (their
newest correction) through medui.tasks.versions.measure, the mean over annotator pairs, and each annotator
against the model predictions they started from.

`team_agreement` returns measure's report (`pairs`, `kappa`, see medui/tasks/versions.py) plus:
- `mean_pairwise`: each figure of the pairs (strict/lenient/relation F1, unitizing alpha, kappa, agreement)
  averaged over the human pairs, weighted by their documents;
- `vs_model`: per annotator, their versions against the prediction each correction was made from (corrections
  made by hand or imported have none and are left out), with the kind's pair figures (`a` the model);
- with `run_id`, that run's predictions join as one more annotator, named `run:<id>`, in the pairs.
With `keep`, only the versions it accepts count (an annotator's view: medui/backend/store/blind.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlmodel import Session, col, select

from medui.backend.store.corrections import latest_corrections
from medui.backend.store.repo import NotFound, StoreError, rows_in
from medui.backend.store.tables import Correction, Prediction, Run
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec
from medui.tasks.versions import measure

FIGURES = ("strict_f1", "lenient_f1", "unitizing_alpha", "relation_f1", "kappa", "agreement", "token_f1")
MODEL_PREFIX = "run:"


def task_versions(
    task: str, *, session: Session, split: str | None = None, annotators: Sequence[str] | None = None
) -> dict[str, dict[str, Correction]]:
    """annotator -> document id (as text) -> that annotator's version, for the annotators named (or all)."""
    out: dict[str, dict[str, Correction]] = {}
    for corr in latest_corrections(task, session=session, split=split):
        if annotators is None or corr.annotator in annotators:
            out.setdefault(corr.annotator, {})[str(corr.document_id)] = corr
    return out


def run_versions(run_id: int, documents: set[str], *, session: Session, task: str) -> dict[str, dict]:
    """A run's newest prediction of each of the documents: document id (as text) -> record."""
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound(f"run {run_id} does not exist")
    if run.task != task:
        raise StoreError(f"run {run_id} is a run of {run.task}, not {task}")
    query = select(Prediction).where(Prediction.run_id == run_id).order_by(col(Prediction.id))
    return {str(p.document_id): p.record for p in session.exec(query) if str(p.document_id) in documents}


def mean_pairwise(pairs: list[dict]) -> dict:
    """Each figure of the pairs averaged over them, weighted by their documents (figures a pair lacks or has as
    None are left out of that figure's mean)."""
    out: dict = {}
    for key in FIGURES:
        weighted = [(p[key], p["documents"]) for p in pairs if isinstance(p.get(key), int | float)]
        total = sum(n for _, n in weighted)
        if total:
            out[key] = sum(value * n for value, n in weighted) / total
    return {**out, "pairs": len(pairs)} if pairs else {}


def versus_model(
    spec: TaskSpec, versions: dict[str, dict[str, Correction]], *, session: Session
) -> list[dict]:
    """Per annotator, their versions against the predictions they corrected (`a`: the model)."""
    kind, out = kind_for(spec), []
    for name, by_doc in sorted(versions.items()):
        made = [c for _, c in sorted(by_doc.items()) if c.prediction_id is not None]
        made_from = [c.prediction_id for c in made]
        preds = {p.id: p for p in rows_in(select(Prediction), Prediction.id, made_from, session=session)}
        pairs = [(preds[c.prediction_id].record, c.record) for c in made if c.prediction_id in preds]
        if pairs:
            figures = kind.agreement_pair(spec, [p for p, _ in pairs], [r for _, r in pairs])
            out.append({"annotator": name, "documents": len(pairs), **figures})
    return out


def team_agreement(
    task: str,
    *,
    session: Session,
    split: str | None = None,
    annotators: Sequence[str] | None = None,
    run_id: int | None = None,
    keep: Callable[[Correction], bool] | None = None,
) -> dict:
    """Agreement between a task's annotators on the documents they both annotated (see the module docstring);
    `keep`: which versions count (all when None), applied once the annotators named are known to exist."""
    spec = get_spec(task)
    names = list(annotators) if annotators else None
    if names is not None and len(set(names)) != len(names):
        raise StoreError("an annotator is named twice in --annotators")
    versions = task_versions(spec.id, session=session, split=split, annotators=names)
    missing = sorted(set(names or ()) - set(versions))
    if missing:
        raise NotFound(
            f"no version of {spec.id} by {', '.join(missing)}" + (f" in split {split}" if split else "")
        )
    if keep is not None:
        versions = {name: {d: c for d, c in docs.items() if keep(c)} for name, docs in versions.items()}
    records = {name: {d: c.record for d, c in docs.items()} for name, docs in versions.items()}
    humans = sorted(records) if names is None else names
    report = measure(spec, records, humans)  # kappa over the humans only
    mean = mean_pairwise(report["pairs"])
    if run_id is not None:
        documents = {d for docs in records.values() for d in docs}
        model = f"{MODEL_PREFIX}{run_id}"
        with_model = {**records, model: run_versions(run_id, documents, session=session, task=spec.id)}
        pairs = measure(spec, with_model, [model, *humans])["pairs"]
        report["pairs"] += [p for p in pairs if p["a"] == model]
    return {
        **report,
        "split": split,
        "mean_pairwise": mean,
        "vs_model": versus_model(spec, versions, session=session),
    }
