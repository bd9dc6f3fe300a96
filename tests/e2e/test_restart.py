"""Surviving restarts: SIGKILL mid-chain, moves made while the service is down."""

from __future__ import annotations

from collections import Counter

import pytest

from pipeline.simulate import wait_until

from .conftest import SAMPLES
from .test_chain import NOTE

pytestmark = pytest.mark.slow


def test_killed_mid_chain_the_case_completes_with_an_intact_audit_log(office):
    svc, o = office.service, office.officials
    svc.start()
    o.drop_invitation(SAMPLES / "undangan-dev-01.pdf", note=NOTE)
    case = o.new_cases(set())[0]
    for stage in range(3):
        o.agree(case, stage)
    o.wait_for(case, 3)
    svc.kill()                      # SIGKILL: no clean-up at all
    o.agree(case, 3)                # an official acts while the service is down
    svc.start()
    o.agree(case, 4)
    svc.kill()
    svc.start()
    for stage in (5, 6):
        o.agree(case, stage)
    store = office.store()
    wait_until(lambda: store.agenda.for_case(case), timeout=90, what="the case to be issued")
    assert store.audit.verify() is None
    marks = Counter(s for a, s in office.audit_actions(case) if a == "mark.applied")
    assert marks == Counter({s.key: 1 for s in office.workflow.stages[1:]})
    assert len(store.register.all()) == 1


def test_a_second_service_on_the_same_workspace_refuses_to_start(office):
    office.service.start()
    from .conftest import ServiceProcess

    second = ServiceProcess(office.config_path)
    second.start(wait=False)
    assert second.proc.wait(timeout=60) != 0
    assert f"PID {office.service.proc.pid}" in second.log.read_text()
