"""``spt status``: where every case is, and for how long against the mutu baku."""

from __future__ import annotations

import datetime as dt
import json

from rich.console import Console
from rich.table import Table

from pipeline.config import Config
from pipeline.core.machine import STATUS_LABEL, Status
from pipeline.folders.layout import Workspace
from pipeline.reports.tables import print_table
from pipeline.store import Store
from pipeline.store.audit import ACTION_LABEL
from pipeline.store.cases import CaseRecord
from pipeline.store.mail import MailStatus


def _store(config: Config) -> Store:
    return Store(Workspace(config).database)


def where(config: Config, case: CaseRecord, store: Store | None = None, *,
          delegations: list | None = None, now: dt.datetime | None = None,
          ) -> tuple[str, int | None]:
    """The case's current step (role) and that step's mutu baku in minutes; a stage a
    Plh./Plt. holds at ``now`` (``delegations``: the store's current ones) reads
    ``X sebagai Plh. <role> (<folder>)``."""
    wf = config.workflow()
    state = case.state
    if state.status is Status.IN_CHAIN:
        if not case.drafted:
            return "menyiapkan draf", None
        stage = wf.stages[state.stage]
        if delegations and now is not None:
            from pipeline.core.delegation import acting_phrase, held_stage

            held = held_stage(stage, now, case.id, delegations)
            if held.acting is not None:
                return f"{acting_phrase(held)} ({stage.folder})", stage.mutu_baku_minutes
        return f"{stage.role} ({stage.folder})", stage.mutu_baku_minutes
    if state.status is Status.FINALIZING:
        visit = store.cases.open_visit(case.id) if store is not None else None
        if visit is not None and visit.note:
            # The note first: a narrow table keeps the start of the cell.
            return f"{visit.note} ({wf.finalization.role})", wf.finalization.mutu_baku_minutes
        return wf.finalization.role, wf.finalization.mutu_baku_minutes
    if state.status is Status.ISSUED:
        return wf.receipt.role, wf.receipt.mutu_baku_minutes
    return STATUS_LABEL[state.status], None


def _now() -> dt.datetime:
    """The service's time (``SPT_FAKE_NOW`` in tests, as for the service)."""
    from pipeline.service.clock import clock_from_env

    return clock_from_env().now()


def _minutes(since: dt.datetime, now: dt.datetime) -> float:
    return max(0.0, (now - since).total_seconds() / 60)


def _row(config: Config, case: CaseRecord, now: dt.datetime, store: Store | None = None,
         delegations: list | None = None) -> dict:
    step, standard = where(config, case, store, delegations=delegations, now=now)
    open_case = case.state.status in (Status.IN_CHAIN, Status.FINALIZING, Status.ISSUED)
    spent = _minutes(case.stage_since, now) if open_case else None
    return {
        "case": case.id,
        "status": case.state.status.value,
        "stage": case.state.stage,
        "step": step,
        "version": case.state.version,
        "minutes_at_step": round(spent, 1) if spent is not None else None,
        "mutu_baku_minutes": standard,
        "overdue": bool(standard and spent and spent > standard),
        "hal": (case.fields or {}).get("hal"),
        "opened_at": case.opened_at.isoformat(),
    }


def print_overview(config: Config, *, show_all: bool = False, as_json: bool = False) -> None:
    store = _store(config)
    now = _now()
    with store.snapshot():  # the list and the counts of one instant
        cases = store.cases.all() if show_all else store.cases.with_status(
            Status.IN_CHAIN, Status.FINALIZING, Status.ISSUED)
        counts = store.cases.status_counts()
        failed_mail = store.mail.counts().get(MailStatus.FAILED, 0)
        delegations = store.delegations.current(now)
        rows = [_row(config, c, now, store, delegations) for c in cases]
    if as_json:
        print(json.dumps({"counts": counts, "failed_mail": failed_mail, "cases": rows},
                         ensure_ascii=False, indent=2))
        return
    console = Console()
    # One line per case (pipeline.reports.tables): rich's Table measured and wrapped every
    # cell, about 1 ms a row, which made a few hundred open cases slow to show.
    cells, styles = [], []
    for r in rows:
        lama = f"{r['minutes_at_step']:.0f} mnt" if r["minutes_at_step"] is not None else "-"
        baku = f"{r['mutu_baku_minutes']} mnt" if r["mutu_baku_minutes"] else "-"
        cells.append((r["case"], STATUS_LABEL[Status(r["status"])], r["step"], lama, baku,
                      r["hal"] or ""))
        styles.append("bold red" if r["overdue"] else None)
    print_table(console, "Status SPT", ("Kasus", "Status", "Tahap", "Lama", "Mutu baku", "Hal"),
                cells, row_styles=styles, max_widths=(None, None, 45, None, None, 60))
    summary = ", ".join(f"{STATUS_LABEL[Status(k)]}: {v}" for k, v in sorted(counts.items()))
    console.print(f"Jumlah kasus: {sum(counts.values())} ({summary or 'belum ada'})")
    if failed_mail:
        console.print(f"[bold red]{failed_mail} surel gagal terkirim: lihat outbox/gagal/[/]")


def print_case(config: Config, case_id: str, *, as_json: bool = False) -> bool:
    store = _store(config)
    case = store.cases.get(case_id)
    if case is None:
        print(f"Kasus {case_id} tidak ditemukan.")
        return False
    now = _now()
    row = _row(config, case, now, store, store.delegations.current(now))
    entries = store.audit.for_case(case_id)
    number = store.register.for_case(case_id)
    if as_json:
        row["number"] = number.number if number else None
        row["audit"] = [
            {"at": e.at, "stage": e.stage, "actor": e.actor, "action": e.action,
             "file_sha256": e.file_sha256, "detail": e.detail} for e in entries
        ]
        print(json.dumps(row, ensure_ascii=False, indent=2))
        return True
    console = Console()
    console.print(f"[bold]{case.id}[/] — {STATUS_LABEL[case.state.status]}, {row['step']}")
    if number:
        console.print(f"Nomor: {number.number} ({number.letter_date.isoformat()})")
    console.print(f"Undangan: {case.source_name}; pemohon: {case.pemohon or '-'}")
    table = Table(title="Riwayat")
    for col in ("Waktu", "Tahap", "Oleh", "Kejadian"):
        table.add_column(col, overflow="fold")
    table.add_column("Keterangan", overflow="fold", ratio=1, min_width=20)
    tz = config.tz
    for e in entries:
        moment = dt.datetime.fromisoformat(e.at).astimezone(tz)
        at = f"{moment:%d-%m-%Y %H.%M} {moment.tzname()}"
        detail = e.detail.get("reason") or e.detail.get("message") or e.detail.get("number") or ""
        label = ACTION_LABEL.get(e.action) or e.action.replace("reminder.", "pengingat: ")
        # Whole: rich wraps a long reason at word boundaries instead of cutting it.
        table.add_row(at, e.stage or "", e.actor, label, str(detail))
    console.print(table)
    return True
