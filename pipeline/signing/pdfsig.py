"""A second opinion from poppler's ``pdfsig`` (NSS), independent of pyHanko.

``pdfsig`` checks each signature's bytes and its certificate chain the way
many PDF readers on Linux do. It does not analyse what later revisions
changed (VERIFIED.md: it still says "valid" after a forbidden change), so it
complements :func:`pipeline.signing.verify.verify_pdf`, never replaces it.

NSS trusts what is in its database: we make a private database per set of
trust roots (in a 0700 temporary folder, created once and reused by this
process and later ones), so the machine's own trust store plays no part.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

PDFSIG_TIMEOUT = 60  # seconds


class PdfsigUnavailable(Exception):
    """``pdfsig`` or ``certutil`` is not installed, or failed to run."""


@dataclass(frozen=True)
class PdfsigResult:
    """What ``pdfsig`` says about one signed field."""

    index: int
    field_name: str
    signer: str
    signature_type: str          # "ETSI.CAdES.detached" for PAdES
    signature_valid: bool        # "Signature is Valid."
    certificate_trusted: bool    # "Certificate is Trusted."
    whole_document: bool         # "Total document signed"
    signature_validation: str    # the raw lines, for messages
    certificate_validation: str

    @property
    def ok(self) -> bool:
        return self.signature_valid and self.certificate_trusted

    @property
    def is_document_timestamp(self) -> bool:
        """An archive timestamp (PAdES B-LTA), not a signature: poppler 22.12 reports its
        type as "unknown" and does not validate it (pyHanko does)."""
        return self.signature_type == "ETSI.RFC3161" or (
            self.signature_type in ("", "unknown") and self.field_name.startswith("Arsip"))

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


_lock = threading.Lock()
_databases: dict[str, Path] = {}


def pdfsig_check(pdf_path: Path, trust_roots: list[Path]) -> list[PdfsigResult]:
    """Run ``pdfsig`` on ``pdf_path`` trusting exactly ``trust_roots``; one result per signature."""
    if shutil.which("pdfsig") is None:
        raise PdfsigUnavailable("pdfsig tidak terpasang (paket poppler-utils)")
    nssdir = nss_database(trust_roots)
    try:
        proc = subprocess.run(
            # Not "-no-ocsp": with it, poppler 22.12 reports every certificate as
            # "Unknown issue with Certificate or corrupted data." (tried).
            ["pdfsig", "-nssdir", f"sql:{nssdir}", str(pdf_path)],
            capture_output=True, text=True, timeout=PDFSIG_TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired:
        raise PdfsigUnavailable(f"pdfsig tidak selesai dalam {PDFSIG_TIMEOUT} detik") from None
    if "Digital Signature Info" not in proc.stdout and proc.returncode != 0:
        raise PdfsigUnavailable(f"pdfsig gagal: {(proc.stderr or proc.stdout).strip()[:300]}")
    return parse_pdfsig_output(proc.stdout)


def parse_pdfsig_output(text: str) -> list[PdfsigResult]:
    """Parse ``pdfsig``'s report (poppler 22.x wording); unsigned fields are left out."""
    results = []
    blocks = re.split(r"^Signature #(\d+):\s*$", text, flags=re.M)
    for number, body in zip(blocks[1::2], blocks[2::2], strict=True):
        if "is not signed" in body:
            continue
        fields = dict(re.findall(r"^\s+- ([^:\n]+): ?(.*)$", body, flags=re.M))
        sig_line = fields.get("Signature Validation", "")
        cert_line = fields.get("Certificate Validation", "")
        results.append(PdfsigResult(
            index=int(number),
            field_name=fields.get("Signature Field Name", ""),
            signer=fields.get("Signer Certificate Common Name", ""),
            signature_type=fields.get("Signature Type", ""),
            signature_valid=sig_line.strip() == "Signature is Valid.",
            certificate_trusted=cert_line.strip() == "Certificate is Trusted.",
            whole_document=bool(re.search(r"^\s+- Total document signed\s*$", body, re.M)),
            signature_validation=sig_line.strip(),
            certificate_validation=cert_line.strip(),
        ))
    return results


def nss_database(trust_roots: list[Path]) -> Path:
    """A private NSS database trusting exactly ``trust_roots`` (made once per root set)."""
    pems = [Path(p).read_bytes() for p in trust_roots]
    key = hashlib.sha256(b"\0".join(sorted(pems))).hexdigest()[:24]
    with _lock:
        cached = _databases.get(key)
        if cached is not None and (cached / "cert9.db").exists():
            return cached
        base = Path(tempfile.gettempdir()) / f"spt-nss-{os.getuid()}"
        base.mkdir(mode=0o700, exist_ok=True)
        if base.stat().st_uid != os.getuid() or base.stat().st_mode & 0o077:
            raise PdfsigUnavailable(
                f"{base} bukan milik pengguna ini atau terbuka untuk orang lain"
            )
        target = base / key
        if not (target / "cert9.db").exists():
            _build_database(base, target, pems)
        _databases[key] = target
        return target


def _build_database(base: Path, target: Path, pems: list[bytes]) -> None:
    if shutil.which("certutil") is None:
        raise PdfsigUnavailable("certutil tidak terpasang (paket libnss3-tools)")
    work = Path(tempfile.mkdtemp(prefix="build-", dir=base))
    try:
        _certutil("-N", "-d", f"sql:{work}", "--empty-password")
        for i, pem in enumerate(pems):
            root = work / f"root{i}.pem"
            root.write_bytes(pem)
            _certutil("-A", "-d", f"sql:{work}", "-n", f"spt-root-{i}", "-t", "CT,C,C",
                      "-i", str(root))
            root.unlink()
        try:
            os.rename(work, target)
        except OSError:
            if not (target / "cert9.db").exists():  # not a concurrent twin: a real failure
                raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(work)


def _certutil(*args: str) -> None:
    proc = subprocess.run(["certutil", *args], capture_output=True, text=True, timeout=60,
                          check=False)
    if proc.returncode != 0:
        raise PdfsigUnavailable(f"certutil {args[0]} gagal: {proc.stderr.strip()[:300]}")
