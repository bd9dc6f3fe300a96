"""A delivering process killed at the worst instants: each mail still arrives exactly once.

The child process (forked) delivers one mail, the size of an issued letter, and is
SIGKILLed just after the server's "250 OK" (before the file move and the database
update), just after the final "." of DATA (before the reply is read), or just before
that ".". A fresh delivery in this process then recovers: in the first two cases the
mail is recorded as sent and not sent again (the server had it, or queues it as it reads
on); in the third it is sent again, once (the server discarded the unfinished one).
"""

from __future__ import annotations

import os
import signal

import pytest

from pipeline.mail.handover import HandoverMark
from pipeline.mail.outbox import Outbox
from pipeline.mail.smtp import SmtpDelivery
from pipeline.store.db import Store
from pipeline.store.mail import MailStatus

from .mail_servers import make_config, store_factory_for, wait_until
from .test_mail_outbox_smtp import mail


def _die(*_args, **_kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


_set_and_send = HandoverMark.set_and_send


def _die_after_final_dot(self, *args):
    _set_and_send(self, *args)
    _die()


def _queue_letter(config, store) -> str:
    """One mail with a letter-sized attachment (the server reads it for a while)."""
    msg = mail(1, to="pemohon@kalbarprov.go.id")
    msg.add_attachment(os.urandom(300_000), maintype="application", subtype="pdf",
                       filename="SPT-2026-0001.pdf")
    return Outbox(config, store).enqueue(msg, key="terbit:SPT-2026-0001",
                                         case_id="SPT-2026-0001", kind="terbit")


def _deliver_in_child_and_die(config, where: str) -> None:
    pid = os.fork()
    if pid == 0:  # the child: deliver, and be killed at ``where``
        try:
            if where == "after-250":
                SmtpDelivery._sent = _die
            elif where == "after-final-dot":
                HandoverMark.set_and_send = _die_after_final_dot
            else:
                HandoverMark.set_and_send = _die
            SmtpDelivery(config, store_factory_for(config)).deliver_once()
        finally:
            os._exit(3)  # not reached when killed
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


@pytest.mark.parametrize("where", ["after-250", "after-final-dot", "before-final-dot"])
def test_killed_while_handing_over_a_mail_it_arrives_once(workspace, smtp_server, where):
    config = make_config(workspace, smtp={"host": "127.0.0.1", "port": smtp_server.port,
                                          "security": "none"})
    store = Store(config.state_dir / "spt.sqlite3")
    message_id = _queue_letter(config, store)
    handed_over = where != "before-final-dot"

    _deliver_in_child_and_die(config, where)
    if handed_over:  # the server read the final "." and queues the mail, hang-up or not
        wait_until(lambda: smtp_server.count_by_message_id()[message_id] == 1, 10,
                   message="the mail whose final '.' the server read")
    else:
        assert smtp_server.count_by_message_id()[message_id] == 0

    report = SmtpDelivery(config, store_factory_for(config)).deliver_once()
    if handed_over:
        assert report.sent == []  # recorded as sent during recovery, not sent again
    else:
        assert report.sent == [message_id]
    wait_until(lambda: smtp_server.count_by_message_id()[message_id] == 1, 5, message="one copy")
    assert smtp_server.count_by_message_id()[message_id] == 1
    record = Outbox(config, store).get(message_id)
    assert record.status is MailStatus.SENT
    assert (config.outbox_dir / "terkirim" / record.file_name).exists()
    assert HandoverMark(config.state_dir / "smtp-handover").get() is None
