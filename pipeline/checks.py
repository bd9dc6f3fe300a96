"""Start-up checks beyond the configuration's own validation: is everything it names usable?"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

from pipeline.config import Config, SecretRef
from pipeline.directory import DirectoryError, EmployeeDirectory


def startup_problems(config: Config) -> list[str]:
    """Everything that would make the service fail later, found now (plain words, no secrets)."""
    from pipeline.backup.restore import marker_problem

    problems: list[str] = []
    restore = marker_problem(config.state_dir)
    if restore:
        problems.append(restore)
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
    problems += permission_problems(config)
    return problems


def permission_problems(config: Config) -> list[str]:
    """The state folder, the database and the secrets must be closed to group and others.

    A database or a secret that others could read may already have been read:
    the service refuses to start rather than tighten the mode silently, so IT
    notices (and, for a secret, replaces it). Signing keys and their
    passphrases are checked when the key ring loads (:mod:`pipeline.signing.keys`).
    """
    from pipeline.mail.replies import SECRET_FILE

    state = config.state_dir
    problems = []
    loose = _loose(state)
    if loose is not None:
        problems.append(f"state folder {state} is open to group or others (mode {loose:04o}): "
                        f"chmod 700 {state}")
    from pipeline.folders.layout import Workspace

    for folder in Workspace(config).private_dirs():
        loose = _loose(folder)
        if loose is not None:
            problems.append(f"folder {folder} (mail with tokens, issued letters) is open to "
                            f"group or others (mode {loose:04o}): chmod 700 {folder}")
    database = state / "spt.sqlite3"
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"),
                 state / SECRET_FILE):
        loose = _loose(path)
        if loose is not None:
            problems.append(f"{path} is readable by group or others (mode {loose:04o}): "
                            f"chmod 600 {path}")
    mail = config.mail
    for what, ref in (("SMTP", mail.smtp.password if mail.smtp else None),
                      ("IMAP", mail.imap.password if mail.imap else None)):
        problem = _secret_file_problem(ref)
        if problem:
            problems.append(f"{what} password file {problem}")
    return problems


def _loose(path: Path) -> int | None:
    """``path``'s mode if group or others may access it (``None``: fine, or no such file)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    return mode if mode & (stat.S_IRWXG | stat.S_IRWXO) else None


def _secret_file_problem(ref: SecretRef | None) -> str | None:
    if ref is None or ref.file is None:
        return None
    path = Path(ref.file)
    if not path.exists():
        return f"{path} not found"
    loose = _loose(path)
    if loose is not None:
        return f"{path} is readable by group or others (mode {loose:04o}): chmod 600 {path}"
    return None
