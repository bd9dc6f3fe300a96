"""``spt sop``: the SOP sheet derived from the configured chain, as an auditor would read it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.config import HANDOVER_KEY, Config, HandoverConfig, SopConfig, StepText, load_config
from pipeline.resources import WORKSPACE
from pipeline.sop.cli import sop_command
from pipeline.sop.flow import (
    SopError,
    derive,
    sop_steps,
)
from pipeline.sop.sheet import render_sop_pdf, render_sop_png, wrap

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="pdftotext (poppler-utils) not installed")

DEFAULT_ROLES = [
    "Pemohon", "Pengadministrasi Kepegawaian", "Pengadministrasi Umum",
    "Kepala Sub Bagian Administrasi dan Umum", "Sekretaris", "Inspektur",
    "Asisten Pemerintahan dan Kesejahteraan Rakyat", "Sekretaris Daerah", "Gubernur",
]

THREE_STAGES = '''
[[stage]]
key = "kepegawaian"
role = "Pengadministrasi Kepegawaian"
action = "draft"
mutu_baku = 15
folder = "01-kepegawaian"
[stage.person]
name = "Dewi Lestari"
nip = "199005122015032003"
jabatan = "Pengadministrasi"
email = "a@x.go.id"

[[stage]]
key = "sekretaris"
role = "Sekretaris Dinas"
action = "paraf"
mutu_baku = 20
folder = "02-sekretaris"
signing_key = { pkcs12 = "pki/sekretaris.p12", passphrase = { file = "pki/sekretaris.pass" } }
[stage.person]
name = "Agus Salim"
nip = "196907211994031005"
jabatan = "Sekretaris"
email = "b@x.go.id"

[[stage]]
key = "kadis"
role = "Kepala Dinas"
action = "tandatangan"
mutu_baku = 30
folder = "03-kadis"
signing_key = { pkcs12 = "pki/kadis.p12", passphrase = { file = "pki/kadis.pass" } }
[stage.person]
name = "Bambang Sutrisno"
nip = "196703101992031007"
jabatan = "Kepala Dinas"
email = "c@x.go.id"

'''


def write_config(folder: Path, chain: str | None = None) -> Config:
    folder.mkdir(parents=True, exist_ok=True)
    text = (WORKSPACE / "spt.toml").read_text(encoding="utf-8")
    if chain is not None:
        head, rest = text.split("[[stage]]", 1)
        text = head + chain + rest[rest.index("# --- Automatic steps"):]
    (folder / "spt.toml").write_text(text, encoding="utf-8")
    return load_config(folder / "spt.toml")


@pytest.fixture(scope="module")
def default_config(tmp_path_factory) -> Config:
    return write_config(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def three_config(tmp_path_factory) -> Config:
    return write_config(tmp_path_factory.mktemp("three"), THREE_STAGES)


def pdf_text(pdf: Path, page: int | None = None) -> str:
    """The PDF's text in drawing order, line-end hyphens joined, whitespace collapsed."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    raw = subprocess.run(["pdftotext", "-raw", *pages, str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return " ".join(re.sub(r"(\w)-\n(\w)", r"\1\2", raw).split())


# --- the rows: the transcription's table -------------------------------------------------


def test_default_chain_gives_the_sops_eleven_steps(default_config):
    steps = sop_steps(default_config)
    assert [(s.number, s.performer, s.kind, s.waktu) for s in steps] == [
        (1, "pemohon", "start", ""),
        (2, "kepegawaian", "process", "15 menit"),
        (3, "kasubag", "decision", "10 menit"),
        (4, "sekretaris", "decision", ""),
        (5, "inspektur", "decision", "10 menit"),
        (6, "asisten1", "decision", "10 menit"),
        (7, "sekda", "decision", ""),
        (8, "gubernur", "decision", "10 menit"),
        (9, "kasubag", "process", "10 menit"),
        (10, "umum", "process", "10 menit"),
        (11, "pemohon", "end", "5 menit"),
    ]


def test_returns_go_back_one_step_and_agreement_forward(default_config):
    steps = sop_steps(default_config)
    # "Tidak": step 3 (kasubag) back to step 2 (kepegawaian), ..., step 8 back to step 7.
    assert [(s.number, steps[s.no_to].number) for s in steps if s.no_to is not None] == [
        (3, 2), (4, 3), (5, 4), (6, 5), (7, 6), (8, 7)]
    assert [s.yes_to for s in steps] == [*range(1, 11), None]


def test_marks_and_kelengkapan_as_in_the_sop(default_config):
    steps = {s.number: s for s in sop_steps(default_config)}
    assert "diparaf" in steps[3].activity and "diteruskan kepada Sekretaris" in steps[3].activity
    assert "ditandatangani" in steps[5].activity
    assert "Kepala Sub Bagian Administrasi dan Umum" in steps[8].activity  # to the handover
    assert steps[8].output == "SPT yang telah ditandatangani"
    assert steps[3].kelengkapan == "Draft SPT, surat undangan"
    assert "Pengadministrasi Umum" in steps[9].activity
    assert "buku agenda" in steps[10].activity and "buku agenda" in steps[10].kelengkapan
    assert steps[11].activity == "Menerima SPT dan menandatangani tanda terima"


def test_roles_in_the_sops_column_order(default_config):
    assert [r.label for r in derive(default_config).roles] == DEFAULT_ROLES


# --- the printed sheet ---------------------------------------------------------------------


@needs_poppler
def test_default_sheet_pdf(default_config, tmp_path):
    pdf = render_sop_pdf(default_config, tmp_path / "sop.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+2", info)
    assert re.search(r"Page size:\s+841\.\d+ x 595\.\d+", info)       # A4 landscape
    text = pdf_text(pdf)
    for label in ("Nomor SOP", "000.8/1619.4/DISKOPUKM.A", "Tanggal Pembuatan",
                  "31 Agustus 2023", "Tanggal Revisi", "Tanggal Efektif", "Disahkan oleh",
                  "KEPALA DINAS KOPERASI, USAHA KECIL DAN MENENGAH", "Nama SOP",
                  "PENERBITAN SURAT PERINTAH TUGAS", "Dasar Hukum", "Undang-Undang Nomor 5 "
                  "Tahun 2014", "Kualifikasi Pelaksana", "Keterkaitan", "Peralatan/Perlengkapan",
                  "Peringatan", "Pencatatan dan Pendataan", "SUB BAGIAN UMUM DAN APARATUR"):
        assert label in text, label
    flow = pdf_text(pdf, 2)
    for heading in ("No", "Aktivitas", "Pelaksana", "Mutu Baku", "Kelengkapan", "Waktu",
                    "Output", "Keterangan"):
        assert heading in flow
    for role in DEFAULT_ROLES:
        assert role in flow, role
    for words in ("Menyerahkan surat undangan dari K/L/D/I", "membuat draft SPT",
                  "Memeriksa draft SPT", "diparaf dan diteruskan kepada Sekretaris",
                  "ditandatangani dan diteruskan kepada Asisten",
                  "ditandatangani dan diteruskan kepada Gubernur",
                  "Menyerahkan SPT yang telah ditandatangani kepada Pengadministrasi Umum",
                  "Memberi nomor surat keluar", "membubuhkan cap dinas",
                  "mencatat di buku agenda", "Menerima SPT dan menandatangani tanda terima"):
        assert words in flow, words
    assert flow.count("15 menit") == 1
    assert flow.count("10 menit") == 6
    assert flow.count("5 menit") == 2          # "15 menit" contains it too
    assert flow.count("Ya") >= 6 and flow.count("Tidak") == 6
    assert "Halaman 2 dari 2" in flow


@needs_poppler
def test_a_three_stage_chain_changes_the_sheet(three_config, tmp_path):
    sheet = derive(three_config)
    assert [r.label for r in sheet.roles] == [
        "Pemohon", "Pengadministrasi Kepegawaian", "Pengadministrasi Umum", "Sekretaris Dinas",
        "Kepala Dinas"]
    # No kasubag in this chain: no hand-over row; 6 steps.
    assert [s.performer for s in sheet.steps] == [
        "pemohon", "kepegawaian", "sekretaris", "kadis", "umum", "pemohon"]
    pdf = render_sop_pdf(three_config, tmp_path / "sop3.pdf")
    flow = pdf_text(pdf, 2)
    for role in ("Sekretaris Dinas", "Kepala Dinas", "Pengadministrasi Kepegawaian"):
        assert role in flow
    for gone in ("Gubernur", "Inspektur", "Asisten", "Sekretaris Daerah", "Kepala Sub Bagian"):
        assert gone not in flow, gone
    assert "20 menit" in flow and "30 menit" in flow
    assert "diteruskan kepada Pengadministrasi Umum" in flow    # the signatory, straight on


def test_png_shows_both_pages(default_config, tmp_path):
    import matplotlib.image as mpimg

    png = render_sop_png(default_config, tmp_path / "sop.png", dpi=50)
    image = mpimg.imread(str(png))
    height, width = image.shape[:2]
    assert width == pytest.approx(297 / 25.4 * 50, abs=2)
    assert height > 2 * 210 / 25.4 * 50          # two landscape pages, one below the other


# --- [sop] settings --------------------------------------------------------------------------


def with_sop(config: Config, sop: SopConfig) -> Config:
    """``config`` with ``sop`` as its ``[sop]`` table."""
    return config.model_copy(update={"sop": sop})


def test_identity_and_wording_come_from_sop_settings(default_config, tmp_path):
    sop = SopConfig(nomor="800/12/SET", disahkan_nama="Dr. Ir. Siti Aminah, M.Si.",
                    steps={"kasubag": StepText(keterangan="Paraf basah atau elektronik")},
                    role_labels={"asisten1": "Asisten I"})
    config = with_sop(default_config, sop)
    sheet = derive(config)
    assert sheet.roles[6].label == "Asisten I"
    assert sheet.steps[2].keterangan == "Paraf basah atau elektronik"
    if shutil.which("pdftotext"):
        text = pdf_text(render_sop_pdf(config, tmp_path / "s.pdf"))   # type: ignore[arg-type]
        assert "800/12/SET" in text and "Dr. Ir. Siti Aminah, M.Si." in text
        assert "Paraf basah atau elektronik" in text and "Asisten I" in text


def test_handover_can_be_switched_off(default_config):
    sop = SopConfig(handover=HandoverConfig(enabled=False))
    steps = sop_steps(with_sop(default_config, sop))
    assert len(steps) == 10 and HANDOVER_KEY not in [s.key for s in steps]
    assert "diteruskan kepada Pengadministrasi Umum" in steps[7].activity


def test_columns_must_name_every_role(default_config):
    with pytest.raises(SopError, match="kurang: gubernur"):
        derive(with_sop(default_config, SopConfig(columns=[
            "pemohon", "kepegawaian", "umum", "kasubag", "sekretaris", "inspektur",
            "asisten1", "sekda"])))
    with pytest.raises(SopError, match="tidak dikenal: kasubagg"):
        derive(with_sop(default_config, SopConfig(steps={"kasubagg": StepText()})))


def test_sop_table_from_toml(default_config):
    import tomllib

    raw = tomllib.loads('''
nomor = "000.8/1/SET"
tanggal_revisi = 2026-01-05
dasar_hukum = ["Peraturan A;", "Peraturan B."]
[handover]
stage = "sekretaris"
mutu_baku = 5
[steps.umum]
keterangan = "Oleh layanan SPT"
''')
    sop = SopConfig.model_validate(raw)
    steps = sop_steps(with_sop(default_config, sop))
    handover = next(s for s in steps if s.key == HANDOVER_KEY)
    assert (handover.performer, handover.waktu) == ("sekretaris", "5 menit")
    assert steps[-2].keterangan == "Oleh layanan SPT"


def test_wrapping_keeps_text_inside_its_cell():
    from pipeline.sop.sheet import text_width

    lines = wrap("Pengadministrasi Kepegawaian dan Kesejahteraan Rakyat", 12.0, 6.0)
    assert all(text_width(line, 6.0) <= 12.0 for line in lines)
    assert " ".join(lines).replace("- ", "").replace("-", "") == \
        "Pengadministrasi Kepegawaian dan Kesejahteraan Rakyat"


# --- the command -----------------------------------------------------------------------------


def test_cli_sop(default_config, tmp_path):
    runner = CliRunner()
    config = str(default_config.root / "spt.toml")
    result = runner.invoke(sop_command, ["--config", config, "--pdf", str(tmp_path / "a.pdf"),
                                         "--png", str(tmp_path / "a.png")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a.pdf").stat().st_size > 10_000
    assert (tmp_path / "a.png").read_bytes().startswith(b"\x89PNG")
    table = runner.invoke(sop_command, ["--config", config], terminal_width=200)
    assert table.exit_code == 0, table.output
    assert "Pengadministrasi Umum" in table.output and "10 menit" in table.output
