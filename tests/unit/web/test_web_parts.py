"""The verification page's small parts: tokens, NIP masking, times, settings."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from pipeline.config import WebConfig, load_config
from pipeline.resources import WORKSPACE
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry
from pipeline.untrusted.sniff import is_pdf as looks_like_pdf
from pipeline.web.letters import employee_views, format_moment, public_nip
from pipeline.web.tokens import TokenIndex, well_formed
from pipeline.web.upload import format_mb

TZ = ZoneInfo("Asia/Pontianak")


def test_token_form():
    assert well_formed(secrets.token_urlsafe(24))
    for bad in ("", "a" * 31, "a" * 33, "a" * 31 + "/", "a" * 31 + "=", "é" * 32):
        assert not well_formed(bad)


def test_only_issued_letters_are_found_by_token(tmp_path):
    store = Store(tmp_path / "spt.sqlite3")
    index = TokenIndex()
    now = dt.datetime(2026, 11, 29, 4, 0, tzinfo=dt.UTC)
    with store.transaction():
        case = store.cases.open(now=now, tz=TZ, source_sha256="cd" * 32, source_name="u.pdf",
                                source_ext="pdf", pemohon=None, assignees=[])
    assert index.case_for(store, case.verify_token) is None          # in the chain: no page
    with store.transaction():
        number = store.register.assign(case.id, now=now, tz=TZ, fmt="{urut:04d}/X/{tahun}",
                                       klasifikasi="800", unit="X")
        store.agenda.record(AgendaEntry(
            number=number.number, case_id=case.id, letter_date=number.letter_date, hal="h",
            assignees=[], pemohon=None, file_sha256="ef" * 32, archive_path="arsip/x.pdf",
            recorded_at=now.isoformat()))
    assert index.case_for(store, case.verify_token) == case.id
    assert index.case_for(store, case.verify_token[:-1]) is None
    assert index.case_for(store, secrets.token_urlsafe(24)) is None
    assert index.case_for(store, "0" * 32) is None                     # the decoy
    assert index.case_for(store, case.id) is None


def test_nip_on_the_page():
    assert public_nip("196508091986031012", mask=True) == "19****** 198603 1 ***"
    assert public_nip("19650809 198603 1 012", mask=False) == "19650809 198603 1 012"
    assert public_nip("", mask=False) == "—"
    assert public_nip("12345", mask=True) == "—"                       # never printed raw
    (view,) = employee_views([{"nama": "A", "nip": "196508091986031012", "pangkat": "Pembina",
                               "golongan": "IV/a", "jabatan": "Kepala"}], mask=True)
    assert view.pangkat == "Pembina (IV/a)" and view.nip.endswith("***")


def test_times_are_written_the_indonesian_way():
    moment = dt.datetime(2026, 11, 29, 4, 30, tzinfo=dt.UTC)
    assert format_moment(moment, TZ) == "29 November 2026, 11.30 WIB"
    assert format_moment(moment, ZoneInfo("Asia/Makassar")) == "29 November 2026, 12.30 WITA"


def test_web_settings(tmp_path):
    shipped = (WORKSPACE / "spt.toml").read_text(encoding="utf-8")
    without_web = re.sub(r"^\[web\].*?(?=^\[)", "", shipped, flags=re.S | re.M)
    assert "[web]" in shipped and "[web]" not in without_web
    (tmp_path / "spt.toml").write_text(without_web, encoding="utf-8")
    assert load_config(tmp_path / "spt.toml").web == WebConfig()       # no [web]: defaults
    settings = WebConfig(max_upload_mb=10)
    assert settings.max_upload_bytes == 10 * 1024 * 1024
    assert format_mb(settings.max_upload_bytes) == "10"
    assert format_mb(512 * 1024) == "0,5"
    with pytest.raises(ValidationError, match="not a rate limit"):
        WebConfig(rate_limit="sering")
    with pytest.raises(ValidationError):
        WebConfig(unknown=1)


def test_pdf_sniffing():
    assert looks_like_pdf(b"%PDF-1.7\n...")
    assert looks_like_pdf(b"\xef\xbb\xbfjunk\n%PDF-1.4")
    assert not looks_like_pdf(b"PK\x03\x04")
    assert not looks_like_pdf(b"x" * 2000 + b"%PDF-1.7")
