"""Looking for secrets where they must never be: everything the service wrote.

The secrets are the demo keys' passphrases (``pki/*.pass``) and any password
a test adds, in the forms they travel in (plain, base64, SMTP AUTH PLAIN).
Every file under the workspace is searched as bytes, except the key
material itself (``pki/*.p12`` and the secret files), plus any extra file a
test names (the service's log, command outputs).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path


def workspace_secrets(root: Path, *extra: str, user: str = "spt") -> list[str]:
    """Every passphrase under ``root/pki`` and ``extra``, in the forms they could leak in."""
    plain = [p.read_text(encoding="utf-8").split("\n", 1)[0] for p in sorted(root.glob("pki/*.pass"))]
    plain += [e for e in extra if e]
    forms: set[str] = set()
    for secret in plain:
        forms.add(secret)
        forms.add(base64.b64encode(secret.encode()).decode())
        forms.add(base64.b64encode(f"\0{user}\0{secret}".encode()).decode())
    return sorted(f for f in forms if len(f) >= 6)


def is_key_material(root: Path, path: Path) -> bool:
    rel = path.relative_to(root)
    return rel.parts[:1] == ("pki",) and path.suffix in (".p12", ".pass", ".key")


def leaks(root: Path, secrets: Iterable[str], *, also: Iterable[Path] = (),
          skip: Iterable[Path] = ()) -> list[str]:
    """``file: secret-prefix`` for every secret found in a file the service may have written."""
    needles = [(s, s.encode()) for s in secrets]
    skipped = {Path(p).resolve() for p in skip}
    found = []
    files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()
             and not is_key_material(root, p)]
    for path in [*files, *also]:
        if Path(path).resolve() in skipped:
            continue
        data = Path(path).read_bytes()
        for text, needle in needles:
            if needle in data:
                found.append(f"{path}: {text[:4]}…")
    return found
