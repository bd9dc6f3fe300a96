"""``spt extract FILE``: the command a drafter or IT runs on an invitation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pipeline.extract.cli import extract_command

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "invitations" / "samples" / "undangan-dev-01.pdf"
TRUTH = json.loads(SAMPLE.with_suffix(".json").read_text(encoding="utf-8"))


def test_prints_the_fields_as_json():
    result = CliRunner().invoke(extract_command, [str(SAMPLE)])
    assert result.exit_code == 0, result.output
    fields = json.loads(result.stdout)
    assert list(fields) == [
        "nomor",
        "tanggal",
        "hal",
        "pengirim",
        "acara",
        "tanggal_mulai",
        "tanggal_selesai",
        "waktu",
        "tempat",
    ]
    for key, value in TRUTH.items():
        assert fields[key] == value
    assert (
        "Undangan Workshop Digitalisasi UMKM & Akses Pembiayaan" in result.stdout
    )  # not \u-escaped


def test_explain_says_where_each_value_came_from():
    result = CliRunner().invoke(extract_command, [str(SAMPLE), "--explain"])
    assert result.exit_code == 0
    json.loads(result.stdout)  # stdout stays pure JSON
    assert "nomor" in result.stderr and "label 'Nomor' line" in result.stderr
    assert "letterhead lines 1-2" in result.stderr


def test_json_with_explain_is_one_object():
    result = CliRunner().invoke(extract_command, [str(SAMPLE), "--json", "--explain"])
    payload = json.loads(result.stdout)
    assert payload["fields"]["nomor"] == TRUTH["nomor"]
    assert payload["explain"]["tempat"].startswith("prose 'bertempat di")
    assert payload["text_source"] == "text layer"
    assert payload["notes"] == []


def test_a_refused_file_exits_2_with_the_reason(tmp_path):
    path = tmp_path / "bukan.pdf"
    path.write_bytes(b"%PDF-1.4\nrusak")
    result = CliRunner().invoke(extract_command, [str(path)])
    assert result.exit_code == 2
    assert "rusak" in result.stderr
    result = CliRunner().invoke(extract_command, [str(path), "--json"])
    assert "refused" in json.loads(result.stdout)


def test_runs_as_a_program():
    code = (
        "import sys; from pipeline.extract.cli import extract_command; "
        "extract_command(sys.argv[1:])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(SAMPLE)],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout.decode("utf-8"))["nomor"] == TRUTH["nomor"]
