"""The number register and the buku agenda, rebuilt from the audit log and the archive.

Both tables are derived facts: every number was given by a ``number.assigned``
audit entry, every agenda line was written with a ``case.issued`` entry, and
each issued letter lies in ``arsip/`` sealed, its number and date in its form
fields. :func:`rebuild` recomputes the tables from those sources alone;
:func:`differences` compares them with what the database holds, line by line,
in words IT can act on. ``spt audit verify`` runs both; ``spt audit rebuild``
prints the rebuilt tables (to restore a lost or damaged database).

Older ``number.assigned`` entries carry no ``year``/``seq``: they are taken
from the letter date and the order of assignment within the year.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pipeline.core.dates_id import format_date
from pipeline.folders.atomic import sha256_file
from pipeline.store.agenda import AgendaEntry
from pipeline.store.audit import AuditAction, AuditEntry
from pipeline.store.register import AssignedNumber

_R = TypeVar("_R")
_S = TypeVar("_S")


@dataclass(frozen=True)
class RebuiltNumber:
    number: str
    case_id: str
    year: int
    seq: int
    letter_date: dt.date


@dataclass(frozen=True)
class RebuiltAgendaLine:
    number: str
    case_id: str
    letter_date: dt.date
    file_sha256: str
    archive_path: str
    received_by: str | None = None
    archive_nomor: str | None = None       # what the archived PDF's "Nomor" field says
    archive_tanggal: str | None = None     # … and its "Tanggal" field
    archive_sha256: str | None = None      # the archived file's hash now (None: missing)
    # The archive's hash after its archive-timestamp renewals (spt perpanjang), each logged
    # as archive.renewed from the previous hash: the file may have that hash instead.
    renewed_sha256: str | None = None


@dataclass
class Rebuilt:
    register: list[RebuiltNumber] = field(default_factory=list)
    agenda: list[RebuiltAgendaLine] = field(default_factory=list)


def rebuild(entries: list[AuditEntry], root: Path) -> Rebuilt:
    """The register and agenda as the audit log and the archive under ``root`` say they are."""
    out = Rebuilt()
    per_year: dict[int, int] = defaultdict(int)
    dates: dict[str, dt.date] = {}
    received: dict[str, str] = {}
    for e in entries:
        if e.action is AuditAction.NUMBER_ASSIGNED and e.case_id and e.detail.get("number"):
            day = dt.date.fromisoformat(e.detail["letter_date"])
            year = int(e.detail.get("year") or day.year)
            per_year[year] += 1
            seq = int(e.detail.get("seq") or per_year[year])
            out.register.append(RebuiltNumber(e.detail["number"], e.case_id, year, seq, day))
            dates[e.case_id] = day
        elif e.action is AuditAction.RECEIPT_RECORDED and e.case_id:
            received[e.case_id] = e.actor
    renewals: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for e in entries:
        if e.action is AuditAction.ARCHIVE_RENEWED and e.case_id and e.file_sha256:
            renewals[e.case_id].append((str(e.detail.get("previous_sha256", "")),
                                        e.file_sha256))
    for e in entries:
        if e.action is not AuditAction.CASE_ISSUED or not e.case_id:
            continue
        archive = str(e.detail.get("archive", ""))
        nomor = tanggal = current = None
        path = root / archive
        if archive and path.is_file():
            current = sha256_file(path)
            nomor, tanggal = _number_fields(path)
        out.agenda.append(RebuiltAgendaLine(
            number=str(e.detail.get("number", "")), case_id=e.case_id,
            letter_date=dates.get(e.case_id, dt.date.min), file_sha256=e.file_sha256 or "",
            archive_path=archive, received_by=received.get(e.case_id),
            archive_nomor=nomor, archive_tanggal=tanggal, archive_sha256=current,
            renewed_sha256=_renewed(e.file_sha256 or "", renewals.get(e.case_id, [])),
        ))
    return out


def _renewed(issued: str, chain: list[tuple[str, str]]) -> str | None:
    """The hash the renewals lead to from ``issued``, following each previous -> new step."""
    current, moved = issued, False
    for previous, new in chain:
        if previous == current:
            current, moved = new, True
    return current if moved else None


def differences(rebuilt: Rebuilt, register: list[AssignedNumber],
                agenda: list[AgendaEntry]) -> list[str]:
    """Where the tables differ from what the audit log and the archive say (Indonesian)."""
    out: list[str] = []
    numbers, unlogged_numbers = _matched(rebuilt.register, register, lambda n: n.number)
    for r, n in numbers:
        if n is None:
            out.append(f"Nomor {r.number} ({r.case_id}) diberikan menurut log audit tetapi "
                       "tidak ada di register.")
            continue
        got = (n.case_id, n.year, n.seq, n.letter_date)
        want = (r.case_id, r.year, r.seq, r.letter_date)
        if got != want:
            out.append(f"Register {r.number}: tercatat {_show(got)}, menurut log audit "
                       f"{_show(want)}.")
    for n in unlogged_numbers:
        out.append(f"Nomor {n.number} ({n.case_id}) ada di register tanpa entri audit "
                   "number.assigned (disisipkan?).")

    lines, unlogged_lines = _matched(rebuilt.agenda, agenda, lambda a: a.case_id)
    for r, a in lines:
        if a is None:
            out.append(f"{r.case_id} ({r.number}) diterbitkan menurut log audit tetapi tidak "
                       "ada di buku agenda.")
        else:
            got = (a.number, a.letter_date, a.file_sha256, a.archive_path)
            want = (r.number, r.letter_date, r.file_sha256, r.archive_path)
            if got != want:
                out.append(f"Buku agenda {a.number} ({a.case_id}): tercatat {_show(got)}, "
                           f"menurut log audit {_show(want)}.")
            if (a.received_by or None) != r.received_by:
                out.append(f"Buku agenda {a.number}: tanda terima tercatat "
                           f"{a.received_by or 'belum ada'}, menurut log audit "
                           f"{r.received_by or 'belum ada'}.")
        out += _archive_problems(r)
    for a in unlogged_lines:
        out.append(f"Buku agenda {a.number} ({a.case_id}) tanpa entri audit case.issued "
                   "(disisipkan?).")
    return out


def _matched(rebuilt: list[_R], stored: list[_S],
             key: Callable[[Any], str]) -> tuple[list[tuple[_R, _S | None]], list[_S]]:
    """Each rebuilt line with the stored line of the same ``key`` (None: no such line), and
    the stored lines no rebuilt line has, in their order."""
    by_key = {key(s): s for s in stored}
    pairs = [(r, by_key.pop(key(r), None)) for r in rebuilt]
    return pairs, list(by_key.values())


def _archive_problems(r: RebuiltAgendaLine) -> list[str]:
    if r.archive_sha256 is None:
        return [f"Arsip {r.archive_path} untuk {r.number} tidak ada."]
    out = []
    if r.archive_sha256 not in (r.file_sha256, r.renewed_sha256):
        out.append(f"Arsip {r.archive_path} berubah sejak diterbitkan (hash berbeda).")
    if r.archive_nomor != r.number:
        out.append(f"Arsip {r.archive_path}: nomor di dalam PDF {r.archive_nomor!r}, "
                   f"seharusnya {r.number!r}.")
    if r.letter_date != dt.date.min and r.archive_tanggal != format_date(r.letter_date):
        out.append(f"Arsip {r.archive_path}: tanggal di dalam PDF {r.archive_tanggal!r}, "
                   f"seharusnya {format_date(r.letter_date)!r}.")
    return out


def _number_fields(path: Path) -> tuple[str | None, str | None]:
    from pipeline.signing.approver import report_values

    try:
        values = report_values(path.read_bytes())
    except Exception:  # an unreadable archive is reported by its missing values
        return None, None
    return values.get("Nomor"), values.get("Tanggal")


def _show(values: tuple) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")"


__all__ = ["Rebuilt", "RebuiltAgendaLine", "RebuiltNumber", "differences", "rebuild"]
