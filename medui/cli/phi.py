"""`medui phi`: likely identifiers in an Italian text (codice fiscale, tessera sanitaria, IBAN, partita IVA, phone,
e-mail, birth date, record number, address, names), before a text is run, uploaded or shared; `--mask` prints the
text with same-length placeholders."""

from __future__ import annotations

import argparse

from medui.backend.data.inputs import InputError, read_text_file
from medui.cli.output import emit
from medui.tasks.phi import find_identifiers, mask, summary


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `phi` subcommand."""
    p = sub.add_parser("phi", help="find likely identifiers in a text (and mask them)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--text")
    source.add_argument("--file")
    p.add_argument("--mask", action="store_true", help="print the masked text (offsets hold)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_phi)


def cmd_phi(args: argparse.Namespace) -> int:
    text = read_text_file(args.file) if args.file else args.text
    if not text or not text.strip():
        raise InputError("the text is empty")
    findings = find_identifiers(text)
    if args.mask:
        masked = mask(text, findings)
        return emit(args, {"findings": findings, "masked": masked}, masked)
    lines = [f"{f['start']}-{f['end']} {f['kind']}: {f['text']}" for f in findings]
    return emit(
        args, findings, "\n".join([summary(findings), *lines]) if findings else "nessun identificativo"
    )
