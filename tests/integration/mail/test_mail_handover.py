"""A delivering process killed at the worst instants: each mail still arrives exactly once.

The child process (forked) delivers one mail and is SIGKILLed either just
after the server's "250 OK" (before the file move and the database update),
or just before the final "." of DATA. A fresh delivery in this process then
recovers: the first mail is recorded as sent and not sent again; the second
is sent again, once (the server discarded the unfinished one).
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
from .test_mail_outbox_smtp import queue


def _die(*_args, **_kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def _deliver_in_child_and_die(config, where: str) -> None:
    pid = os.fork()
    if pid == 0:  # the child: deliver, and be killed at ``where``
        try:
            if where == "after-250":
                SmtpDelivery._sent = _die
            else:
                HandoverMark.set = _die
            SmtpDelivery(config, store_factory_for(config)).deliver_once()
        finally:
            os._exit(3)  # not reached when killed
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


@pytest.mark.parametrize("where", ["after-250", "before-final-dot"])
def test_killed_while_handing_over_a_mail_it_arrives_once(workspace, smtp_server, where):
    config = make_config(workspace, smtp={"host": "127.0.0.1", "port": smtp_server.port,
                                          "security": "none"})
    store = Store(config.state_dir / "spt.sqlite3")
    [message_id] = queue(config, store, 1)

    _deliver_in_child_and_die(config, where)
    arrived_before = smtp_server.count_by_message_id()[message_id]
    assert arrived_before == (1 if where == "after-250" else 0)

    report = SmtpDelivery(config, store_factory_for(config)).deliver_once()
    if where == "after-250":
        assert report.sent == []  # recorded as sent during recovery, not sent again
    else:
        assert report.sent == [message_id]
    wait_until(lambda: smtp_server.count_by_message_id()[message_id] == 1, 5, message="one copy")
    assert smtp_server.count_by_message_id()[message_id] == 1
    record = Outbox(config, store).get(message_id)
    assert record.status is MailStatus.SENT
    assert (config.outbox_dir / "terkirim" / record.file_name).exists()
    assert HandoverMark(config.state_dir / "smtp-handover").get() is None
