"""``spt sop [--pdf FILE] [--png FILE]``: the SOP sheet the configured chain implements.

Registered by :mod:`pipeline.cli`; takes ``--config PATH`` (default
``$SPT_CONFIG``, else ``./spt.toml``).
"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION as _CONFIG
from pipeline.cli import load_for_command as _load
from pipeline.cli_id import Command


@click.command("sop", cls=Command)
@_CONFIG
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Tulis lembar SOP (A4 melintang) sebagai PDF.")
@click.option("--png", "png_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Tulis lembar SOP sebagai gambar PNG (halaman bersusun ke bawah).")
def sop_command(config_path: Path | None, pdf_path: Path | None, png_path: Path | None) -> None:
    """SOP 'Penerbitan Surat Perintah Tugas' sebagaimana dijalankan rantai yang dikonfigurasi."""
    from pipeline.sop.flow import SopError
    from pipeline.sop.sheet import print_sop, render_sop_pdf, render_sop_png

    config = _load(config_path)
    delegations = _current_delegations(config)
    try:
        if pdf_path is None and png_path is None:
            print_sop(config, delegations=delegations)
            return
        if pdf_path is not None:
            render_sop_pdf(config, pdf_path, delegations)
            click.echo(f"SOP (PDF): {pdf_path}")
        if png_path is not None:
            render_sop_png(config, png_path, delegations=delegations)
            click.echo(f"SOP (PNG): {png_path}")
    except SopError as exc:
        raise click.ClickException(str(exc)) from None


def _current_delegations(config) -> list:
    """Plh./Plt. in force or to come (the sheet shows them on their steps); none without a
    database yet."""
    from pipeline.folders.layout import Workspace
    from pipeline.service.clock import clock_from_env
    from pipeline.store import Store

    database = Workspace(config).database
    if not database.exists():
        return []
    store = Store(database, create=False)
    try:
        return store.delegations.current(clock_from_env().now())
    finally:
        store.close()
