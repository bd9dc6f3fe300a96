"""Starting and stopping ``spt serve`` the ways IT does, and the database pulled from under it.

- SIGTERM while LibreOffice is still starting: the service ends, and so does every process
  it started (unoserver, soffice); a SIGKILL later leaves none behind either;
- a second ``spt serve`` on the same workspace is refused, naming the first one's PID;
- the database deleted or replaced while the service runs: the service stops with a
  message saying so instead of writing into a file nobody reads, and a start on a
  workspace whose database is gone is refused (a new, empty one would number from 1).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from pipeline.convert.base import processes_using
from pipeline.simulate import wait_until

from .conftest import SAMPLES, Office, tune

pytestmark = pytest.mark.slow

NOTE = "19650809 198603 1 012"


def leftovers(office: Office) -> list[str]:
    """Processes still running that the service started for this workspace."""
    found = []
    for proc in processes_using(str(office.ws.state)):
        try:
            found.append(" ".join(proc.cmdline()))
        except Exception:  # gone meanwhile
            continue
    return found


def serve_once(office: Office) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "serve", "--config", str(office.config_path)],
        capture_output=True, text=True, timeout=120, cwd=office.ws.root,
    )


def test_sigterm_during_start_up_and_sigkill_later_leave_no_process_behind(tmp_path):
    office = Office(tmp_path / "ws")          # converter: the warm unoserver (default)
    svc = office.service
    svc.start(wait=False)
    wait_until(lambda: any("unoserver" in p for p in leftovers(office)), timeout=60,
               what="unoserver to be starting")
    assert not svc.up(), "too late: the service finished starting before the signal"
    svc.proc.send_signal(signal.SIGTERM)
    assert svc.proc.wait(timeout=60) == 0, svc.tail()
    assert "spt service stopped" in svc.tail()
    wait_until(lambda: not leftovers(office), timeout=30,
               what=f"no process of the workspace left (still: {leftovers(office)})")

    # Started again, fully; a second service on the same workspace is refused.
    svc.start()
    assert any("unoserver" in p for p in leftovers(office))
    second = serve_once(office)
    assert second.returncode != 0
    assert f"PID {svc.proc.pid}" in second.stderr, second.stderr

    # A power-cut-like SIGKILL: unoserver and its soffice end with the service.
    os.kill(svc.proc.pid, signal.SIGKILL)
    svc.proc.wait()
    wait_until(lambda: not leftovers(office), timeout=30,
               what=f"no process of the workspace left after SIGKILL (still: "
                    f"{leftovers(office)})")


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_database_pulled_from_under_the_service_stops_it_clearly(tmp_path, how):
    office = Office(tmp_path / "ws")
    tune(office.config_path, section="converter", mode='"soffice"')  # quicker to start
    office.service.start()
    o = office.officials
    o.drop_invitation(SAMPLES / "undangan-dev-02.pdf", note=NOTE)
    case = o.new_cases(set())[0]
    database = office.ws.database
    if how == "deleted":
        database.unlink()
    else:
        # What a careless restore does: a copy of the same data moved over the file.
        copy = database.with_name("copy.sqlite3")
        src = sqlite3.connect(database)
        dst = sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        dst.close()
        copy.chmod(0o600)
        os.replace(copy, database)
    o.drop_invitation(SAMPLES / "undangan-dev-03.pdf", note=NOTE)  # wakes the service up
    code = office.service.proc.wait(timeout=60)
    assert code != 0
    log = office.service.tail()
    assert f"basis data {database}" in log and ("dihapus" if how == "deleted"
                                                else "diganti dengan berkas lain") in log, log
    assert "Traceback" not in log
    assert not leftovers(office) or wait_until(lambda: not leftovers(office), timeout=30,
                                               what="the service's processes to end")

    if how == "deleted":
        refused = serve_once(office)
        assert refused.returncode != 0
        assert "tidak ada, padahal workspace ini sudah berisi 1 kasus" in refused.stderr, (
            refused.stderr)
        assert not database.exists(), "a refused start must not create an empty database"
    else:
        # The replacement holds the same data: a new start takes it, and the case is there.
        office.service.start()
        assert office.store().cases.get(case) is not None
        office.service.stop()
