"""The verification page says whether a letter carries long-term validation data, checks
that it does prove the letter after its certificates expire (the B-LTA validation, in a
bounded child), and recognises an archive renewed by ``spt perpanjang`` as the issued
letter."""

from __future__ import annotations

import io
import re

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from pipeline.config import WebConfig
from pipeline.core.dates_id import format_date
from pipeline.folders.layout import Workspace
from pipeline.ops.renew import renew_archive
from pipeline.signing.longterm import after_expiry
from pipeline.signing.ltv import archive_timestamps
from pipeline.signing.seal import SEAL_FIELD
from pipeline.store import Store
from pipeline.web.app import create_app
from tests.integration.web.issued import text_of

pytestmark = pytest.mark.slow

# The letters here are signed with the DEMO certificates: the page never calls them "asli"
# (issue 20), but recognises them as the issued file.
ISSUED = "Berkas ini adalah SURAT DEMO – bukan surat dinas yang sah"


def _check(config, data: bytes) -> tuple[str, str]:
    client = create_app(config, WebConfig(rate_limit="1000/minute")).test_client()
    page = client.post("/periksa", data={"berkas": (io.BytesIO(data), "spt.pdf")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    found = re.search(r'data-verdict="([^"]+)"', html)
    return (found.group(1) if found else ""), text_of(html)


def test_issued_demo_letter_is_said_to_carry_long_term_data(issued):
    kind, text = _check(issued.config, issued.pdf.read_bytes())
    assert kind == "diterbitkan" and ISSUED in text
    assert "data validasi jangka panjang (PAdES B-LTA)" in text
    assert "Cap waktu arsipnya berlaku sampai" in text
    assert "sama persis" in text
    # The long-term validation itself ran, at a date after every certificate expired.
    day = format_date(after_expiry(issued.pdf.read_bytes()).astimezone(issued.config.tz).date())
    assert (f"Pemeriksaan jangka panjang: pada {day}, sesudah sertifikat penanda tangan "
            "terakhir kedaluwarsa, semua tanda tangan masih terbukti sah") in text, text


def test_a_copy_without_the_validation_data_is_said_not_to_prove_itself_later(issued):
    """The issued letter cut back to its sealed revision (what a B-T letter is): still a
    valid, trusted copy today, but the long-term validation says it cannot be proved once
    its certificates have expired, naming the signatures."""
    data = issued.pdf.read_bytes()
    seal = next(s for s in PdfFileReader(io.BytesIO(data)).embedded_signatures
                if s.field_name == SEAL_FIELD)
    start, length = seal.byte_range[2], seal.byte_range[3]
    sealed = data[:start + length]
    kind, text = _check(issued.config, sealed)
    assert kind == "salinan-sah", text
    assert "tidak memuat data validasi jangka panjang" in text
    day = format_date(after_expiry(sealed).astimezone(issued.config.tz).date())
    assert f"Pemeriksaan jangka panjang: pada {day}" in text
    assert "Paraf Kepala Sub Bagian" in text.split("Pemeriksaan jangka panjang")[1]
    assert "tidak dapat dibuktikan dari data di dalam berkas ini saja" in text


def test_renewed_archive_is_still_the_issued_letter(issued, tmp_path):
    letter = issued.copy_to(tmp_path / "ws")
    config = letter.config
    before = letter.pdf.read_bytes()
    store = Store(Workspace(config).database)
    try:
        result = renew_archive(config, force=True, store=store)
    finally:
        store.close()
    assert result.renewed == [letter.entry.number] and not result.failed
    after = letter.pdf.read_bytes()
    assert after.startswith(before) and len(archive_timestamps(after)) == 2
    kind, text = _check(config, after)
    assert kind == "diterbitkan" and ISSUED in text
    assert "cap waktu arsip tambahan" in text and "sama persis" not in text
