"""A different chain (three stages) works by editing spt.toml alone."""

from __future__ import annotations

import re

import pytest

from pipeline.config import load_config
from pipeline.signing.demo_pki import create_demo_pki
from pipeline.simulate import wait_until
from pipeline.workspace_init import init_workspace

from .conftest import FAST, SAMPLES, Office, ServiceProcess, tune
from .test_chain import NOTE

pytestmark = pytest.mark.slow

THREE_STAGES = '''
[[stage]]
key = "penyusun"
role = "Pengadministrasi Umum dan Kepegawaian"
action = "draft"
mutu_baku = 20
folder = "1-penyusun"
person = { name = "Rina Marlina, S.Sos.", nip = "198907302014022001", jabatan = "Pengelola Data", email = "rina@x.go.id" }

[[stage]]
key = "kabag"
role = "Kepala Bagian Umum"
action = "paraf"
mutu_baku = 30
folder = "2-kabag"
person = { name = "Hendra Wijaya, S.E.", nip = "197804152005011002", jabatan = "Kepala Bagian Umum", email = "kabag@x.go.id" }
signing_key = { pkcs12 = "pki/kabag.p12", passphrase = { file = "pki/kabag.pass" } }

[[stage]]
key = "kadis"
role = "Kepala Dinas"
action = "tandatangan"
folder = "3-kadis"
person = { name = "Drs. Agus Salim, M.Si.", nip = "196907211994031005", jabatan = "Kepala Dinas Koperasi, Usaha Kecil dan Menengah", email = "kadis@x.go.id" }
signing_key = { pkcs12 = "pki/kadis.p12", passphrase = { file = "pki/kadis.pass" } }
'''


def test_three_stage_chain(tmp_path):
    root = tmp_path / "ws"
    config_path = init_workspace(root)
    text = config_path.read_text(encoding="utf-8")
    text = re.sub(r"(?s)\[\[stage\]\].*?(?=# --- Automatic steps)", THREE_STAGES.lstrip() + "\n",
                  text, count=1)
    config_path.write_text(text, encoding="utf-8")
    tune(config_path, **FAST)
    create_demo_pki(load_config(config_path))

    office = Office.__new__(Office)
    office.config_path = config_path
    office.service = ServiceProcess(config_path)
    office.reload()
    try:
        office.service.start()
        o = office.officials
        assert [sf.root.name for sf in office.ws.stage_folders] == [
            "1-penyusun", "2-kabag", "3-kadis"]
        o.drop_invitation(SAMPLES / "undangan-dev-02.pdf", note=NOTE)
        case = o.new_cases(set())[0]
        o.agree(case, 0)
        o.give_back(case, 1, "Perbaiki hal.")
        o.agree(case, 0)
        o.agree(case, 1)
        o.agree(case, 2)
        store = office.store()
        entry = wait_until(lambda: store.agenda.for_case(case), timeout=60, what="issuing")
        actions = [a for a in office.audit_actions(case)]
        assert ("mark.applied", "kabag") in actions and ("mark.applied", "kadis") in actions
        assert ("stage.returned", "kabag") in actions
        from pipeline.reports.verification import verify_issued

        report = verify_issued(office.config, (office.ws.root / entry.archive_path).read_bytes())
        assert report.ok, report.render()
        assert [s.role for s in report.signatures] == [
            "Kepala Bagian Umum", "Kepala Dinas", "Cap Dinas"]
    finally:
        office.service.stop()
