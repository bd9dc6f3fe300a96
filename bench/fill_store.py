"""Fill a workspace's store with many realistic cases, for timing reports and the engine at scale.

    .venv/bin/python bench/fill_store.py WORKSPACE/spt.toml [-n 10000] [--history-only]

Every table a real case touches gets the rows the service would have written
for it: the case, its version, one visit per step, the number, the agenda
entry, the hash-chained audit entries and its mails. Cases are spread over the
last ``days`` days, most of them closed (received by the pemohon), some issued
and awaiting their receipt, some still in the chain, a few cancelled: the mix
of an agency issuing about a hundred SPTs a working day.

``history_only`` writes closed and cancelled cases only: a running service
then finds no active case whose files it would have to publish (the generated
cases have no files), so the engine can run on top of the filled store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config, load_config
from pipeline.core.numbering import NumberParts, archive_name, format_number
from pipeline.directory import EmployeeDirectory
from pipeline.folders.layout import Workspace
from pipeline.store import Store
from pipeline.store.audit import GENESIS, _content, entry_hash
from pipeline.store.db import iso

HAL = (
    "Rapat Koordinasi Pengembangan Koperasi", "Workshop Digitalisasi UMKM",
    "Bimbingan Teknis Laporan Keuangan Koperasi", "Sosialisasi Perizinan Berusaha",
    "Forum Konsultasi Publik", "Pelatihan Kewirausahaan", "Monitoring dan Evaluasi Program",
)
PENGIRIM = ("Kementerian Koperasi dan UKM", "Bank Indonesia", "OJK Kalimantan Barat",
            "Bappeda Provinsi", "Dinas Perindustrian", "Universitas Tanjungpura")


@dataclass(frozen=True)
class Mix:
    """Shares of the generated cases by status (the rest are closed)."""

    issued: float = 0.02
    in_chain: float = 0.01
    cancelled: float = 0.01


HISTORY_ONLY = Mix(issued=0.0, in_chain=0.0, cancelled=0.01)


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def fill_store(config: Config, n: int, *, mix: Mix = Mix(), days: int = 100,
               seed: int = 7) -> dict[str, int]:
    """Append ``n`` generated cases to ``config``'s store; the row counts written, per table.

    The newest case is opened an hour before now; ids and numbers continue
    after whatever the store already holds, per year.
    """
    rng = random.Random(seed)
    ws = Workspace(config)
    wf = config.workflow()
    tz = config.tz
    directory = EmployeeDirectory.load(config.pegawai_csv)
    people = [e.as_assignee() for e in directory.employees] or [
        {"nama": "Pegawai", "nip": "199001012015011001"}]
    store = Store(ws.database)
    conn = store.conn
    now = dt.datetime.now(dt.UTC)
    span = dt.timedelta(days=days)
    start = now - span
    step = span / max(n, 1)
    next_seq: dict[int, int] = {}
    next_num: dict[int, int] = {}
    audit_last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    audit_seq, prev_hash = (audit_last["seq"], audit_last["hash"]) if audit_last else (0, GENESIS)
    rows: dict[str, list[tuple]] = {k: [] for k in (
        "cases", "versions", "visits", "register", "agenda", "audit", "mail")}
    marking = [s for s in wf.stages if s.index > 0]

    def audit(at: dt.datetime, case_id: str, stage: str | None, actor: str, action: str,
              file_sha: str | None, detail: dict) -> None:
        nonlocal audit_seq, prev_hash
        audit_seq += 1
        stamp = iso(at)
        detail_json = json.dumps(detail, sort_keys=True, ensure_ascii=False)
        digest = entry_hash(prev_hash, _content(audit_seq, stamp, case_id, stage, actor, action,
                                                file_sha, detail_json))
        rows["audit"].append((audit_seq, stamp, case_id, stage, actor, action, file_sha,
                              detail_json, prev_hash, digest))
        prev_hash = digest

    def mail(case_id: str, kind: str, to: str, at: dt.datetime) -> None:
        mid = f"<{secrets.token_hex(16)}@{config.mail.from_address.split('@')[-1]}>"
        rows["mail"].append((mid, case_id, kind, json.dumps([to]),
                             f"{case_id}-{kind}-{mid[1:17]}.eml", "sent", 1, iso(at), iso(at),
                             iso(at)))

    for i in range(n):
        opened = start + step * i - dt.timedelta(hours=1)
        local = opened.astimezone(tz)
        year = local.year
        if year not in next_seq:
            next_seq[year] = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM cases WHERE year = ?", (year,)).fetchone()[0]
            next_num[year] = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM number_register WHERE year = ?",
                (year,)).fetchone()[0]
        next_seq[year] += 1
        case_id = f"SPT-{year}-{next_seq[year]:04d}"
        roll = rng.random()
        if roll < mix.in_chain:
            status, stage = "in_chain", rng.randrange(len(wf.stages))
        elif roll < mix.in_chain + mix.issued:
            status, stage = "issued", wf.last_index + 1
        elif roll < mix.in_chain + mix.issued + mix.cancelled:
            status, stage = "cancelled", rng.randrange(len(wf.stages))
        else:
            status, stage = "closed", wf.last_index + 1
        hal = rng.choice(HAL)
        fields = {"hal": f"Undangan {hal}", "acara": hal, "pengirim": rng.choice(PENGIRIM),
                  "nomor": f"005/{rng.randrange(1, 999)}/UND/{year}",
                  "tempat": "Pontianak", "tanggal_mulai": local.date().isoformat()}
        assignees = rng.sample(people, k=min(len(people), rng.randint(1, 3)))
        docx, pdf = _hex(rng), _hex(rng)
        issued = _hex(rng) if status in ("issued", "closed") else None
        pemohon = "agenda@diskopukm.kalbarprov.go.id"
        marked = [s.key for s in marking] if issued else [s.key for s in marking
                                                        if s.index < stage]
        at = opened
        visits_at = []
        audit(at, case_id, None, pemohon, "case.opened", _hex(rng), {"name": "undangan.pdf"})
        at += dt.timedelta(seconds=30)
        audit(at, case_id, wf.drafting.key, "sistem", "draft.created", pdf, {})
        last_stage = wf.last_index if issued else stage
        for s in wf.stages[: last_stage + 1]:
            arrived = at
            at += dt.timedelta(minutes=rng.randint(2, 20))
            left = at if (issued or s.index < stage) else None
            visits_at.append((s.key, arrived, left, "agreed" if left else None))
            mail(case_id, "tahap", s.person.email, arrived)
            if left is not None:
                actor = f"{s.person.name} ({s.key})"
                audit(at, case_id, s.key, actor, "stage.agreed", pdf, {})
                if s.index > 0:
                    audit(at, case_id, s.key, actor, "mark.applied", pdf,
                          {"action": s.action.value, "field": s.field_name, "by": "service"})
        number = None
        if issued:
            next_num[year] += 1
            number = format_number(config.numbering.format, NumberParts(
                config.numbering.klasifikasi, next_num[year], config.agency.unit, year,
                local.month))
            audit(at, case_id, wf.signatory.key, "sistem", "case.signed", pdf, {})
            audit(at, case_id, "umum", "sistem", "number.assigned", None, {"number": number})
            visits_at.append((wf.finalization.key, at, at, "issued"))
            archive = f"arsip/{year}/{archive_name(number)}"
            audit(at, case_id, "umum", "sistem", "case.issued", issued,
                  {"number": number, "archive": archive})
            mail(case_id, "terbit", pemohon, at)
            received = at + dt.timedelta(hours=rng.randint(1, 20)) if status == "closed" else None
            visits_at.append((wf.receipt.key, at, received, "received" if received else None))
            rows["register"].append((year, next_num[year], number, case_id, iso(at),
                                     local.date().isoformat()))
            rows["agenda"].append((number, case_id, local.date().isoformat(),
                                   f"Perintah tugas menghadiri {hal}",
                                   json.dumps(assignees, ensure_ascii=False), pemohon, issued,
                                   archive, iso(at), iso(received) if received else None,
                                   pemohon if received else None))
            if received:
                audit(received, case_id, "pemohon", pemohon, "receipt.recorded", None, {})
                at = received
        rows["cases"].append((
            case_id, year, next_seq[year], status, stage, 1, docx, issued or pdf,
            json.dumps(sorted(marked)), _hex(rng), "undangan.pdf", pemohon,
            json.dumps(fields, ensure_ascii=False), json.dumps(assignees, ensure_ascii=False),
            secrets.token_urlsafe(24), iso(opened), iso(at), iso(at), issued, "pdf", 1))
        rows["versions"].append((case_id, 1, docx, pdf, iso(opened)))
        for key, arrived, left, outcome in visits_at:
            rows["visits"].append((case_id, key, 1, iso(arrived),
                                   iso(left) if left else None, outcome))

    with store.transaction():
        conn.executemany(
            "INSERT INTO cases (id, year, seq, status, stage, version, docx_sha256, pdf_sha256,"
            " marked, source_sha256, source_name, pemohon, fields, assignees, verify_token,"
            " opened_at, stage_since, updated_at, issued_sha256, source_ext, source_done)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows["cases"])
        conn.executemany(
            "INSERT INTO versions (case_id, version, docx_sha256, pdf_sha256, created_at)"
            " VALUES (?,?,?,?,?)", rows["versions"])
        conn.executemany(
            "INSERT INTO stage_visits (case_id, stage_key, version, arrived_at, left_at, outcome)"
            " VALUES (?,?,?,?,?,?)", rows["visits"])
        conn.executemany(
            "INSERT INTO number_register (year, seq, number, case_id, assigned_at, letter_date)"
            " VALUES (?,?,?,?,?,?)", rows["register"])
        conn.executemany(
            "INSERT INTO agenda (number, case_id, letter_date, hal, assignees, pemohon,"
            " file_sha256, archive_path, recorded_at, received_at, received_by)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows["agenda"])
        conn.executemany(
            "INSERT INTO audit (seq, at, case_id, stage, actor, action, file_sha256, detail,"
            " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)", rows["audit"])
        conn.executemany(
            "INSERT INTO mail (message_id, case_id, kind, recipients, file_name, status,"
            " attempts, next_try_at, queued_at, sent_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows["mail"])
    # No ANALYZE (PRAGMA optimize): the service never runs it, and its statistics would make
    # the query planner choose differently here than on a real store.
    store.close()
    return {k: len(v) for k, v in rows.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path, help="the workspace's spt.toml")
    parser.add_argument("-n", type=int, default=10_000, help="cases to add (default 10000)")
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--history-only", action="store_true",
                        help="closed and cancelled cases only (safe under a running service)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = fill_store(load_config(args.config), args.n, days=args.days,
                        mix=HISTORY_ONLY if args.history_only else Mix())
    print(f"added in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
