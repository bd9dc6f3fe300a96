"""Click commands of the verification page, registered by :mod:`pipeline.cli`:

- ``spt web [--host H] [--port P] [--rate-limit L] [--page-rate-limit L]``
  (:data:`web_command`): serve the page behind the QR codes until SIGTERM/SIGINT.
- ``spt revoke NOMOR --alasan TEXT [--oleh NAMA]`` (:data:`revoke_command`): revoke an
  issued letter; its page then says DICABUT.

Each takes ``--config PATH`` (default ``$SPT_CONFIG``, else ``./spt.toml``).
"""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION as _CONFIG
from pipeline.cli import load_for_command as _load


@click.command("web")
@_CONFIG
@click.option("--host", default=None, help="Address to listen on (default: [web] host).")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port (default: [web] port; 0 = any free port).")
@click.option("--rate-limit", default=None,
              help='Uploads per client address, e.g. "10/minute;100/hour" (default: [web]).')
@click.option("--page-rate-limit", default=None,
              help="Letter pages per client address (default: [web] page_rate_limit).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text")
@click.option("--log-level", default="INFO", show_default=True)
def web_command(config_path: Path | None, host: str | None, port: int | None,
                rate_limit: str | None, page_rate_limit: str | None, log_format: str,
                log_level: str) -> None:
    """Serve the verification page behind the QR codes (until SIGTERM/SIGINT)."""
    from pydantic import ValidationError

    from pipeline.folders.layout import Workspace
    from pipeline.logs import setup_logging
    from pipeline.web.app import create_app
    from pipeline.web.server import serve

    setup_logging(log_format, log_level)
    config = _load(config_path)
    settings = config.web
    given = {"host": host, "port": port, "rate_limit": rate_limit,
             "page_rate_limit": page_rate_limit}
    overrides = {k: v for k, v in given.items() if v is not None}
    try:
        settings = settings.model_validate({**settings.model_dump(), **overrides})
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    if not Workspace(config).database.exists():
        raise click.ClickException(
            f"{Workspace(config).database}: the state database does not exist yet "
            "(start the service with 'spt serve' first).")
    app = create_app(config, settings)
    serve(app, settings, host=settings.host, port=settings.port,
          on_ready=lambda url: click.echo(f"spt web: {url}", nl=True))


@click.command("revoke")
@_CONFIG
@click.argument("number", metavar="NOMOR")
@click.option("--alasan", "reason", required=True, help="Why the letter is revoked (shown "
              "on its verification page).")
@click.option("--oleh", "actor", default=None,
              help="Who revokes it, for the audit log (default: the system user).")
def revoke_command(config_path: Path | None, number: str, reason: str,
                   actor: str | None) -> None:
    """Revoke an issued letter: its verification page then says DICABUT."""
    from pipeline.web.revocation import RevocationError, revoke_letter

    config = _load(config_path)
    try:
        done = revoke_letter(config, number, reason=reason,
                             actor=actor or f"cli:{getpass.getuser()}")
    except RevocationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Surat {done.number} dicabut. Alasan: {done.reason}")
    click.echo("Halaman verifikasinya kini menyatakan DICABUT.")
