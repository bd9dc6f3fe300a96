"""Is this file usable as an invitation? Decided from its bytes, never from its name.

Each refusal carries a reason a clerk can read (Indonesian). Checks are
bounded: sizes are compared before anything is parsed, PDFs are opened
lazily, and a DOCX's declared uncompressed size is checked before any of it
is inflated (zip bombs).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import LimitsConfig

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_DOCX_MEMBERS = 2000


class Unusable(Exception):
    """The file cannot be used as an invitation; ``reason`` says why, in Indonesian."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Invitation:
    kind: str        # "pdf" | "docx" | "eml"
    size: int
    pages: int | None = None


def sniff(head: bytes, name: str) -> str | None:
    if head.lstrip(b"\r\n\t \x00")[:5] == PDF_MAGIC or PDF_MAGIC in head[:1024]:
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if name.lower().endswith(".eml") or _looks_like_mail(head):
        return "eml"
    return None


def _looks_like_mail(head: bytes) -> bool:
    first = head[:2048].decode("latin-1", errors="replace").lower()
    return any(first.startswith(h) for h in ("from:", "received:", "return-path:", "message-id:",
                                               "mime-version:", "date:", "to:", "subject:"))


def check_file(path: Path, limits: LimitsConfig) -> Invitation:
    """Validate ``path`` as a PDF, DOCX or .eml invitation, or raise :class:`Unusable`."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise Unusable(f"Berkas tidak dapat dibaca ({exc.__class__.__name__}).") from None
    if size == 0:
        raise Unusable("Berkas kosong (0 byte). Kirim ulang berkas undangan yang lengkap.")
    limit = int(limits.max_file_mb * 1024 * 1024)
    if size > limit:
        raise Unusable(
            f"Berkas terlalu besar ({size / 1048576:.1f} MB; batas {limits.max_file_mb:g} MB)."
        )
    with open(path, "rb") as fh:
        head = fh.read(4096)
    kind = sniff(head, path.name)
    if kind == "pdf":
        return Invitation("pdf", size, _check_pdf(path, limits))
    if kind == "zip":
        _check_docx(path)
        return Invitation("docx", size)
    if kind == "eml":
        return Invitation("eml", size)
    raise Unusable(
        "Jenis berkas tidak didukung. Yang dapat diproses: surat undangan berbentuk PDF atau "
        "DOCX, atau surel (.eml) yang melampirkannya."
    )


def check_pdf_bytes(data: bytes, limits: LimitsConfig) -> int:
    import io

    return _check_pdf(io.BytesIO(data), limits)


def _check_pdf(source, limits: LimitsConfig) -> int:
    from pypdf import PdfReader

    try:
        reader = PdfReader(source, strict=False)
        if reader.is_encrypted:
            # An owner-password-only PDF opens with the empty user password: usable.
            try:
                if not reader.decrypt(""):
                    raise Unusable(_ENCRYPTED)
            except Unusable:
                raise
            except Exception:
                raise Unusable(_ENCRYPTED) from None
        pages = len(reader.pages)
    except Unusable:
        raise
    except Exception:  # pypdf raises many kinds on hostile input; none may stop the service
        raise Unusable(_BROKEN) from None
    if pages == 0:
        raise Unusable("Berkas PDF tidak berisi halaman.")
    if pages > limits.max_pages:
        raise Unusable(
            f"Berkas PDF terlalu panjang ({pages} halaman; batas {limits.max_pages} halaman)."
        )
    return pages


_BROKEN = "Berkas PDF rusak atau tidak dapat dibaca. Kirim ulang berkas aslinya."
_ENCRYPTED = (
    "Berkas PDF terkunci dengan kata sandi (terenkripsi) sehingga tidak dapat dibaca. "
    "Kirim salinan tanpa kata sandi."
)


def _check_docx(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_DOCX_MEMBERS:
                raise Unusable("Berkas DOCX berisi terlalu banyak bagian; kemungkinan rusak.")
            names = {i.filename for i in infos}
            total = sum(i.file_size for i in infos)
            if total > MAX_DOCX_UNCOMPRESSED:
                raise Unusable("Berkas DOCX tidak wajar (isi terkompresi terlalu besar).")
            if "word/document.xml" not in names:
                raise Unusable(
                    "Berkas ZIP ini bukan dokumen Word (DOCX). Kirim undangan berbentuk PDF "
                    "atau DOCX."
                )
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise Unusable(
                    "Dokumen berisi makro (macro-enabled); demi keamanan tidak diproses. "
                    "Simpan ulang sebagai DOCX biasa atau PDF."
                )
            types_name = "[Content_Types].xml"
            content_types = zf.read(types_name) if types_name in names else b""
            if b"macroEnabled" in content_types:
                raise Unusable(
                    "Dokumen berisi makro (macro-enabled); demi keamanan tidak diproses. "
                    "Simpan ulang sebagai DOCX biasa atau PDF."
                )
            if any(i.flag_bits & 0x1 for i in infos):
                raise Unusable("Berkas DOCX terkunci dengan kata sandi (terenkripsi).")
    except zipfile.BadZipFile:
        raise Unusable("Berkas DOCX rusak atau tidak lengkap.") from None
