"""``spt revoke NOMOR --alasan ...``: the agenda, the audit log, and the page say DICABUT."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from pipeline.folders.layout import Workspace
from pipeline.store import Store
from pipeline.web.app import create_app
from tests.integration.web.issued import text_of

pytestmark = pytest.mark.slow

REASON = "Kegiatan dibatalkan oleh penyelenggara"


def spt(root, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True,
                          text=True, timeout=120, cwd=root,
                          env={**os.environ, "SPT_CONFIG": str(root / "spt.toml")})


def test_a_revoked_letter_says_dicabut_with_its_reason(issued, tmp_path):
    copy = issued.copy_to(tmp_path / "ws")
    client = create_app(copy.config).test_client()
    assert "SURAT DEMO" in text_of(client.get(f"/v/{copy.token}").get_data(as_text=True))

    done = spt(copy.root, "revoke", copy.entry.number, "--alasan", REASON, "--oleh", "Sekretaris")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Surat {copy.entry.number} dicabut" in done.stdout

    text = text_of(client.get(f"/v/{copy.token}").get_data(as_text=True))
    assert "DICABUT" in text and "tidak berlaku lagi" in text
    assert f"Alasan: {REASON}" in text
    assert "Asli dan berlaku" not in text and "SURAT DEMO" not in text   # revoked says it all
    assert copy.entry.number in text                         # still shows which letter it was

    checked = client.post(f"/v/{copy.token}", content_type="multipart/form-data",
                          data={"berkas": (io.BytesIO(copy.pdf.read_bytes()), "spt.pdf")})
    result = text_of(checked.get_data(as_text=True))
    assert "Berkas ini adalah SURAT DEMO" in result        # `spt demo`'s letter, DEMO-signed
    assert "SURAT INI TELAH DICABUT" in result and REASON in result

    store = Store(Workspace(copy.config).database, create=False)
    try:
        entry = store.agenda.by_number(copy.entry.number)
        assert entry.revoked_reason == REASON and entry.revoked_at
        (event,) = [e for e in store.audit.all() if e.action == "letter.revoked"]
        assert event.case_id == copy.entry.case_id and event.actor == "Sekretaris"
        assert event.detail == {"number": copy.entry.number, "reason": REASON}
        assert event.file_sha256 == copy.entry.file_sha256
    finally:
        store.close()
    audit = spt(copy.root, "audit", "verify")
    assert audit.returncode == 0, audit.stdout                # the chain still holds

    again = spt(copy.root, "revoke", copy.entry.number, "--alasan", "lagi")
    assert again.returncode == 1 and "sudah dicabut" in again.stderr


def test_revoking_an_unknown_number_is_refused_plainly(issued, tmp_path):
    copy = issued.copy_to(tmp_path / "ws")
    unknown = copy.entry.number.replace("/0001/", "/0999/")
    done = spt(copy.root, "revoke", unknown, "--alasan", REASON)
    assert done.returncode == 1
    assert f"Nomor {unknown} tidak ada di buku agenda" in done.stderr
    empty = spt(copy.root, "revoke", copy.entry.number, "--alasan", "   ")
    assert empty.returncode == 1 and "Alasan pencabutan wajib diisi" in empty.stderr
    store = Store(Workspace(copy.config).database, create=False)
    try:
        assert store.agenda.by_number(copy.entry.number).revoked_at is None
        assert not [e for e in store.audit.all() if e.action == "letter.revoked"]
    finally:
        store.close()
