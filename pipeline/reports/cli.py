"""``spt report [--since DATE] [--until DATE] [--html DIR]``: SOP compliance (mutu baku).

Registered by :mod:`pipeline.cli`; takes ``--config PATH`` (default
``$SPT_CONFIG``, else ``./spt.toml``). The command picks the renderer: the
terminal tables always, the HTML page with its charts only with ``--html``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION as _CONFIG
from pipeline.cli import load_for_command as _load
from pipeline.cli_id import Command


def _date(_ctx, param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        message = f"'{value}' bukan tanggal; tulis YYYY-MM-DD"
        raise click.BadParameter(message, param=param) from None


@click.command("report", cls=Command)
@_CONFIG
@click.option("--since", callback=_date, metavar="DATE",
              help="Hari pertama (YYYY-MM-DD); bawaan: awal bulan, 11 bulan yang lalu.")
@click.option("--until", callback=_date, metavar="DATE",
              help="Hari terakhir (YYYY-MM-DD), termasuk; bawaan: hari ini.")
@click.option("--html", "html_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Tulis juga DIR/index.html dengan grafik untuk pimpinan.")
def report_command(config_path: Path | None, since: dt.date | None, until: dt.date | None,
                   html_dir: Path | None) -> None:
    """Kepatuhan SOP: waktu tiap tahap dibanding mutu baku; SPT terbit dan dikembalikan per
    bulan."""
    from pipeline.reports.compliance import ReportError, print_report

    config = _load(config_path)
    if since and until and until < since:
        raise click.BadParameter(f"{until} lebih awal dari --since {since}",
                                 param_hint="--until")
    try:
        print_report(config, since, until)
        if html_dir is not None:
            from pipeline.reports.compliance_html import write_html  # matplotlib: only when asked

            page = write_html(config, html_dir, since, until)
            click.echo(f"Laporan HTML: {page}")
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
