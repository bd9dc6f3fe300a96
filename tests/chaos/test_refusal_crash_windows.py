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

import email
from email import policy

import pytest

from pipeline.service.faults import CRASH_ENV
from pipeline.simulate import wait_until
from tests.e2e.conftest import SAMPLES, Office
from tests.e2e.test_chain import NOTE

pytestmark = pytest.mark.slow

STAGE = 1  # the first reviewer (kasubag): the service marks, a changed PDF is refused
POINTS = [
    "refuse.recorded",  # the refusal (audit entry, mail) committed, the file not yet moved
    "refuse.moved",     # the file out of disetujui/, no note yet
    "refuse.noted",     # the note written, the refusal not yet marked done
]


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
        svc.start()
        o.drop_invitation(SAMPLES / "undangan-dev-03.pdf", note=NOTE)
        case = o.new_cases(set())[0]
        o.agree(case, 0)
        pdf = o.wait_for(case, STAGE)

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
