"""Is this file usable as an invitation? Decided from its bytes, never from its name.

Each refusal carries a reason a clerk can read (Indonesian). Checks are
bounded: sizes are compared before anything is parsed, PDFs are opened
lazily, and a DOCX's declared uncompressed size is checked before any of it
is inflated (zip bombs). Beyond "can it be read", an invitation must be
harmless to pass on, since every official gets it beside the draft:

- a PDF with active content (JavaScript, a launch or import action, an XFA
  form, embedded files) is refused; so is one whose compressed streams would
  inflate beyond :data:`MAX_PDF_INFLATED` (a "flate bomb" that costs the
  reader gigabytes), counted without ever holding more than a chunk;
- a DOCX with a DTD or entity declaration in any XML part (entity expansion
  "billion laughs", external entities reading local files: XXE) is refused;
  Office never writes one. So is a macro-enabled document, whatever its name;
- an encrypted or old-format Word file (an OLE container) is named as such.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from pipeline.extract.limits import ExtractLimits
from pipeline.untrusted.reading import Untrusted, read_untrusted
from pipeline.untrusted.sniff import HEAD_BYTES, FileKind, sniff

MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_DOCX_MEMBERS = 2000
MAX_PDF_INFLATED = 64 * 1024 * 1024       # all compressed non-image streams, inflated
MAX_ACTION_CHAIN = 50
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"}
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class Unusable(Exception):
    """The file cannot be used as an invitation; ``reason`` says why, in Indonesian."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Invitation:
    kind: str        # "pdf" | "docx" | "eml" | "image" (a photo, made a PDF at intake)
    size: int
    pages: int | None = None


def read_file(path: Path, limits: ExtractLimits) -> bytes:
    """The dropped file's bytes, read safely (:mod:`pipeline.untrusted.reading`), or Unusable."""
    try:
        return read_untrusted(path, limits.max_bytes)
    except Untrusted as exc:
        if exc.kind == "too large":
            raise _too_large(path.lstat().st_size, limits) from None
        raise Unusable(_NOT_PLAIN.get(exc.kind, _NOT_PLAIN["not a file"])) from None
    except OSError as exc:
        raise Unusable(f"Berkas tidak dapat dibaca ({exc.__class__.__name__}).") from None


def _too_large(size: int, limits: ExtractLimits) -> Unusable:
    return Unusable(f"Berkas terlalu besar ({size / 1048576:.1f} MB; "
                    f"batas {limits.max_bytes / 1048576:g} MB).")


def check_file(path: Path, limits: ExtractLimits) -> Invitation:
    """Validate ``path`` as a PDF, DOCX, photo or .eml invitation, or raise :class:`Unusable`."""
    return check_bytes(read_file(path, limits), path.name, limits)


def check_bytes(data: bytes, name: str, limits: ExtractLimits) -> Invitation:
    """Validate a file's bytes (``name`` only tells an .eml apart), or raise :class:`Unusable`."""
    size = len(data)
    if size == 0:
        raise Unusable("Berkas kosong (0 byte). Kirim ulang berkas undangan yang lengkap.")
    if size > limits.max_bytes:
        raise _too_large(size, limits)
    kind = sniff(data[:HEAD_BYTES], name)
    if kind is FileKind.PDF:
        return Invitation("pdf", size, check_pdf_bytes(data, limits))
    if kind in (FileKind.ZIP, FileKind.DOCX):  # a small DOCX is whole in the head
        _check_docx(io.BytesIO(data))
        return Invitation("docx", size)
    if kind is FileKind.OLE:
        raise Unusable(
            "Dokumen Word ini terkunci kata sandi (terenkripsi) atau berformat lama (.doc), "
            "sehingga tidak dapat dibaca. Simpan ulang sebagai DOCX tanpa kata sandi, atau PDF."
        )
    if kind is FileKind.EML:
        return Invitation("eml", size)
    if kind is FileKind.IMAGE:
        check_photo_bytes(data)
        return Invitation("image", size, 1)
    raise Unusable(
        "Jenis berkas tidak didukung. Yang dapat diproses: surat undangan berbentuk PDF atau "
        "DOCX, foto surat (JPG/PNG), atau surel (.eml) yang melampirkannya."
    )


def check_photo_bytes(data: bytes) -> None:
    """A photo of the letter that can be read (size from its header only), or Unusable."""
    from pipeline.extract.limits import ExtractionRefused
    from pipeline.extract.photo import check_picture

    try:
        check_picture(data)
    except ExtractionRefused as exc:
        raise Unusable(exc.reason) from None


def check_pdf_bytes(data: bytes, limits: ExtractLimits) -> int:
    """The page count of a usable PDF, or :class:`Unusable`."""
    _check_inflation(data)
    return _check_pdf(io.BytesIO(data), limits)


def _check_pdf(source, limits: ExtractLimits) -> int:
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
        active = _active_content(reader, min(pages, limits.max_pages)) if pages else None
    except Unusable:
        raise
    except Exception:  # pypdf raises many kinds on hostile input; none may stop the service
        raise Unusable(
            "Berkas PDF rusak atau tidak dapat dibaca. Kirim ulang berkas aslinya.") from None
    if pages == 0:
        raise Unusable("Berkas PDF tidak berisi halaman.")
    if pages > limits.max_pages:
        raise Unusable(
            f"Berkas PDF terlalu panjang ({pages} halaman; batas {limits.max_pages} halaman)."
        )
    if active:
        raise Unusable(
            f"Berkas PDF berisi konten aktif ({active}) yang dapat berjalan sendiri saat dibuka; "
            "demi keamanan tidak diproses. Kirim surat undangannya sebagai PDF biasa (cetak ulang "
            "ke PDF)."
        )
    return pages


def _active_content(reader, pages: int) -> str | None:
    """What runs by itself in this PDF (a JavaScript, a launch…), or ``None``."""
    root = reader.trailer["/Root"]
    found = _action_kind(root.get("/OpenAction")) or _additional(root.get("/AA"))
    if found:
        return found
    names = root.get("/Names")
    if names is not None:
        names = names.get_object()
        if "/JavaScript" in names:
            return "JavaScript"
        if "/EmbeddedFiles" in names:
            return "berkas tersemat"
    form = root.get("/AcroForm")
    if form is not None and "/XFA" in form.get_object():
        return "formulir XFA"
    for index in range(pages):
        page = reader.pages[index]
        found = _additional(page.get("/AA"))
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            found = found or _action_kind(annot.get("/A")) or _additional(annot.get("/AA"))
            if annot.get("/Subtype") == "/FileAttachment":
                found = found or "berkas tersemat"
        if found:
            return found
    return None


def _additional(aa) -> str | None:
    if aa is None:
        return None
    aa = aa.get_object()
    for key in list(aa.keys())[:MAX_ACTION_CHAIN]:
        found = _action_kind(aa[key])
        if found:
            return found
    return None


def _action_kind(action) -> str | None:
    for _ in range(MAX_ACTION_CHAIN):
        if action is None:
            return None
        action = action.get_object()
        if not hasattr(action, "get"):  # an explicit destination (an array): harmless
            return None
        kind = action.get("/S")
        if kind in _ACTIVE_ACTIONS:
            return {"/JavaScript": "JavaScript", "/Launch": "perintah menjalankan program",
                    "/ImportData": "impor data", "/RichMediaExecute": "media aktif"}[kind]
        nxt = action.get("/Next")
        if isinstance(nxt, list):
            nxt = nxt[0] if nxt else None
        action = nxt
    return None


def _check_inflation(data: bytes) -> None:
    """Refuse a PDF whose zlib streams would inflate past :data:`MAX_PDF_INFLATED` in total.

    Image streams are left out: readers do not inflate them to read the text
    (OCR renders pages in a separate, pixel-bounded process), and a scan
    stored losslessly is legitimately large once inflated.
    """
    total = 0
    for match in re.finditer(rb"(?<!end)stream\r?\n", data):
        head = data[max(0, match.start() - 2048):match.start()]
        if b"/Image" in head[head.rfind(b"obj") + 1:]:
            continue
        total += _inflated_size(data, match.end(), MAX_PDF_INFLATED - total)
        if total >= MAX_PDF_INFLATED:
            raise Unusable(
                "Berkas PDF tidak wajar: isinya mengembang menjadi lebih dari "
                f"{MAX_PDF_INFLATED // 1048576} MB saat dibuka (bom kompresi); tidak diproses."
            )


def _inflated_size(data: bytes, start: int, cap: int) -> int:
    """How much the zlib stream at ``data[start:]`` inflates to (counting stops at ``cap``).

    A stream that inflates to another zlib stream (a chained FlateDecode) is
    followed one level further; both levels count. Memory stays at one chunk.
    """
    if not _zlib_header(data[start:start + 2]):
        return 0
    outer = zlib.decompressobj()
    inner = None
    size = 0
    pos = start
    try:
        while size < cap and not outer.eof:
            if outer.unconsumed_tail:
                feed = outer.unconsumed_tail
            else:
                feed = data[pos:pos + _CHUNK]
                pos += _CHUNK
                if not feed:
                    break
            out = outer.decompress(feed, _CHUNK)
            if size == 0 and _zlib_header(out[:2]):
                inner = zlib.decompressobj()
            size += len(out)
            if inner is not None and not inner.eof:
                size += _drain(inner, out, cap - size)
    except zlib.error:
        pass  # not (or no longer) zlib data: what inflated so far counts
    return size


def _drain(inflater, data: bytes, cap: int) -> int:
    size = 0
    feed = data
    try:
        while feed and size < cap and not inflater.eof:
            out = inflater.decompress(feed, _CHUNK)
            size += len(out)
            feed = inflater.unconsumed_tail
    except zlib.error:
        pass
    return size


def _zlib_header(two: bytes) -> bool:
    return len(two) == 2 and two[0] & 0x0F == 8 and (two[0] << 8 | two[1]) % 31 == 0


_CHUNK = 1 << 16

_ENCRYPTED = (
    "Berkas PDF terkunci dengan kata sandi (terenkripsi) sehingga tidak dapat dibaca. "
    "Kirim salinan tanpa kata sandi."
)

_NOT_PLAIN = {
    "link": "Ini pintasan (symlink) ke berkas lain, bukan berkas undangan; pintasan tidak "
            "diikuti. Salin berkas undangannya sendiri ke folder ini.",
    "hard link": "Berkas ini adalah tautan keras (hard link) ke berkas lain di komputer ini; "
                 "demi keamanan tidak dibaca. Salin berkas undangannya sendiri ke folder ini.",
    "not a file": "Ini bukan berkas biasa (folder, pintasan/symlink, atau pipa); yang dapat "
                  "diproses hanya berkas undangan PDF, DOCX, atau surel (.eml).",
}


def not_plain_reason(kind: str) -> str:
    """Why an entry that is not a plain file is set aside (Indonesian)."""
    return _NOT_PLAIN.get(kind, _NOT_PLAIN["not a file"])


def _check_docx(source) -> None:
    try:
        with zipfile.ZipFile(source) as zf:
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
                raise Unusable(_MACRO)
            types = "[Content_Types].xml"
            content_types = zf.read(types) if types in names else b""
            if b"macroEnabled" in content_types:
                raise Unusable(_MACRO)
            if any(i.flag_bits & 0x1 for i in infos):
                raise Unusable("Berkas DOCX terkunci dengan kata sandi (terenkripsi).")
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels")) and _declares_dtd(zf, info):
                    raise Unusable(
                        "Berkas DOCX berisi deklarasi DTD/entitas XML (misalnya bom entitas atau "
                        "rujukan ke berkas lain di komputer); demi keamanan tidak diproses. "
                        "Simpan ulang dokumen dari Word sebagai DOCX, atau kirim PDF."
                    )
    except zipfile.BadZipFile:
        raise Unusable("Berkas DOCX rusak atau tidak lengkap.") from None
    except (zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError):
        raise Unusable("Berkas DOCX rusak atau tidak lengkap.") from None


def _declares_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """An XML part declares a DOCTYPE or ENTITY (read in chunks; the overlap catches a split)."""
    tail = b""
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 20):
            if _DTD.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


_MACRO = (
    "Dokumen berisi makro (macro-enabled); demi keamanan tidak diproses. "
    "Simpan ulang sebagai DOCX biasa atau PDF."
)
