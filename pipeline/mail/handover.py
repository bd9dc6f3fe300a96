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
import smtplib
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
        data = message_id.encode("ascii", "replace")[: SIZE - 1] + b"\0"
        self._map[: len(data)] = data

    def get(self) -> str | None:
        raw = self._map[:SIZE].split(b"\0", 1)[0]
        return raw.decode("ascii", "replace") if raw else None

    def clear(self) -> None:
        self._map[:1] = b"\0"

    def close(self) -> None:
        self._map.close()


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
        if mark is not None:
            mark[0].set(mark[1])  # from here on the server may deliver: no resend after a crash
        self.send(b"." + _CRLF)
        code, repl = self.getreply()
        if code != 250 and mark is not None:
            mark[0].clear()       # refused: not delivered
        return code, repl


class MarkingSMTP(_MarkingData, smtplib.SMTP):
    pass


class MarkingSMTP_SSL(_MarkingData, smtplib.SMTP_SSL):
    pass


__all__ = ["HandoverMark", "MarkingSMTP", "MarkingSMTP_SSL"]
