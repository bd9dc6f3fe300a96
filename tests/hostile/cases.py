"""The hostile corpus: each input, where it is dropped, and the outcome it must have.

Outcomes:

- ``ditolak``: set aside in ``inbox/ditolak/`` with ``<name>.alasan.txt`` giving the
  reason in Indonesian (and, for an email, a reply to its sender);
- ``diproses``: a harmless oddity (a strange name, a recoverable PDF): the
  invitation is taken, a case opens, names are made harmless;
- ``catatan``: in a stage's ``disetujui/``: left where it is (never followed, never
  read) with ``<name>.galat.txt`` beside it saying why.

Hard links: refused like symbolic links, without reading them (a hard link
to a file elsewhere is that file; reading it would read the other file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.hostile import corpus as c


@dataclass(frozen=True)
class Hostile:
    id: str
    make: Callable[[Path, Path], Path]
    outcome: str                  # "ditolak" | "diproses" | "catatan"
    reason: str = ""              # in the alasan/galat note (Indonesian)
    where: str = "inbox"          # "inbox" | "stage"
    sender_told: bool = False     # an .eml: a reply to its sender is queued

    @property
    def file_like(self) -> bool:
        """Checked directly by the validation functions too (a plain file in the inbox)."""
        return self.where == "inbox" and self.id not in NOT_FILES


NOT_FILES = {"symlink-to-file", "symlink-to-dir", "hardlink-to-file", "directory", "fifo",
             "note-symlink", "note-fifo"}

CASES: list[Hostile] = [
    # PDF
    Hostile("pdf-zero-bytes", c.pdf_zero_bytes, "ditolak", "kosong (0 byte)"),
    Hostile("pdf-truncated", c.pdf_truncated, "ditolak", "rusak"),
    Hostile("pdf-encrypted", c.pdf_encrypted, "ditolak", "terenkripsi"),
    Hostile("pdf-owner-password-only", c.pdf_owner_password_only, "diproses"),
    Hostile("pdf-100-mb", c.pdf_100_mb, "ditolak", "terlalu besar (100.0 MB"),
    Hostile("pdf-5000-pages", c.pdf_5000_pages, "ditolak", "terlalu panjang (5000 halaman"),
    Hostile("pdf-deep-nesting", c.pdf_deep_nesting, "ditolak", "rusak"),
    Hostile("pdf-broken-xref", c.pdf_broken_xref, "diproses"),
    Hostile("pdf-javascript", c.pdf_javascript, "ditolak", "konten aktif (JavaScript)"),
    Hostile("pdf-launch-action", c.pdf_launch_action, "ditolak",
            "konten aktif (perintah menjalankan program)"),
    Hostile("pdf-blank-image-pages", c.pdf_blank_image_pages, "diproses"),
    Hostile("pdf-flate-bomb", c.pdf_flate_bomb, "ditolak", "bom kompresi"),
    Hostile("pdf-no-pages", c.pdf_no_pages, "ditolak", "tidak berisi halaman"),
    Hostile("html-named-pdf", c.html_named_pdf, "ditolak", "Jenis berkas tidak didukung"),
    Hostile("executable-named-pdf", c.executable_named_pdf, "ditolak",
            "Jenis berkas tidak didukung"),
    # DOCX
    Hostile("docx-billion-laughs", c.docx_billion_laughs, "ditolak", "DTD/entitas XML"),
    Hostile("docx-xxe-local-file", c.docx_xxe, "ditolak", "DTD/entitas XML"),
    Hostile("docx-zip-bomb", c.docx_zip_bomb, "ditolak", "tidak wajar"),
    Hostile("docx-macro-renamed", c.docx_macro, "ditolak", "makro"),
    Hostile("docx-encrypted", c.docx_encrypted, "ditolak", "terkunci kata sandi"),
    Hostile("zip-not-docx", c.zip_not_docx, "ditolak", "bukan dokumen Word"),
    Hostile("docx-truncated", c.docx_truncated, "ditolak", "rusak"),
    Hostile("docx-too-many-parts", c.docx_many_members, "ditolak", "terlalu banyak bagian"),
    # Not files
    Hostile("symlink-to-file", c.symlink_to_file, "ditolak", "pintasan"),
    Hostile("symlink-to-dir", c.symlink_to_dir, "ditolak", "pintasan"),
    Hostile("hardlink-to-file", c.hardlink_to_file, "ditolak", "tautan keras"),
    Hostile("directory", c.directory, "ditolak", "bukan berkas biasa"),
    Hostile("fifo", c.fifo, "ditolak", "bukan berkas biasa"),
    Hostile("note-symlink", c.note_symlink, "diproses"),
    Hostile("note-fifo", c.note_fifo, "diproses"),
    # Names
    Hostile("name-newline", c.name_newline, "diproses"),
    Hostile("name-control-chars", c.name_control_chars, "diproses"),
    Hostile("name-255-bytes", c.name_255_bytes, "diproses"),
    Hostile("name-unicode-only", c.name_unicode_only, "diproses"),
    # Email
    Hostile("eml-broken-mime", c.eml_broken_mime, "ditolak", "", sender_told=True),
    Hostile("eml-thousand-attachments", c.eml_thousand_attachments, "ditolak",
            "terlalu banyak lampiran", sender_told=True),
    Hostile("eml-nested-message", c.eml_nested_message, "diproses", sender_told=True),
    Hostile("eml-300-char-attachment-name", c.eml_300_char_name, "diproses", sender_told=True),
    # In a stage's disetujui/
    Hostile("stage-symlink-to-file", c.symlink_to_file, "catatan", "pintasan", where="stage"),
    Hostile("stage-case-named-symlink", c.case_named_symlink, "catatan", "pintasan",
            where="stage"),
    Hostile("stage-hardlink-to-file", c.hardlink_to_file, "catatan", "tautan keras",
            where="stage"),
    Hostile("stage-directory", c.directory, "catatan", "bukan berkas biasa", where="stage"),
    Hostile("stage-fifo", c.fifo, "catatan", "bukan berkas biasa", where="stage"),
    Hostile("stage-unknown-255-byte-name", c.unknown_long_name, "catatan", "tidak dikenali",
            where="stage"),
]

IDS = [h.id for h in CASES]
