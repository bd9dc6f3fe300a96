"""Phone photos of a letter: accepted, straightened, made the invitation's PDF (issue 21)."""

from __future__ import annotations

import io
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps
from pypdf import PdfReader

from pipeline.extract import ExtractLimits
from pipeline.extract.limits import ExtractionRefused
from pipeline.extract.photo import TextRows, _tilt, check_picture, photo_to_pdf, text_rows
from pipeline.mail.incoming import parse_message, sniff_kind
from pipeline.untrusted.files import Unusable, check_bytes


def _page(angle: float = 0.0, size: tuple[int, int] = (1240, 1754)) -> Image.Image:
    """A letter-like page: rows of text, turned by ``angle`` degrees."""
    page = Image.new("L", size, 250)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=26)
    for row in range(30):
        draw.text((110, 120 + row * 48), "Dengan hormat, kami mengundang Bapak/Ibu " * 2, font=font)
    return page.rotate(angle, fillcolor=250, expand=False)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def test_a_photo_becomes_a_one_page_pdf_the_same_every_time():
    data = _jpeg(_page(3.0))
    first, second = photo_to_pdf(data), photo_to_pdf(data)
    assert first.startswith(b"%PDF-")
    assert first == second  # the same photo is the same invitation (one case, not two)
    assert len(PdfReader(io.BytesIO(first)).pages) == 1


@pytest.mark.parametrize("angle", [-4.0, 2.5, 0.0])
def test_the_tilt_is_measured_so_it_can_be_turned_away(angle):
    assert _tilt(_page(angle)) == pytest.approx(-angle, abs=0.5)


REAL_PHOTOS = sorted(
    (Path(__file__).resolve().parents[2] / "data" / "real_letters").glob("*-foto.jpg")
)


@pytest.mark.parametrize("path", REAL_PHOTOS, ids=lambda p: p.name[:3])
def test_which_way_the_text_runs_is_told_before_paying_for_orientation_detection(path):
    with Image.open(path) as opened:
        opened.draft("L", (1650, 1650))
        im = opened.convert("L")
    assert text_rows(im) is TextRows.ACROSS
    assert text_rows(im.rotate(90, expand=True)) is TextRows.DOWN
    assert text_rows(im.rotate(270, expand=True)) is TextRows.DOWN
    assert text_rows(im.rotate(180)) is TextRows.ACROSS  # upside down: no quarter turn
    wide = ImageOps.expand(im, (im.width // 2, 0), fill=60)  # a dark desk either side
    assert text_rows(wide) is TextRows.ACROSS
    assert text_rows(wide.rotate(90, expand=True)) is TextRows.DOWN


def test_a_page_without_text_has_no_direction():
    assert text_rows(Image.new("L", (2000, 1400), 245)) is TextRows.UNCLEAR
    assert text_rows(_page(2.5)) is TextRows.ACROSS


def test_a_logo_or_a_broken_picture_is_not_a_letter():
    logo = io.BytesIO()
    Image.new("RGB", (40, 40), (20, 90, 160)).save(logo, "PNG")
    with pytest.raises(ExtractionRefused, match="terlalu kecil"):
        check_picture(logo.getvalue())
    with pytest.raises(ExtractionRefused, match="rusak"):
        check_picture(b"\xff\xd8\xff\xe0" + b"\x00" * 100)


def test_the_intake_accepts_a_photo_and_refuses_a_broken_one():
    assert check_bytes(_jpeg(_page()), "undangan.jpg", ExtractLimits()).kind == "image"
    with pytest.raises(Unusable, match="rusak"):
        check_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "foto.png", ExtractLimits())


def _mail(*attachments: tuple[bytes, str, str, str]) -> bytes:
    msg = EmailMessage()
    msg["From"] = "rina@dinas.go.id"
    msg["To"] = "spt@diskopukm.go.id"
    msg["Subject"] = "Undangan"
    msg["Message-ID"] = "<foto-1@dinas.go.id>"
    msg.set_content("Mohon dibuatkan SPT.")
    for data, maintype, subtype, name in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(msg)


def test_a_mailed_photo_is_the_invitation_only_when_no_document_came_with_it():
    photo = _jpeg(_page())
    assert sniff_kind(photo) == "image"
    alone = parse_message(_mail((photo, "image", "jpeg", "IMG_2031.jpg")), max_bytes=10**8)
    assert [a.kind for a in alone.invitations] == ["image"]
    pdf = photo_to_pdf(photo)
    both = parse_message(
        _mail((photo, "image", "jpeg", "logo.jpg"), (pdf, "application", "pdf", "undangan.pdf")),
        max_bytes=10**8,
    )
    assert [a.kind for a in both.invitations] == ["pdf"]


def test_a_mailed_logo_is_not_taken_for_the_letter():
    logo = io.BytesIO()
    Image.new("RGB", (48, 48), (20, 90, 160)).save(logo, "PNG")
    msg = parse_message(
        _mail(
            (logo.getvalue(), "image", "png", "logo.png"),
            (_jpeg(_page()), "image", "jpeg", "IMG_1.jpg"),
        ),
        max_bytes=10**8,
    )
    assert [a.name for a in msg.invitations] == ["IMG_1.jpg"]
