"""build_real_assets: the 12 real-data tasks, their dataset cards, and the shipped files equal a fresh build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from medui.backend.data.build import build_real_assets, main
from medui.backend.data.common import read_jsonl
from medui.config import ASSETS_DATA_DIR, get_settings
from medui.tasks.registry import dataset_card, get_spec, split_files

SHARED = get_settings().shared_data_dir
EXPECTED_SPLITS = {
    "e3c_clinical_entities": ["train", "test", "silver"],
    **{
        task: ["train", "test"]
        for task in (
            "e3c_events",
            "e3c_time_expressions",
            "e3c_body_parts",
            "e3c_actors",
            "e3c_measurements",
            "e3c_measurement_links",
            "e3c_temporal_links",
        )
    },
    "casimedicos_arg_components": ["train", "dev", "test"],
    "abstrct_neoplasm_components": ["train", "dev", "test"],
    "abstrct_glaucoma_components": ["test"],
    "abstrct_mixed_components": ["test"],
}
CARD_KEYS = ["task", "source", "url", "licence", "citation", "origin", "splits", "skipped"]
pytestmark = pytest.mark.skipif(
    not all((SHARED / name).is_dir() for name in ("e3c", "casimedicos-arg", "abstrct-it")),
    reason=f"real corpora not found under {SHARED} (shared data folder absent)",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    dest = tmp_path_factory.mktemp("assets")
    return dest, build_real_assets(SHARED, dest)


def card(folder: Path) -> dict:
    return yaml.safe_load((folder / "README.md").read_text(encoding="utf-8").split("---", 2)[1])


def test_summary_names_the_twelve_tasks_and_their_splits(built: tuple[Path, dict]) -> None:
    dest, summary = built
    assert sorted(summary) == sorted(EXPECTED_SPLITS)
    for task, splits in EXPECTED_SPLITS.items():
        assert list(summary[task]["splits"]) == splits
        assert sorted(p.stem for p in (dest / task).glob("*.jsonl")) == sorted(splits)
        for split, count in summary[task]["splits"].items():
            assert len(read_jsonl(dest / task / f"{split}.jsonl")) == count > 0


def test_shipped_assets_equal_a_fresh_build(built: tuple[Path, dict]) -> None:
    dest, _ = built
    for task in EXPECTED_SPLITS:
        fresh = sorted(p.name for p in (dest / task).iterdir())
        assert sorted(p.name for p in (ASSETS_DATA_DIR / task).iterdir()) == fresh, task
        for name in fresh:
            assert (ASSETS_DATA_DIR / task / name).read_bytes() == (dest / task / name).read_bytes(), (
                task,
                name,
            )


def test_dataset_cards(built: tuple[Path, dict]) -> None:
    dest, summary = built
    for task in EXPECTED_SPLITS:
        meta = card(dest / task)
        assert list(meta)[: len(CARD_KEYS)] == CARD_KEYS
        assert meta["task"] == task and meta["origin"] == "real"
        assert meta["splits"] == summary[task]["splits"]
        assert meta["skipped"] == summary[task]["skipped"]
        assert meta["url"].startswith("https://") and meta["licence"] and meta["citation"]
        assert dataset_card(get_spec(task), [dest]) == meta
        body = (dest / task / "README.md").read_text(encoding="utf-8").split("---", 2)[2]
        assert "## How the records were made" in body and "## Attribution" in body


def test_every_shipped_record_is_valid() -> None:
    for task in EXPECTED_SPLITS:
        spec = get_spec(task)
        files = split_files(spec, [ASSETS_DATA_DIR])
        assert sorted(files) == sorted(EXPECTED_SPLITS[task])
        for path in files.values():
            records = read_jsonl(path)
            assert len({r["id"] for r in records}) == len(records)
            for record in records:
                ids = set()
                for entity in record["entities"]:
                    assert record["text"][entity["start"] : entity["end"]] == entity["text"]
                    assert entity["label"] in spec.labels
                    ids.add(entity.get("id"))
                for relation in record.get("relations", []):
                    assert relation["head"] in ids and relation["tail"] in ids
                    assert relation["label"] in spec.relation_labels


def test_command_line_prints_the_summary(
    built: tuple[Path, dict], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _, summary = built
    main([str(SHARED), str(tmp_path)])
    assert json.loads(capsys.readouterr().out) == summary
    stale = tmp_path / "abstrct_mixed_components" / "train.jsonl"
    stale.write_text("{}\n", encoding="utf-8")
    main([str(SHARED), str(tmp_path)])
    assert not stale.exists()
