"""``spt audit verify``: is the record intact, and does everything agree with it?

Checks, in order: the audit log's hash chain (the first altered, inserted or
deleted entry); that each year's numbers run 1..n with no gap or repeat; and
that the number register and the buku agenda are exactly what the audit log
and the archive rebuild them to be (:mod:`pipeline.reports.rebuild`): every
number given by a ``number.assigned`` entry and no other, every agenda line
matching its ``case.issued`` entry, every archived PDF unchanged and holding
its own number and date. The last line names the chain's head (entry count
and hash), so IT can note it elsewhere: an anchor that also reveals entries
cut off the end of the log, which no chain can show by itself.
"""

from __future__ import annotations

from collections import defaultdict

from pipeline.config import Config
from pipeline.folders.layout import Workspace
from pipeline.reports.rebuild import Rebuilt, differences, rebuild
from pipeline.store import Store


def verify_audit(config: Config) -> tuple[bool, list[str]]:
    ws = Workspace(config)
    store = Store(ws.database)
    try:
        with store.snapshot():  # the log and the register as of one instant
            return _verify(store, ws)
    finally:
        store.close()


def rebuild_tables(config: Config) -> tuple[Rebuilt, list[str]]:
    """The register and agenda rebuilt from the audit log and archive, and how the tables differ."""
    ws = Workspace(config)
    store = Store(ws.database)
    try:
        with store.snapshot():
            rebuilt = rebuild(store.audit.all(), ws.root)
            return rebuilt, differences(rebuilt, store.register.all(), store.agenda.entries())
    finally:
        store.close()


def _verify(store: Store, ws: Workspace) -> tuple[bool, list[str]]:
    lines: list[str] = []
    problems = 0

    brk = store.audit.verify()
    entries = store.audit.all()
    if brk is None:
        lines.append(f"Log audit utuh: {len(entries)} entri, rantai hash cocok.")
    else:
        problems += 1
        lines.append(f"Log audit RUSAK mulai entri #{brk.seq}: {brk.problem}.")

    register = store.register.all()
    by_year: dict[int, list[int]] = defaultdict(list)
    for n in register:
        by_year[n.year].append(n.seq)
    for year, seqs in sorted(by_year.items()):
        seqs.sort()
        if seqs != list(range(1, len(seqs) + 1)):
            problems += 1
            lines.append(f"Nomor urut tahun {year} tidak berurutan: {seqs[:20]}…")
        else:
            lines.append(f"Register {year}: {len(seqs)} nomor, 1..{len(seqs)} tanpa celah/ganda.")

    agenda = store.agenda.entries()
    rebuilt = rebuild(entries, ws.root)
    found = differences(rebuilt, register, agenda)
    problems += len(found)
    lines += found
    if not found:
        lines.append(f"Register dan buku agenda ({len(agenda)} entri) sama dengan yang disusun "
                     "ulang dari log audit dan arsip.")
    if entries:
        lines.append(f"Kepala rantai: entri #{entries[-1].seq}, hash {entries[-1].hash}.")
    lines.append("HASIL: semua cocok." if not problems else f"HASIL: {problems} masalah ditemukan.")
    return problems == 0, lines
