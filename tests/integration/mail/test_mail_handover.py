"""A delivering process killed at the worst instants: each mail still arrives exactly once.

The child process (forked) delivers one mail, the size of an issued letter, and is
SIGKILLed just after the server's "250 OK" (before the file move and the database
update), just after the final "." of DATA (before the reply is read), or just before
that ".". A fresh delivery in this process then recovers: in the first two cases the
mail is recorded as sent and not sent again (the server had it, or queues it as it reads
on); in the third it is sent again, once (the server discarded the unfinished one).
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import struct
import termios
import threading
from pathlib import Path

import pytest

from pipeline.mail.handover import HandoverMark, MarkingSMTP
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


# -- the window itself: a server that stops reading mid-DATA --------------------------------

_POLL, _SENDTO = 7, 44  # x86-64 system call numbers, as /proc/<tid>/syscall shows them


class _SlowReader:
    """A bare SMTP server that answers up to DATA's 354 and then reads only when told to."""

    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.data: bytearray = bytearray()
        self._conn: socket.socket | None = None
        self.in_data = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self._listener.accept()
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self._conn = conn
        reader = conn.makefile("rb")
        conn.sendall(b"220 slow ESMTP\r\n")
        while line := reader.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                conn.sendall(b"250 slow\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 go on\r\n")
                self.in_data.set()
                return  # the test reads the body itself, bit by bit
            else:
                conn.sendall(b"250 OK\r\n")

    def connection(self) -> socket.socket:
        assert self._conn is not None
        return self._conn

    def read_a_little(self) -> bool:
        """Read up to 1 KB of DATA; False once the final "." is in."""
        assert self._conn is not None
        self.data += self._conn.recv(1024)
        return not self.data.endswith(b"\r\n.\r\n")

    def finish(self) -> None:
        assert self._conn is not None
        self._conn.sendall(b"250 queued\r\n")
        self._conn.close()
        self._listener.close()


def _syscall(thread: threading.Thread) -> int | None:
    """The system call ``thread`` is in (or None when it runs)."""
    first = Path(f"/proc/self/task/{thread.native_id}/syscall").read_text().split()[0]
    return int(first) if first.lstrip("-").isdigit() else None


def _queued(sock: socket.socket, request: int) -> int:
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), request, b"\0" * 4))[0]


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="system call numbers of x86-64")
def test_the_mark_is_not_set_while_the_final_dot_waits_for_room(tmp_path):
    """The window behind the mail the chaos test lost: all of the body is in the kernel,
    the server has stopped reading, so the final "." has to wait for room. While it waits,
    the mark must stay empty (a kill there: the server discards the message, we must send
    it again); once the mark is set, the "." reaches the kernel with no more reading."""
    server = _SlowReader()
    mark = HandoverMark(tmp_path / "smtp-handover")
    client = MarkingSMTP("127.0.0.1", server.port, timeout=30)
    client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    client.handover = (mark, "<one@spt>")
    body = b"Subject: x\r\n\r\n" + b"0123456789abcdef" * 20_000 + b"\r\n"
    outcome: list[object] = []
    sender = threading.Thread(
        target=lambda: outcome.append(client.sendmail("a@b.id", ["c@d.id"], body)))
    sender.start()
    assert server.in_data.wait(10)
    conn = server.connection()

    def in_kernel_or_read() -> int:
        """DATA bytes that left the client: read by the server or queued on either side."""
        return (len(server.data) + _queued(conn, termios.FIONREAD)
                + _queued(client.sock, termios.TIOCOUTQ))

    times_the_dot_waited = 0
    while mark.get() is None:
        assert server.read_a_little(), "the '.' arrived but the mark was never set"
        wait_until(lambda: _syscall(sender) == _POLL, 10, message="the sender to wait again")
        if mark.get() is None and in_kernel_or_read() == len(body):
            times_the_dot_waited += 1  # the whole body is out, the "." waits, no mark: right
    # Marked: the "." must reach the kernel now, without the server reading any more.
    wait_until(lambda: in_kernel_or_read() == len(body) + 3, 10,
               message="the '.' to be written once the mail was marked as handed over")
    while server.read_a_little():
        pass
    server.finish()
    sender.join(10)
    assert times_the_dot_waited > 0, "the '.' never had to wait: the window was not reached"
    assert outcome == [{}]
    assert mark.get() == "<one@spt>"
    client.close()
