"""Email through the running service, against a real Dovecot and a real SMTP server.

An invitation mailed to the service's mailbox becomes a case; the pemohon's
"DITERIMA" reply closes it; with approval by reply enabled, only the right
official with the right token for the current stage moves a case.
"""

from __future__ import annotations

import re
import statistics
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from pipeline.core.machine import Status
from pipeline.simulate import wait_until
from tests.integration.mail.mail_servers import (
    IMAP_PASSWORD,
    IMAP_USER,
    Dovecot,
    SmtpServer,
    can_run_dovecot,
    free_port,
)

from .conftest import SAMPLES, Office

pytestmark = pytest.mark.slow

PEMOHON = "rina.agenda@diskopukm.kalbarprov.go.id"
SERVICE = "spt@diskopukm.kalbarprov.go.id"


@pytest.fixture
def servers():
    reason = can_run_dovecot()
    if reason:
        pytest.skip(reason)
    dovecot = Dovecot(free_port())
    dovecot.start()
    smtp = SmtpServer(free_port())
    smtp.start()
    try:
        yield dovecot, smtp
    finally:
        smtp.stop()
        dovecot.cleanup()


def mail_office(tmp_path: Path, dovecot: Dovecot, smtp: SmtpServer, *,
                approval_by_reply: bool = False) -> Office:
    office = Office(tmp_path / "ws")
    secret = office.ws.root / "pki" / "imap.pass"
    secret.write_text(IMAP_PASSWORD)
    secret.chmod(0o600)
    text = office.config_path.read_text()
    if approval_by_reply:
        text = text.replace("approval_by_reply = false", "approval_by_reply = true")
    text += f"""
[mail.smtp]
host = "127.0.0.1"
port = {smtp.port}
security = "none"

[mail.imap]
host = "127.0.0.1"
port = {dovecot.port}
security = "none"
user = "{IMAP_USER}"
password = {{ file = "pki/imap.pass" }}
allow_senders = ["@diskopukm.kalbarprov.go.id"]
poll_seconds = 30
"""
    office.config_path.write_text(text)
    office.reload()
    return office


def invitation(pdf: Path, *, sender: str = PEMOHON, body: str = "Mohon SPT untuk "
               "19650809 198603 1 012.") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Rina Agendaris <{sender}>"
    msg["To"] = SERVICE
    msg["Subject"] = "Fwd: Undangan"
    msg["Message-ID"] = make_msgid(domain="mail.kalbarprov.go.id")
    msg.set_content(body)
    msg.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf",
                       filename=pdf.name)
    return bytes(msg)


def reply(to_mail: bytes, *, sender: str, first_line: str, keep_token: bool = True) -> bytes:
    """A reply as a mail client writes it: new text on top, the original quoted below."""
    original = message_from_bytes(to_mail, policy=policy.default)
    body = original.get_body(("plain",)).get_content()
    body = re.sub(r"(?m)^.*Token:.*$", "", body) if not keep_token else body
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = SERVICE
    msg["Subject"] = "Re: " + str(original["Subject"])
    msg["Message-ID"] = make_msgid(domain="kalbarprov.go.id")
    msg["In-Reply-To"] = original["Message-ID"]
    quoted = "\n".join("> " + line for line in body.splitlines())
    msg.set_content(f"{first_line}\n\nPada hari ini, Layanan SPT menulis:\n{quoted}\n")
    return bytes(msg)


def delivered(smtp: SmtpServer, *, to: str, kind: str, case: str | None = None):
    for item in smtp.received:
        msg = message_from_bytes(item.data)
        if to in item.rcpt_tos and msg["X-SPT-Kind"] == kind and (
                case is None or case in str(msg["Subject"])):
            return item.data
    return None


def test_invitation_by_email_to_receipt_by_reply(tmp_path, servers):
    dovecot, smtp = servers
    office = mail_office(tmp_path, dovecot, smtp)
    office.service.start()
    o = office.officials

    latencies = []
    known: set[str] = set()
    for sample in ("undangan-dev-01.pdf", "undangan-dev-03.pdf", "undangan-dev-05.pdf"):
        started = time.monotonic()
        dovecot.append(invitation(SAMPLES / sample))
        case = o.new_cases(known, timeout=60)[0]
        latencies.append(time.monotonic() - started)
        known.add(case)
    print(f"email → draft: median {statistics.median(latencies):.2f} s over {len(latencies)}")
    wait_until(lambda: len(dovecot.messages("SPT/Diproses")) == 3, timeout=30,
               what="the messages to move to SPT/Diproses")
    assert dovecot.messages("INBOX") == []
    case = sorted(known)[0]
    store = office.store()
    assert store.cases.get(case).pemohon == PEMOHON
    assert [a["nip"] for a in store.cases.get(case).assignees] == ["196508091986031012"]
    ack = wait_until(lambda: delivered(smtp, to=PEMOHON, kind="diterima", case=case),
                     timeout=30, what="the intake acknowledgement")
    assert case.encode() in ack

    for stage in office.workflow.stages:
        o.agree(case, stage.index)
    issued = wait_until(lambda: delivered(smtp, to=PEMOHON, kind="terbit", case=case),
                        timeout=60, what="the issued SPT by email")
    assert b"application/pdf" in issued

    # A forged receipt (another address, same text) does not close the case.
    dovecot.append(reply(issued, sender="orang.lain@diskopukm.kalbarprov.go.id",
                         first_line="DITERIMA"))
    wait_until(lambda: delivered(smtp, to="orang.lain@diskopukm.kalbarprov.go.id",
                                 kind="balasan_ditolak"), timeout=30, what="the refusal")
    assert store.cases.get(case).state.status is Status.ISSUED

    dovecot.append(reply(issued, sender=PEMOHON, first_line="DITERIMA, terima kasih."))
    wait_until(lambda: store.cases.get(case).state.status is Status.CLOSED, timeout=30,
               what="the receipt to close the case")
    entry = store.agenda.for_case(case)
    assert entry.received_by == PEMOHON and entry.received_at
    # Every mail went out exactly once.
    assert max(smtp.count_by_message_id().values()) == 1


def test_a_sender_outside_the_allow_list_opens_no_case(tmp_path, servers):
    dovecot, smtp = servers
    office = mail_office(tmp_path, dovecot, smtp)
    office.service.start()
    dovecot.append(invitation(SAMPLES / "undangan-dev-02.pdf", sender="spam@contoh.com"))
    wait_until(lambda: dovecot.messages("SPT/Ditolak"), timeout=30,
               what="the message to be set aside")
    assert office.store().cases.count() == 0
    assert not smtp.received  # unknown senders are not answered


def test_approval_by_reply_only_from_the_right_person_with_the_right_token(tmp_path, servers):
    dovecot, smtp = servers
    office = mail_office(tmp_path, dovecot, smtp, approval_by_reply=True)
    office.service.start()
    o, wf = office.officials, office.workflow
    kasubag, sekretaris = wf.stages[1].person.email, wf.stages[2].person.email
    dovecot.append(invitation(SAMPLES / "undangan-dev-04.pdf"))
    case = o.new_cases(set(), timeout=60)[0]
    o.agree(case, 0)
    note = wait_until(lambda: delivered(smtp, to=kasubag, kind="tahap", case=case), timeout=30,
                      what="the kasubag's notification")
    assert b"Token:" in note
    store = office.store()

    # From someone else, with the right token: refused, nothing moves.
    dovecot.append(reply(note, sender=sekretaris, first_line="SETUJU"))
    wait_until(lambda: delivered(smtp, to=sekretaris, kind="balasan_ditolak"), timeout=30,
               what="refusal of the wrong sender")
    # From the kasubag, without the token: refused.
    dovecot.append(reply(note, sender=kasubag, first_line="SETUJU", keep_token=False))
    wait_until(lambda: delivered(smtp, to=kasubag, kind="balasan_ditolak"), timeout=30,
               what="refusal of a reply without token")
    assert store.cases.get(case).state.stage == 1

    dovecot.append(reply(note, sender=kasubag, first_line="SETUJU"))
    o.wait_for(case, 2)
    assert ("mark.applied", "kasubag") in office.audit_actions(case)
    actors = [e.actor for e in store.audit.for_case(case) if e.action == "stage.agreed"]
    assert actors[-1].endswith("via email")

    # The same reply replayed after the case moved on: refused, nothing moves.
    def refusals_to_kasubag():
        return [m for m in (message_from_bytes(r.data, policy=policy.default)
                            for r in smtp.received if kasubag in r.rcpt_tos)
                if m["X-SPT-Kind"] == "balasan_ditolak"]

    before = len(refusals_to_kasubag())
    dovecot.append(reply(note, sender=kasubag, first_line="SETUJU"))
    wait_until(lambda: len(refusals_to_kasubag()) > before, timeout=30,
               what="the replay's refusal")
    assert "berpindah" in refusals_to_kasubag()[-1].get_body(("plain",)).get_content()
    assert store.cases.get(case).state.stage == 2

    # The sekretaris returns it by reply, with a reason.
    note2 = wait_until(lambda: delivered(smtp, to=sekretaris, kind="tahap", case=case),
                       timeout=30, what="the sekretaris' notification")
    dovecot.append(reply(note2, sender=sekretaris, first_line="KEMBALIKAN: tanggal salah"))
    o.wait_for(case, 1)
    returns = [e.detail["reason"] for e in store.audit.for_case(case)
               if e.action == "stage.returned"]
    assert returns == ["tanggal salah"]


def test_a_mail_server_down_at_start_up_stops_nothing(tmp_path):
    reason = can_run_dovecot()
    if reason:
        pytest.skip(reason)
    dovecot, smtp = Dovecot(free_port()), SmtpServer(free_port())
    smtp.start()
    try:
        office = mail_office(tmp_path, dovecot, smtp)   # Dovecot not started yet
        office.service.start()
        o = office.officials
        o.drop_invitation(SAMPLES / "undangan-dev-02.pdf", note="19650809 198603 1 012")
        first = o.new_cases(set())
        dovecot.start()
        dovecot.append(invitation(SAMPLES / "undangan-dev-06.pdf"))
        o.new_cases(set(first), timeout=90)
        assert office.service.proc.poll() is None
    finally:
        office.service.stop()
        smtp.stop()
        dovecot.cleanup()
