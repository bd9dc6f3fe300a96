"""Building incoming test messages byte by byte (hostile headers included)."""

from __future__ import annotations

import base64
import io
import zipfile
from email.utils import make_msgid

SAMPLES = __import__("pathlib").Path("/work/shared/samples/emails")

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def pdf_variant(tag: str) -> bytes:
    """A distinct small PDF (distinct hash) per tag."""
    return PDF + f"% {tag}\n".encode()


def raw_mail(*, sender: str = "Rina <rina@diskopukm.kalbarprov.go.id>",
             subject: str = "Undangan rapat", body: str = "Mohon dibuatkan SPT.",
             parts: list[tuple[str, bytes]] = (), message_id: str | None = None,
             extra_headers: str = "") -> bytes:
    """A multipart/mixed message; each part is (raw header lines, payload bytes)."""
    boundary = "==SPT-TEST-BOUNDARY=="
    mid = message_id or make_msgid(domain="pengirim.test")
    lines = [
        f"From: {sender}",
        "To: spt@diskopukm.kalbarprov.go.id",
        f"Subject: {subject}",
        "Date: Tue, 06 Oct 2026 09:15:00 +0700",
        f"Message-ID: {mid}",
        "MIME-Version: 1.0",
    ]
    if extra_headers:
        lines += extra_headers.strip("\n").split("\n")
    lines += [f'Content-Type: multipart/mixed; boundary="{boundary}"', "", f"--{boundary}",
              'Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit",
              "", body]
    out = "\r\n".join(lines).encode("utf-8") + b"\r\n"
    for headers, payload in parts:
        encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
        out += (f"--{boundary}\r\n".encode() + headers.strip("\n").replace("\n", "\r\n").encode(
            "utf-8", "surrogateescape") + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + encoded)
    out += f"--{boundary}--\r\n".encode()
    return out


def pdf_part(filename: str, data: bytes = PDF) -> tuple[str, bytes]:
    return (f'Content-Type: application/pdf\nContent-Disposition: attachment; '
            f'filename="{filename}"', data)
