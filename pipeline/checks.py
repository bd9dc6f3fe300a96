"""Start-up checks beyond the configuration's own validation: is everything it names usable?"""

from __future__ import annotations

import shutil

from pipeline.config import Config
from pipeline.directory import DirectoryError, EmployeeDirectory


def startup_problems(config: Config) -> list[str]:
    """Everything that would make the service fail later, found now (plain words, no secrets)."""
    problems: list[str] = []
    try:
        EmployeeDirectory.load(config.pegawai_csv)
    except DirectoryError as exc:
        problems.append(f"employee directory: {exc}")
    template = config.letter.template
    if not template.is_file():
        problems.append(f"letter template not found: {template} (copy one with 'spt init')")
    if config.seal is None:
        problems.append("[seal] is not configured: the cap dinas needs a key and an image")
    elif not config.seal.image.is_file():
        problems.append(f"seal image not found: {config.seal.image}")
    if shutil.which(config.converter.soffice) is None:
        problems.append(
            f"LibreOffice not found ('{config.converter.soffice}'): install libreoffice-writer"
        )
    if config.converter.mode == "unoserver" and not config.converter.uno_python.exists():
        problems.append(
            f"{config.converter.uno_python} not found: it must be the Python that has "
            "LibreOffice's "
            "'uno' module (Debian: python3-uno), or set converter.mode = \"soffice\""
        )
    return problems
