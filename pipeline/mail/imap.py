"""Watching the IMAP mailbox: each new message is handed to the service once, then filed.

:class:`ImapWatcher` is a thread that logs in, creates the processed and
rejected folders if missing, takes every message already in the watched
folder, then waits for new ones with IDLE when the server offers it (else it
polls every ``poll_seconds``). IDLE is re-issued every ``idle_seconds``
(default 10 minutes; RFC 2177 asks for less than 29, and a shorter period
also bounds how long a silently dead connection goes unnoticed). Any
connection error means logging out, waiting (capped exponential backoff with
jitter) and connecting again; the thread never dies, a server that is down
at start-up is simply retried, and :meth:`healthy` / :attr:`last_error` tell
``spt status`` and ``spt doctor``.

Every message in the folder is taken, read or not: the service moves each
one out when done, so what is left is what is still to do (a person reading
it in webmail first does not hide it). Per message:

1. its header and size are fetched (``BODY.PEEK``: nothing is marked seen);
2. seen before (``mail_seen``, by Message-ID or content hash)? then it is
   only moved to the folder its recorded outcome says: never handled twice;
3. from our own address, or from a sender not on the allow-list (nor
   accepted by ``also_allowed``, e.g. the pemohon of a case awaiting its
   receipt): moved to the rejected folder with a note, **no reply**
   (replying to unknown senders feeds spammers and mail loops), no case;
4. larger than ``max_message_mb``: refused from the header alone, the body
   is never downloaded; the sender is answered through ``on_refused``;
5. otherwise the whole message is fetched and parsed
   (:func:`pipeline.mail.incoming.parse_message`); an unreadable one is
   refused like 4;
6. ``handler(message)`` decides (opens cases, queues the replies);
7. the outcome is recorded in ``mail_seen`` (one transaction), and only then
   the message is moved to ``processed_folder`` or ``rejected_folder``.

A crash between 6 and 7 makes the next start call the handler again for the
same message: the handler must be idempotent (case opening dedupes by the
invitation's hash; replies are queued under a key derived from the
message's ``message_key``, so the outbox dedupes them). A crash between 7 and
the move only repeats the move. Refusals before the handler (3-5) are not
recorded in ``mail_seen``: IT may move such a message back after changing
the allow-list or the size limit, and it is then taken afresh.

Rejected messages get a note beside them in the rejected folder (a short
message "Ditolak: <subject>" with the reason), since IMAP keeps no
free-text reason on a message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import json
import logging
import re
import select
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from enum import StrEnum

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError

from pipeline.config import Config, ImapConfig
from pipeline.mail.incoming import (
    IncomingMessage,
    IncomingRefused,
    parse_headers,
    parse_message,
    sender_allowed,
    too_large_reason,
)
from pipeline.mail.worker import MailWorker
from pipeline.signing.passphrases import SecretUnavailable, read_secret
from pipeline.store.db import Store, utcnow

log = logging.getLogger("spt.mail.imap")

MAX_HANDLER_FAILURES = 3
_SIZE = re.compile(rb"RFC822\.SIZE\s+(\d+)")
_CONNECTION_ERRORS = (imaplib.IMAP4.abort, OSError, EOFError, ssl.SSLError)


class WatcherState(StrEnum):
    """What the IMAP watcher is doing now."""

    CONNECTING = "connecting"
    PROCESSING = "processing"
    IDLE = "idle"
    POLLING = "polling"
    BACKOFF = "backoff"
    STOPPED = "stopped"


@dataclass
class MailOutcome:
    """What the handler made of a message: accepted (cases opened) or rejected (why)."""

    accepted: bool
    reason: str | None = None
    case_ids: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"accepted": self.accepted, "reason": self.reason,
                           "case_ids": self.case_ids}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> MailOutcome:
        try:
            data = json.loads(text)
            return cls(bool(data.get("accepted")), data.get("reason"),
                       list(data.get("case_ids") or []))
        except (ValueError, AttributeError):
            return cls(False, text)


Handler = Callable[[IncomingMessage], MailOutcome]
RefusedHook = Callable[[IncomingMessage, str], None]


class ImapWatcher(MailWorker):
    """The mailbox watcher thread. ``start()`` once, ``stop()`` once."""

    thread_name = "spt-imap"

    def __init__(
        self,
        config: Config,
        store_factory: Callable[[], Store],
        handler: Handler,
        *,
        on_refused: RefusedHook | None = None,
        allow_list: Iterable[str] | None = None,
        also_allowed: Callable[[str], bool] | None = None,
        idle_seconds: float = 600.0,
        poll_seconds: float | None = None,
        backoff_base: float = 1.0,
        backoff_max: float = 300.0,
        timeout: float = 60.0,
        ssl_context: ssl.SSLContext | None = None,
        use_idle: bool = True,
    ):
        if config.mail.imap is None:
            raise ValueError("[mail.imap] is not configured")
        super().__init__(backoff_base=backoff_base, backoff_max=backoff_max)
        self.config = config
        self.imap: ImapConfig = config.mail.imap
        self.store_factory = store_factory
        self.handler = handler
        self.on_refused = on_refused
        self.allow_list = list(allow_list) if allow_list is not None else default_allow_list(
            config)
        self.also_allowed = also_allowed
        self.idle_seconds = min(idle_seconds, 29 * 60)
        self.poll_seconds = poll_seconds if poll_seconds is not None else self.imap.poll_seconds
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.use_idle = use_idle
        self.max_bytes = int(self.imap.max_message_mb * 1024 * 1024)
        self.last_error: str | None = None
        self.idle_supported: bool | None = None
        self.last_heartbeat = time.monotonic()
        self.connected_at: float | None = None
        self.connections = 0
        self.passes = 0  # completed passes over the folder (tests, status)
        self.state = WatcherState.STOPPED
        self._healthy = False
        self._failures: dict[str, int] = {}
        self._consecutive_failures = 0
        self._waker_r, self._waker_w = socket.socketpair()
        self._waker_r.setblocking(False)
        self._waker_w.setblocking(False)
        self._store: Store | None = None
        self._mailbox = None
        self._delim = "/"

    # --- lifecycle --------------------------------------------------------

    def wake(self) -> None:
        """Look at the folder now (e.g. after IT moved a message back)."""
        with contextlib.suppress(OSError):
            self._waker_w.send(b"\0")

    def healthy(self) -> bool:
        """Logged in and watching (False while connecting or after an error)."""
        return self._healthy

    # --- the loop --------------------------------------------------------

    def _run(self) -> None:
        try:
            self._store = self.store_factory()
            while not self._stop.is_set():
                try:
                    self.state = WatcherState.CONNECTING
                    self._session()
                except Exception as exc:  # never let the watcher die
                    self._consecutive_failures += 1
                    self._healthy = False
                    self.last_error = _describe(exc)
                    delay = self.backoff(self._consecutive_failures)
                    expected = isinstance(exc, (*_CONNECTION_ERRORS, ImapToolsError,
                                                _ConfigTrouble))
                    log.log(logging.WARNING if expected else logging.ERROR,
                            "IMAP %s:%s: %s; reconnecting in %.1f s", self.imap.host,
                            self.imap.port, self.last_error, delay, exc_info=not expected)
                    self._logout(polite=False)  # a dead link would make LOGOUT wait
                    self.state = WatcherState.BACKOFF
                    self._sleep(delay)
                else:
                    self._logout()
        finally:
            self._healthy = False
            self.state = WatcherState.STOPPED
            if self._store is not None:
                self._store.close()

    def _session(self) -> None:
        mailbox = self._connect()
        self._mailbox = mailbox
        self._consecutive_failures = 0
        self.connections += 1
        self.connected_at = time.monotonic()
        self._healthy = True
        self.last_error = None
        log.info("IMAP connected to %s:%s as %s, watching %r (%s)", self.imap.host,
                 self.imap.port, self.imap.user, self.imap.folder,
                 "IDLE" if self.idle_supported else f"polling every {self.poll_seconds:g} s")
        while not self._stop.is_set():
            self.state = WatcherState.PROCESSING
            self.process_folder(mailbox)
            if self._stop.is_set():
                break
            if self.idle_supported:
                self._idle_wait(mailbox, self.idle_seconds)
            else:
                self.state = WatcherState.POLLING
                self._sleep(self.poll_seconds)

    def _connect(self):
        cfg = self.imap
        try:
            password = read_secret(cfg.password)
        except SecretUnavailable as exc:
            raise _ConfigTrouble(f"kata sandi IMAP tidak tersedia: {exc}") from None
        if cfg.security == "tls":
            mailbox = MailBox(cfg.host, cfg.port, timeout=self.timeout,
                              ssl_context=self.ssl_context or ssl.create_default_context())
        elif cfg.security == "starttls":
            mailbox = MailBoxStartTls(cfg.host, cfg.port, timeout=self.timeout,
                                      ssl_context=self.ssl_context or ssl.create_default_context())
        else:
            mailbox = MailBoxUnencrypted(cfg.host, cfg.port, timeout=self.timeout)
        try:
            with contextlib.suppress(OSError):
                mailbox.client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            try:
                mailbox.login(cfg.user, password, initial_folder=None)
            except ImapToolsError:
                raise _ConfigTrouble(
                    f"login IMAP sebagai {cfg.user} ditolak; periksa user dan kata sandi"
                ) from None
            finally:
                del password
            self._refresh_capabilities(mailbox)
            self.idle_supported = self.use_idle and "IDLE" in mailbox.client.capabilities
            self._delim = self._delimiter(mailbox)
            for folder in (self.imap.processed_folder, self.imap.rejected_folder):
                self._ensure_folder(mailbox, folder)
            mailbox.folder.set(self.server_name(self.imap.folder))
        except BaseException:
            with contextlib.suppress(Exception):
                mailbox.client.shutdown()
            raise
        return mailbox

    def _logout(self, *, polite: bool = True) -> None:
        mailbox, self._mailbox = self._mailbox, None
        if mailbox is None:
            return
        try:
            if not polite:
                raise ConnectionAbortedError
            mailbox.logout()
        except Exception:
            with contextlib.suppress(Exception):
                mailbox.client.shutdown()

    @staticmethod
    def _refresh_capabilities(mailbox) -> None:
        """imaplib keeps the pre-login list; servers often announce more after login."""
        typ, data = mailbox.client.capability()
        if typ == "OK" and data and data[-1]:
            mailbox.client.capabilities = tuple(data[-1].decode("ascii", "replace").upper()
                                                .split())

    # --- waiting --------------------------------------------------------

    def _idle_wait(self, mailbox, seconds: float) -> None:
        """IDLE until the server says anything, ``seconds`` pass, or stop/wake."""
        client = mailbox.client
        mailbox.idle.start()
        self.state = WatcherState.IDLE
        try:
            deadline = time.monotonic() + seconds
            while not self._stop.is_set():
                self.last_heartbeat = time.monotonic()
                if _buffered(client):
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                ready, _, _ = select.select([client.sock, self._waker_r], [], [],
                                           min(5.0, remaining))
                if client.sock in ready:
                    return
                if self._waker_r in ready:
                    self._drain_waker()
                    return
        finally:
            mailbox.idle.stop()

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():
            self.last_heartbeat = time.monotonic()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            ready, _, _ = select.select([self._waker_r], [], [], min(5.0, remaining))
            if ready:
                self._drain_waker()
                if not self._stop.is_set():
                    return

    def _drain_waker(self) -> None:
        with contextlib.suppress(OSError):
            while self._waker_r.recv(512):
                pass

    # --- folders --------------------------------------------------------

    def _delimiter(self, mailbox) -> str:
        for info in mailbox.folder.list():
            if info.delim:
                return info.delim
        return "/"

    def server_name(self, folder: str) -> str:
        """``SPT/Diproses`` in the server's hierarchy (``SPT.Diproses`` on Maildir++)."""
        return folder.replace("/", self._delim) if self._delim and self._delim != "/" else folder

    def _ensure_folder(self, mailbox, folder: str) -> None:
        name = self.server_name(folder)
        if mailbox.folder.exists(name):
            return
        mailbox.folder.create(name)
        with contextlib.suppress(ImapToolsError, imaplib.IMAP4.error):
            mailbox.folder.subscribe(name, True)
        log.info("IMAP folder %r created", name)

    # --- one pass over the folder --------------------------------------------------------

    def process_folder(self, mailbox) -> int:
        """Take every message now in the watched folder; return how many were filed."""
        mailbox.client.noop()
        mailbox.client.untagged_responses.clear()
        uids = mailbox.uids("UNDELETED", charset=None)
        done = 0
        for uid in uids:
            if self._stop.is_set():
                break
            self.last_heartbeat = time.monotonic()
            try:
                done += self._take(mailbox, uid)
            except _CONNECTION_ERRORS:
                raise
            except (ImapToolsError, imaplib.IMAP4.error) as exc:
                log.warning("IMAP message uid %s: %s; will look again later", uid, _describe(exc))
            except Exception:  # one bad message must not stop the others
                log.exception("IMAP message uid %s could not be taken; will look again later", uid)
        self.passes += 1
        return done

    def _take(self, mailbox, uid: str) -> int:
        fetched = self._fetch(mailbox, uid, "(RFC822.SIZE BODY.PEEK[HEADER])")
        if fetched is None:
            return 0  # gone meanwhile (another client moved it)
        meta, header = fetched
        size_match = _SIZE.search(meta)
        size = int(size_match.group(1)) if size_match else len(header)
        head = parse_headers(header, size=size)
        has_id = head is not None and not head.message_id.endswith("@sintetis.spt.invalid>")

        if has_id:
            seen = self._seen(head.message_id, None)
            if seen is not None:
                return self._file_seen(mailbox, uid, head, seen)
        if head is None:
            return self._set_aside(mailbox, uid, None, "Header surel tidak terbaca.")
        own = self.config.mail.from_address.strip().lower()
        if head.sender == own:
            return self._set_aside(mailbox, uid, head, "Surel dari alamat layanan ini sendiri "
                                   "(kemungkinan pantulan atau lingkaran surel).")
        if not self._allowed(head.sender):
            log.warning("IMAP: set aside a message from %s (not on the allow-list): %r",
                        head.sender, head.subject)
            return self._set_aside(mailbox, uid, head, f"Pengirim {head.sender} tidak termasuk "
                                   "daftar pengirim yang diizinkan (allow_senders).")
        if size > self.max_bytes:
            return self._refuse(mailbox, uid, head, too_large_reason(size, self.max_bytes))

        fetched = self._fetch(mailbox, uid, "(BODY.PEEK[])")
        if fetched is None:
            return 0
        raw = fetched[1]
        try:
            message = parse_message(raw, max_bytes=self.max_bytes)
        except IncomingRefused as exc:
            return self._refuse(mailbox, uid, exc.message or head, exc.reason)
        seen = self._seen(message.message_key, message.sha256)
        if seen is not None:
            return self._file_seen(mailbox, uid, message, seen)
        return self._handle(mailbox, uid, message)

    def _allowed(self, sender: str) -> bool:
        if sender_allowed(sender, self.allow_list):
            return True
        if self.also_allowed is None:
            return False
        try:
            return bool(self.also_allowed(sender))
        except Exception:
            log.exception("also_allowed(%s) failed; treating the sender as not allowed", sender)
            return False

    def _handle(self, mailbox, uid: str, message: IncomingMessage) -> int:
        try:
            outcome = self.handler(message)
            if not isinstance(outcome, MailOutcome):
                raise TypeError(f"the handler returned {type(outcome).__name__}, not MailOutcome")
        except Exception:
            count = self._failures.get(message.message_key, 0) + 1
            self._failures[message.message_key] = count
            log.exception("handler failed on message %s from %s (attempt %d of %d)",
                          message.message_id, message.sender, count, MAX_HANDLER_FAILURES)
            if count < MAX_HANDLER_FAILURES:
                return 0
            self._failures.pop(message.message_key, None)
            return self._set_aside(mailbox, uid, message, (
                "Kesalahan internal saat memproses surel ini; periksa log layanan, lalu "
                "pindahkan kembali surel ini ke folder masuk untuk mencoba lagi."))
        self._failures.pop(message.message_key, None)
        self._store.mail_seen.remember(message.message_key, message.sha256, outcome.to_json(),
                                       utcnow())
        log.info("IMAP message %s from %s: %s", message.message_id, message.sender,
                 f"accepted ({', '.join(outcome.case_ids) or 'no new case'})" if outcome.accepted
                 else f"rejected ({outcome.reason})")
        if outcome.accepted:
            self._move(mailbox, uid, self.imap.processed_folder)
        else:
            self._note(mailbox, message, outcome.reason or "Ditolak.")
            self._move(mailbox, uid, self.imap.rejected_folder)
        return 1

    def _refuse(self, mailbox, uid: str, head: IncomingMessage, reason: str) -> int:
        """Refused before the handler (size, broken MIME): answer the sender, file it."""
        log.warning("IMAP: refused message %s from %s: %s", head.message_id, head.sender, reason)
        if self.on_refused is not None and not head.automatic:
            try:
                self.on_refused(head, reason)
            except Exception:
                log.exception("could not queue the refusal reply to %s", head.sender)
                return 0  # leave it; try again next pass
        return self._set_aside(mailbox, uid, head, reason)

    def _set_aside(self, mailbox, uid: str, head: IncomingMessage | None, reason: str) -> int:
        self._note(mailbox, head, reason)
        self._move(mailbox, uid, self.imap.rejected_folder)
        return 1

    def _file_seen(self, mailbox, uid: str, head: IncomingMessage, seen: MailOutcome) -> int:
        log.info("IMAP message %s was handled before; filing it again only", head.message_id)
        folder = self.imap.processed_folder if seen.accepted else self.imap.rejected_folder
        self._move(mailbox, uid, folder)
        return 1

    def _seen(self, message_key: str, sha: str | None) -> MailOutcome | None:
        outcome = self._store.mail_seen.outcome(message_key, sha)
        return MailOutcome.from_json(outcome) if outcome else None

    # --- IMAP primitives --------------------------------------------------------

    @staticmethod
    def _fetch(mailbox, uid: str, parts: str) -> tuple[bytes, bytes] | None:
        typ, data = mailbox.client.uid("FETCH", uid, parts)
        if typ != "OK":
            raise imaplib.IMAP4.error(f"FETCH {uid} failed: {data!r}")
        for item in data or []:
            if isinstance(item, tuple) and len(item) >= 2:
                return item[0], item[1]
        return None

    def _move(self, mailbox, uid: str, folder: str) -> None:
        mailbox.move(uid, self.server_name(folder))

    def _note(self, mailbox, head: IncomingMessage | None, reason: str) -> None:
        """A short message in the rejected folder saying why (IMAP has no place for it)."""
        note = EmailMessage()
        subject = head.subject if head else ""
        note["From"] = self.config.mail.from_address
        note["To"] = self.config.mail.from_address
        note["Subject"] = f"Ditolak: {subject}"[:200] if subject else "Ditolak"
        note["Date"] = format_datetime(dt.datetime.now(self.config.tz))
        note["Message-ID"] = make_msgid(domain="catatan.spt.invalid")
        note["Auto-Submitted"] = "auto-generated"
        if head is not None:
            note["In-Reply-To"] = head.message_id
            note["References"] = head.message_id
        note.set_content(
            f"Surel ini dipindahkan ke folder {self.imap.rejected_folder}.\n\n"
            f"Pengirim : {head.sender if head else '-'}\n"
            f"Perihal  : {subject or '-'}\n"
            f"Message-ID: {head.message_id if head else '-'}\n\n"
            f"Alasan: {reason}\n"
        )
        try:
            mailbox.append(note.as_bytes(), self.server_name(self.imap.rejected_folder))
        except (ImapToolsError, imaplib.IMAP4.error) as exc:
            log.warning("could not file the rejection note: %s", _describe(exc))


class _ConfigTrouble(Exception):
    """Login or secret problem: retried like a connection error, reported to IT."""


def default_allow_list(config: Config) -> list[str]:
    """``allow_senders``, plus the officials' own addresses when approval by reply is on."""
    imap = config.mail.imap
    entries = list(imap.allow_senders) if imap else []
    if entries and config.mail.approval_by_reply:
        entries += [stage.person.email for stage in config.stage]
    return entries


def _buffered(client) -> bool:
    """Whether imaplib already holds unread server data (select() would not see it)."""
    sock = client.sock
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    previous = sock.gettimeout()
    try:
        sock.settimeout(0)
        return bool(client.file.peek(1))
    except (BlockingIOError, ssl.SSLWantReadError, TimeoutError, OSError):
        return False
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(previous)


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:300]
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


__all__ = ["ImapWatcher", "MailOutcome", "default_allow_list"]
