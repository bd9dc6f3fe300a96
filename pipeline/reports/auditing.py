"""``spt audit verify``: is the record intact, and does everything agree with it?

Checks, in order: the audit log's hash chain; that every number in the
register was given by an audit entry, and every audit-recorded number is in
the register, with no gap or repeat in a year; that every agenda entry
matches its ``case.issued`` entry (number and file hash); that the archived
file still has that hash.
"""

from __future__ import annotations

from collections import defaultdict

from pipeline.config import Config
from pipeline.folders.atomic import sha256_file
from pipeline.folders.layout import Workspace
from pipeline.store import Store


def verify_audit(config: Config) -> tuple[bool, list[str]]:
    ws = Workspace(config)
    store = Store(ws.database)
    lines: list[str] = []
    problems = 0

    brk = store.audit.verify()
    entries = store.audit.all()
    if brk is None:
        lines.append(f"Log audit utuh: {len(entries)} entri, rantai hash cocok.")
    else:
        problems += 1
        lines.append(f"Log audit RUSAK mulai entri #{brk.seq}: {brk.problem}.")

    numbered = {e.detail.get("number"): e.case_id for e in entries
                if e.action == "number.assigned"}
    issued = {e.case_id: e for e in entries if e.action == "case.issued"}
    register = store.register.all()
    by_year: dict[int, list[int]] = defaultdict(list)
    for n in register:
        by_year[n.year].append(n.seq)
        if numbered.get(n.number) != n.case_id:
            problems += 1
            lines.append(f"Nomor {n.number} ada di register tanpa entri audit yang sesuai.")
    for number, case_id in numbered.items():
        if store.register.by_number(number) is None:
            problems += 1
            lines.append(
                f"Nomor {number} ({case_id}) tercatat di audit tetapi hilang dari register.")
    for year, seqs in sorted(by_year.items()):
        seqs.sort()
        if seqs != list(range(1, len(seqs) + 1)):
            problems += 1
            lines.append(f"Nomor urut tahun {year} tidak berurutan: {seqs[:20]}…")
        else:
            lines.append(f"Register {year}: {len(seqs)} nomor, 1..{len(seqs)} tanpa celah/ganda.")

    agenda = store.agenda.entries()
    for entry in agenda:
        event = issued.get(entry.case_id)
        if event is None or event.detail.get("number") != entry.number or (
            event.file_sha256 != entry.file_sha256
        ):
            problems += 1
            lines.append(f"Agenda {entry.number} tidak cocok dengan log audit.")
            continue
        archived = ws.root / entry.archive_path
        if not archived.exists():
            problems += 1
            lines.append(f"Arsip {entry.archive_path} untuk {entry.number} tidak ada.")
        elif sha256_file(archived) != entry.file_sha256:
            problems += 1
            lines.append(f"Arsip {entry.archive_path} berubah sejak diterbitkan.")
    missing = set(issued) - {e.case_id for e in agenda}
    for case_id in sorted(missing):
        problems += 1
        lines.append(f"{case_id} diterbitkan menurut audit tetapi tidak ada di buku agenda.")
    lines.append(f"Buku agenda: {len(agenda)} entri diperiksa.")
    lines.append("HASIL: semua cocok." if not problems else f"HASIL: {problems} masalah ditemukan.")
    return problems == 0, lines
