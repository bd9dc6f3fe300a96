"""The page behind the QR code, as a visitor sees it (Flask's test client, a real issued letter)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re
import secrets

import pytest

from pipeline.config import WebConfig
from pipeline.core.dates_id import format_date
from pipeline.core.nip import Nip
from pipeline.folders.layout import Workspace
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry
from pipeline.web.app import create_app
from tests.integration.web.issued import text_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(issued):
    return create_app(issued.config, WebConfig(page_rate_limit="1000/minute")).test_client()


def test_the_letter_page_shows_what_the_letter_says(client, issued):
    page = client.get(f"/v/{issued.token}")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    entry = issued.entry

    # `spt demo` signs with the DEMO certificates: the page says so, never "Asli dan berlaku".
    assert "SURAT DEMO – bukan surat dinas yang sah" in text
    assert "Asli dan berlaku" not in text
    assert "DICABUT" not in text
    assert entry.number in text
    assert format_date(entry.letter_date) in text                   # "29 November 2026"
    assert entry.hal in text
    assert "DINAS KOPERASI, USAHA KECIL DAN MENENGAH" in text
    for person in entry.assignees:
        assert person["nama"] in text and person["jabatan"] in text
        assert Nip(person["nip"]).masked() in text
    for role, signer in [("Kepala Sub Bagian Administrasi dan Umum", "Hendra Wijaya, S.E."),
                         ("Gubernur", "H. Arif Rahman Hakim, S.H."),
                         ("Cap Dinas", "DEMO Cap Dinas")]:
        assert re.search(rf"{re.escape(role)} {re.escape(signer)}.*? \d{{1,2}} \w+ \d{{4}}, "
                         r"\d\d\.\d\d WIB ✓ Utuh dan sah", text), (role, text)
    assert text.count("✓ Utuh dan sah") == 7                        # six officials and the seal


def test_the_page_shows_no_internal_data_and_no_full_nip(client, issued):
    html = client.get(f"/v/{issued.token}").get_data(as_text=True)
    for person in issued.entry.assignees:
        nip = Nip(person["nip"])
        assert nip.digits not in html and nip.formatted() not in html
        assert person["email"] not in html
    assert str(issued.root) not in html
    assert "arsip" not in html and issued.entry.archive_path not in html
    assert issued.entry.case_id not in html                         # SPT-2026-0001
    assert issued.entry.pemohon not in html
    assert "@" not in text_of(html)                                   # no e-mail address


def test_the_page_loads_nothing_from_anywhere(client, issued):
    for url in ("/", f"/v/{issued.token}", "/v/" + "x" * 32):
        html = client.get(url).get_data(as_text=True)
        assert "<script" not in html
        assert not re.search(r"\b(src|srcset)=", html)
        assert not re.search(r"https?://", html)
        assert not re.search(r"<link[^>]+stylesheet", html)
        assert "@import" not in html and "url(" not in html


def test_nips_are_shown_in_full_when_masking_is_off(issued):
    config = issued.config
    config = config.model_copy(update={"letter": config.letter.model_copy(
        update={"mask_nip": False})})
    html = create_app(config).test_client().get(f"/v/{issued.token}").get_data(as_text=True)
    for person in issued.entry.assignees:
        assert Nip(person["nip"]).formatted() in html


def test_the_home_page_explains_and_offers_the_upload_but_lists_nothing(client, issued):
    page = client.get("/")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Verifikasi Surat Perintah Tugas" in text and "Pindai kode QR" in text
    assert 'action="/periksa"' in page.get_data(as_text=True)
    assert issued.entry.number not in text and issued.token not in page.get_data(as_text=True)
    assert client.get("/v/").status_code == 404
    assert client.get("/robots.txt").get_data(as_text=True) == "User-agent: *\nDisallow: /\n"


MALFORMED = [
    "abc",                                  # too short
    "x" * 33,                               # too long
    "x" * 5000,
    "!" * 32,                               # not the token alphabet
    "SPT-2026-0001",                        # the case id
    "800.1.11.1/0001/DISKOPUKM/2026",       # the letter number (with slashes)
    "..%2F..%2Fspt.toml",
    "%00" * 11,
]


def test_unknown_and_malformed_tokens_get_the_same_404(client, issued):
    unknown = [secrets.token_urlsafe(24) for _ in range(3)]
    unknown.append(issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B"))
    pages = [client.get(f"/v/{t}") for t in unknown + MALFORMED]
    first = pages[0]
    assert first.status_code == 404
    assert "Surat tidak ditemukan" in text_of(first.get_data(as_text=True))
    for page in pages:
        assert page.status_code == 404
        assert page.get_data() == first.get_data()
        assert dict(page.headers) == dict(first.headers)


def test_an_upload_to_an_unknown_tokens_page_gets_the_same_404(client, issued):
    """Checking a file on a page that does not exist answers as the page would: no check."""
    token = secrets.token_urlsafe(24)
    page = client.get(f"/v/{token}")
    posted = client.post(f"/v/{token}", content_type="multipart/form-data",
                         data={"berkas": (io.BytesIO(issued.pdf.read_bytes()), "spt.pdf")})
    assert posted.status_code == 404
    assert posted.get_data() == page.get_data()
    assert "Surat tidak ditemukan" in text_of(posted.get_data(as_text=True))
    assert dict(posted.headers) == dict(page.headers)

def test_an_unknown_and_a_malformed_token_cost_the_same_queries(client, issued):
    """Same work: the same SQL statements, in the same order (the token never reaches SQL)."""
    client.get(f"/v/{secrets.token_urlsafe(24)}")          # the index is built
    store = client.application.extensions["spt"].store()
    for malformed in MALFORMED:
        traces: list[list[str]] = []
        for token in (secrets.token_urlsafe(24), malformed):
            seen: list[str] = []
            store.conn.set_trace_callback(seen.append)
            try:
                client.get(f"/v/{token}")
            finally:
                store.conn.set_trace_callback(None)
            traces.append(seen)
        assert traces[0] == traces[1] == ["SELECT MAX(rowid) FROM agenda"]


def test_security_headers(client, issued):
    for url in ("/", f"/v/{issued.token}", "/v/unknown"):
        page = client.get(url)
        h = page.headers
        csp = dict(part.strip().split(" ", 1) for part in h["Content-Security-Policy"].split(";"))
        assert csp["default-src"] == "'none'"
        assert csp["img-src"] == "'self' data:"
        assert csp["form-action"] == "'self'"
        assert csp["frame-ancestors"] == "'none'"
        style = re.search(r"<style>(.*?)</style>", page.get_data(as_text=True), re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert csp["style-src"] == f"'sha256-{digest}'"            # only that inline stylesheet
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["X-Frame-Options"] == "DENY"
        assert h["Referrer-Policy"] == "no-referrer"
        assert h["Cache-Control"] == "no-store"
        assert "noindex" in h["X-Robots-Tag"]


def test_a_letter_issued_after_start_up_has_its_page_at_once(issued, tmp_path):
    copy = issued.copy_to(tmp_path / "ws")
    config = copy.config
    client = create_app(config).test_client()
    assert client.get(f"/v/{copy.token}").status_code == 200

    service = Store(Workspace(config).database)            # the service, issuing another letter
    now = dt.datetime.now(dt.UTC)
    with service.transaction():
        case = service.cases.open(now=now, tz=config.tz, source_sha256="ab" * 32,
                                  source_name="undangan-2.pdf", source_ext="pdf", pemohon=None,
                                  assignees=[])
        number = service.register.assign(
            case.id, now=now, tz=config.tz, fmt=config.numbering.format,
            klasifikasi=config.numbering.klasifikasi, unit=config.agency.unit)
        assert client.get(f"/v/{case.verify_token}").status_code == 404   # not issued yet
        service.agenda.record(AgendaEntry(
            number=number.number, case_id=case.id, letter_date=number.letter_date,
            hal="Perintah tugas kedua", assignees=[], pemohon=None,
            file_sha256=copy.entry.file_sha256, archive_path=copy.entry.archive_path,
            recorded_at=now.isoformat()))
    service.close()

    page = client.get(f"/v/{case.verify_token}")
    assert page.status_code == 200
    assert number.number in text_of(page.get_data(as_text=True))
    assert "Perintah tugas kedua" in text_of(page.get_data(as_text=True))


def test_an_unreadable_archive_hides_the_signatures_not_the_status(issued, tmp_path):
    copy = issued.copy_to(tmp_path / "ws")
    copy.pdf.write_bytes(copy.pdf.read_bytes() + b"\n%altered\n")     # no longer the agenda's hash
    page = create_app(copy.config).test_client().get(f"/v/{copy.token}")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Asli dan berlaku" in text and copy.entry.number in text
    assert "Rincian tanda tangan tidak dapat ditampilkan saat ini" in text
    assert "Utuh dan sah" not in text
    assert str(copy.root) not in text and "arsip" not in text
