"""Click commands of the operations tools, registered by :mod:`pipeline.cli`:

- ``spt report [--since DATE] [--until DATE] [--html DIR]`` (:data:`report_command`)
- ``spt sop [--pdf FILE] [--png FILE]`` (:data:`sop_command`)
- ``spt doctor`` (:data:`doctor_command`)

Each takes ``--config PATH`` (default ``$SPT_CONFIG``, else ``./spt.toml``).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION as _CONFIG
from pipeline.cli import load_for_command as _load
from pipeline.config import find_config


def _date(_ctx, param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        message = f"'{value}' bukan tanggal; tulis YYYY-MM-DD"
        raise click.BadParameter(message, param=param) from None


@click.command("report")
@_CONFIG
@click.option("--since", callback=_date, metavar="DATE",
              help="First day (YYYY-MM-DD); default: the first day of the month 11 months ago.")
@click.option("--until", callback=_date, metavar="DATE",
              help="Last day (YYYY-MM-DD), inclusive; default: today.")
@click.option("--html", "html_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write DIR/index.html with charts for the head of office.")
def report_command(config_path: Path | None, since: dt.date | None, until: dt.date | None,
                   html_dir: Path | None) -> None:
    """SOP compliance: time per step against the mutu baku, per month issued and returns."""
    from pipeline.ops.report import ReportError, print_report

    config = _load(config_path)
    if since and until and until < since:
        raise click.BadParameter(f"{until} lebih awal dari --since {since}",
                                 param_hint="--until")
    try:
        print_report(config, since, until)
        if html_dir is not None:
            from pipeline.ops.report_html import write_html  # matplotlib: only when asked

            page = write_html(config, html_dir, since, until)
            click.echo(f"Laporan HTML: {page}")
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("sop")
@_CONFIG
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the SOP sheet (A4 landscape) as PDF.")
@click.option("--png", "png_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the SOP sheet as a PNG image (its pages one below the other).")
def sop_command(config_path: Path | None, pdf_path: Path | None, png_path: Path | None) -> None:
    """The SOP 'Penerbitan Surat Perintah Tugas' as the configured chain implements it."""
    from pipeline.ops.sop_flow import SopError
    from pipeline.ops.sop_sheet import print_sop, render_sop_pdf, render_sop_png

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


@click.command("doctor")
@_CONFIG
def doctor_command(config_path: Path | None) -> None:
    """Check the installation: config, keys, LibreOffice, mail, folders, disk; say what to fix."""
    from pipeline.ops.doctor import run_doctor

    sys.exit(run_doctor(find_config(config_path)))
