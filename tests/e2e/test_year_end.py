"""New Year's Eve in Pontianak: the last letter of the old year and the first of the new.

The service's clock is injected (``SPT_FAKE_NOW``, :mod:`pipeline.service.clock`):
it starts at 31 December 23:59:50 WIB and runs on in real time. A case the
gubernur agreed before that start is finished within those ten seconds and
gets the old year's next number and date; a case agreed after midnight WIB
(still 31 December in UTC: the zone matters) gets the new year's 0001, its
date in the agency's zone, and goes to the new year's archive.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time

import pytest

from pipeline.reports.auditing import verify_audit
from pipeline.service.clock import FAKE_NOW_ENV
from pipeline.simulate import wait_until
from tests.support.signing import field_values

from .conftest import SAMPLES, Office
from .test_chain import NOTE

pytestmark = pytest.mark.slow

WIB = dt.timezone(dt.timedelta(hours=7))
EVE = dt.datetime(2026, 12, 31, 23, 59, 50, tzinfo=WIB)


def test_a_case_finished_at_23_59_on_31_december_gets_the_old_years_number(tmp_path):
    office = Office(tmp_path / "ws")
    text = office.config_path.read_text(encoding="utf-8")
    # A cold soffice per draft: the service is up in about a second, well inside the ten.
    office.config_path.write_text(re.sub(r'(?m)^mode = "unoserver".*$', 'mode = "soffice"',
                                         text), encoding="utf-8")
    office.reload()
    svc, o, ws = office.service, office.officials, office.ws
    last = office.workflow.last_index
    try:
        svc.start()
        for sample in ("undangan-dev-01.pdf", "undangan-dev-02.pdf"):
            o.drop_invitation(SAMPLES / sample, note=NOTE)
        old_year, new_year = o.new_cases(set(), count=2)
        for case in (old_year, new_year):
            for stage in range(last):
                o.agree(case, stage)
            o.wait_for(case, last)
        svc.stop()

        o.agree(old_year, last)            # the gubernur agrees while the service is down
        svc.env[FAKE_NOW_ENV] = EVE.isoformat()
        svc.start()
        up_at = time.monotonic()
        store = office.store()
        first = wait_until(lambda: store.agenda.for_case(old_year), timeout=30,
                           what="the old year's letter")
        # The service's clock passes midnight WIB ten seconds after it started.
        wait_until(lambda: time.monotonic() > up_at + 10.5, timeout=20, what="midnight WIB")
        o.agree(new_year, last)
        second = wait_until(lambda: store.agenda.for_case(new_year), timeout=60,
                            what="the new year's letter")
    finally:
        svc.stop()

    assigned = {e.case_id: dt.datetime.fromisoformat(e.at).astimezone(WIB)
                for e in store.audit.all() if e.action == "number.assigned"}
    assert EVE <= assigned[old_year] < dt.datetime(2027, 1, 1, tzinfo=WIB)
    assert assigned[new_year] >= dt.datetime(2027, 1, 1, tzinfo=WIB)
    assert assigned[new_year].astimezone(dt.UTC).date() == dt.date(2026, 12, 31)

    assert first.number == "800.1.11.1/0001/DISKOPUKM/2026"
    assert first.letter_date == dt.date(2026, 12, 31)
    assert first.archive_path == "arsip/2026/800.1.11.1-0001-DISKOPUKM-2026.pdf"
    assert second.number == "800.1.11.1/0001/DISKOPUKM/2027"
    assert second.letter_date == dt.date(2027, 1, 1)
    assert second.archive_path == "arsip/2027/800.1.11.1-0001-DISKOPUKM-2027.pdf"
    for entry, tanggal in ((first, "31 Desember 2026"), (second, "1 Januari 2027")):
        values = field_values((ws.root / entry.archive_path).read_bytes())
        assert values["Nomor"] == entry.number
        assert values["Tanggal"] == tanggal
    assert [(n.year, n.seq) for n in store.register.all()] == [(2026, 1), (2027, 1)]
    ok, lines = verify_audit(office.config)
    assert ok, lines
    assert FAKE_NOW_ENV not in os.environ
