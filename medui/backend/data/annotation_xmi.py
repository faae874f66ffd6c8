"""INCEpTION / WebAnno annotations (UIMA CAS XMI) as records to import as corrections, read with dkpro-cassis.

INCEpTION exports a document as a zip of its XMI and the project's TypeSystem.xml: that zip, or a folder holding
one TypeSystem.xml and any number of .xmi files (one document each), is read. Spans come from the NamedEntity
layer (its `value` is the label), from a custom span layer named after one of the task's labels (as E3C's
CLINENTITY, EVENT...; E3C's other layers are left out), or from another custom span layer with one text feature
(its value is the label). Relations come from custom relation layers (Governor and Dependent), labelled by their
one text feature or their name. cassis turns UIMA's UTF-16 offsets into Python string indices.
"""

from __future__ import annotations

from pathlib import Path

from medui.backend.data.common import DataError
from medui.backend.data.e3c_xmi import ENTITY_LABELS
from medui.backend.data.incoming import Incoming, numbered
from medui.tasks.spec import TaskSpec

NAMED_ENTITY = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"
CUSTOM = "webanno.custom."
ANNOTATION = "uima.tcas.Annotation"
METADATA = "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData"


def read_xmi_records(folder: Path, spec: TaskSpec) -> list[Incoming]:
    """A record per .xmi file of the folder, read against its TypeSystem.xml (see the module docstring)."""
    import cassis

    systems = [p for p in folder.rglob("*") if p.name.lower() == "typesystem.xml"]
    if len(systems) != 1:
        found = "no TypeSystem.xml" if not systems else f"{len(systems)} TypeSystem.xml files"
        raise DataError(f"{folder}: {found}; INCEpTION's XMI export holds one beside its .xmi files")
    try:
        with open(systems[0], "rb") as fh:
            typesystem = cassis.load_typesystem(fh)
    except Exception as exc:  # cassis raises what lxml and its own checks raise
        raise DataError(f"{systems[0].name}: not a UIMA type system ({exc})") from None
    files = sorted(folder.rglob("*.xmi"))
    if not files:
        raise DataError(f"{folder}: no .xmi files")
    out = []
    for number, path in enumerate(files, start=1):
        item = Incoming(number, str(path.relative_to(folder)))
        try:
            with open(path, "rb") as fh:
                cas = cassis.load_cas_from_xmi(fh, typesystem=typesystem, lenient=True)
        except Exception as exc:
            item.problem = f"not a UIMA CAS XMI file ({str(exc).splitlines()[0][:200]})"
        else:
            item.record, item.problem = _record(cas, path, spec)
        out.append(item)
    return out


def _record_id(cas, path: Path) -> str:
    """The document's name: DocumentMetaData's documentId (else its title, else the file name), no extension."""
    name = path.name.removesuffix(".xmi")
    for meta in cas.select(METADATA) if cas.typesystem.contains_type(METADATA, match_exactly=True) else []:
        name = meta.get("documentId") or meta.get("documentTitle") or name
    return name.removesuffix(".txt")


def _text_feature(type_) -> str | None:
    """The one text (uima.cas.String) feature a type declares itself, if it has exactly one."""
    names = [f.name for f in type_.features if f.rangeType.name == "uima.cas.String"]
    return names[0] if len(names) == 1 else None


def _span_label(fs, spec: TaskSpec) -> tuple[bool, str | None]:
    """(whether the annotation is a span of a layer read, its label) for one annotation."""
    name = fs.type.name
    if name == NAMED_ENTITY:
        return True, fs.get("value")
    if not name.startswith(CUSTOM) or fs.type.get_feature("Governor") is not None:
        return False, None
    short = name[len(CUSTOM) :]
    if short in spec.labels:
        return True, short
    if short in ENTITY_LABELS:  # another E3C layer: not this task's
        return False, None
    feature = _text_feature(fs.type)
    return (True, fs.get(feature)) if feature else (False, None)


def _record(cas, path: Path, spec: TaskSpec) -> tuple[dict | None, str | None]:
    """A record from one CAS, or what is wrong with it."""
    text = cas.sofa_string
    if not isinstance(text, str):
        return None, "the CAS has no document text"
    spans, links, problems = [], [], []
    annotations = cas.select(ANNOTATION)
    for fs in annotations:
        read, label = _span_label(fs, spec)
        if not read:
            continue
        if label in (None, ""):
            problems.append(f"a {fs.type.name.rsplit('.', 1)[-1]} span at {fs.begin}..{fs.end} has no label")
        elif fs.begin < fs.end:
            spans.append((fs.xmiID, fs.begin, fs.end, label))
    for fs in annotations:
        governor = fs.type.get_feature("Governor") if fs.type.name.startswith(CUSTOM) else None
        if governor is None or not spec.relation_labels:
            continue
        feature = _text_feature(fs.type)
        label = fs.get(feature) if feature else fs.type.name[len(CUSTOM) :]
        head, tail = fs.get("Governor"), fs.get("Dependent")
        if head is None or tail is None:
            problems.append(f"a {label} relation at {fs.begin}..{fs.end} lacks its governor or dependent")
        else:
            links.append((head.xmiID, tail.xmiID, label or None))
    if problems:
        return None, "; ".join(problems)
    record = numbered(text, spans, links, tuple(spec.relation_labels))
    return {"id": _record_id(cas, path), **record}, None
