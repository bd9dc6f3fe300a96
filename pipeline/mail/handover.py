"""The instant a mail is handed to the SMTP server, remembered across a crash.

SMTP has no two-phase commit: the server delivers a message once it reads
the final ``.`` of DATA, and we learn that from its reply. A crash between
the two left us not knowing, and resending then delivered the mail twice
(found by the chaos test: the sending thread waits for Python's lock after
the reply arrives while the engine signs a PDF, so that window was several
milliseconds wide, every mail).

:class:`HandoverMark` closes the window. Just before the final ``.`` is
written to the socket, the Message-ID is stored into a shared memory map of
``state/smtp-handover``: a plain memory store, no system call, so the thread
keeps Python's lock and goes straight into the socket write, with no other
thread running in between. The page belongs to the file and survives the
process being killed. After a restart, a mail still ``sending`` whose
Message-ID is in the mark had its final ``.`` handed over: it is recorded as
sent and not sent again. Any other mail never reached the final ``.`` (the
server discards it) and is sent again, with the same Message-ID.

The mark must not run ahead of the ``.``: a letter of 400 KB fills the
socket's send buffer while a busy server reads it, and writing the ``.``
then waits for room. Marked before that wait, a kill during it left the
mark saying "handed over" for a ``.`` that never left us: the server
discarded the message and we never resent it (a mail lost, found by the
chaos test). So the ``.`` is written only once the socket can take it at
once, and the mark is stored in the same breath as that write (no Python
call in between, so no thread switch). A kill before the mark: the mail is
sent again; after it: the ``.`` is in the kernel, which delivers it even
after the process is gone.

Pinned by ``test_the_mark_is_not_set_while_the_final_dot_waits_for_room``: a server
that stops reading mid-DATA holds the "." back, and the mark stays empty meanwhile.

Left: a kill after the ``.`` and before the reply, on a server that then
refused the message, is recorded as sent; it takes a kill within one round
trip *and* a refusal after DATA, and is logged at WARNING.

:class:`MarkingSMTP` / :class:`MarkingSMTP_SSL` are ``smtplib`` clients whose
``data()`` sets the mark at that instant (``sendmail`` works as usual).
"""

from __future__ import annotations

import mmap
import os
import re
import select
import smtplib
import socket
from pathlib import Path

SIZE = 512
_CRLF = b"\r\n"


class HandoverMark:
    """One Message-ID, kept in a memory-mapped file; ``set`` makes no system call."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size != SIZE:
                os.ftruncate(fd, SIZE)
            self._map = mmap.mmap(fd, SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)

    def set(self, message_id: str) -> None:
        data = self._encode(message_id)
        self._map[: len(data)] = data

    def set_and_send(self, message_id: str, sock: socket.socket, final: bytes) -> None:
        """Mark ``message_id`` handed over and write ``final`` (the ``.``) to ``sock``.

        The store into the map and the write follow each other with no Python call in
        between, so no other thread runs there (over TLS, ``ssl``'s own ``send`` is one
        Python call: a switch there is possible, but not a wait for the server); ``sock``
        must have room for ``final`` (see :func:`wait_writable`), so the write does not
        wait either.
        """
        data = self._encode(message_id)
        self._map[: len(data)] = data
        sent = sock.send(final)
        if sent < len(final):  # room for fewer than three bytes: not seen, but not lost
            sock.sendall(final[sent:])

    @staticmethod
    def _encode(message_id: str) -> bytes:
        return message_id.encode("ascii", "replace")[: SIZE - 1] + b"\0"

    def get(self) -> str | None:
        raw = self._map[:SIZE].split(b"\0", 1)[0]
        return raw.decode("ascii", "replace") if raw else None

    def clear(self) -> None:
        self._map[:1] = b"\0"

    def close(self) -> None:
        self._map.close()


def wait_writable(sock: socket.socket, timeout: float | None) -> None:
    """Wait until ``sock`` has room in its send buffer (the server has read on)."""
    seconds = timeout if isinstance(timeout, int | float) and timeout > 0 else None
    poller = select.poll()  # not select(): a long-running service may hold fds past 1024
    poller.register(sock, select.POLLOUT)
    if not poller.poll(None if seconds is None else seconds * 1000):
        raise smtplib.SMTPServerDisconnected(
            f"server SMTP tidak membaca data selama {seconds:g} detik")


class _MarkingData:
    """``data()`` that sets the handover mark right before the final ``.``."""

    handover: tuple[HandoverMark, str] | None = None

    def data(self, msg):  # type: ignore[override]
        self.putcmd("data")
        code, repl = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, repl)
        if isinstance(msg, str):
            msg = msg.encode("ascii")
        body = re.sub(rb"(?m)^\.", b"..", msg)
        if body[-2:] != _CRLF:
            body += _CRLF
        self.send(body)
        mark = self.handover
        if mark is None:
            self.send(b"." + _CRLF)
        else:
            wait_writable(self.sock, self.timeout)
            # From here on the server may deliver: no resend after a crash.
            mark[0].set_and_send(mark[1], self.sock, b"." + _CRLF)
        code, repl = self.getreply()
        if code != 250 and mark is not None:
            mark[0].clear()       # refused: not delivered
        return code, repl


class MarkingSMTP(_MarkingData, smtplib.SMTP):
    pass


class MarkingSMTP_SSL(_MarkingData, smtplib.SMTP_SSL):
    pass


__all__ = ["HandoverMark", "MarkingSMTP", "MarkingSMTP_SSL"]
