"""``spt extract FILE``: print the fields read from an invitation, as JSON.

Standard output carries only JSON, so the command can be piped: by default
the nine fields; with ``--json`` one object with the fields, the
explanations (``--explain``), the text source and the notes. Without
``--json``, ``--explain`` and the notes for the drafter go to standard error
as plain lines. A file beyond the limits exits with status 2 and the reason.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline.cli_id import Command
from pipeline.extract import ExtractionRefused, ExtractLimits, extract


@click.command("extract", cls=Command)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                metavar="BERKAS")
@click.option("--explain", is_flag=True, help="Tunjukkan juga dari mana setiap nilai diambil.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Satu objek JSON: isian, penjelasan (dengan --explain), sumber dan catatan.",
)
@click.option("--no-ocr", is_flag=True, help="Jangan jalankan OCR pada PDF hasil pindaian.")
@click.option("--ocr-timeout", type=float, default=None, help="Batas waktu OCR dalam detik.")
def extract_command(
    file: Path, explain: bool, as_json: bool, no_ocr: bool, ocr_timeout: float | None
) -> None:
    """Cetak isian yang terbaca dari undangan BERKAS (PDF, pindaian, DOCX, .eml) sebagai JSON."""
    limits = ExtractLimits()
    if no_ocr or ocr_timeout is not None:
        limits = ExtractLimits(
            ocr=not no_ocr,
            ocr_timeout=ocr_timeout if ocr_timeout is not None else limits.ocr_timeout,
        )
    try:
        result = extract(file, limits=limits)
    except ExtractionRefused as exc:
        if as_json:
            click.echo(json.dumps({"refused": exc.reason}, ensure_ascii=False, indent=2))
        else:
            click.echo(f"Ditolak: {exc.reason}", err=True)
        sys.exit(2)
    if as_json:
        payload: dict[str, object] = {"fields": result.fields}
        if explain:
            payload["explain"] = result.explain
        payload["text_source"] = result.text_source
        payload["notes"] = result.notes
        if result.sender:
            payload["sender"] = result.sender
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(json.dumps(result.fields, ensure_ascii=False, indent=2))
    if explain:
        click.echo(f"sumber teks: {result.text_source}", err=True)
        width = max(len(k) for k in result.explain)
        for key, why in result.explain.items():
            click.echo(f"{key:<{width}}  {why}", err=True)
    for note in result.notes:
        click.echo(f"catatan: {note}", err=True)
