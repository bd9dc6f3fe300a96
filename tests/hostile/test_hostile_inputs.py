"""Hostile input, through the running service and (where equivalent) the validation itself.

Each input of :mod:`tests.hostile.cases` must have its outcome: set aside with
a reason in Indonesian (the sender told, for an email), taken with its oddity
made harmless, or left in a stage folder with a note; nothing outside the
workspace followed, read or changed; the service alive afterwards and still
taking a good invitation; memory and time bounded.
"""

from __future__ import annotations

import email
import os
from email import policy

import pytest

from pipeline.untrusted.names import sanitize_filename
from tests.hostile.cases import CASES, Hostile
from tests.hostile.conftest import CANARY, HostileRun, outcome_path
from tests.hostile.corpus import SENDER

pytestmark = pytest.mark.slow

MAX_RSS = 900 * 1024 * 1024     # service + its Python children, all inputs at once
MAX_SECONDS = 120                # from dropping an input to its outcome


@pytest.mark.parametrize("h", CASES, ids=lambda h: h.id)
def test_each_input_has_its_outcome(hostile_run: HostileRun, h: Hostile):
    ws = hostile_run.office.ws
    evidence = outcome_path(hostile_run, h)
    assert evidence.exists(), f"no outcome for {h.id} (looked for {evidence})"
    assert hostile_run.seconds[h.id] < MAX_SECONDS
    dropped = hostile_run.made[h.id]
    if h.outcome == "ditolak":
        text = evidence.read_text(encoding="utf-8")
        assert "Alasan:" in text and h.reason in text
        assert not os.path.lexists(dropped)   # moved away, nothing left in the inbox
        kept = ws.inbox_rejected / sanitize_filename(dropped.name)
        assert os.path.lexists(kept)
    elif h.outcome == "catatan":
        text = evidence.read_text(encoding="utf-8")
        assert h.reason in text and "tidak" in text
        assert os.path.lexists(dropped)       # left where the official put it
    else:
        assert not os.path.lexists(dropped)
        if dropped.suffix == ".eml":
            assert evidence.exists()
        else:
            cases = hostile_run.office.store().cases.all()
            assert any(c.source_name == sanitize_filename(dropped.name) for c in cases)
    if h.sender_told:
        _assert_sender_told(hostile_run, h)


def _assert_sender_told(run: HostileRun, h: Hostile) -> None:
    subject_of = email.message_from_bytes(
        (run.office.ws.inbox_rejected if h.outcome == "ditolak" else
         run.office.ws.inbox_accepted).joinpath(sanitize_filename(run.made[h.id].name))
        .read_bytes(), policy=policy.default)["Message-ID"]
    kind = "ditolak" if h.outcome == "ditolak" else "diterima"
    for eml in run.office.ws.outbox.rglob(f"*-{kind}-*.eml"):
        reply = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        if reply["In-Reply-To"] == subject_of and SENDER in str(reply["To"]):
            return
    raise AssertionError(f"no '{kind}' reply to the sender of {h.id}")


def test_names_are_made_harmless_and_logs_stay_one_line_per_event(hostile_run: HostileRun):
    ws = hostile_run.office.ws
    for path in ws.root.rglob("*"):
        assert "\n" not in path.name and "\x1b" not in path.name and "\u202e" not in path.name
    log = hostile_run.office.service.log.read_text(encoding="utf-8", errors="replace")
    assert "\x1b" not in log and "\u202e" not in log
    for line in log.splitlines():
        assert not line.startswith("INFO palsu"), "a name broke a log line"


def test_nothing_outside_the_workspace_was_followed_read_or_changed(hostile_run: HostileRun):
    for path, (data, mtime) in hostile_run.canary_before.items():
        assert path.exists() and path.read_bytes() == data, path
        assert path.stat().st_mtime_ns == mtime, path
    root = hostile_run.office.ws.root
    outside = {(p.stat().st_dev, p.stat().st_ino) for p in hostile_run.canary_before}
    for path in root.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        if (path.stat().st_dev, path.stat().st_ino) in outside:
            continue  # a dropped hard link (moved aside, or left with a note): the outside file
        assert CANARY.encode() not in path.read_bytes(), f"the canary leaked into {path}"
    log = hostile_run.office.service.log.read_text(errors="replace")
    assert CANARY not in log


def test_the_service_is_still_running_and_takes_a_good_invitation(hostile_run: HostileRun):
    assert hostile_run.alive
    assert hostile_run.good_case is not None
    assert "Traceback" not in hostile_run.office.service.log.read_text(errors="replace")


def test_memory_stayed_bounded(hostile_run: HostileRun):
    print(f"\nhostile corpus: {len(CASES)} inputs, peak RSS "
          f"{hostile_run.peak_rss / 2**20:.0f} MB, slowest outcome "
          f"{max(hostile_run.seconds.values(), default=0):.1f} s")
    assert 0 < hostile_run.peak_rss < MAX_RSS, f"peak RSS {hostile_run.peak_rss / 2**20:.0f} MB"
