"""``spt agenda``: the buku agenda as a table, CSV or XLSX."""

from __future__ import annotations

import csv
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipeline.config import Config
from pipeline.folders.layout import Workspace
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry

HEADERS = ("Nomor", "Tanggal", "Hal", "Yang ditugaskan", "Pemohon", "SHA-256 berkas",
           "Diterima", "Diterima oleh", "Dicabut")


def _entries(config: Config, year: int | None, limit: int | None = None) -> list[AgendaEntry]:
    import datetime as dt

    store = Store(Workspace(config).database)
    since = dt.date(year, 1, 1) if year else None
    until = dt.date(year, 12, 31) if year else None
    entries = store.agenda.entries(since=since, until=until, limit=None)
    return entries[-limit:] if limit else entries


def _values(e: AgendaEntry) -> list[str]:
    return [e.number, e.letter_date.isoformat(), e.hal, e.assignee_names, e.pemohon or "",
            e.file_sha256, e.received_at or "", e.received_by or "",
            f"{e.revoked_at} ({e.revoked_reason})" if e.revoked_at else ""]


def print_agenda(config: Config, *, year: int | None = None, limit: int | None = None) -> None:
    entries = _entries(config, year, limit)
    table = Table(title="Buku Agenda Surat Keluar (SPT)")
    for h in (*HEADERS[:5], "Diterima"):
        # The number and date are what people look up: never cut or wrapped.
        table.add_column(h, no_wrap=h in ("Nomor", "Tanggal"))
    for e in entries:
        v = _values(e)
        table.add_row(*v[:5], (v[6][:16] + " " + v[7]).strip())
    Console().print(table)
    Console().print(f"{len(entries)} entri")


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
