"""``spt doctor``: check an installation and say what to fix.

Registered by :mod:`pipeline.cli`; takes ``--config PATH`` (default
``$SPT_CONFIG``, else ``./spt.toml``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION as _CONFIG
from pipeline.config import find_config


@click.command("doctor")
@_CONFIG
def doctor_command(config_path: Path | None) -> None:
    """Check the installation: config, keys, LibreOffice, mail, folders, disk; say what to fix."""
    from pipeline.ops.doctor import run_doctor

    sys.exit(run_doctor(find_config(config_path)))
