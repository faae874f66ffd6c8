"""The real bundled Gemma-3-270M: a short LoRA job on corrected E3C records lowers the loss and changes outputs."""

from __future__ import annotations

import pytest

from medui.backend.data import gold
from medui.config import REPO_ROOT, get_settings
from medui.tasks.registry import get_spec

pytestmark = pytest.mark.slow
TASK = "e3c_clinical_entities"


def e3c_records() -> dict[str, list[dict]]:
    """The task's shipped train/test records, or the same read from the original corpus with the importer."""
    spec = get_spec(TASK)
    splits = gold.split_counts(spec)
    if {"train", "test"} <= set(splits):
        return {s: gold.load_split(spec, s) for s in ("train", "test")}
    from medui.backend.data.e3c import build_e3c

    e3c = get_settings().shared_data_dir / "e3c"
    if not (e3c / "layer1").is_dir():
        pytest.skip("no E3C data: neither assets/data/e3c_clinical_entities nor ../shared/data/e3c")
    return build_e3c(e3c)[TASK].records


@pytest.fixture
def gemma_home(home):
    """The temporary home with the real converted models linked in and the E3C records as user data."""
    from medui.backend.data.common import write_jsonl
    from medui.backend.inference.models import convert_bundled

    real_models = REPO_ROOT / "db" / "models"
    if (real_models / "gemma-3-270m" / "config.json").exists():
        home.mkdir(parents=True, exist_ok=True)
        (home / "models").symlink_to(real_models)
    else:
        convert_bundled("gemma-3-270m")  # into this temporary home (about 30 s)
    records = e3c_records()
    write_jsonl(home / "data" / TASK / "train.jsonl", records["train"])
    write_jsonl(home / "data" / TASK / "test.jsonl", records["test"])
    return records


def outputs(model: str, records: list[dict]) -> list[str]:
    from medui.backend.inference import models
    from medui.backend.inference.engine import Engine, parse_strategy

    spec = get_spec(TASK)
    engine = Engine(models.load(model), spec, parse_strategy("cd", spec))
    return [p.raw for p in engine.predict(records)]


def test_a_short_lora_job_on_corrections_lowers_the_loss_and_changes_outputs(gemma_home, session):
    from medui.backend.finetune import jobs
    from medui.backend.finetune.store_access import variant_named
    from medui.backend.store.corrections import add_correction
    from medui.backend.store.repo import ensure_documents

    corrected = gemma_home["train"][:16]
    for doc, record in zip(
        ensure_documents(TASK, "train", corrected, session=session), corrected, strict=True
    ):
        add_correction(record, "annotatrice", session=session, document_id=doc.id, note="checked")
    session.commit()
    job = jobs.submit(
        session=session,
        tasks=[TASK],
        name="gemma-e3c",
        model="gemma-3-270m",
        data="corrections",
        max_steps=8,
        eval_limit=2,
        base_fewshot=False,
        device="cpu",
    )
    job = jobs.wait(job.id, session=session, poll_s=2, timeout_s=900)
    assert job.status == "succeeded", job.error or job.log
    variant = variant_named("gemma-e3c", session=session)
    training = variant.lineage["training"]
    assert training["loss_after"] < training["loss_before"]
    assert variant.lineage["data"]["tasks"][TASK]["corrections"] == 16
    assert set(variant.scores["tasks"][TASK]) == {"adapter", "base", "paired"}
    probe = gemma_home["test"][:2]
    assert outputs("gemma-e3c", probe) != outputs("gemma-3-270m", probe)
