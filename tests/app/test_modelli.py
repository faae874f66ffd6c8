"""Modelli's adapter view without a server (issue 24: the shipped adapter's score table was empty, its model card
not shown): the page's functions called directly on the shipped gemma-3-270m-ft (its card, its scores from the
study shipped with medui, checked against study.csv) and on an adapter trained here (its stored scores, its own
card or the line saying it has none)."""

from __future__ import annotations

import csv
import json

import pytest

from medui.backend import service
from medui.backend.data.inputs import InputError
from medui.backend.service.evaluations import SHIPPED_STUDY
from medui.config import SHIPPED_MODELS_DIR, get_settings
from medui.pages import common
from medui.pages.modelli import NO_CARD, PENDING, adapter_scores, adapter_view, opening_adapter

SHIPPED = "gemma-3-270m-ft"
PAIRED = common.SCORE_HEADERS.index("adattatore - riferimento [IC 95%]")
COLUMN = {name: i for i, name in enumerate(common.SCORE_HEADERS)}

pytestmark = pytest.mark.skipif(
    not (SHIPPED_MODELS_DIR / SHIPPED / "README.md").is_file() or not (SHIPPED_STUDY / "runs").is_dir(),
    reason="this checkout does not ship the fine-tuned adapter and its study",
)


def study_row(model: str, strategy: str) -> dict[str, float]:
    with (SHIPPED_STUDY / "study.csv").open(encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if (r["model"], r["strategy"]) == (model, strategy))
    return {
        k: float(v) for k, v in row.items() if k not in ("model", "strategy") and not k.startswith("average")
    }


def test_the_shipped_adapter_shows_its_card_and_the_studys_scores_at_once(medui_home):
    card, rows, note, lineage = adapter_view(SHIPPED)
    assert card == (SHIPPED_MODELS_DIR / SHIPPED / "README.md").read_text(encoding="utf-8")
    assert card.startswith(f"# {SHIPPED}\n") and "## Training data" in card
    assert lineage["base"] == "gemma-3-270m" and lineage["objective"] == "sft"
    adapter, base_cd, base_fewshot = (
        study_row(SHIPPED, "cd"),
        study_row("gemma-3-270m", "cd"),
        study_row("gemma-3-270m", "few-shot+cd"),
    )
    assert len(rows) == len(adapter) == 20  # every task of the study, none empty
    for row in rows:
        task = row[COLUMN["compito"]]
        assert row[COLUMN["adattatore cd"]] == pytest.approx(adapter[task], abs=0.051)
        assert row[COLUMN["base cd"]] == pytest.approx(base_cd[task], abs=0.051)
        assert row[COLUMN["base few-shot+cd"]] == pytest.approx(base_fewshot[task], abs=0.051)
        assert row[COLUMN["record"]] in range(27, 51) and row[PAIRED] == ""  # intervals come next
    by_task = {r[COLUMN["compito"]]: r for r in rows}
    assert (
        by_task["e3c_actors"][COLUMN["record"]] == 50 and by_task["clinical_case_crf"][COLUMN["record"]] == 27
    )
    assert "studio incluso in medui" in note and note.endswith(PENDING)


def test_the_shipped_adapters_paired_intervals_follow(medui_home):
    rows, note = adapter_scores(SHIPPED)
    assert PENDING not in note and "few-shot+cd" in note
    for row in rows:
        paired = row[PAIRED]
        assert paired.endswith("vs base few-shot+cd") or paired.endswith(
            "vs base few-shot+cd (non significativa)"
        )
        difference = float(paired.split(" ")[0])
        low, high = (float(x) for x in paired.split("[")[1].split("]")[0].split(", "))
        assert low <= difference <= high
        expected = row[COLUMN["adattatore cd"]] - row[COLUMN["base few-shot+cd"]]
        assert difference == pytest.approx(expected, abs=0.11)  # both sides on the same records
        assert ("non significativa" in paired) == (low <= 0 <= high)
    by_task = {r[COLUMN["compito"]]: r[PAIRED] for r in rows}
    assert by_task["e3c_events"].startswith("+42.3 [") and "non significativa" not in by_task["e3c_events"]
    assert by_task["ed_syncope_crf"].startswith("-1.8 [") and "non significativa" in by_task["ed_syncope_crf"]


def trained_adapter(name: str, card: str | None, scored: bool = True) -> None:
    """An adapter folder in the adapters directory and its variant registered (with stored scores: `scored`)."""
    from medui.backend.store.db import session_scope
    from medui.backend.store.tables import ModelVariant

    folder = get_settings().adapters_dir / name
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "gemma-3-270m"}))
    (folder / "medui.json").write_text(json.dumps({"base": "gemma-3-270m", "objective": "sft"}))
    if card is not None:
        (folder / "README.md").write_text(card, encoding="utf-8")
    metrics = {"primary": "accuracy", "n": 12}
    scores = {
        "limit": 12,
        "tasks": {
            "medqa_it": {
                "adapter": {"cd": {**metrics, "accuracy": 0.5}},
                "base": {"cd": {**metrics, "accuracy": 0.25}, "few-shot+cd": {**metrics, "accuracy": 0.3}},
                "paired": {"difference": 0.2, "interval": [-0.1, 0.5], "significant": False, "against": "base few-shot+cd"},
            }
        },
    }  # fmt: skip
    with session_scope() as session:
        session.add(ModelVariant(name=name, base="gemma-3-270m", path=str(folder), lineage={"base": "gemma-3-270m"}, scores=scores if scored else {}))  # fmt: skip


def test_an_adapter_trained_here_shows_its_stored_scores_and_its_own_card(medui_home):
    trained_adapter("mio-adattatore", "# mio-adattatore\n\nAddestrato su **medqa_it**.\n")
    card, rows, note, lineage = adapter_view("mio-adattatore")
    assert card.startswith("# mio-adattatore") and lineage == {"base": "gemma-3-270m"}
    assert rows == [["medqa_it", 12, 25.0, 30.0, None, 50.0, "+20.0 [-10.0, +50.0] vs base few-shot+cd (non significativa)"]]  # fmt: skip
    assert "al più 12 record" in note and PENDING not in note  # stored with its intervals
    assert adapter_scores("mio-adattatore") == (rows, note)


def test_an_adapter_without_a_card_or_scores_says_so(medui_home):
    trained_adapter("senza-scheda", None, scored=False)
    card, rows, note, _ = adapter_view("senza-scheda")
    assert card == NO_CARD and rows == [] and "Nessun punteggio" in note and "Confronta" in note


def test_a_name_that_is_not_an_adapter_is_refused_in_italian(medui_home):
    with pytest.raises(InputError, match="non è un adattatore"):
        service.adapter_detail("gemma-3-270m")
    assert adapter_view(None) == ("", [], "", None)


def test_the_page_opens_on_the_default_adapter_else_the_first(medui_home, monkeypatch):
    assert opening_adapter([]) is None
    monkeypatch.setattr(service, "default_model", lambda: SHIPPED)
    assert opening_adapter(["altro", SHIPPED]) == SHIPPED
    monkeypatch.setattr(service, "default_model", lambda: "gemma-3-270m")
    assert opening_adapter(["altro", SHIPPED]) == "altro"
