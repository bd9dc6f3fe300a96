"""Taking a visitor's PDF: size-limited, kept in memory, never written anywhere.

Werkzeug spools a multipart file part larger than 500 KB to a temporary file;
:class:`InMemoryRequest` keeps every part in memory instead (the request body
is already bounded by ``MAX_CONTENT_LENGTH`` and, under waitress, by
``max_request_body_size`` with ``inbuf_overflow`` as large, so waitress does
not spool it either). The bytes live as long as the request and are never
stored.
"""

from __future__ import annotations

import io
from typing import IO

from flask import Request
from werkzeug.datastructures import FileStorage

from pipeline.untrusted.sniff import is_pdf

FIELD = "berkas"
# Room for the multipart framing and the form's other fields around the file itself.
FRAMING_ALLOWANCE = 64 * 1024


class InMemoryRequest(Request):
    """A Flask request whose uploaded files stay in memory."""

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> IO[bytes]:
        return io.BytesIO()


class UploadRefused(Exception):
    """The upload is not something we check; ``str()`` says why, in Indonesian."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def read_upload(file: FileStorage | None, *, max_bytes: int) -> bytes:
    """The uploaded PDF's bytes, or :class:`UploadRefused` saying what is wrong with it."""
    if file is None or not (file.filename or "").strip():
        raise UploadRefused("Pilih berkas PDF terlebih dahulu, lalu tekan Periksa.")
    data = file.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRefused(too_large_message(max_bytes), status=413)
    if not data:
        raise UploadRefused("Berkas yang diunggah kosong.")
    if not is_pdf(data):
        raise UploadRefused(
            "Berkas ini bukan PDF. Unggah berkas SPT dalam format PDF "
            "seperti yang Anda terima (bukan foto, hasil pindai, atau dokumen Word)."
        )
    return data


def format_mb(max_bytes: int) -> str:
    """``10`` or ``0,5``: megabytes, written the Indonesian way."""
    return f"{max_bytes / (1024 * 1024):.1f}".removesuffix(".0").replace(".", ",")


def too_large_message(max_bytes: int) -> str:
    return (f"Berkas terlalu besar: paling besar {format_mb(max_bytes)} MB. "
            "Berkas SPT elektronik biasanya jauh lebih kecil; pastikan Anda mengunggah "
            "berkas PDF yang Anda terima.")
