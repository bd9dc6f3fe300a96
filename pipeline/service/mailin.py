"""Email that acts: invitations open cases; replies record the receipt or, when enabled, approve.

Runs in the engine's thread (the IMAP watcher hands each message over and
waits), so a reply and a folder move about the same case are decided one
after the other: whichever arrives first acts, and the second is answered
that the case has moved on.

A reply acts only when everything holds: the case id in the subject, the
token for that case and that very stay at the stage (a token from an earlier
stay is "moved on", not "wrong"), and the sender's address being the one
configured for the stage (or the pemohon's, for the receipt).
"""

from __future__ import annotations

import logging

from pipeline.core import machine
from pipeline.core.machine import Refusal, Status
from pipeline.core.workflow import SigningMode
from pipeline.mail.imap import MailOutcome
from pipeline.mail.incoming import IncomingMessage
from pipeline.mail.replies import Reply, Verb, check_token, parse_reply
from pipeline.service.engine import Candidate, Engine
from pipeline.store.audit import AuditAction
from pipeline.store.cases import CaseRecord

log = logging.getLogger("spt.mailin")


class MailActions:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.config = engine.config
        self.store = engine.store
        self.notifier = engine.notifier

    # --- entry ---------------------------------------------------------------------

    def handle(self, msg: IncomingMessage) -> MailOutcome:
        reply = parse_reply(msg)
        if reply is not None and (reply.verb is not None or not msg.invitations):
            return self._reply(msg, reply)
        return self._invitation(msg)

    def refused(self, head: IncomingMessage, reason: str) -> None:
        """A message the watcher could not use at all (too big, unreadable): tell the sender."""
        if head.automatic or not head.sender:
            return
        key = f"ditolak:{head.message_key}"
        if self.notifier.queued(key):
            return
        msg = self.notifier.composer.ditolak(to=head.sender, to_name=head.sender_name or "",
                                             alasan=reason, subjek_asli=head.subject or "",
                                             in_reply_to=head.message_id)
        self.notifier.send(msg, key=key, case_id=None, kind="ditolak")

    # --- invitations -----------------------------------------------------------------

    def _invitation(self, msg: IncomingMessage) -> MailOutcome:
        via = f"imap:{msg.message_key}"
        result = self.engine.intake.accept_message(msg, via=via)
        own = [c for _, c in result.duplicates if self._opened_by(c, via)]
        others = [(n, c) for n, c in result.duplicates if c not in own]
        result.duplicates = others
        opened = result.opened + own
        if not msg.automatic:
            result.opened = opened
            self.notifier.intake_reply(msg, result)
        for case in opened:
            self.engine.reconcile(self.store.cases.get(case.id))
        if opened:
            return MailOutcome(True, None, [c.id for c in opened])
        if others:
            return MailOutcome(False, f"undangan sudah diterima sebagai {others[0][1].id}", [])
        return MailOutcome(False, "; ".join(r for _, r in result.refused) or "tanpa undangan", [])

    def _opened_by(self, case: CaseRecord, via: str) -> bool:
        return any(e.action is AuditAction.CASE_OPENED and e.detail.get("via") == via
                   for e in self.store.audit.for_case(case.id))

    # --- replies ------------------------------------------------------------------------

    def _reply(self, msg: IncomingMessage, reply: Reply) -> MailOutcome:
        case = self.store.cases.get(reply.case_id)
        if case is None:
            return self._refuse(msg, reply, None, f"Kasus {reply.case_id} tidak dikenal.")
        if reply.verb is None:
            return self._refuse(msg, reply, case, (
                "Balasan tidak dapat dibaca. Tulis di baris pertama balasan: DITERIMA (tanda "
                "terima SPT), SETUJU, atau KEMBALIKAN: <alasan>, dan biarkan baris Token."))
        if reply.verb is Verb.DITERIMA:
            return self._receipt(msg, reply, case)
        if not self.config.mail.approval_by_reply:
            return self._refuse(msg, reply, case, (
                "Persetujuan melalui balasan surel tidak diaktifkan. Pindahkan berkas di folder "
                "tahap Anda ke disetujui atau dikembalikan."))
        return self._approval(msg, reply, case)

    def _receipt(self, msg: IncomingMessage, reply: Reply, case: CaseRecord) -> MailOutcome:
        """SOP step 11: the pemohon's DITERIMA is the tanda terima; it closes the case."""
        if not check_token(self.notifier.secret, reply.token, case.id, "pemohon", 0):
            return self._refuse(msg, reply, case, "Token pada balasan tidak cocok dengan SPT ini.")
        if reply.sender != self.notifier.pemohon_address(case).lower():
            return self._refuse(msg, reply, case, (
                "Tanda terima hanya dapat diberikan dari alamat surel pemohon yang menerima SPT."))
        if case.state.status is Status.CLOSED:
            return MailOutcome(True, None, [case.id])  # already recorded: nothing to do
        if case.state.status is not Status.ISSUED:
            return self._refuse(msg, reply, case, "SPT ini belum diterbitkan.")
        now = self.engine.clock.now()
        with self.store.transaction():
            current = self.store.cases.get(case.id)
            if current is None or current.state != case.state:
                return MailOutcome(True, None, [case.id])
            self.store.agenda.mark_received(case.id, by=reply.sender, at=now)
            self.store.cases.save_state(case.id, machine.received(case.state), now=now,
                                        stage_changed=True)
            self.store.cases.leave(case.id, "received", now)
            self.store.audit.append(AuditAction.RECEIPT_RECORDED, case_id=case.id, stage="pemohon",
                                    actor=reply.sender, at=now,
                                    detail={"message_id": reply.message_id})
        log.info("%s: receipt (tanda terima) from %s; case closed", case.id, reply.sender)
        return MailOutcome(True, None, [case.id])

    def _approval(self, msg: IncomingMessage, reply: Reply, case: CaseRecord) -> MailOutcome:
        engine = self.engine
        if case.state.status is not Status.IN_CHAIN:
            return self._refuse(msg, reply, case, "Kasus ini sudah tidak menunggu persetujuan.")
        visit = self.store.cases.open_visit(case.id)
        stage = engine.workflow.stage(visit.stage_key) if visit else None
        if stage is not None:  # whoever holds it now: a Plh./Plt. answers from their address
            stage = engine.holders.stage(stage, case.id, engine.clock.now())
        if stage is None or not check_token(self.notifier.secret, reply.token, case.id,
                                            stage.key, visit.id):
            moved_on = any(
                check_token(self.notifier.secret, reply.token, case.id, v.stage_key, v.id)
                for v in self.store.cases.visits(case.id))
            return self._refuse(msg, reply, case, (
                "Kasus ini sudah berpindah tahap; balasan atas pemberitahuan lama tidak berlaku."
                if moved_on else "Token pada balasan tidak cocok dengan tahap kasus ini."))
        if reply.sender != stage.person.email.lower():
            log.warning("%s: approval reply from %s refused: not %s's address",
                        case.id, reply.sender, stage.key)
            return self._refuse(msg, reply, case, (
                "Balasan ini tidak dikirim dari alamat surel pejabat tahap ini."))
        if stage.index == 0 or stage.signing is SigningMode.APPROVER:
            return self._refuse(msg, reply, case, (
                "Tahap ini hanya dapat diselesaikan melalui folder (draf disunting di berkas DOCX, "
                "atau berkas ditandatangani sendiri oleh pejabat)."))
        sha = case.state.pdf_sha256
        if reply.verb is Verb.SETUJU:
            event = machine.Agreed(stage.index, sha)
        else:
            event = machine.Returned(stage.index, sha, reply.reason or "")
        decision = machine.decide(engine.workflow, case.state, event)
        if isinstance(decision, Refusal):
            return self._refuse(msg, reply, case, decision.message)
        sf = engine.ws.folder(stage.index)
        engine.apply(case, Candidate(sf.root / f"{case.id}.pdf", sf, reply.verb is not Verb.SETUJU),
                     decision, sha, via="email")
        return MailOutcome(True, None, [case.id])

    def _refuse(self, msg: IncomingMessage, reply: Reply, case: CaseRecord | None,
                reason: str) -> MailOutcome:
        now = self.engine.clock.now()
        with self.store.transaction():
            self.store.audit.append(AuditAction.REPLY_REFUSED, case_id=case.id if case else None,
                                    actor=reply.sender, at=now,
                                    detail={"verb": reply.verb.value if reply.verb else None,
                                            "reason": reason, "message_id": reply.message_id})
        log.warning("reply from %s about %s refused: %s", reply.sender, reply.case_id, reason)
        if not msg.automatic:
            key = f"balasan:{msg.message_key}"
            if not self.notifier.queued(key):
                keadaan = None
                if case is not None:
                    from pipeline.reports.status import where

                    keadaan = f"Kasus {case.id} kini: {where(self.config, case)[0]}."
                out = self.notifier.composer.balasan_ditolak(
                    to=reply.sender, alasan=reason, case_id=reply.case_id, keadaan=keadaan,
                    subjek_asli=msg.subject or "", in_reply_to=msg.message_id)
                self.notifier.send(out, key=key, case_id=reply.case_id,
                                       kind="balasan_ditolak")
        return MailOutcome(False, reason, [reply.case_id])
