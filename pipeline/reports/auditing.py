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
from pathlib import Path

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


def verify_store(ws: Workspace) -> tuple[bool, list[str]]:
    """:func:`verify_audit` on the workspace ``ws`` whose database must already exist (a
    restored copy: ``spt pulihkan`` checks it before the workspace is put in place)."""
    store = Store(ws.database, create=False)
    try:
        with store.snapshot():
            return _verify(store, ws)
    finally:
        store.close()


def check_letters(config: Config, paths: list[Path]) -> tuple[bool, list[str]]:
    """Issued letters from outside (the pemohons' copies, a Sent folder) against the register.

    After a restore, letters issued after the backup are not in the register: each one
    whose signatures are complete and valid but whose number or file the register does
    not hold is reported as missing from it (the register does not know it, and the
    number may be given again). Nothing is changed.
    """
    from pipeline.backup.restore import read_marker
    from pipeline.reports.verification import verify_issued

    ws = Workspace(config)
    lines: list[str] = []
    marker = read_marker(ws.state)
    if marker is not None:
        lines.append(f"Ruang kerja ini dipulihkan dari cadangan {marker.get('backup')} (dibuat "
                     f"{marker.get('backup_created_at')}); surat sesudah itu tidak dikenalnya.")
    files = sorted({f for p in paths for f in ([p] if p.is_file() else p.rglob("*.pdf"))})
    missing = 0
    store = Store(ws.database, create=False)
    try:
        for path in files:
            v = verify_issued(config, path.read_bytes(), store=store)
            complete = v.signatures_report.complete
            if v.ok:
                lines.append(f"{path.name}: {v.number} tercatat di register, berkas sama.")
            elif complete and v.number and v.entry is None:
                missing += 1
                lines.append(f"{path.name}: {v.number} HILANG dari register: surat bertanda "
                             "tangan sah, tetapi nomornya tidak tercatat (diterbitkan setelah "
                             "cadangan yang dipulihkan?).")
            elif complete and v.entry is not None and not v.same_file:
                missing += 1
                lines.append(f"{path.name}: {v.number} HILANG dari register: nomor itu di "
                             f"register milik berkas lain ({v.entry.case_id}); nomor dipakai "
                             "dua kali.")
            else:
                lines.append(f"{path.name}: bukan surat sah yang lengkap dari layanan ini "
                             "(lihat 'spt verify').")
    finally:
        store.close()
    lines.append(f"HASIL: {len(files)} surat diperiksa, {missing} hilang dari register."
                 if missing else f"HASIL: {len(files)} surat diperiksa, tidak ada yang hilang "
                 "dari register.")
    return missing == 0, lines


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
