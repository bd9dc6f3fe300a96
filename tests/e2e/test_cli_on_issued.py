"""The commands people run on an issued letter: verify, agenda, status, audit verify."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader, PdfWriter

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "demo"
    run = subprocess.run([sys.executable, "-m", "pipeline", "demo", str(root)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return root


def spt(root: Path, *args: str) -> subprocess.CompletedProcess:
    env_config = {"SPT_CONFIG": str(root / "spt.toml")}
    import os

    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **env_config})


def issued_pdf(root: Path) -> Path:
    (pdf,) = (root / "arsip").rglob("*.pdf")
    return pdf


def test_verify_exit_code_is_zero_only_for_the_issued_file(demo, tmp_path):
    good = spt(demo, "verify", str(issued_pdf(demo)))
    assert good.returncode == 0, good.stdout
    assert "HASIL: SAH" in good.stdout and "Cap Dinas" in good.stdout
    # In a clerk's words: no pyHanko level, no internal field name.
    for technical in ("FORM_FILLING", "[NONE]", "TTD_", "Paraf_", "Cap_Dinas", "BOTTOM_LINE"):
        assert technical not in good.stdout, technical
    assert "Paraf Kepala Sub Bagian Administrasi dan Umum" in good.stdout
    assert "Tanda tangan Gubernur" in good.stdout
    assert "isi tidak berubah sejak ditandatangani" in good.stdout
    assert "Sesudahnya hanya diisi nomor/tanggal" in good.stdout
    assert " WIB" in good.stdout
    assert "ditandatangani dengan sertifikat DEMO" in good.stdout    # spt demo's keys
    technical_json = spt(demo, "verify", "--json", str(issued_pdf(demo)))
    assert '"modification_level": "FORM_FILLING"' in technical_json.stdout   # kept for programs

    data = bytearray(issued_pdf(demo).read_bytes())
    data[len(data) // 3] ^= 0x20                       # one byte, inside a signed range
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    bad = spt(demo, "verify", str(tampered))
    assert bad.returncode == 1
    assert "TIDAK SAH" in bad.stdout

    resaved = tmp_path / "resaved.pdf"                  # opened and saved again by a tool
    writer = PdfWriter(clone_from=PdfReader(issued_pdf(demo)))
    with open(resaved, "wb") as fh:
        writer.write(fh)
    again = spt(demo, "verify", "--json", str(resaved))
    assert again.returncode == 1
    report = json.loads(again.stdout)
    assert report["registered"] and not report["same_file"]


def test_agenda_as_table_csv_and_xlsx(demo, tmp_path):
    table = spt(demo, "agenda")
    assert table.returncode == 0 and "800.1.11.1/0001/DISKOPUKM/" in table.stdout
    out_csv, out_xlsx = tmp_path / "agenda.csv", tmp_path / "agenda.xlsx"
    assert spt(demo, "agenda", "--csv", str(out_csv), "--xlsx", str(out_xlsx)).returncode == 0
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert len(rows) == 1 and rows[0]["Nomor"].startswith("800.1.11.1/0001/")
    assert "Budi Santoso" in rows[0]["Yang ditugaskan"]
    sheet = load_workbook(out_xlsx).active
    assert sheet["A1"].value == "Nomor" and sheet["A2"].value == rows[0]["Nomor"]


def test_status_and_audit(demo):
    status = spt(demo, "status", "--all", "--json")
    data = json.loads(status.stdout)
    assert [c["status"] for c in data["cases"]] == ["issued"]
    one = spt(demo, "status", data["cases"][0]["case"])
    assert "dikembalikan" in one.stdout and "diterbitkan" in one.stdout
    audit = spt(demo, "audit", "verify")
    assert audit.returncode == 0 and "HASIL: semua cocok." in audit.stdout
