"""The public page and ``spt verify`` on the attack files: never "asli", always a reason.

On a really issued letter (``spt demo``): each shadow attack added after issue, the
file with 400 revisions that took the page down, and the forgery of the issue's
point 4 (the unsigned draft with a registered number written in and a self-signed
"signature" in the Gubernur's field, which the page used to call "Surat ini asli").
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields

from pipeline.config import WebConfig
from pipeline.web.app import create_app
from tests.integration.web.test_upload import AGENCY, ISSUED, upload, verdict
from tests.support.pdf import ThrowawayPki, sign
from tests.support.shadow import Carrier, Effect, attacked, many_revisions
from tests.support.signing import fill_text_fields

pytestmark = pytest.mark.slow

ASK = f"tanyakan keaslian surat ini langsung kepada {AGENCY}"
NOT_GENUINE = "Berkas ini bukan berkas yang diterbitkan; isinya tidak dapat dipastikan asli"
UNPROVEN = f"Berkas ini tidak dapat dinyatakan sebagai SPT asli {AGENCY}"


@pytest.fixture(scope="module")
def client(issued):
    return create_app(issued.config, WebConfig(rate_limit="1000/minute")).test_client()


def spt_verify(issued, pdf: bytes, folder: Path) -> subprocess.CompletedProcess:
    path = folder / "periksa.pdf"
    path.write_bytes(pdf)
    return subprocess.run([sys.executable, "-m", "pipeline", "verify", "--config",
                           str(issued.config_path), str(path)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("carrier", list(Carrier), ids=[c.value for c in Carrier])
def test_an_attack_after_issue_is_not_genuine_on_the_page_nor_in_spt_verify(
        client, issued, carrier, tmp_path):
    pdf = attacked(issued.pdf.read_bytes(), Effect.HIDE_AND_REPLACE, carrier,
                   field="Cap_Dinas")
    kind, text = verdict(upload(client, pdf))
    assert kind == "berkas-lain"
    assert NOT_GENUINE in text and ASK in text
    assert ISSUED not in text and "Surat ini asli" not in text
    assert "Yang ditemukan pada berkas ini" in text and "revisi" in text
    run = spt_verify(issued, pdf, tmp_path)
    assert run.returncode == 1
    assert "HASIL: TIDAK SAH" in run.stdout and "revisi" in run.stdout


def test_four_hundred_revisions_are_refused_plainly(client, issued, tmp_path):
    pdf = many_revisions(issued.pdf.read_bytes(), 400)
    kind, text = verdict(upload(client, pdf))
    assert kind == "tidak-diperiksa"
    assert "Berkas ini tidak dapat diperiksa" in text
    assert "revisi; surat kami paling banyak 24" in text
    run = spt_verify(issued, pdf, tmp_path)
    assert run.returncode == 1
    assert "revisi; surat kami paling banyak 24" in run.stdout


def _unsigned_draft(issued) -> bytes:
    """The letter as the service prepared it, before any mark (kept in the case's files)."""
    for path in sorted((issued.root / "state" / "cases").glob("*/files/*.pdf")):
        data = path.read_bytes()
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if "/AcroForm" in reader.root and not list(
                fields.enumerate_sig_fields(reader, filled_status=True)):
            return data
    raise AssertionError("no unsigned prepared letter in the case's files")


def test_a_forged_letter_with_a_real_number_is_called_what_it_is(client, issued, tmp_path):
    draft = fill_text_fields(_unsigned_draft(issued), {"Nomor": issued.entry.number})
    forger = ThrowawayPki(tmp_path / "pki").signer("H. Arif Rahman Hakim, S.H.")
    forged = sign(draft, "TTD_gubernur", forger)
    kind, text = verdict(upload(client, forged))
    assert kind == "tidak-terbukti"
    assert UNPROVEN in text and ASK in text
    assert "asli yang diterbitkan" not in text and "Surat ini asli" not in text
    assert issued.entry.hal not in text and "tercatat" not in text
    run = spt_verify(issued, forged, tmp_path)
    assert run.returncode == 1 and "HASIL: TIDAK SAH" in run.stdout
