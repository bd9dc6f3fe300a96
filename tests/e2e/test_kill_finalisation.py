"""Killed while signing or numbering: after a restart the case is issued once, with one number."""

from __future__ import annotations

from collections import Counter

import pytest

from pipeline.reports.auditing import verify_audit
from pipeline.reports.verification import verify_issued
from pipeline.service.faults import CRASH_ENV
from pipeline.simulate import wait_until

from .conftest import SAMPLES, Office
from .test_chain import NOTE

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("point", [
    "stage.signed:7",        # the signatory's signature made, not yet recorded
    "finalize.numbered",     # the number given, no PDF yet
    "finalize.archived",     # the final PDF archived, the agenda not yet written
    "finalize.issued",       # everything recorded, the mail not yet queued
])
def test_killed_during_finalisation_the_case_is_issued_once(tmp_path, point):
    office = Office(tmp_path / "ws", **{CRASH_ENV: point})
    svc, o = office.service, office.officials
    svc.start()
    o.drop_invitation(SAMPLES / "undangan-dev-01.pdf", note=NOTE)
    case = o.new_cases(set())[0]
    for stage in office.workflow.stages:
        o.agree(case, stage.index)
    wait_until(lambda: svc.proc.poll() is not None, timeout=60, what=f"the crash at {point}")
    assert svc.proc.returncode == -9

    del svc.env[CRASH_ENV]
    svc.start()
    store = office.store()
    entry = wait_until(lambda: store.agenda.for_case(case), timeout=60, what="the case issued")
    wait_until(lambda: list(office.ws.outbox.glob(f"{case}-terbit-*.eml")), timeout=30,
               what="the mail to the pemohon")

    assert [n.number for n in store.register.all()] == [entry.number]
    assert entry.number.split("/")[1] == "0001"
    actions = Counter(a for a, _ in office.audit_actions(case))
    assert actions["number.assigned"] == 1 and actions["case.issued"] == 1
    assert actions["mark.applied"] == len(office.workflow.stages) - 1
    assert len(list(office.ws.outbox.glob(f"{case}-terbit-*.eml"))) == 1
    archived = list(office.ws.arsip.rglob("*.pdf"))
    assert [p.relative_to(office.ws.root).as_posix() for p in archived] == [entry.archive_path]
    report = verify_issued(office.config, archived[0].read_bytes(), store=store)
    assert report.ok, report.render()
    ok, lines = verify_audit(office.config)
    assert ok, lines
