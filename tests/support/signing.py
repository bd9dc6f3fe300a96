"""Support for tests and benchmarks of the signing chain (not used by the service).

- :func:`prepared_pdf`: a one-page letter plus ONE pyHanko revision adding every
  signature field and the text fields, a stand-in for
  :mod:`pipeline.pdf.prepare` so signing can be tested on its own.
- :func:`fill_text_fields` / :func:`overwrite_text_field`: a stand-in for
  :mod:`pipeline.pdf.fill`, and the tampering a forger would try after the seal.
- :class:`LocalTsa`: a real RFC 3161 responder over HTTP on 127.0.0.1, answering
  with pyHanko's own :class:`~pyhanko.sign.timestamps.DummyTimeStamper`, so the
  :class:`~pyhanko.sign.timestamps.HTTPTimeStamper` code path runs end to end
  without the network.
"""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields
from pyhanko.sign.timestamps import DummyTimeStamper

from pipeline.config import Config, load_config
from pipeline.signing.demo_pki import DemoPki, create_demo_pki
from pipeline.signing.seal import SEAL_FIELD, seal_field_spec


def demo_workspace(folder: Path, config_text: str | None = None) -> tuple[Config, DemoPki]:
    """A workspace in ``folder`` with the default ``spt.toml`` (or ``config_text``), demo keys and
    a stamp image at ``seal.image``: everything signing needs, nothing else."""
    from pipeline.resources import WORKSPACE

    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "spt.toml"
    if config_text is None:
        shutil.copyfile(WORKSPACE / "spt.toml", config_path)
    else:
        config_path.write_text(config_text, encoding="utf-8")
    config = load_config(config_path)
    pki = create_demo_pki(config)
    if config.seal is not None and not config.seal.image.exists():
        make_stamp_image(config.seal.image)
    return config, pki


def as_approver_stage(config_text: str, stage_key: str) -> str:
    """``config_text`` with stage ``stage_key`` switched to ``signing = "approver"``: the
    service's key for it (as ``spt init`` writes it) replaced by the official's certificate."""
    service_key = (f'signing_key = {{ pkcs12 = "pki/{stage_key}.p12", '
                   f'passphrase = {{ file = "pki/{stage_key}.pass" }} }}')
    if service_key not in config_text:
        raise ValueError(f"no service key for stage {stage_key!r} in this configuration")
    return config_text.replace(
        service_key, f'signing = "approver"\ncertificate = "pki/{stage_key}.pem"')


def make_stamp_image(path: Path, *, size: int = 400) -> Path:
    """A round purple stamp with transparency, like a scanned cap dinas (PNG)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    ink = (90, 40, 150, 255)
    draw.ellipse((6, 6, size - 6, size - 6), outline=ink, width=size // 25)
    draw.ellipse((size // 6, size // 6, size - size // 6, size - size // 6), outline=ink,
                 width=size // 60)
    draw.text((size // 2, size // 2), "CAP DINAS (DEMO)", fill=ink, anchor="mm",
              font_size=size // 14)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path


DEFAULT_SIGNATURE_FIELDS = (
    "Paraf_kasubag", "Paraf_sekretaris", "TTD_inspektur", "TTD_asisten1", "TTD_sekda",
    "TTD_gubernur",
)
DEFAULT_TEXT_FIELDS = ("Nomor", "Tanggal")

_PAGE = (595, 842)  # A4 in points


def build_pdf(objects: list[bytes], *, trailer: bytes = b"") -> bytes:
    """A PDF whose object ``n`` is ``objects[n-1]``; object 1 is the catalog."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, trailer, xref))
    return out.getvalue()


def base_letter() -> bytes:
    """A one-page A4 PDF with a few lines of text (made by hand: no dependency needed)."""
    text = (
        b"BT /F1 14 Tf 72 770 Td (SURAT PERINTAH TUGAS) Tj ET\n"
        b"BT /F1 11 Tf 72 740 Td (Nomor:) Tj ET\n"
        b"BT /F1 11 Tf 72 700 Td (Dasar: surat undangan.) Tj ET\n"
        b"BT /F1 11 Tf 72 680 Td (Kepada: pegawai yang namanya tercantum.) Tj ET\n"
        b"BT /F1 11 Tf 330 640 Td (Pontianak,) Tj ET\n"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>" % _PAGE,
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    return build_pdf(objects)


def prepared_pdf(
    signature_fields: Iterable[str] = DEFAULT_SIGNATURE_FIELDS,
    text_fields: Iterable[str] = DEFAULT_TEXT_FIELDS,
    *,
    seal: bool = True,
    lock_seal: bool = True,
) -> bytes:
    """The letter plus one revision adding the signature fields, ``Cap_Dinas`` and text fields.

    Paraf boxes go in a column on the left, signature boxes on the right, the
    seal over the signatory's box, the text fields near the top; sizes are
    those of a real SPT's paraf table and signature block.
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(base_letter()))
    paraf_y, ttd_y = 620, 620
    last_ttd: tuple[int, int, int, int] = (330, 372, 530, 428)
    for name in signature_fields:
        if name.startswith("Paraf_"):
            box = (72, paraf_y - 40, 222, paraf_y)
            paraf_y -= 48
        else:
            box = last_ttd = (330, ttd_y - 56, 530, ttd_y)
            ttd_y -= 64
        fields.append_signature_field(writer, fields.SigFieldSpec(name, on_page=0, box=box))
    if seal:
        # Over the left part of the signatory's block, as a stamp is placed on paper.
        seal_box = (last_ttd[0] - 40, last_ttd[1] - 20, last_ttd[0] + 56, last_ttd[3] + 20)
        spec = seal_field_spec(seal_box, on_page=0)
        if not lock_seal:
            spec = fields.SigFieldSpec(SEAL_FIELD, on_page=0, box=seal_box)
        fields.append_signature_field(writer, spec)
    y = 736
    for name in text_fields:
        add_text_field(writer, name, (120, y - 4, 420, y + 12))
        y -= 20
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_text_field(writer: IncrementalPdfFileWriter, name: str,
                   box: tuple[float, float, float, float], page: int = 0) -> None:
    """Add an empty, single-widget text field (``/FT /Tx``) to the page."""
    page_ref = writer.find_page_for_modification(page)[0]
    field = generic.DictionaryObject({
        pdf_name("/FT"): pdf_name("/Tx"),
        pdf_name("/T"): generic.TextStringObject(name),
        pdf_name("/Type"): pdf_name("/Annot"),
        pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in box),
        pdf_name("/F"): generic.NumberObject(4),
        pdf_name("/P"): page_ref,
        pdf_name("/DA"): generic.TextStringObject("/Helv 11 Tf 0 g"),
    })
    field_ref = writer.add_object(field)
    page_obj = page_ref.get_object()
    try:
        annots = page_obj["/Annots"]
    except KeyError:
        page_obj["/Annots"] = generic.ArrayObject([field_ref])
        writer.update_container(page_obj)
    else:
        annots.append(field_ref)
        writer.update_container(annots)
    try:
        form = writer.root["/AcroForm"]
    except KeyError:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        writer.root["/AcroForm"] = writer.add_object(form)
        writer.update_root()
    form["/Fields"].append(field_ref)
    writer.update_container(form["/Fields"])


def fill_text_fields(pdf: bytes, values: dict[str, str]) -> bytes:
    """Fill empty text fields in one incremental revision (as :mod:`pipeline.pdf.fill` does)."""
    from pyhanko.pdf_utils.form_tools import populate_static_text_field

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for name, value in values.items():
        populate_static_text_field(writer, name, TextBoxStyle(font_size=10), value)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def overwrite_text_field(pdf: bytes, name: str, value: str) -> bytes:
    """Change an already filled text field in a new revision: the forger's move."""
    from pyhanko.pdf_utils.form_tools import TextFieldContent

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for field_ref in writer.root["/AcroForm"]["/Fields"]:
        field = field_ref.get_object()
        if field.get("/T") == name:
            break
    else:
        raise KeyError(name)
    rect = [float(v) for v in field["/Rect"]]
    content = TextFieldContent(
        writer=writer, text_content=value, text_style=TextBoxStyle(font_size=10),
        box=layout.BoxConstraints(width=rect[2] - rect[0], height=rect[3] - rect[1]),
    )
    content.apply_appearance(field)
    field["/V"] = generic.TextStringObject(value)
    writer.mark_update(field_ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def field_values(pdf: bytes) -> dict[str, str | None]:
    """Text field values by name (a quick look, for tests)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    result: dict[str, str | None] = {}
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/FT") == "/Tx":
            value = field.get("/V")
            result[str(field["/T"])] = None if value is None else str(value)
    return result


class LocalTsa:
    """An RFC 3161 timestamp server on 127.0.0.1 (``with LocalTsa(cert, key) as url: ...``).

    Requests are real HTTP POSTs of DER ``TimeStampReq``; answers are DER
    ``TimeStampResp`` with content type ``application/timestamp-reply``,
    produced by pyHanko's :class:`DummyTimeStamper` (RSA keys only).
    """

    def __init__(self, tsa_cert, tsa_key, extra_certs: Iterable = ()):
        self._stamper = DummyTimeStamper(
            tsa_cert=_to_asn1_cert(tsa_cert),
            tsa_key=_to_asn1_key(tsa_key),
            certs_to_embed=[_to_asn1_cert(c) for c in extra_certs],
        )
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> str:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                req = tsp.TimeStampReq.load(self.rfile.read(length))
                body = tsa._stamper.request_tsa_response(req).dump()
                tsa.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/tsa"

    def __exit__(self, *exc) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _to_asn1_cert(cert) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _to_asn1_key(key) -> asn1_keys.PrivateKeyInfo:
    if isinstance(key, asn1_keys.PrivateKeyInfo):
        return key
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return asn1_keys.PrivateKeyInfo.load(der)
