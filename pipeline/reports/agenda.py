"""``spt agenda``: the buku agenda as a table, CSV or XLSX.

The table in the terminal shows the latest :data:`SHOWN` entries (``--limit N``
for another number, ``--limit 0`` for every entry) and says how many there
are: with thousands of letters a year, the full book is for the CSV or XLSX
export, which always holds every entry.
"""

from __future__ import annotations

import csv
from pathlib import Path

from rich.console import Console

from pipeline.config import Config
from pipeline.folders.layout import Workspace
from pipeline.reports.tables import print_table
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry

HEADERS = ("Nomor", "Tanggal", "Hal", "Yang ditugaskan", "Pemohon", "SHA-256 berkas",
           "Diterima", "Diterima oleh", "Dicabut", "Penandatangan")


SHOWN = 50  # entries the terminal table shows by default: the latest ones


def _entries(config: Config, year: int | None) -> list[AgendaEntry]:
    import datetime as dt

    store = Store(Workspace(config).database)
    since = dt.date(year, 1, 1) if year else None
    until = dt.date(year, 12, 31) if year else None
    return store.agenda.entries(since=since, until=until, limit=None)


def _latest(config: Config, year: int | None, limit: int) -> tuple[list[AgendaEntry], int]:
    """The last ``limit`` entries in book order, and how many there are in all."""
    store = Store(Workspace(config).database)
    return store.agenda.latest(year=year, limit=limit)


def _values(e: AgendaEntry) -> list[str]:
    return [e.number, e.letter_date.isoformat(), e.hal, e.assignee_names, e.pemohon or "",
            e.file_sha256, e.received_at or "", e.received_by or "",
            f"{e.revoked_at} ({e.revoked_reason})" if e.revoked_at else "", e.signed_by or ""]


def print_agenda(config: Config, *, year: int | None = None, limit: int | None = None) -> None:
    """The latest ``limit`` entries (default :data:`SHOWN`; ``0``: all) and the count."""
    if limit == 0:
        entries = _entries(config, year)
        total = len(entries)
    else:
        entries, total = _latest(config, year, limit or SHOWN)
    rows = []
    for e in entries:
        v = _values(e)
        rows.append((*v[:5], (v[6][:16] + " " + v[7]).strip(), v[9]))
    console = Console()
    # One line per entry (pipeline.reports.tables; rich's Table took ~1 ms a row). The number
    # and date are what people look up: never cut (keep=).
    print_table(console, "Buku Agenda Surat Keluar (SPT)",
                (*HEADERS[:5], "Diterima", "Penandatangan"), rows,
                max_widths=(None, None, 50, 45, 30, 40, 45), keep=(0, 1))
    if len(entries) < total:
        console.print(f"{len(entries)} entri terakhir dari {total} (--limit N untuk jumlah lain, "
                      "--limit 0 untuk semua, --csv/--xlsx untuk mengekspor semuanya)",
                      highlight=False)
    else:
        console.print(f"{total} entri", highlight=False)


def export_csv(config: Config, path: Path, *, year: int | None = None) -> int:
    entries = _entries(config, year)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for e in entries:
            writer.writerow(_values(e))
    return len(entries)


def export_xlsx(config: Config, path: Path, *, year: int | None = None) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    entries = _entries(config, year)
    wb = Workbook()
    ws = wb.active
    ws.title = "Buku Agenda"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for e in entries:
        ws.append(_values(e))
    for col, width in zip("ABCDEFGHI", (32, 12, 50, 45, 30, 20, 22, 28, 30), strict=True):
        ws.column_dimensions[col].width = width
    wb.save(path)
    return len(entries)
