"""Build the shipped gold data of the 12 real-data tasks from the public corpora (the ../shared/data layout).

`python -m medui.backend.data.build [SOURCE] [DEST]` writes DEST/<task>/<split>.jsonl and a dataset card
DEST/<task>/README.md for each task and prints the import summary as JSON. Same input, same files.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import yaml

from medui.backend.data.abstrct import MAX_WINDOW_CHARS, import_abstrct_tsv
from medui.backend.data.casimedicos import MAX_DOC_CHARS, import_casimedicos_tsv
from medui.backend.data.common import DataError, ImportReport, write_jsonl
from medui.backend.data.e3c import E3C_TASKS, WINDOW_CHARS, build_e3c

SPLIT_ORDER = ("train", "dev", "test", "silver")
CASIMEDICOS_TASK = "casimedicos_arg_components"
ABSTRCT_SETS = {  # task -> (corpus name in the file names, splits)
    "abstrct_neoplasm_components": ("neoplasm", ("train", "dev", "test")),
    "abstrct_glaucoma_components": ("glaucoma", ("test",)),
    "abstrct_mixed_components": ("mixed", ("test",)),
}

CORPORA = {
    "e3c": {
        "source": "E3C (European Clinical Case Corpus), Italian",
        "url": "https://github.com/hltfbk/E3C-Corpus",
        "licence": "CC BY-NC 4.0",
        "citation": "Bernardo Magnini, Begoña Altuna, Alberto Lavelli, Manuela Speranza, Roberto Zanoli. "
        "The E3C Project: European Clinical Case Corpus. Proceedings of SEPLN-PD 2021 (2021).",
    },
    "casimedicos": {
        "source": "CasiMedicos-Arg, Italian",
        "url": "https://github.com/ixa-ehu/antidote-casimedicos",
        "licence": "CC0 1.0",
        "citation": "Katerina Sviridova, Anar Yeginbergen, Ainara Estarrona, Elena Cabrio, Serena Villata, "
        "Rodrigo Agerri. CasiMedicos-Arg: A Medical Question Answering Dataset Annotated with Explanatory "
        "Argumentative Structures. EMNLP 2024.",
    },
    "abstrct": {
        "source": "AbstRCT, Italian (multilingual AbstRCT)",
        "url": "https://huggingface.co/datasets/HiTZ/multilingual-abstrct",
        "licence": "research use (as AbstRCT)",
        "citation": "Anar Yeginbergen, Rodrigo Agerri. Cross-lingual Argument Mining in the Medical Domain "
        "(2024), arXiv:2301.10527. Tobias Mayer, Elena Cabrio, Serena Villata. Transformer-Based Argument "
        "Mining for Healthcare Applications. ECAI 2020.",
    },
}

TASK_TEXT = {
    "e3c_clinical_entities": "Named entity recognition of clinical entities (`CLINENTITY`: disorders, i.e. "
    "diseases, symptoms and signs) in Italian clinical cases. Fragments of a discontinuous entity are "
    "separate mentions.",
    "e3c_events": "Named entity recognition of events (`EVENT`: clinically relevant actions, states and "
    "processes, often verbs or nouns) in Italian clinical cases.",
    "e3c_time_expressions": "Named entity recognition of time expressions (`TIMEX3`) in Italian clinical cases.",
    "e3c_body_parts": "Named entity recognition of body parts (`BODYPART`) in Italian clinical cases.",
    "e3c_actors": "Named entity recognition of actors (`ACTOR`: patients, relatives, health professionals) in "
    "Italian clinical cases.",
    "e3c_measurements": "Named entity recognition of results, measurements and lab values (`RML`) in Italian "
    "clinical cases.",
    "e3c_measurement_links": "Relation extraction: each result or measurement (`RML`, head) linked to the "
    "event it belongs to (`EVENT`, tail, usually the test) with `PERTAINS`, from the RML's PERTAINSTO links "
    "(as CLinkaRT, EVALITA 2023). A record's entities are all RML and EVENT mentions of its window.",
    "e3c_temporal_links": "Relation extraction: temporal links (TLINK: BEFORE, CONTAINS, OVERLAP, BEGINS-ON, "
    "ENDS-ON, SIMULTANEOUS) from an `EVENT` (head, the event carrying the TLINK) to an `EVENT` or `TIMEX3` "
    "(tail), in the direction of the XMI. A record's entities are all EVENT and TIMEX3 mentions of its "
    "window. TIMEX3 timexLink and EVENT ALINK links are not part of this task.",
    CASIMEDICOS_TASK: "Argument mining: `Claim` and `Premise` spans in Italian resident-exam (MIR) clinical "
    "cases with the doctors' explanations of the correct and wrong answers.",
    "abstrct_neoplasm_components": "Argument mining: `Claim` and `Premise` spans in abstracts of randomised "
    "controlled trials on neoplasms, machine-translated into Italian (the file names name NLLB and "
    "awesome-align projection).",
    "abstrct_glaucoma_components": "Argument mining: `Claim` and `Premise` spans in Italian abstracts of "
    "randomised controlled trials on glaucoma; test only, out of domain (train on neoplasm).",
    "abstrct_mixed_components": "Argument mining: `Claim` and `Premise` spans in Italian abstracts of "
    "randomised controlled trials on several diseases; test only, out of domain (train on neoplasm).",
}


# -- reading --------------------------------------------------------------------------------------------------
def merge_reports(reports: Iterable[ImportReport]) -> ImportReport:
    """One report holding the records and skip counts of several."""
    merged = ImportReport()
    for report in reports:
        for split, records in report.records.items():
            merged.records.setdefault(split, []).extend(records)
        merged.skipped.update(report.skipped)
    return merged


def find_one(folder: Path, pattern: str) -> Path:
    """The single file of `folder` matching `pattern`."""
    matches = sorted(folder.glob(pattern))
    if len(matches) != 1:
        raise DataError(f"{folder}: expected one file matching {pattern!r}, found {len(matches)}")
    return matches[0]


def read_all(source: Path) -> dict[str, ImportReport]:
    """The reports of the 12 tasks, read from a folder laid out as ../shared/data."""
    reports = dict(build_e3c(source / "e3c"))
    casimedicos = source / "casimedicos-arg"
    reports[CASIMEDICOS_TASK] = merge_reports(
        import_casimedicos_tsv(find_one(casimedicos, f"{split}.tsv"), CASIMEDICOS_TASK, split)
        for split in ("train", "dev", "test")
    )
    abstrct = source / "abstrct-it"
    for task, (corpus, splits) in ABSTRCT_SETS.items():
        reports[task] = merge_reports(
            import_abstrct_tsv(find_one(abstrct, f"*{corpus}*_{split}.tsv"), task, split) for split in splits
        )
    return reports


# -- dataset cards --------------------------------------------------------------------------------------------
def ordered_splits(report: ImportReport) -> list[str]:
    known = [split for split in SPLIT_ORDER if split in report.records]
    return known + sorted(set(report.records) - set(known))


def label_counts(report: ImportReport, key: str) -> dict[str, dict[str, int]]:
    """split -> label -> how many entities (key 'entities') or relations (key 'relations')."""
    counts = {}
    for split in ordered_splits(report):
        counter = Counter(item["label"] for record in report.records[split] for item in record.get(key, []))
        counts[split] = dict(sorted(counter.items()))
    return counts


def front_matter(task: str, corpus: str, report: ImportReport) -> dict:
    """The YAML front matter of a task's dataset card."""
    meta = {"task": task, **CORPORA[corpus], "origin": "real"}
    meta["splits"] = {split: len(report.records[split]) for split in ordered_splits(report)}
    meta["skipped"] = dict(sorted(report.skipped.items()))
    meta["mentions"] = label_counts(report, "entities")
    if any("relations" in record for records in report.records.values() for record in records):
        meta["relations"] = label_counts(report, "relations")
    return meta


def _documents(report: ImportReport, split: str) -> int:
    return len({record.get("doc_id", record["id"]) for record in report.records.get(split, [])})


def _longest(report: ImportReport) -> int:
    return max((len(record["text"]) for records in report.records.values() for record in records), default=0)


def e3c_method(task: str, report: ImportReport) -> str:
    silver = ""
    if "silver" in report.records:
        silver = (
            f" Split `silver`: {_documents(report, 'silver')} documents of layer 2, whose CLINENTITY mentions "
            "were found semi-automatically; train on them if you like, never score against them."
        )
    layer = " or ".join(f"`{name}`" for name in E3C_TASKS[task].layer)
    return (
        "The Italian E3C layer 1 (clinical cases annotated by hand, WebAnno UIMA CAS XMI): documents named in "
        "the official `train_test_split.txt` make `train`, the others `test`; here "
        f"{_documents(report, 'train')} and {_documents(report, 'test')} documents.{silver} Not every "
        f"document was annotated for every layer: a document with no {layer} at all is left out "
        f"({report.skipped.get('document_not_annotated', 0)} documents, `document_not_annotated`), since its "
        "windows would otherwise claim that nothing there is to be found.\n\n"
        f"Records are windows of whole sentences of a document, about {WINDOW_CHARS} characters or fewer; "
        "neighbouring windows are merged wherever an entity or a PERTAINS or TLINK link would cross them, so a "
        f"few are longer (the longest has {_longest(report)} characters). One windowing per document serves "
        "all eight E3C tasks: a window has the same id (`<document>#<n>`), text, `doc_id` and `offset` (its "
        "character offset in the document) in every task, and every window is a record, with or without "
        "mentions of this task. XMI offsets count UTF-16 code units and were converted to string indices. "
        "Elements without offsets, zero-length and duplicate spans, entities outside every sentence and links "
        "that cannot be kept are counted under `skipped`."
    )


def casimedicos_method(task: str, report: ImportReport) -> str:
    windowed = {r["doc_id"] for records in report.records.values() for r in records if "#" in r["id"]}
    return (
        "The Italian CasiMedicos-Arg files `train.tsv`, `dev.tsv`, `test.tsv` (one token a line with its BIO "
        "tag; a document starts at the line `QUESTION`). A document holds the question type, the clinical "
        "case, the question, the five options, the correct answer and the explanation. The text is rebuilt "
        "with single spaces between tokens and a newline between sentences (the source keeps no spacing).\n\n"
        f"A document of at most {MAX_DOC_CHARS} characters is one record, id `<split>-<n>` (the n-th document "
        f"of the file); the {len(windowed)} longer ones are cut into windows of whole sentences of at most "
        f"{MAX_DOC_CHARS} characters, ids `<split>-<n>#<k>`, each with `doc_id` and `offset`. No component "
        "crosses a sentence in the source, so none crosses a window. Lines separated by spaces instead of "
        "tabs are read and counted (`line_space_separated`); an I- tag that continues nothing starts a "
        "component (`bio_repaired_i_without_b`). The quality and note columns are not used."
    )


def abstrct_method(task: str, report: ImportReport) -> str:
    return (
        "The Italian AbstRCT token files (`token TAG` a line, a blank line between sentences). They mark no "
        f"abstract boundaries, so records are windows of consecutive whole sentences of at most "
        f"{MAX_WINDOW_CHARS} characters (tokens joined by single spaces, sentences by a space), ids "
        "`<file>#<n>` in file order; a window may run from the end of one abstract into the next. No "
        "component crosses a sentence, so none crosses a window. Odd lines (a third field, trailing "
        "whitespace) are read and counted under `skipped`."
    )


METHODS = {"e3c": e3c_method, "casimedicos": casimedicos_method, "abstrct": abstrct_method}


def corpus_of(task: str) -> str:
    if task in E3C_TASKS:
        return "e3c"
    return "casimedicos" if task == CASIMEDICOS_TASK else "abstrct"


def dataset_card(task: str, report: ImportReport) -> str:
    """The README.md of a task's data folder: YAML front matter, then what the data is and where it is from."""
    corpus = corpus_of(task)
    meta = front_matter(task, corpus, report)
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=110)
    return (
        f"---\n{header}---\n\n# {task}: {meta['source']}\n\n{TASK_TEXT[task]}\n\n"
        f"## How the records were made\n{METHODS[corpus](task, report)}\n\n"
        f"## Attribution\nConverted from {meta['source']} ({meta['url']}), licence {meta['licence']}. "
        f"Cite: {meta['citation']} The files here are derived from the original corpus by "
        "`python -m medui.backend.data.build`; run it again to regenerate them. Character offsets are "
        "0-based and end-exclusive; `text[start:end]` is each mention.\n"
    )


# -- writing --------------------------------------------------------------------------------------------------
def write_task(folder: Path, task: str, report: ImportReport) -> None:
    """Write a task's split files and dataset card; split files the report does not have are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.jsonl"):
        if stale.stem not in report.records:
            stale.unlink()
    for split in ordered_splits(report):
        write_jsonl(folder / f"{split}.jsonl", report.records[split])
    (folder / "README.md").write_text(dataset_card(task, report), encoding="utf-8")


def build_real_assets(source: Path, dest: Path) -> dict[str, dict]:
    """Read the corpora under `source` and write dest/<task>/ for the 12 real-data tasks; the summaries."""
    reports = read_all(Path(source))
    for task, report in reports.items():
        write_task(Path(dest) / task, task, report)
    return {task: reports[task].summary() for task in sorted(reports)}


def main(argv: list[str] | None = None) -> None:
    """Command line: build the assets and print the summary JSON."""
    from medui.config import ASSETS_DATA_DIR, get_settings

    parser = argparse.ArgumentParser(prog="python -m medui.backend.data.build", description=__doc__)
    parser.add_argument(
        "source", nargs="?", type=Path, help="corpora folder (default: settings shared_data_dir)"
    )
    parser.add_argument("dest", nargs="?", type=Path, help="assets data folder (default: assets/data)")
    args = parser.parse_args(argv)
    summary = build_real_assets(args.source or get_settings().shared_data_dir, args.dest or ASSETS_DATA_DIR)
    print(json.dumps(summary, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
