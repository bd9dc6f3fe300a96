"""What the drafter is told beside a new draft, besides the extraction's notes.

* warnings about the event's dates (over already, or before the SOP's standard
  times let the letter be issued): :func:`pipeline.drafting.check.timing_warnings`;
* what the request's note named that is not in the draft, with the reason:
  :func:`pipeline.drafting.request.unmatched`;
* the request's note itself, copied beside the draft (``<case>-permintaan.txt``).

They reach the drafter as the drafting stage's note (``<case>-catatan.txt``)
and in the mail that announces the draft.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from pipeline.drafting.check import timing_warnings
from pipeline.drafting.request import unmatched

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.core.workflow import Workflow
    from pipeline.directory import EmployeeDirectory
    from pipeline.service.drafting import DraftFiles
    from pipeline.store import Store


def earliest_issue(workflow: Workflow, calendar, now: dt.datetime) -> dt.date:
    """The day the letter is issued if every stage, numbering included, takes its standard
    time from ``now`` (office hours of ``calendar``, a WorkingCalendar)."""
    minutes = sum(s.mutu_baku_minutes or 0 for s in workflow.stages) + (
        workflow.finalization.mutu_baku_minutes or 0)
    try:
        return calendar.add_working_minutes(now, minutes).date()
    except (AttributeError, ValueError):
        return now.date()


def request_note(store: Store, case_id: str) -> str | None:
    """The note the request came with (as recorded when the case was opened), if any."""
    for entry in store.audit.for_case(case_id):
        if entry.action == "case.opened":
            note = (entry.detail or {}).get("note") or ""
            return note if note.strip() else None
    return None


def with_drafter_notes(files: DraftFiles, *, config: Config, workflow: Workflow, calendar,
                       now: dt.datetime, note: str | None,
                       directory: EmployeeDirectory | None) -> DraftFiles:
    """``files`` with the timing warnings first and the names left out last."""
    first = timing_warnings(files.fields.get("tanggal_mulai"),
                            files.fields.get("tanggal_selesai"),
                            today=now.astimezone(config.tz).date(),
                            earliest_issue=earliest_issue(workflow, calendar, now))
    last: list[str] = []
    if note and directory is not None:
        left_out = unmatched(note, directory)
        if left_out:
            last = ["Nama/NIP dalam permintaan yang TIDAK masuk ke draf (periksa dan lengkapi "
                    "tabel \"Kepada\" bila perlu):", *(f"- {line}" for line in left_out)]
    if not first and not last:
        return files
    return dataclasses.replace(files, notes=(*first, *files.notes, *last))
