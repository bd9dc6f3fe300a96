"""``spt delegasi``: what IT types to set, list and end a Plh./Plt., and what it refuses.

Real parts: a demo workspace from ``spt init --demo`` (its keys and pegawai.csv), the store,
the command line as IT runs it (click's runner, the service's simulated clock), ``spt doctor``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.folders.layout import Workspace
from pipeline.ops.doctor import diagnose
from pipeline.service.clock import FAKE_NOW_ENV
from pipeline.store import Store
from pipeline.store.audit import AuditAction
from pipeline.workspace_init import init_workspace

WIB = dt.timezone(dt.timedelta(hours=7))
EVE = dt.datetime(2026, 12, 7, 17, 0, tzinfo=WIB)
ASISTEN_NIP = "196805141993031009"
GUBERNUR_NIP = "196505171991031008"
SITI_NIP = "197803122005012004"  # in pegawai.csv, without a key of her own
ROWS = (
    f'"Dr. Rahmat Hidayat, S.H., M.H.",{ASISTEN_NIP},Pembina Utama Madya,IV/d,'
    "Asisten Pemerintahan dan Kesejahteraan Rakyat,asisten1@kalbarprov.go.id\n",
    f'"H. Arif Rahman Hakim, S.H.",{GUBERNUR_NIP},-,-,Gubernur Kalimantan Barat,'
    "gubernur@kalbarprov.go.id\n",
)


@pytest.fixture(scope="module")
def config_path(tmp_path_factory):
    path = init_workspace(tmp_path_factory.mktemp("delegasi") / "ws", demo=True)
    with open(path.parent / "pegawai.csv", "a", encoding="utf-8") as fh:
        fh.writelines(ROWS)
    return path


def spt(config_path, *args: str, now: dt.datetime = EVE):
    result = CliRunner().invoke(main, [*args, "--config", str(config_path)], prog_name="spt",
                                env={FAKE_NOW_ENV: now.isoformat()})
    return result.exit_code, result.output


def tetapkan(config_path, stage: str, nip: str, *extra: str, now: dt.datetime = EVE):
    return spt(config_path, "delegasi", "tetapkan", "--tahap", stage, "--pengganti", nip,
               "--mulai", "2026-12-08", "--selesai", "2026-12-08", *extra, now=now)


def delegations(config_path):
    store = Store(Workspace(load_config(config_path)).database, create=False)
    try:
        return store.delegations.all(), [e for e in store.audit.all()
                                         if e.action in (AuditAction.DELEGATION_SET,
                                                         AuditAction.DELEGATION_ENDED)]
    finally:
        store.close()


def test_set_list_refuse_and_end(config_path):
    code, out = tetapkan(config_path, "sekda", ASISTEN_NIP, "--jenis", "plh")
    assert code == 0, out
    assert ("Dr. Rahmat Hidayat, S.H., M.H. sebagai Plh. Sekretaris Daerah: 8 Desember 2026 "
            "00.00 WIB s.d. 9 Desember 2026 00.00 WIB [akan berlaku]") in out
    [d], [entry] = delegations(config_path)
    assert (d.stage_key, d.deputy.nip, d.kind.value) == ("sekda", ASISTEN_NIP, "plh")
    assert entry.detail["acting"] == "Dr. Rahmat Hidayat, S.H., M.H. sebagai Plh. Sekretaris Daerah"

    # Overlapping: refused, nothing recorded.
    code, out = spt(config_path, "delegasi", "tetapkan", "--tahap", "sekda", "--pengganti",
                    SITI_NIP, "--mulai", "2026-12-08T13:00", "--selesai", "2026-12-10")
    assert code == 1 and "Galat: Pelimpahan tidak ditetapkan" in out
    assert f"bertumpang tindih dengan pelimpahan #{d.id}" in out

    # The next stage's official (the Gubernur) as the Sekda's Plh.: refused by default.
    code, out = tetapkan(config_path, "sekda", GUBERNUR_NIP)
    assert code == 1 and "pejabat tahap berikutnya (Gubernur)" in out

    # A deputy without a key of their own: refused when set, never found at signing time.
    code, out = tetapkan(config_path, "kasubag", SITI_NIP)
    assert code == 1 and "Siti Aminah, S.E., M.M. tidak mempunyai kunci penanda tangan" in out
    code, out = tetapkan(config_path, "kasubag", "199912312020121001")
    assert code == 1 and "tidak ada di data pegawai" in out
    code, out = tetapkan(config_path, "bupati", ASISTEN_NIP)
    assert code == 1 and "tahap 'bupati' tidak ada dalam rantai" in out
    assert len(delegations(config_path)[0]) == 1

    code, out = spt(config_path, "delegasi", "daftar", now=EVE + dt.timedelta(hours=16))
    assert code == 0 and "[berlaku]" in out

    # Ended early at 11:00 on the day: over from then on, recorded with its reason.
    code, out = spt(config_path, "delegasi", "akhiri", str(d.id), "--alasan", "Sekda kembali",
                    now=EVE + dt.timedelta(hours=18))
    assert code == 0 and "[diakhiri 8 Desember 2026 11.00 WIB]" in out, out
    code, out = spt(config_path, "delegasi", "akhiri", str(d.id),
                    now=EVE + dt.timedelta(hours=19))
    assert code == 1 and "sudah berakhir" in out
    code, out = spt(config_path, "delegasi", "daftar", now=EVE + dt.timedelta(hours=19))
    assert "Tidak ada pelimpahan yang berlaku" in out
    _, entries = delegations(config_path)
    assert [e.action for e in entries] == [AuditAction.DELEGATION_SET,
                                           AuditAction.DELEGATION_ENDED]
    assert entries[1].detail["reason"] == "Sekda kembali"


def test_doctor_flags_a_deputy_whose_key_no_longer_opens(config_path, monkeypatch):
    code, out = spt(config_path, "delegasi", "tetapkan", "--tahap", "sekretaris",
                    "--pengganti", ASISTEN_NIP, "--mulai", "2026-12-14",
                    "--selesai", "2026-12-15")
    assert code == 0, out
    monkeypatch.setenv(FAKE_NOW_ENV, EVE.isoformat())

    def findings():
        [section] = [s for s in diagnose(config_path) if s.title == "Pelimpahan (Plh./Plt.)"]
        return section.findings

    assert next(f.level for f in findings() if "Plh. Sekretaris" in f.message) == "OK"
    passphrase = config_path.parent / "pki" / "asisten1.pass"
    passphrase.write_text("bukan-frasa-sandinya\n", encoding="utf-8")
    problems = [f for f in findings() if f.level == "MASALAH"]
    assert problems and "Plh. Sekretaris" in problems[0].message
    assert "spt delegasi akhiri" in problems[0].fix


def test_a_schema_3_database_gains_the_delegations_and_the_agenda_signatory(tmp_path):
    """An installed database (schema 3, before delegations) is migrated in place."""
    import sqlite3

    from pipeline.store.db import SCHEMA, SCHEMA_VERSION, _statements

    path = tmp_path / "spt.sqlite3"
    old = sqlite3.connect(path)
    for statement in _statements(SCHEMA):
        if "delegations" not in statement and "pending_refusals" not in statement:
            old.execute(statement.replace(
                ",\n    signed_by      TEXT                         -- \"X (Y)\", or \"X sebagai "
                "Plh. Y\" (schema 4)", ""))
    assert "signed_by" not in {r[1] for r in old.execute("PRAGMA table_info(agenda)")}
    old.execute("PRAGMA user_version=3")
    old.commit()
    old.close()
    store = Store(path)
    try:
        assert store.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert "signed_by" in {r[1] for r in store.execute("PRAGMA table_info(agenda)")}
        assert store.delegations.all() == []
        assert store.refusals.pending() == []  # schema 5's table, made by the same step
    finally:
        store.close()
