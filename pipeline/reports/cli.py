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
