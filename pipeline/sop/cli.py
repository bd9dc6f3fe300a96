"""``spt sop [--pdf FILE] [--png FILE]``: the SOP sheet the configured chain implements.

Registered by :mod:`pipeline.cli`; takes ``--config PATH`` (default
``$SPT_CONFIG``, else ``./spt.toml``).
"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION as _CONFIG
from pipeline.cli import load_for_command as _load


@click.command("sop")
@_CONFIG
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the SOP sheet (A4 landscape) as PDF.")
@click.option("--png", "png_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the SOP sheet as a PNG image (its pages one below the other).")
def sop_command(config_path: Path | None, pdf_path: Path | None, png_path: Path | None) -> None:
    """The SOP 'Penerbitan Surat Perintah Tugas' as the configured chain implements it."""
    from pipeline.sop.flow import SopError
    from pipeline.sop.sheet import print_sop, render_sop_pdf, render_sop_png

    config = _load(config_path)
    try:
        if pdf_path is None and png_path is None:
            print_sop(config)
            return
        if pdf_path is not None:
            render_sop_pdf(config, pdf_path)
            click.echo(f"SOP (PDF): {pdf_path}")
        if png_path is not None:
            render_sop_png(config, png_path)
            click.echo(f"SOP (PNG): {png_path}")
    except SopError as exc:
        raise click.ClickException(str(exc)) from None
