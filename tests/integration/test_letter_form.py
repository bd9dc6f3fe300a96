"""Signature block and kop by who signs (Permendagri 1/2023 Art. 44), as LibreOffice renders them.

The Gubernur signs with his name only, under the head of region's kop (the
national emblem, "GUBERNUR KALIMANTAN BARAT"); an agency's head signs with
name, rank and NIP under the agency's kop; the chain's configuration can say
otherwise per signatory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pdfplumber
import pytest

from pipeline.config import load_config
from pipeline.convert import SofficeConverter
from pipeline.core.letter_form import (
    Kop,
    SignatureBlock,
    default_kop,
    default_signature_block,
)
from pipeline.drafting.letter import LetterContext, render_draft
from pipeline.pdf.anchors import measure

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = ROOT / "pipeline" / "resources" / "workspace"
SAMPLE = ROOT / "tests" / "data" / "invitations" / "samples" / "undangan-dev-01.json"
EMBLEM = ROOT / "templates" / "lambang-negara-contoh.png"
KADIS = {"name": "Ir. H. Mahmudin, M.T.", "nip": "196812031994031006",
         "jabatan": "Kepala Dinas Koperasi, Usaha Kecil dan Menengah",
         "email": "kadis@diskopukm.kalbarprov.go.id", "pangkat": "Pembina Utama Muda (IV/c)"}


@pytest.mark.parametrize(("names", "block", "kop"), [
    (("gubernur", "Gubernur", "Gubernur Kalimantan Barat"), SignatureBlock.NAME, Kop.HEAD_OF_REGION),
    (("wagub", "Wakil Gubernur", "Wakil Gubernur Kalimantan Barat"), SignatureBlock.NAME,
     Kop.HEAD_OF_REGION),
    (("bupati", "Bupati", "Bupati Sanggau"), SignatureBlock.NAME, Kop.HEAD_OF_REGION),
    (("walikota", "Wali Kota", "Wali Kota Pontianak"), SignatureBlock.NAME, Kop.HEAD_OF_REGION),
    (("sekda", "Sekretaris Daerah", "Sekretaris Daerah Provinsi Kalimantan Barat"),
     SignatureBlock.NAME, Kop.AGENCY),
    (("kadis", "Kepala Dinas", KADIS["jabatan"]), SignatureBlock.NAME_RANK_NIP, Kop.AGENCY),
])
def test_article_44_defaults(names, block, kop):
    assert default_signature_block(*names) is block
    assert default_kop(*names) is kop


@pytest.fixture(scope="module")
def base():
    config = load_config(WORKSPACE / "spt.toml")
    return config.model_copy(update={"letter": config.letter.model_copy(
        update={"national_emblem": EMBLEM})})


def signed_by(config, **updates):
    """``config`` with its signatory's stage changed (``person`` a dict of PersonConfig)."""
    last = config.stage[-1]
    data = last.model_dump()
    data.update({k: v for k, v in updates.items() if k != "person"})
    data["person"] = {**data["person"], **updates.get("person", {})}
    stages = [*(s.model_dump() for s in config.stage[:-1]), data]
    # Validated anew (not model_copy): the enums become enums, and the chain (the workflow,
    # built once per configuration) is the changed one.
    return type(config).model_validate({**config.model_dump(), "stage": stages})


def rendered(config, tmp_path: Path) -> tuple[str, list, bytes]:
    fields = json.loads(SAMPLE.read_text(encoding="utf-8"))
    ctx = LetterContext.build(config=config, workflow=config.workflow(), fields=fields,
                              assignees=[])
    render_draft(ROOT / "templates" / "spt.docx", ctx, tmp_path / "spt.docx")
    SofficeConverter(tmp_path / "lo").convert(tmp_path / "spt.docx", tmp_path / "spt.pdf")
    pdf = (tmp_path / "spt.pdf").read_bytes()
    with pdfplumber.open(tmp_path / "spt.pdf") as doc:
        first = doc.pages[0]
        text = " ".join(" ".join((p.extract_text() or "").split()) for p in doc.pages)
        top_images = [i for i in first.images if i["top"] < 0.2 * float(first.height)]
        last = doc.pages[-1]
        right = last.crop((0.5 * float(last.width), 0, float(last.width), float(last.height)))
        text += " | " + " ".join((right.extract_text() or "").split())  # the signature column
    return text, top_images, pdf


def test_the_gubernur_signs_with_his_name_under_the_head_of_region_kop(base, tmp_path):
    text, images, pdf = rendered(base, tmp_path)
    assert text.startswith("GUBERNUR KALIMANTAN BARAT SURAT PERINTAH TUGAS")
    assert base.agency.name not in text and base.agency.address not in text
    assert len(images) == 1  # the emblem (here the shipped placeholder), at the top
    assert "H. Arif Rahman Hakim, S.H." in text and "NIP. 19650517" not in text
    measure(pdf, base.workflow())  # the fields still find the signature space


def test_an_agency_head_signs_with_rank_and_nip_under_the_agency_kop(base, tmp_path):
    config = signed_by(base, key="kadis", role="Kepala Dinas", person=KADIS)
    text, images, pdf = rendered(config, tmp_path)
    assert text.startswith(f"{base.agency.government} {base.agency.name}")
    assert "GUBERNUR KALIMANTAN BARAT SURAT" not in text and not images
    assert f"{KADIS['name']} {KADIS['pangkat']} NIP. 19681203 199403 1 006" in text
    measure(pdf, config.workflow())


def test_the_chain_configuration_decides_over_the_defaults(base, tmp_path):
    config = signed_by(base, signature_block="nama_pangkat_nip", kop="dinas",
                       person={"pangkat": "Pembina Utama"})
    text, _images, _pdf = rendered(config, tmp_path)
    assert text.startswith(base.agency.government)
    assert "H. Arif Rahman Hakim, S.H. Pembina Utama NIP. 19650517 199103 1 008" in text
