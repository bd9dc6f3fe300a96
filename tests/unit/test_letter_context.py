"""The letter's content: built from config + workflow + invitation fields, rendered with docxtpl."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from pipeline.config import load_config
from pipeline.convert import SofficeConverter
from pipeline.core.letter_form import Kop
from pipeline.drafting.letter import HINTS, LetterContext, render_draft

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "spt.docx"
WORKSPACE = ROOT / "pipeline" / "resources" / "workspace"
SAMPLE = Path("/work/shared/samples/invitations/undangan-dev-01.json")

FIELDS = {
    "nomor": "2815/UN22.9/KS/2026",
    "tanggal": "2026-11-25",
    "hal": "Undangan Workshop Digitalisasi UMKM & Akses Pembiayaan",
    "pengirim": "Otoritas Jasa Keuangan Provinsi Kalimantan Barat",
    "acara": "Workshop Digitalisasi UMKM & Akses Pembiayaan",
    "tanggal_mulai": "2026-12-03",
    "tanggal_selesai": "2026-12-05",
    "waktu": None,
    "tempat": "Ruang Rapat Bappeda Provinsi Kalimantan Barat, Pontianak",
}
SITI = {"nama": "Siti Aminah, S.E., M.M.", "nip": "197803122005012004", "pangkat": "Pembina",
        "golongan": "IV/a", "jabatan": "Kepala Seksi Pemberdayaan UMKM"}


@pytest.fixture(scope="module")
def config():
    return load_config(WORKSPACE / "spt.toml")


def build(config, fields=FIELDS, assignees=(SITI,)) -> LetterContext:
    return LetterContext.build(config=config, workflow=config.workflow(), fields=fields,
                               assignees=list(assignees))


def test_dasar_ends_with_the_invitation_citation(config):
    ctx = build(config)
    assert len(ctx.dasar) == len(config.letter.dasar) + 1
    assert ctx.dasar[0].text.endswith(";")
    assert ctx.dasar[-1].text == (
        "Surat Otoritas Jasa Keuangan Provinsi Kalimantan Barat Nomor 2815/UN22.9/KS/2026 "
        "tanggal 25 November 2026 hal Undangan Workshop Digitalisasi UMKM & Akses Pembiayaan."
    )
    assert ctx.dasar[-1].complete and ctx.missing == []


def test_untuk_starts_with_attending_the_event(config):
    ctx = build(config)
    assert ctx.untuk[0].text == (
        "menghadiri Workshop Digitalisasi UMKM & Akses Pembiayaan pada tanggal "
        "3 s.d. 5 Desember 2026, bertempat di Ruang Rapat Bappeda Provinsi Kalimantan Barat, "
        "Pontianak;"
    )
    assert [p.text for p in ctx.untuk[1:]] == config.letter.untuk_tambahan
    with_time = build(config, {**FIELDS, "waktu": "08.00 WIB"})
    assert ", pukul 08.00 WIB, bertempat di" in with_time.untuk[0].text


def test_unread_fields_become_hints_not_guesses(config):
    fields = {**FIELDS, "hal": None, "tempat": None, "tanggal": "25/11/2026",
              "tanggal_mulai": None}
    ctx = build(config, fields)
    assert not ctx.dasar[-1].complete
    assert HINTS["hal"] in ctx.dasar[-1].text
    assert HINTS["tanggal"] in ctx.dasar[-1].text  # not ISO: not guessed
    assert set(ctx.missing) == {HINTS["hal"], HINTS["tanggal"], HINTS["tanggal_kegiatan"],
                                HINTS["tempat"]}
    nothing = build(config, dict.fromkeys(FIELDS), assignees=())
    assert len(nothing.missing) == 8  # 4 in the citation, 3 in "Untuk", the Kepada table


def test_signatory_paraf_rows_and_assignees(config):
    ctx = build(config)
    wf = config.workflow()
    assert ctx.signatory.name == wf.signatory.person.name
    assert ctx.signatory.nip_formatted == "19650517 199103 1 008"
    reviewers = wf.reviewers[:-1]
    assert [r.no for r in ctx.paraf_rows] == list(range(1, len(reviewers) + 1))
    assert [r.field_name for r in ctx.paraf_rows] == [s.field_name for s in reviewers]
    assert [r.jabatan for r in ctx.paraf_rows] == [s.person.jabatan for s in reviewers]
    (row,) = ctx.kepada
    assert (row.nama, row.nip, row.pangkat_gol) == (
        "Siti Aminah, S.E., M.M.", "19780312 200501 2 004", "Pembina (IV/a)")
    assert row.as_dict() == {k: SITI[k] for k in ("nama", "nip", "pangkat", "golongan",
                                                  "jabatan")}


def test_sample_invitation_fields(config):
    fields = json.loads(SAMPLE.read_text(encoding="utf-8"))
    ctx = build(config, fields)
    assert ctx.missing == []  # "waktu" is optional and absent in this sample


def _document_xml(docx: Path) -> str:
    with zipfile.ZipFile(docx) as zf:
        return zf.read("word/document.xml").decode("utf-8")


def test_render_highlights_what_is_missing(config, tmp_path):
    out = tmp_path / "draft.docx"
    render_draft(TEMPLATE, build(config, {**FIELDS, "hal": None}, assignees=()), out)
    xml = _document_xml(out)
    assert "{{" not in xml and "{%" not in xml
    highlighted = re.findall(r'<w:highlight w:val="yellow"/></w:rPr><w:t[^>]*>([^<]*)</w:t>', xml)
    assert HINTS["hal"] in highlighted
    assert any("isi nama pegawai" in h for h in highlighted)  # the empty Kepada table
    assert "Otoritas Jasa Keuangan" not in "".join(highlighted)
    assert [p.name for p in tmp_path.iterdir()] == ["draft.docx"]  # no temporary left behind


def test_special_characters_survive_rendering_and_libreoffice(config, tmp_path):
    """Integration: without autoescape, LibreOffice printed 'PT A B "q"' (text lost)."""
    nasty = 'PT A & B <Persero> "q"'
    out = tmp_path / "draft.docx"
    render_draft(TEMPLATE, build(config, {**FIELDS, "pengirim": nasty},
                                 assignees=[{**SITI, "nama": nasty}]), out)
    pdf = tmp_path / "draft.pdf"
    converter = SofficeConverter(tmp_path / "lo")
    converter.convert(out, pdf)
    with pdfplumber.open(pdf) as doc:
        text = " ".join(" ".join((p.extract_text() or "").split()) for p in doc.pages)
    assert f"Surat {nasty} Nomor" in text
    assert text.count(nasty) == 2


def test_logo_is_printed_only_when_configured(config, tmp_path):
    # The agency's kop (its logo) is the kop of a letter the agency's head signs.
    config = config.model_copy(update={"stage": [
        *config.stage[:-1], config.stage[-1].model_copy(update={"kop": Kop.AGENCY})]})
    plain, with_logo = tmp_path / "plain.docx", tmp_path / "logo.docx"
    render_draft(TEMPLATE, build(config), plain)
    logo = config.model_copy(update={
        "agency": config.agency.model_copy(update={"logo": ROOT / "templates" / "cap-dinas.png"})})
    render_draft(TEMPLATE, build(logo), with_logo)
    for path, images in ((plain, 0), (with_logo, 1)):
        with zipfile.ZipFile(path) as zf:
            assert len([n for n in zf.namelist() if n.startswith("word/media/")]) == images


def test_template_tags_each_sit_in_one_run():
    """Word splitting a tag across runs breaks docxtpl: every tag opens and closes in one w:t."""
    with zipfile.ZipFile(TEMPLATE) as zf:
        parts = [zf.read(n).decode("utf-8") for n in zf.namelist()
                 if re.fullmatch(r"word/(document|footer\d*|header\d*)\.xml", n)]
    texts = [t for xml in parts for t in re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)]
    tags = [t for t in texts if "{" in t or "}" in t]
    assert len(tags) > 30
    for text in tags:
        assert text.count("{{") == text.count("}}") and text.count("{%") == text.count("%}"), text
    assert any("{%tr for p in kepada %}" in t for t in tags)
    # The signature claim is not page text: a form field filled at issue (pipeline/pdf/review.py).
    assert not any("letter.footer" in t for t in tags)
