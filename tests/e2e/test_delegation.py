"""Plh. through the real service: the Sekda on leave for a day, the Asisten signs as Plh.

The chain ends at the Sekda (the letter's signatory), so the signature block itself is the
Plh.'s; the Kasubag is away the same day and a Kabid, with a key of their own from
``[[delegation.deputy]]``, marks the paraf row as Plh. Both delegations are set with
``spt delegasi`` at the service's simulated time (``SPT_FAKE_NOW``); the next day (the
service restarted with its clock a day later, nothing sleeping) they are over by
themselves and the next case goes to the Sekda and the Kasubag again. Last, a delegation
set while a case waits at the Sekda's stage: the Asisten is told and signs it.
"""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from pipeline.config import WebConfig, load_config
from pipeline.reports.verification import verify_issued
from pipeline.service.clock import FAKE_NOW_ENV
from pipeline.signing.demo_pki import create_demo_pki
from pipeline.signing.pdfsig import pdfsig_check
from pipeline.simulate import wait_until
from pipeline.web.app import create_app
from pipeline.workspace_init import init_workspace
from tests.support import drafts as d

from . import test_mail_service
from .conftest import FAST, SAMPLES, Office, ServiceProcess, tune
from .test_chain import NOTE
from .test_mail_service import delivered, invitation, mail_office, reply

pytestmark = pytest.mark.slow

servers = test_mail_service.servers  # Dovecot and SMTP, as the mail tests run them

WIB = dt.timezone(dt.timedelta(hours=7))
LEAVE_DAY = dt.date(2026, 12, 8)          # a Tuesday
ASISTEN = "Dr. Rahmat Hidayat, S.H., M.H."
ASISTEN_NIP = "196805141993031009"
SEKDA = "Dr. H. Sudirman Effendi, M.Si."
KABID = "Drs. Yohanes Kristian, M.Si."
KABID_NIP = "196508091986031012"
KEPT = ("kepegawaian", "kasubag", "asisten1", "sekda")

DEPUTY_KEY = f'''
[delegation]
[[delegation.deputy]]
nip = "{KABID_NIP}"
signing_key = {{ pkcs12 = "pki/pengganti-kabid.p12", passphrase = {{ file = "pki/pengganti-kabid.pass" }} }}
'''


def _chain_ending_at_the_sekda(text: str) -> str:
    """The shipped chain without the Sekretaris, Inspektur and Gubernur: the Sekda signs."""
    head, _, rest = text.partition("[[stage]]")
    body, marker, tail = rest.partition("# --- Automatic steps")
    blocks = ["[[stage]]" + b for b in ("[[stage]]" + body).split("[[stage]]")[1:]]
    kept = [b for b in blocks if re.search(r'(?m)^key = "(' + "|".join(KEPT) + ')"', b)]
    return head + "".join(kept) + marker + tail


def _at(day: dt.date, hour: int) -> str:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=WIB).isoformat()


def _spt(office: Office, *args: str, now: str) -> subprocess.CompletedProcess:
    env = {**os.environ, FAKE_NOW_ENV: now}
    return subprocess.run([sys.executable, "-m", "pipeline", *args, "--config",
                           str(office.config_path)], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def _mails_to(office: Office, case: str, address: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(office.ws.outbox.rglob(f"{case}-*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address in str(msg["To"]):
            found.append(msg)
    return found


def _text(pdf) -> str:
    """The letter's text in reading order (each cell and block whole), as pdftotext reads it."""
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                         check=True)
    return out.stdout


def _run_case(office: Office, sample: str) -> tuple[str, object]:
    o = office.officials
    known = {p.stem for p in office.ws.folder(0).root.glob("SPT-*.docx")}
    o.drop_invitation(SAMPLES / sample, note=NOTE)
    case = o.new_cases(known)[0]
    for stage in office.workflow.stages:
        o.agree(case, stage.index)
    store = office.store()
    entry = wait_until(lambda: store.agenda.for_case(case), timeout=90, what="issuing")
    return case, entry


@pytest.fixture
def delegated_office(tmp_path):
    office = Office.__new__(Office)
    root = tmp_path / "ws"
    office.config_path = init_workspace(root)
    text = _chain_ending_at_the_sekda(office.config_path.read_text(encoding="utf-8"))
    office.config_path.write_text(text + DEPUTY_KEY, encoding="utf-8")
    tune(office.config_path, **FAST)
    with open(root / "pegawai.csv", "a", encoding="utf-8") as fh:  # the Asisten, as HR has it
        fh.write(f'"{ASISTEN}",{ASISTEN_NIP},Pembina Utama Madya,IV/d,'
                 "Asisten Pemerintahan dan Kesejahteraan Rakyat,asisten1@kalbarprov.go.id\n")
    create_demo_pki(load_config(office.config_path))
    office.service = ServiceProcess(office.config_path, {FAKE_NOW_ENV: _at(LEAVE_DAY, 9)})
    office.reload()
    yield office
    office.service.stop()


def test_the_sekda_on_leave_for_a_day_the_asisten_signs_as_plh(delegated_office):
    office = delegated_office
    day = LEAVE_DAY.isoformat()
    # IT sets both delegations the evening before, without touching the chain.
    for args in (("--tahap", "sekda", "--pengganti", ASISTEN_NIP),
                 ("--tahap", "kasubag", "--pengganti", KABID_NIP)):
        done = _spt(office, "delegasi", "tetapkan", *args, "--jenis", "plh", "--mulai", day,
                    "--selesai", day, now=_at(LEAVE_DAY - dt.timedelta(days=1), 17))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "akan berlaku" in done.stdout
    listed = _spt(office, "delegasi", "daftar", now=_at(LEAVE_DAY, 8))
    assert f"{ASISTEN} sebagai Plh. Sekretaris Daerah" in listed.stdout
    assert f"{KABID} sebagai Plh. Kepala Sub Bagian Administrasi dan Umum" in listed.stdout

    # --- the day of leave: a case passes through -------------------------------------------
    office.service.start()
    case, entry = _run_case(office, "undangan-dev-02.pdf")
    pdf = office.ws.root / entry.archive_path
    text = _text(pdf)
    flat = " ".join(text.split())
    lines = [line.strip() for line in text.splitlines()]
    # The signature block: "Plh. SEKRETARIS DAERAH ...," over the mark, then the Asisten's
    # name without degrees, NIP or rank (Permendagri 1/2023 Art. 44).
    assert "Plh. SEKRETARIS DAERAH PROVINSI KALIMANTAN BARAT," in flat, text
    assert "Rahmat Hidayat" in lines, text                 # the name line, bare
    assert ASISTEN_NIP[:8] not in text and "Pembina Utama Madya" not in text
    assert "Sudirman" not in text
    # The mark in the block says who signed, as what; the paraf row reads Plh. too.
    assert f"elektronik oleh {ASISTEN} Plh. Sekretaris Daerah" in flat, text
    assert "Plh. Kepala Sub Bagian Administrasi dan Umum Drs. Yohanes Kristian, M.Si." in flat

    store = office.store()
    report = verify_issued(office.config, pdf.read_bytes(), store=store)
    assert report.ok, report.render()
    by_field = {s.field_name: s for s in report.signatures}
    assert by_field["TTD_sekda"].signer == ASISTEN
    assert by_field["TTD_sekda"].role == "Plh. Sekretaris Daerah"
    assert by_field["Paraf_kasubag"].signer == KABID
    assert by_field["Paraf_kasubag"].role == "Plh. Kepala Sub Bagian Administrasi dan Umum"
    assert by_field["TTD_asisten1"].signer == ASISTEN  # his own mark as Asisten, before
    if shutil.which("pdfsig") and shutil.which("certutil"):
        sigs = {s.field_name: s for s in pdfsig_check(pdf, office.config.trust.roots)}
        assert sigs["TTD_sekda"].ok and sigs["TTD_sekda"].signer == ASISTEN, sigs
        assert sigs["Paraf_kasubag"].ok and sigs["Paraf_kasubag"].signer == KABID, sigs

    # The Sekda's stage mail went to the Asisten, as Plh.; nothing to the Sekda.
    to_asisten = [m for m in _mails_to(office, case, "asisten1@kalbarprov.go.id")
                  if "tahap Anda (Plh. Sekretaris Daerah)"
                  in " ".join(m.get_body(("plain",)).get_content().split())]
    assert to_asisten, "the Plh. was not told"
    assert not _mails_to(office, case, "sekda@kalbarprov.go.id")
    assert not _mails_to(office, case, "kasubag@diskopukm.kalbarprov.go.id")

    # The audit log and spt status: "X sebagai Plh. Y".
    history = _spt(office, "status", case, "--json", now=_at(LEAVE_DAY, 12))
    actors = [e["actor"] for e in json.loads(history.stdout)["audit"]]
    assert f"{ASISTEN} sebagai Plh. Sekretaris Daerah (sekda)" in actors, actors
    assert f"{KABID} sebagai Plh. Kepala Sub Bagian Administrasi dan Umum (kasubag)" in actors

    # The public page behind the QR code says who signed, as what.
    token = store.cases.get(case).verify_token
    page = create_app(office.config, WebConfig()).test_client().get(f"/v/{token}")
    html = " ".join(page.get_data(as_text=True).split())
    assert f"{ASISTEN} sebagai Plh. Sekretaris Daerah" in html
    assert f"{KABID} sebagai Plh. Kepala Sub Bagian Administrasi dan Umum" in html

    # --- the next day: both delegations are over by themselves -----------------------------
    office.service.stop()
    office.service.env[FAKE_NOW_ENV] = _at(LEAVE_DAY + dt.timedelta(days=1), 9)
    office.service.start()
    case2, entry2 = _run_case(office, "undangan-dev-03.pdf")
    pdf2 = office.ws.root / entry2.archive_path
    text2 = _text(pdf2)
    flat2 = " ".join(text2.split())
    assert "Plh." not in text2
    assert "SEKRETARIS DAERAH PROVINSI KALIMANTAN BARAT," in flat2
    assert f"elektronik oleh {SEKDA} Sekretaris Daerah" in flat2
    assert SEKDA in [line.strip() for line in text2.splitlines()]  # his own name line
    report2 = verify_issued(office.config, pdf2.read_bytes(), store=office.store())
    assert report2.ok, report2.render()
    by_field2 = {s.field_name: s for s in report2.signatures}
    assert by_field2["TTD_sekda"].signer == SEKDA
    assert by_field2["TTD_sekda"].role == "Sekretaris Daerah"
    assert by_field2["Paraf_kasubag"].signer == "Hendra Wijaya, S.E."
    assert _mails_to(office, case2, "sekda@kalbarprov.go.id")
    # The buku agenda: the Plh. for the first letter, the Sekda for the second.
    agenda_csv = office.ws.root / "agenda.csv"
    done = _spt(office, "agenda", "--csv", str(agenda_csv), now=_at(LEAVE_DAY, 12))
    assert done.returncode == 0, done.stderr
    with open(agenda_csv, encoding="utf-8") as fh:
        signed = {row["Nomor"]: row["Penandatangan"] for row in csv.DictReader(fh)}
    assert signed == {entry.number: f"{ASISTEN} sebagai Plh. Sekretaris Daerah",
                      entry2.number: f"{SEKDA} (Sekretaris Daerah)"}
    listed = _spt(office, "delegasi", "daftar", "--semua",
                  now=_at(LEAVE_DAY + dt.timedelta(days=1), 9))
    assert listed.stdout.count("[berakhir]") == 2, listed.stdout

    # --- a delegation that starts while a case waits at the stage --------------------------
    # The Sekda is called away at once, for this case only: the case waits in his folder.
    o = office.officials
    next_day = LEAVE_DAY + dt.timedelta(days=1)
    known = {p.stem for p in office.ws.folder(0).root.glob("SPT-*.docx")}
    o.drop_invitation(SAMPLES / "undangan-dev-04.pdf", note=NOTE)
    case3 = o.new_cases(known)[0]
    for stage in office.workflow.stages[:-1]:
        o.agree(case3, stage.index)
    o.wait_for(case3, office.workflow.last_index)
    wait_until(lambda: _mails_to(office, case3, "sekda@kalbarprov.go.id"), timeout=30,
               what="the Sekda's stage mail")
    done = _spt(office, "delegasi", "tetapkan", "--tahap", "sekda", "--pengganti",
                ASISTEN_NIP, "--kasus", case3, "--mulai", f"{next_day.isoformat()}T09:00",
                "--selesai", next_day.isoformat(), now=_at(next_day, 9))
    assert done.returncode == 0, done.stdout + done.stderr
    # The new holder is told (the service looks again at its next full scan).
    wait_until(lambda: _mails_to(office, case3, "asisten1@kalbarprov.go.id")[1:], timeout=30,
               what="the stage mail to the Plh.")  # [0]: his own stage, as Asisten
    o.agree(case3, office.workflow.last_index)   # the Asisten agrees
    # The letter was drafted before the delegation: its block prints the Sekda's office and
    # name, and cannot change after the first paraf. Nothing is signed; the case goes back
    # to the drafter, told what the block must read, and the Asisten is told why.
    drafting = office.workflow.stages[0]
    back = office.ws.folder(0).root / f"{case3}-catatan.txt"
    note = " ".join(wait_until(lambda: back.is_file() and back.read_text(encoding="utf-8"),
                               timeout=60, what="the drafter's note").split())
    assert (f"dikembalikan oleh sistem SPT, ketika {ASISTEN} sebagai Plh. Sekretaris Daerah "
            "menyetujui") in note, note
    assert (f'mencetak "SEKRETARIS DAERAH PROVINSI KALIMANTAN BARAT," atas nama "{SEKDA}"'
            in note), note
    assert ('baris jabatan "Plh. SEKRETARIS DAERAH PROVINSI KALIMANTAN BARAT," dan nama '
            '"Rahmat Hidayat" (tanpa gelar akademik, NIP, dan pangkat)') in note, note
    state3 = office.store().cases.get(case3).state
    assert state3.stage == 0 and "sekda" not in state3.marked
    assert not (office.ws.folder(office.workflow.last_index).root / f"{case3}.pdf").exists()
    to_drafter = wait_until(lambda: [m for m in _mails_to(office, case3, drafting.person.email)
                                     if "Rahmat Hidayat" in m.get_body(("plain",)).get_content()],
                            timeout=30, what="the drafter's mail")
    assert "Plh. SEKRETARIS DAERAH" in to_drafter[-1].get_body(("plain",)).get_content()
    told = wait_until(lambda: [m for m in _mails_to(office, case3, "asisten1@kalbarprov.go.id")
                               if "belum ditandatangani" in m.get_body(("plain",)).get_content()],
                      timeout=30, what="the Plh.'s mail")
    told_text = " ".join(told[-1].get_body(("plain",)).get_content().split())
    assert "dikembalikan ke tahap penyusunan draf" in told_text
    assert "Tidak ada yang perlu Anda lakukan sekarang" in told_text
    assert "Jika setuju" not in told_text  # no steps for a case no longer in his folder

    # The drafter writes the block as the note says (and in the Lampiran, if any) and hands
    # the draft on; the chain marks the new version, the Asisten signs under his own block.
    draft = o.wait_for(case3, 0)
    edited = draft.with_name(f"{case3}-edit.docx")

    def plh_block(root):
        for p in root.iter(d.w("p")):
            text = "".join(t.text or "" for t in p.iter(d.w("t"))).strip()
            new = {"SEKRETARIS DAERAH PROVINSI KALIMANTAN BARAT,":
                   "Plh. SEKRETARIS DAERAH PROVINSI KALIMANTAN BARAT,",
                   SEKDA: "Rahmat Hidayat"}.get(text)
            if new is not None:
                d.set_cell(p, new)

    d.edit_document(draft, edited, plh_block)
    os.replace(edited, draft)
    for stage in office.workflow.stages[:-1]:
        o.agree(case3, stage.index)
    o.agree(case3, office.workflow.last_index)   # the Asisten moves the file: his key
    entry3 = wait_until(lambda: office.store().agenda.for_case(case3), timeout=90,
                        what="issuing")
    pdf3 = office.ws.root / entry3.archive_path
    report3 = verify_issued(office.config, pdf3.read_bytes(), store=office.store())
    assert report3.ok, report3.render()  # every paraf and the signature, pyHanko
    sig3 = {s.field_name: s for s in report3.signatures}["TTD_sekda"]
    assert (sig3.signer, sig3.role) == (ASISTEN, "Plh. Sekretaris Daerah")
    assert entry3.signed_by == f"{ASISTEN} sebagai Plh. Sekretaris Daerah"
    if shutil.which("pdfsig") and shutil.which("certutil"):
        sigs3 = pdfsig_check(pdf3, office.config.trust.roots)
        assert len(sigs3) == len(report3.signatures) and all(s.ok for s in sigs3), sigs3
    # What the pemohon reads: the Plh. block, the Asisten's bare name, not the Sekda.
    text3 = _text(pdf3)
    flat3 = " ".join(text3.split())
    assert "Plh. SEKRETARIS DAERAH PROVINSI KALIMANTAN BARAT," in flat3, text3
    assert "Rahmat Hidayat" in [line.strip() for line in text3.splitlines()], text3
    assert f"elektronik oleh {ASISTEN} Plh. Sekretaris Daerah" in flat3
    assert "Sudirman" not in text3 and ASISTEN_NIP[:8] not in text3


def test_a_delegation_ending_after_drafting_the_official_signs_his_own_block(delegated_office):
    """The letter was drafted with the Plh.'s block; the Sekda comes back early and agrees:
    nothing is signed under the Asisten's block, the drafter puts the Sekda's back."""
    office = delegated_office
    day = LEAVE_DAY.isoformat()
    done = _spt(office, "delegasi", "tetapkan", "--tahap", "sekda", "--pengganti", ASISTEN_NIP,
                "--jenis", "plh", "--mulai", day, "--selesai", day,
                now=_at(LEAVE_DAY - dt.timedelta(days=1), 17))
    assert done.returncode == 0, done.stdout + done.stderr
    started = dt.datetime.now(dt.UTC)
    office.service.start()

    def service_now() -> str:  # the service's clock: its fake start plus the time since
        since = dt.datetime.now(dt.UTC) - started
        return (dt.datetime.fromisoformat(_at(LEAVE_DAY, 9)) + since).isoformat()

    o = office.officials
    o.drop_invitation(SAMPLES / "undangan-dev-02.pdf", note=NOTE)
    case = o.new_cases(set())[0]
    for stage in office.workflow.stages[:-1]:
        o.agree(case, stage.index)
    o.wait_for(case, office.workflow.last_index)
    done = _spt(office, "delegasi", "akhiri", "1", "--alasan", "Sekda kembali",
                now=service_now())
    assert done.returncode == 0, done.stdout + done.stderr
    wait_until(lambda: _mails_to(office, case, "sekda@kalbarprov.go.id"), timeout=30,
               what="the stage mail to the Sekda, back early")
    o.agree(case, office.workflow.last_index)   # the Sekda agrees: his own key
    back = office.ws.folder(0).root / f"{case}-catatan.txt"
    note = " ".join(wait_until(lambda: back.is_file() and back.read_text(encoding="utf-8"),
                               timeout=60, what="the drafter's note").split())
    assert f"dikembalikan oleh sistem SPT, ketika {SEKDA} menyetujui" in note, note
    assert ('mencetak "Plh. SEKRETARIS DAERAH PROVINSI KALIMANTAN BARAT," atas nama '
            '"Rahmat Hidayat"') in note, note
    assert (f'baris jabatan "SEKRETARIS DAERAH PROVINSI KALIMANTAN BARAT," dan nama "{SEKDA}"'
            in note), note
    assert "sekda" not in office.store().cases.get(case).state.marked
    told = wait_until(lambda: [m for m in _mails_to(office, case, "sekda@kalbarprov.go.id")
                               if "belum ditandatangani" in m.get_body(("plain",)).get_content()],
                      timeout=30, what="the Sekda's mail")
    assert "Rahmat Hidayat" in told[-1].get_body(("plain",)).get_content()

    draft = o.wait_for(case, 0)
    edited = draft.with_name(f"{case}-edit.docx")

    def sekda_block(root):
        for p in root.iter(d.w("p")):
            text = "".join(t.text or "" for t in p.iter(d.w("t"))).strip()
            new = {"Plh. SEKRETARIS DAERAH PROVINSI KALIMANTAN BARAT,":
                   "SEKRETARIS DAERAH PROVINSI KALIMANTAN BARAT,",
                   "Rahmat Hidayat": SEKDA}.get(text)
            if new is not None:
                d.set_cell(p, new)

    d.edit_document(draft, edited, sekda_block)
    os.replace(edited, draft)
    for stage in office.workflow.stages:
        o.agree(case, stage.index)
    entry = wait_until(lambda: office.store().agenda.for_case(case), timeout=90, what="issuing")
    pdf = office.ws.root / entry.archive_path
    report = verify_issued(office.config, pdf.read_bytes(), store=office.store())
    assert report.ok, report.render()
    sig = {s.field_name: s for s in report.signatures}["TTD_sekda"]
    assert (sig.signer, sig.role) == (SEKDA, "Sekretaris Daerah")
    if shutil.which("pdfsig") and shutil.which("certutil"):
        sigs = pdfsig_check(pdf, office.config.trust.roots)
        assert len(sigs) == len(report.signatures) and all(s.ok for s in sigs), sigs
    text = _text(pdf)
    lines = [line.strip() for line in text.splitlines()]
    assert "Plh." not in text and "Rahmat Hidayat" not in lines, text
    assert "SEKRETARIS DAERAH PROVINSI KALIMANTAN BARAT," in " ".join(text.split())
    assert SEKDA in lines, text


def test_the_plh_approves_by_reply_and_the_absent_official_cannot(tmp_path, servers):
    """Approval by reply during a delegation: only the deputy's address moves the case."""
    dovecot, smtp = servers
    office = mail_office(tmp_path, dovecot, smtp, approval_by_reply=True)
    office.config_path.write_text(office.config_path.read_text() + DEPUTY_KEY)
    create_demo_pki(load_config(office.config_path))
    office.reload()
    today = dt.datetime.now(office.config.tz).date().isoformat()
    done = _spt(office, "delegasi", "tetapkan", "--tahap", "kasubag", "--pengganti",
                KABID_NIP, "--mulai", today, "--selesai", today,
                now=dt.datetime.now(dt.UTC).isoformat())
    assert done.returncode == 0, done.stdout + done.stderr
    office.service.start()
    try:
        o = office.officials
        kasubag = office.workflow.stage("kasubag").person.email
        kabid = "yohanes.k@diskopukm.kalbarprov.go.id"
        dovecot.append(invitation(SAMPLES / "undangan-dev-05.pdf"))
        case = o.new_cases(set(), timeout=60)[0]
        o.agree(case, 0)
        note = wait_until(lambda: delivered(smtp, to=kabid, kind="tahap", case=case),
                          timeout=30, what="the Plh.'s stage mail")
        assert delivered(smtp, to=kasubag, kind="tahap", case=case) is None

        # The absent Kasubag answers from his own address with the token: refused.
        dovecot.append(reply(note, sender=kasubag, first_line="SETUJU"))
        wait_until(lambda: delivered(smtp, to=kasubag, kind="balasan_ditolak"), timeout=30,
                   what="the refusal of the absent official's reply")
        assert office.store().cases.get(case).state.stage == 1

        dovecot.append(reply(note, sender=kabid, first_line="SETUJU"))
        o.wait_for(case, 2)
        agreed = [e for e in office.store().audit.for_case(case)
                  if e.action == "mark.applied" and e.stage == "kasubag"]
        assert agreed[-1].actor == (f"{KABID} sebagai Plh. Kepala Sub Bagian Administrasi dan "
                                    "Umum (kasubag) via email")
        assert agreed[-1].detail["deputy_nip"] == KABID_NIP
    finally:
        office.service.stop()
