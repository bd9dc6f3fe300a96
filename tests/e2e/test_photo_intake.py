"""A phone photo of an invitation dropped in inbox/: the real service drafts from it (issue 21).

The photo (a JPG of a real, published letter: tilted, keystoned, a shadow across the
page, a table around it) goes in as a clerk would put it there. The draft appears in the
drafting folder with the fields read from the photo, the invitation every official sees
beside the draft is a PDF of the straightened photo, and the photo itself is kept in
inbox/diproses/.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from .test_chain import NOTE
from .test_reading import _docx_text

pytestmark = pytest.mark.slow

REAL = Path(__file__).resolve().parent.parent / "data" / "real_letters"
PHOTO = REAL / "r02-kemenag-pendis-bimtek-foto.jpg"


def test_a_phone_photo_in_the_inbox_becomes_a_draft(office):
    office.service.start()
    o, ws = office.officials, office.ws
    o.drop_invitation(PHOTO, name="IMG_20231020_0915.jpg", note=NOTE)
    case = o.new_cases(set(), timeout=180)[0]
    truth = json.loads(PHOTO.with_suffix(".json").read_text(encoding="utf-8"))

    stored = office.store().cases.get(case)
    for key in ("tanggal", "hal", "tanggal_mulai", "tanggal_selesai", "tempat"):
        assert stored.fields[key] == truth[key], key
    assert stored.source_ext == "pdf"

    invitation = ws.folder(0).root / f"{case}-undangan.pdf"
    assert invitation.read_bytes().startswith(b"%PDF-")
    pages = subprocess.run(
        ["pdfinfo", str(invitation)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Pages:\s+1$", pages, re.M)

    draft = _docx_text(ws.folder(0).root / f"{case}.docx")
    assert "19 Oktober 2023" in draft  # the Dasar cites the invitation's date
    assert (ws.inbox_accepted / "IMG_20231020_0915.jpg").exists()
    assert not (ws.inbox_rejected / "IMG_20231020_0915.jpg").exists()


def test_a_picture_too_small_to_be_a_letter_is_refused_with_a_reason(office, tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (64, 64), (20, 90, 160)).save(logo)
    office.service.start()
    o, ws = office.officials, office.ws
    o.drop_invitation(logo)
    reason = ws.inbox_rejected / "logo.png.alasan.txt"
    from pipeline.simulate import wait_until

    wait_until(reason.exists, timeout=60, what="the refusal's reason")
    assert "terlalu kecil" in reason.read_text(encoding="utf-8")


def test_a_mailed_photo_becomes_a_draft_and_its_sender_the_pemohon(office, tmp_path):
    """An e-mail (here dropped in inbox/ as .eml, the path IMAP mail takes too) carrying only
    a phone photo of the letter, plus a logo: the photo is the invitation."""
    from email.message import EmailMessage

    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (48, 48), (20, 90, 160)).save(logo)
    msg = EmailMessage()
    msg["From"] = "Rina <rina.agenda@diskopukm.kalbarprov.go.id>"
    msg["To"] = "spt@diskopukm.kalbarprov.go.id"
    msg["Subject"] = "Fwd: undangan bimtek (foto)"
    msg["Message-ID"] = "<foto-undangan-1@diskopukm.kalbarprov.go.id>"
    msg.set_content(NOTE)
    msg.add_attachment(logo.read_bytes(), maintype="image", subtype="png", filename="logo.png")
    msg.add_attachment(PHOTO.read_bytes(), maintype="image", subtype="jpeg", filename="IMG_1.jpg")
    eml = tmp_path / "undangan-foto.eml"
    eml.write_bytes(bytes(msg))

    office.service.start()
    o = office.officials
    o.drop_invitation(eml)
    (case,) = o.new_cases(set(), timeout=180)
    stored = office.store().cases.get(case)
    truth = json.loads(PHOTO.with_suffix(".json").read_text(encoding="utf-8"))
    assert stored.fields["tanggal_mulai"] == truth["tanggal_mulai"]
    assert stored.pemohon == "rina.agenda@diskopukm.kalbarprov.go.id"
    assert stored.source_ext == "pdf"
