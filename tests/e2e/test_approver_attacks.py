"""Shadow attacks and a costly file through the running service, at an approver stage.

The inspektur signs with their own certificate (``signing = "approver"``, as in
:mod:`tests.e2e.test_approver_stage`). Each attack rides in the very revision of
that genuine signature: the service must refuse it with a note naming the change,
keep the case where it is, and go on serving the other cases meanwhile, even while
the check of a file is held up (its child process stopped): the check runs outside
the engine and ends at its time limit with a verdict of its own.
"""

from __future__ import annotations

import signal

import psutil
import pytest

from pipeline.signing.bounded import CHILD_NAME, SERVER_NAME
from pipeline.simulate import wait_until
from tests.e2e.test_approver_stage import (
    FIELD,
    STAGE,
    _case_at_inspektur,
    _official,
    _refused,
    _submit,
    approver_office,  # noqa: F401 - the module's service, started once
)
from tests.support.shadow import Carrier, Effect, attacked, many_revisions, signed

pytestmark = pytest.mark.slow


def test_a_content_edit_inside_the_signature_revision_is_refused(approver_office):  # noqa: F811
    office = approver_office
    case, published = _case_at_inspektur(office, "undangan-dev-01.pdf", "isi-dalam-ttd")
    data = attacked(published.read_bytes(), Effect.HIDE_AND_REPLACE, Carrier.CONTENT,
                    sign_as=_official(office), field=FIELD)
    _submit(office, case, published, data)
    note = _refused(office, case)
    assert "membawa perubahan lain pada dokumen" in note and "halaman" in note


def test_a_fake_document_timestamp_over_the_text_is_refused(approver_office):  # noqa: F811
    office = approver_office
    case, published = _case_at_inspektur(office, "undangan-dev-02.pdf", "stempel-palsu")
    data = attacked(published.read_bytes(), Effect.HIDE_AND_REPLACE, Carrier.NEW_FIELD,
                    sign_as=_official(office), field=FIELD)
    _submit(office, case, published, data)
    note = _refused(office, case)
    assert "kolom baru ditambahkan: Stempel_Waktu" in note


def _check_children(service_pid: int, name: str = CHILD_NAME) -> list[psutil.Process]:
    """The service's checks (forks of its check server), or with ``SERVER_NAME`` the server."""
    found = []
    for child in psutil.Process(service_pid).children(recursive=True):
        try:
            if child.name() == name:
                found.append(child)
        except psutil.Error:
            continue
    return found


def test_the_engine_serves_other_cases_while_a_check_is_held_up(approver_office):  # noqa: F811
    office = approver_office
    o = office.officials
    other, _ = _case_at_inspektur(office, "undangan-dev-03.pdf", "kasus-lain")
    case, published = _case_at_inspektur(office, "undangan-dev-05.pdf", "banyak-revisi")
    big = many_revisions(signed(published.read_bytes(), _official(office), FIELD), 400)
    service = office.service.proc.pid
    _submit(office, case, published, big)
    child = wait_until(lambda: (_check_children(service) or [None])[0], timeout=60,
                       interval=0.01, what="the check's child process")
    child.send_signal(signal.SIGSTOP)                 # the check is held up
    # Meanwhile the engine decides on another case: the inspektur's plain approval.
    other_published = o.wait_for(other, STAGE)
    _submit(office, other, other_published, signed(other_published.read_bytes(),
                                                   _official(office), FIELD))
    o.wait_for(other, STAGE + 1)
    assert child.is_running() and child.status() == psutil.STATUS_STOPPED
    # The held-up check ends at its time limit (the service kills it), and that is the verdict.
    note = _refused(office, case)
    assert "melampaui batas waktu" in note
    wait_until(lambda: not child.is_running(), timeout=30, what="the child to be gone")

    # The check server ends with the service: no process of it is left behind.
    servers = _check_children(service, SERVER_NAME)
    assert len(servers) == 1, servers
    office.service.stop()
    wait_until(lambda: not servers[0].is_running(), timeout=30,
               what="the check server to end with the service")
    office.service.start()                            # the module's service, for the others
