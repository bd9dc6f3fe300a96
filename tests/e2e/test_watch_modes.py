"""Shared drives: polling instead of inotify; files that take seconds to copy."""

from __future__ import annotations

import time

import pytest

from pipeline.simulate import wait_until

from .conftest import SAMPLES, Office, tune
from .test_chain import NOTE

pytestmark = pytest.mark.slow


def test_the_chain_works_with_the_polling_observer(tmp_path):
    office = Office(tmp_path / "ws")
    tune(office.config_path, section="watch", mode='"poll"', poll_interval="0.5")
    office.reload()
    try:
        office.service.start()
        assert "(poll)" in office.service.log.read_text()
        o = office.officials
        o.drop_invitation(SAMPLES / "undangan-dev-06.pdf", note=NOTE)
        case = o.new_cases(set())[0]
        for stage in office.workflow.stages:
            o.agree(case, stage.index)
        store = office.store()
        wait_until(lambda: store.agenda.for_case(case), timeout=60, what="the case issued")
    finally:
        office.service.stop()


def test_a_file_still_being_copied_is_taken_only_once_complete(office):
    office.service.start()
    ws = office.ws
    data = (SAMPLES / "undangan-dev-03.pdf").read_bytes()
    target = ws.inbox / "undangan-lambat.pdf"
    chunk = len(data) // 20 + 1
    with open(target, "wb") as fh:               # a slow copy over SMB: 20 pieces, 2 s
        for i in range(0, len(data), chunk):
            fh.write(data[i:i + chunk])
            fh.flush()
            time.sleep(0.1)
            assert office.store().cases.count() == 0
            assert not any(ws.inbox_rejected.iterdir())
    case = office.officials.new_cases(set())[0]
    assert (ws.inbox_accepted / "undangan-lambat.pdf").read_bytes() == data
    assert not any(ws.inbox_rejected.iterdir())
    assert office.store().cases.get(case).source_name == "undangan-lambat.pdf"


BAD_FILES = [
    ("catatan.docx", b"not a word file at all", "tidak didukung"),
    ("kosong.pdf", b"", "kosong"),
    ("rusak.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrailer\n", "rusak"),
]


def test_unusable_files_in_the_inbox_are_set_aside_with_a_reason(office):
    office.service.start()
    ws = office.ws
    for name, content, _ in BAD_FILES:
        (ws.inbox / name).write_bytes(content)
    for name, content, reason in BAD_FILES:
        note = ws.inbox_rejected / f"{name}.alasan.txt"
        wait_until(note.exists, timeout=30, what=f"{name} to be set aside")
        assert reason in note.read_text()
        assert (ws.inbox_rejected / name).read_bytes() == content
    # The service is still running and still takes good invitations.
    office.officials.drop_invitation(SAMPLES / "undangan-dev-02.pdf", note=NOTE)
    office.officials.new_cases(set())
    assert office.service.proc.poll() is None
    assert office.store().cases.count() == 1
