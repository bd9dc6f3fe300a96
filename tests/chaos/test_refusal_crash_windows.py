"""A refused move, killed at every instant between its steps, hit on purpose.

An official moves an edited copy of the letter into ``disetujui/``: the move is refused.
The file goes back to the stage folder's root as ``<case>-ditolak.pdf`` with a
``<case>.galat.txt`` note, one ``stage.refused`` audit entry records it and one mail tells
the official; the case stays where it is. ``SPT_CRASH_AT``
(:mod:`pipeline.service.faults`) kills the service at each named instant of that
refusal. After the restart, whatever the instant, the user finds exactly that outcome:
the file kept (not lost, not left in ``disetujui/``), the note, one refusal in the audit
log, one mail, and the genuine file still moves the case on. The same holds for a file
of a case moved into another stage's folder (kept in the case's ``sisa/``).
"""

from __future__ import annotations

import contextlib
import email
from collections.abc import Callable
from email import policy
from pathlib import Path

import pytest

from pipeline.service.faults import CRASH_ENV
from pipeline.simulate import wait_until
from tests.e2e.conftest import SAMPLES, Office
from tests.e2e.test_chain import NOTE
from tests.e2e.test_delegation import (  # noqa: F401  (delegated_office: a fixture)
    ASISTEN_NIP,
    LEAVE_DAY,
    _at,
    _mails_to,
    _spt,
    delegated_office,
)

pytestmark = pytest.mark.slow

STAGE = 1  # the first reviewer (kasubag): the service marks, a changed PDF is refused
POINTS = [
    "refuse.recorded",  # the refusal (audit entry, mail) committed, the file not yet moved
    "refuse.moved",     # the file out of disetujui/, no note yet
    "refuse.noted",     # the note written, the refusal not yet marked done
]


def _case_at_the_kasubag(office: Office, sample: str) -> tuple[str, Path]:
    """The service started, an invitation dropped and its draft agreed: the case, and its
    PDF waiting in the kasubag's folder."""
    office.service.start()
    o = office.officials
    o.drop_invitation(SAMPLES / sample, note=NOTE)
    case = o.new_cases(set())[0]
    o.agree(case, 0)
    return case, o.wait_for(case, STAGE)


def assert_refused_once(office: Office, case: str, why: str) -> None:
    """One refusal at STAGE in the audit log, one mail about it to STAGE's official, none
    pending, and the case where it was (the caller checks where)."""
    store = office.store()
    refused = [stage for action, stage in office.audit_actions(case)
               if action == "stage.refused"]
    assert refused == [office.workflow.stages[STAGE].key]
    assert store.audit.verify() is None
    assert store.refusals.pending() == []
    official = office.workflow.stages[STAGE].person.email
    rows = [m for m in store.mail.for_case(case) if m.kind == "tidak_diproses"]
    assert [m.recipients for m in rows] == [[official]]
    emls = sorted(office.config.outbox_dir.rglob(f"{case}-tidak_diproses-*.eml"))
    assert len(emls) == 1
    msg = email.message_from_bytes(emls[0].read_bytes(), policy=policy.default)
    assert [a.addr_spec for a in msg["To"].addresses] == [official]
    assert why in " ".join(msg.get_body(("plain",)).get_content().split())


@pytest.mark.parametrize("point", POINTS)
def test_killed_while_refusing_a_move_the_refusal_is_finished_once(tmp_path, point):
    office = Office(tmp_path / "ws", **{CRASH_ENV: point})
    svc, o, ws = office.service, office.officials, office.ws
    try:
        case, pdf = _case_at_the_kasubag(office, "undangan-dev-03.pdf")

        # An edited PDF (one byte changed) moved into disetujui/.
        sf = ws.folder(STAGE)
        data = bytearray(pdf.read_bytes())
        data[len(data) // 2] ^= 0x01
        edited = sf.agreed / pdf.name
        edited.write_bytes(bytes(data))
        pdf.unlink()
        wait_until(lambda: svc.proc.poll() is not None, timeout=90, what=f"the crash at {point}")

        del svc.env[CRASH_ENV]
        svc.start()
        kept = sf.root / f"{case}-ditolak.pdf"
        galat = sf.root / f"{case}.galat.txt"
        wait_until(lambda: kept.exists() and galat.exists(), timeout=60,
                   what="the refused file kept in the stage folder with its note")
        wait_until(lambda: (sf.root / f"{case}.pdf").exists(), timeout=30,
                   what="the genuine file back in the kasubag's folder")

        # What the official and the operator see: the file kept, not lost, not left behind.
        assert kept.read_bytes() == bytes(data)
        assert not list(sf.agreed.iterdir())
        note = galat.read_text(encoding="utf-8")
        assert "TIDAK diproses" in note and "tidak sama dengan berkas yang diterbitkan" in note
        assert f"disimpan sebagai {kept.name}" in note
        assert_refused_once(office, case, "tidak sama dengan berkas yang diterbitkan")
        assert office.store().cases.get(case).state.stage == STAGE

        # The genuine file still moves the case on; the refusal's leftovers go with it.
        o.agree(case, STAGE)
        o.wait_for(case, STAGE + 1)
        wait_until(lambda: not galat.exists() and not kept.exists(), timeout=30,
                   what="the refusal's note and file cleared at the next move")
        assert [a for a, _ in office.audit_actions(case)].count("stage.refused") == 1
    finally:
        svc.stop()


@pytest.mark.parametrize("point", POINTS)
def test_killed_while_refusing_a_file_of_a_case_elsewhere_it_is_finished_once(tmp_path, point):
    """The drafting stage's PDF of a case moved into the kasubag's disetujui/: refused as
    not at this stage, its bytes kept in the case's sisa/, the kasubag told."""
    office = Office(tmp_path / "ws", **{CRASH_ENV: point})
    svc, o, ws = office.service, office.officials, office.ws
    try:
        svc.start()
        o.drop_invitation(SAMPLES / "undangan-dev-04.pdf", note=NOTE)
        case = o.new_cases(set())[0]
        preview = ws.folder(0).root / f"{case}.pdf"
        wait_until(preview.exists, timeout=30, what="the drafting stage's PDF")
        data = preview.read_bytes()
        sf = ws.folder(STAGE)
        preview.replace(sf.agreed / preview.name)
        wait_until(lambda: svc.proc.poll() is not None, timeout=90, what=f"the crash at {point}")

        del svc.env[CRASH_ENV]
        svc.start()
        galat = sf.root / f"{case}.galat.txt"
        kept = ws.case_dir(case) / "sisa" / preview.name
        wait_until(lambda: kept.exists() and galat.exists(), timeout=60,
                   what="the file kept in the case's sisa/ and the note in the kasubag's folder")
        wait_until(preview.exists, timeout=30, what="the preview put back in the drafting folder")

        assert kept.read_bytes() == data
        assert not list(sf.agreed.iterdir())
        assert office.workflow.stages[0].folder in galat.read_text(encoding="utf-8")
        assert_refused_once(office, case, office.workflow.stages[0].folder)
        assert office.store().cases.get(case).state.stage == 0

        o.agree(case, 0)
        o.wait_for(case, STAGE)
        assert [a for a, _ in office.audit_actions(case)].count("stage.refused") == 1
    finally:
        svc.stop()


UNKNOWN_POINTS = [
    "unknown.recorded",  # the unknown file recorded (audit entry), no note yet
    "unknown.noted",     # the note written beside it, not yet marked done
]


STRAY_FILE = b"%PDF-1.4\n% not a letter of any case\n%%EOF\n"


def _put_stray_file(agreed: Path) -> tuple[Path, Callable[[], bool]]:
    stray = agreed / "laporan-kegiatan.pdf"
    stray.write_bytes(STRAY_FILE)
    return stray, lambda: stray.read_bytes() == STRAY_FILE


def _put_folder(agreed: Path) -> tuple[Path, Callable[[], bool]]:
    """Explorer's "New folder", named, with a file in it."""
    folder = agreed / "Folder baru"
    folder.mkdir()
    (folder / "isi.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return folder, lambda: (folder / "isi.pdf").exists()


# What the official puts in disetujui/, what its note says, what the audit entry says it is.
STRAYS = {
    "unknown-file": (_put_stray_file, "tidak dikenali", None),
    "folder": (_put_folder, "bukan berkas biasa", "folder"),
}


@pytest.mark.parametrize("point", UNKNOWN_POINTS)
@pytest.mark.parametrize("stray_kind", STRAYS)
def test_killed_while_noting_what_is_no_cases_it_is_recorded_and_noted_once(
        tmp_path, point, stray_kind):
    """A file that is no case's, or a folder, put in the kasubag's disetujui/: never taken,
    left where it is with a note beside it saying why, and recorded once in the audit log
    (as what it is), whatever instant the service died."""
    put, says, entry_kind = STRAYS[stray_kind]
    office = Office(tmp_path / "ws", **{CRASH_ENV: point})
    svc, o, ws = office.service, office.officials, office.ws
    try:
        case, _ = _case_at_the_kasubag(office, "undangan-dev-05.pdf")
        sf = ws.folder(STAGE)
        stray, untouched = put(sf.agreed)
        wait_until(lambda: svc.proc.poll() is not None, timeout=90, what=f"the crash at {point}")

        del svc.env[CRASH_ENV]
        svc.start()
        note = sf.agreed / f"{stray.name}.galat.txt"
        wait_until(note.exists, timeout=60, what=f"the note beside the {stray_kind}")

        def unknown_entries():
            return [e for e in office.store().audit.all() if e.action == "file.unknown"]

        assert untouched()  # left as the official put it
        assert says in note.read_text(encoding="utf-8")
        assert [(e.stage, e.detail.get("name"), e.detail.get("entry"))
                for e in unknown_entries()] == [
            (office.workflow.stages[STAGE].key, stray.name, entry_kind)]
        store = office.store()
        assert store.refusals.pending() == []
        assert store.audit.verify() is None

        # The case's own file still moves the case on; the stray stays, with its note,
        # and is not recorded again.
        o.agree(case, STAGE)
        o.wait_for(case, STAGE + 1)
        assert untouched() and note.exists()
        assert len(unknown_entries()) == 1
    finally:
        svc.stop()


RETURN_POINTS = [
    "return.recorded",  # the return to drafting committed, no note or mail to the holder yet
    "return.noted",     # the holder's note written, the mail not yet queued
]


@pytest.mark.parametrize("point", RETURN_POINTS)
def test_killed_while_sending_an_agreement_back_to_drafting_the_holder_is_told_once(
        delegated_office, point):  # noqa: F811
    """A Plh. set while the case waits at the Sekda's stage agrees, but the letter's block
    names the Sekda: nothing is signed, the case goes back to drafting, and the Plh. finds a
    note in the folder and one mail saying why, whatever instant the service died."""
    office = delegated_office
    svc, o, ws = office.service, office.officials, office.ws
    svc.env[CRASH_ENV] = point
    last = office.workflow.last_index
    plh = "asisten1@kalbarprov.go.id"
    try:
        svc.start()
        o.drop_invitation(SAMPLES / "undangan-dev-04.pdf", note=NOTE)
        case = o.new_cases(set())[0]
        for stage in office.workflow.stages[:-1]:
            o.agree(case, stage.index)
        o.wait_for(case, last)
        done = _spt(office, "delegasi", "tetapkan", "--tahap", "sekda", "--pengganti",
                    ASISTEN_NIP, "--kasus", case, "--mulai", f"{LEAVE_DAY.isoformat()}T09:00",
                    "--selesai", LEAVE_DAY.isoformat(), now=_at(LEAVE_DAY, 9))
        assert done.returncode == 0, done.stdout + done.stderr
        wait_until(lambda: _mails_to(office, case, plh)[1:], timeout=30,
                   what="the stage mail to the Plh.")  # [0]: his own stage, as Asisten
        o.agree(case, last)  # the Plh. agrees: the block names the Sekda
        wait_until(lambda: svc.proc.poll() is not None, timeout=90, what=f"the crash at {point}")

        del svc.env[CRASH_ENV]
        svc.start()
        sf = ws.folder(last)
        galat = sf.root / f"{case}.galat.txt"
        wait_until(galat.exists, timeout=60, what="the note for the Plh. in the Sekda's folder")
        o.wait_for(case, 0)
        wait_until(lambda: not any(sf.agreed.iterdir()), timeout=30,
                   what="the agreed file cleared from disetujui/")

        # What the Plh. sees: the note, and one mail, saying the case went back to drafting.
        note = " ".join(galat.read_text(encoding="utf-8").split())
        assert f"Persetujuan Anda atas kasus {case} belum ditandatangani" in note, note
        assert "dikembalikan ke tahap penyusunan draf" in note
        told = [m for m in _mails_to(office, case, plh)
                if "belum ditandatangani" in m.get_body(("plain",)).get_content()]
        assert len(told) == 1
        assert "dikembalikan ke tahap penyusunan draf" in " ".join(
            told[0].get_body(("plain",)).get_content().split())
        store = office.store()
        rows = [m for m in store.mail.for_case(case) if m.kind == "tidak_diproses"]
        assert [m.recipients for m in rows] == [[plh]]
        assert store.refusals.pending() == []
        assert store.audit.verify() is None
        actions = [a for a, _ in office.audit_actions(case)]
        assert actions.count("stage.returned") == 1 and "stage.refused" not in actions
        state = store.cases.get(case).state
        assert state.stage == 0 and "sekda" not in state.marked
        assert (ws.folder(0).root / f"{case}-catatan.txt").exists()  # the drafter is told

        # The drafter hands the draft on again: the case moves, the Plh.'s note goes with it.
        o.agree(case, 0)
        o.wait_for(case, 1)
        wait_until(lambda: not galat.exists(), timeout=30,
                   what="the Plh.'s note cleared at the case's next move")
        assert [a for a, _ in office.audit_actions(case)].count("stage.returned") == 1
    finally:
        svc.stop()


def _swapped_in(blocker: Path, outbox: Path, away: Path) -> bool:
    """The file ``blocker`` renamed to ``outbox``. The running service may have made a new
    ``outbox/`` (its sender keeps ``terkirim/``) since the old one was moved away: what it
    holds goes to the old one, and the swap is tried again."""
    try:
        blocker.rename(outbox)
        return True
    except IsADirectoryError:
        for entry in list(outbox.iterdir()):
            if not (away / entry.name).exists():
                entry.rename(away / entry.name)
            elif entry.is_dir() and not any(entry.iterdir()):
                entry.rmdir()
        with contextlib.suppress(OSError):
            outbox.rmdir()
        return False


def test_an_unwritable_outbox_delays_only_the_refusal_mail(tmp_path):
    """Queueing a mail writes its .eml into outbox/: while that fails (a full disk, the
    folder gone or unwritable), a refused move is still recorded, its file kept and its note
    written, and the mail follows once outbox/ can be written again, once."""
    office = Office(tmp_path / "ws")
    svc, ws = office.service, office.ws
    outbox = office.config.outbox_dir
    try:
        case, pdf = _case_at_the_kasubag(office, "undangan-dev-03.pdf")
        wait_until(lambda: list(outbox.glob(f"{case}-tahap-*.eml")), timeout=30,
                   what="the kasubag's stage mail")

        away = outbox.with_name("outbox.away")  # outbox/ replaced by a file: every write fails
        outbox.rename(away)
        blocker = outbox.with_name("outbox.blocker")
        blocker.write_bytes(b"")
        wait_until(lambda: _swapped_in(blocker, outbox, away), timeout=10,
                   what="outbox/ replaced by a file")
        sf = ws.folder(STAGE)
        data = bytearray(pdf.read_bytes())
        data[len(data) // 2] ^= 0x01
        (sf.agreed / pdf.name).write_bytes(bytes(data))
        pdf.unlink()
        kept = sf.root / f"{case}-ditolak.pdf"
        galat = sf.root / f"{case}.galat.txt"
        wait_until(lambda: kept.exists() and galat.exists(), timeout=60,
                   what="the refused file kept with its note while outbox/ cannot be written")
        wait_until((sf.root / f"{case}.pdf").exists, timeout=30,
                   what="the genuine file back in the kasubag's folder")
        assert not list(sf.agreed.iterdir())
        assert [a for a, _ in office.audit_actions(case)].count("stage.refused") == 1
        assert office.store().refusals.pending() != []  # its mail still due

        outbox.unlink()
        away.rename(outbox)
        wait_until(lambda: office.store().refusals.pending() == [], timeout=60,
                   what="the refusal finished once outbox/ is back")
        assert kept.read_bytes() == bytes(data)
        assert_refused_once(office, case, "tidak sama dengan berkas yang diterbitkan")
    finally:
        svc.stop()
