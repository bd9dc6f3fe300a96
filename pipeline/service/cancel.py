"""Recording a cancellation (``batal``), whoever asked for it.

Two ways in: the drafter moves the case's file into the drafting stage's ``batal/``
with a reason (the engine), or IT runs ``spt batal CASE --alasan …`` (another
process). Both ask the state machine (:func:`pipeline.core.machine.decide` with a
``CancelRequested``) and record its ``Cancel`` here, in one transaction that first
checks the case is still as it was read. The visible effects (every folder emptied,
the pemohon told) are the engine's reconciliation of a ``cancelled`` case
(:meth:`pipeline.service.engine.Engine.reconcile_cancelled`), so a cancellation made
while the service runs, or while it is down, takes effect the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from pipeline.core import machine
from pipeline.core.machine import Cancel, Refusal
from pipeline.core.workflow import Workflow
from pipeline.store import Store
from pipeline.store.audit import AuditAction
from pipeline.store.cases import CaseRecord

log = logging.getLogger("spt.cancel")


class CancelRefused(Exception):
    """The machine refused the cancellation; ``str()`` says why (Indonesian)."""


def record_cancel(store: Store, workflow: Workflow, case: CaseRecord, decision: Cancel, *,
                  actor: str, at: dt.datetime, file_sha256: str | None = None,
                  with_it: Callable[[], None] | None = None) -> bool:
    """Commit ``decision``; false if the case changed since it was read (nothing done).

    ``with_it`` runs inside the transaction, before the commit (the reasons copied into
    the case's folder, so they are there as soon as the cancellation is)."""
    new_state = machine.apply(workflow, case.state, decision)
    stage_key = workflow.stages[decision.from_stage].key \
        if decision.from_stage <= workflow.last_index else None
    with store.transaction():
        current = store.cases.get(case.id)
        if current is None or current.state != case.state:
            log.info("%s changed while a cancellation was decided; not recorded", case.id)
            return False
        store.cases.save_state(case.id, new_state, now=at, stage_changed=True)
        store.cases.leave(case.id, "cancelled", at)
        store.audit.append(AuditAction.CASE_CANCELLED, case_id=case.id, stage=stage_key,
                           actor=actor, file_sha256=file_sha256, at=at,
                           detail={"reason": decision.reason})
        if with_it is not None:
            with_it()
    log.info("%s cancelled by %s: %s", case.id, actor, decision.reason)
    return True


def cancel_by_it(store: Store, workflow: Workflow, case_id: str, reason: str, *,
                 actor: str, at: dt.datetime) -> CaseRecord:
    """``spt batal``: cancel ``case_id`` at whatever stage it is, before numbering."""
    case = store.cases.get(case_id)
    if case is None:
        raise CancelRefused(f"Kasus {case_id} tidak ditemukan.")
    if not reason.strip():
        raise CancelRefused("Alasan pembatalan wajib diisi (--alasan).")
    decision = machine.decide(workflow, case.state, machine.CancelRequested(None, reason))
    if isinstance(decision, Refusal):
        raise CancelRefused(decision.message)
    if not record_cancel(store, workflow, case, decision, actor=actor, at=at):
        raise CancelRefused(f"Kasus {case_id} baru saja berubah; coba lagi.")
    return store.cases.get(case_id)


def cancel_reason(store: Store, case_id: str) -> tuple[str, str]:
    """``(reason, who)`` recorded with the case's cancellation."""
    for entry in reversed(store.audit.for_case(case_id)):
        if entry.action is AuditAction.CASE_CANCELLED:
            return str(entry.detail.get("reason") or "tanpa alasan"), entry.actor
    return "tanpa alasan", "-"


__all__ = ["CancelRefused", "cancel_by_it", "cancel_reason", "record_cancel"]
