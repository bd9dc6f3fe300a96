"""The SOP sheet and ``spt report`` show delegated steps as such (Plh./Plt.)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

from rich.console import Console

from pipeline.config import load_config
from pipeline.core.delegation import Delegation, DelegationKind
from pipeline.core.workflow import Person
from pipeline.folders.layout import Workspace
from pipeline.reports.compliance import print_report
from pipeline.sop.flow import derive
from pipeline.sop.sheet import print_sop, render_sop_pdf
from pipeline.store import Store
from pipeline.workspace_init import init_workspace

from .test_report import Filler, at

ASISTEN = Person(name="Dr. Rahmat Hidayat, S.H., M.H.", nip="196805141993031009",
                 jabatan="Asisten Pemerintahan dan Kesejahteraan Rakyat",
                 email="asisten1@kalbarprov.go.id")
LEAVE = Delegation(stage_key="sekda", deputy=ASISTEN, kind=DelegationKind.PLH,
                   start=at(4, 14, 0), end=at(4, 15, 0), id=1)
NOTE = "Plh.: Rahmat Hidayat (14 April 2026)"


def test_the_sop_sheet_names_the_plh_on_the_delegated_step(tmp_path):
    config = load_config(init_workspace(tmp_path / "ws"))
    sheet = derive(config, [LEAVE])
    [sekda] = [s for s in sheet.steps if s.key == "sekda"]
    assert sekda.keterangan.endswith(NOTE)
    assert all("Plh." not in s.keterangan for s in sheet.steps if s.key != "sekda")
    lines: list[str] = []
    print_sop(config, echo=lines.append, delegations=[LEAVE])
    assert [line for line in lines if "Keterangan" in line] == [
        f"    Keterangan: Tanda tangan elektronik; {NOTE}"]
    pdf = render_sop_pdf(config, tmp_path / "sop.pdf", [LEAVE])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.replace("-\n", "").split())
    assert NOTE in flat
    assert "Plh." not in " ".join(" ".join(derive(config).steps[i].keterangan
                                           for i in range(len(sheet.steps))).split())


def test_the_report_counts_the_steps_a_plh_took_and_lists_the_delegation(tmp_path):
    config = load_config(init_workspace(tmp_path / "ws"))
    store = Store(Workspace(config).database)
    with store.transaction():
        store.delegations.add(LEAVE, by="test", at=at(4, 13, 16))
    fill = Filler(store)
    for day in (14, 16):  # one case on the day of leave, one two days later
        case = fill.case(at(4, day, 8))
        fill.chain(case, at(4, day, 8), ("kepegawaian", 10), ("kasubag", 5),
                   ("sekretaris", 5), ("inspektur", 5), ("asisten1", 5), ("sekda", 5),
                   ("gubernur", 5))
    out = io.StringIO()
    report = print_report(config, dt.date(2026, 4, 1), dt.date(2026, 4, 30),
                          now=at(4, 30, 10), console=Console(file=out, width=160))
    by_key = {s.key: s for s in report.stages}
    assert by_key["sekda"].stays == 2 and by_key["sekda"].delegated == 1
    assert all(s.delegated == 0 for k, s in by_key.items() if k != "sekda")
    text = out.getvalue()
    assert ("Pelimpahan #1: Dr. Rahmat Hidayat, S.H., M.H. sebagai Plh. Sekretaris Daerah, "
            "14 April 2026 s.d. 14 April 2026") in text
    assert "Oleh" in text and "Plh./Plt." in text


def test_a_week_of_delegations_stays_one_short_note_and_the_sheet_still_fits(tmp_path):
    config = load_config(init_workspace(tmp_path / "ws"))
    week = [Delegation(stage_key="sekda", deputy=ASISTEN, kind=DelegationKind.PLH,
                       start=at(4, day, 0), end=at(4, day + 1, 0), id=day)
            for day in range(13, 18)]
    [sekda] = [s for s in derive(config, week).steps if s.key == "sekda"]
    assert sekda.keterangan == (
        "Tanda tangan elektronik; Plh.: Rahmat Hidayat (13 s.d. 17 April 2026)")
    render_sop_pdf(config, tmp_path / "sop.pdf", week)  # raises when it does not fit
