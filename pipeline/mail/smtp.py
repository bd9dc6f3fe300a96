"""Delivering the outbox over SMTP, with retries that survive restarts.

A worker thread (:meth:`SmtpDelivery.start`) delivers rows of the ``mail``
table that are due; :meth:`SmtpDelivery.deliver_once` does one round (for
the engine's tick and for tests). Per mail:

1. **claim**: ``queued`` → ``sending`` in one transaction (only one taker);
2. **send** the ``.eml`` bytes unchanged (same Message-ID on every attempt);
3. **settle**: sent → file moved to ``outbox/terkirim/``, then status
   ``sent``; refused permanently (5xx) → file moved to ``outbox/gagal/``
   with ``<name>.alasan.txt``, status ``failed``, logged at ERROR (``spt
   status`` counts them); refused temporarily (4xx), or the server
   unreachable → back to ``queued`` with ``next_try_at`` pushed out
   (exponential backoff with jitter, stored in the database so it survives
   restarts), until ``retry_for_hours`` after queueing, then ``failed``.

After a crash, rows left ``sending`` are taken again: if their file already
sits in ``terkirim/`` (crash after sending and moving), or the handover mark
(:mod:`pipeline.mail.handover`) shows the final "." of DATA had been handed
to the server, they are marked sent without resending; otherwise they are
sent again with the same Message-ID. So a crash between the server's
"250 OK" and the file move no longer sends the mail twice.

A problem with the connection or login (server down, TLS failure, wrong
password, password file readable by others) is not the mail's fault: every
due mail is deferred alike, the worker reports ``healthy() == False`` with
``last_error``, and nothing is given up before ``retry_for_hours``. The
password is read when connecting (from the environment or a 0600 file), is
never logged, and is scrubbed from any error text that is stored or logged.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import logging
import os
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Config, SmtpConfig
from pipeline.folders.atomic import PRIVATE, write_atomic
from pipeline.mail.handover import HandoverMark, MarkingSMTP, MarkingSMTP_SSL
from pipeline.mail.outbox import REASON_SUFFIX, Outbox
from pipeline.mail.worker import MailWorker
from pipeline.signing.passphrases import SecretUnavailable, read_secret
from pipeline.store.audit import AuditAction
from pipeline.store.db import Store, utcnow
from pipeline.store.mail import MailRecord, MailStatus

log = logging.getLogger("spt.mail.smtp")


@dataclass
class DeliveryReport:
    """What one round did, by Message-ID."""

    sent: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class _ConnectionTrouble(Exception):
    """The server could not be reached or would not take us: defer every due mail."""


class SmtpDelivery(MailWorker):
    """Sends queued mail; one instance per service (it may be ticked from several threads)."""

    thread_name = "spt-smtp"

    def __init__(
        self,
        config: Config,
        store_factory: Callable[[], Store],
        *,
        clock: Callable[[], dt.datetime] | None = None,
        timeout: float = 30.0,
        backoff_base: float = 60.0,
        backoff_max: float = 3600.0,
        idle_seconds: float = 30.0,
        batch: int = 50,
        ssl_context: ssl.SSLContext | None = None,
    ):
        super().__init__(backoff_base=backoff_base, backoff_max=backoff_max)
        self.config = config
        self.smtp: SmtpConfig | None = config.mail.smtp
        self.store_factory = store_factory
        self._now = clock or utcnow
        self.timeout = timeout
        self.idle_seconds = idle_seconds
        self.batch = batch
        self.ssl_context = ssl_context
        self.last_error: str | None = None
        self._healthy = True
        self._local = threading.local()
        self._round = threading.Lock()
        self._recovered = False
        self._wake = threading.Event()
        self._secrets: list[str] = []
        self._handover_mark: HandoverMark | None = None

    @property
    def configured(self) -> bool:
        return self.smtp is not None

    def healthy(self) -> bool:
        """False while the server is unreachable or refuses our login."""
        return self._healthy

    # --- the worker --------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread (nothing to do, and no thread, without SMTP configured)."""
        if not self.configured:
            log.info("no [mail.smtp] configured: outgoing mail stays in %s",
                     self.config.outbox_dir)
            return
        super().start()

    def wake(self) -> None:
        """Deliver now (call after enqueueing)."""
        self._wake.set()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self.deliver_once()
                    wait = self._seconds_to_next()
                except Exception as exc:  # the worker never dies
                    log.exception("mail delivery round failed")
                    self.last_error = self._scrub(f"{exc.__class__.__name__}: {exc}")
                    wait = self.idle_seconds
                self._wake.wait(wait)
                self._wake.clear()
        finally:
            store = getattr(self._local, "store", None)
            if store is not None:
                store.close()
                self._local.store = None

    def _seconds_to_next(self) -> float:
        due_at = self._store().mail.next_due_at()
        if due_at is None:
            return self.idle_seconds
        delta = (due_at - self._now()).total_seconds()
        return max(0.05, min(self.idle_seconds, delta))

    def _store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self.store_factory()
            self._local.store = store
        return store

    # --- one round --------------------------------------------------------

    def deliver_once(self) -> DeliveryReport:
        """Deliver every due mail once (at most ``batch``); return what happened."""
        report = DeliveryReport()
        if not self.configured:
            return report
        with self._round:
            store = self._store()
            outbox = Outbox(self.config, store, clock=self._now)
            if not self._recovered:
                self._recover(store)
                self._recovered = True
            due = [r.message_id for r in store.mail.due(self._now(), self.batch)]
            connection: smtplib.SMTP | None = None
            try:
                for message_id in due:
                    if self._stop.is_set():
                        break
                    record = self._claim(store, message_id)
                    if record is None:
                        continue
                    try:
                        if not self._settle_leftover(store, outbox, record, report):
                            continue
                        if connection is None:
                            connection = self._connect()
                        self._send(store, outbox, connection, record, report)
                    except _ConnectionTrouble as exc:
                        connection = None
                        self._trouble(str(exc))
                        self._defer(store, record, str(exc), report)
                        self._defer_due(store, str(exc), report)
                        break
                    except Exception as exc:  # never leave a row claimed
                        log.exception("mail %s: unexpected error", record.message_id)
                        if connection is not None:
                            with contextlib.suppress(Exception):
                                connection.close()
                            connection = None
                        self._defer(store, record, f"kesalahan internal: "
                                    f"{exc.__class__.__name__}: {self._scrub(str(exc))}", report)
                else:
                    if connection is not None or not due:
                        self._healthy = True
            finally:
                if connection is not None:
                    with contextlib.suppress(Exception):
                        connection.quit()
            return report

    def _handover(self) -> HandoverMark:
        if self._handover_mark is None:
            self._handover_mark = HandoverMark(self.config.state_dir / "smtp-handover")
        return self._handover_mark

    def _recover(self, store: Store) -> None:
        """Rows left ``sending`` by a crash: handed over (sent), or due again (same Message-ID)."""
        handed = self._handover().get()
        outbox = Outbox(self.config, store, clock=self._now)
        for record in store.mail.sending(handed or ""):
            source = outbox.dir / record.file_name
            if source.exists():
                _move(source, outbox.sent_dir)
            self._mark(store, record, MailStatus.SENT, audit=AuditAction.MAIL_SENT, error=(
                "diserahkan ke server SMTP tepat sebelum layanan berhenti; balasan server "
                "tidak sempat diterima, dianggap terkirim (tidak dikirim ulang)"))
            log.warning("mail %s was handed to the SMTP server when the service stopped; "
                        "recorded as sent, not sent again", record.message_id)
        self._handover().clear()
        count = store.mail.requeue_sending(self._now())
        if count:
            log.warning("%d mail(s) were being sent when the service stopped; retrying", count)

    def _claim(self, store: Store, message_id: str) -> MailRecord | None:
        return store.mail.claim(message_id)

    def _settle_leftover(self, store: Store, outbox: Outbox, record: MailRecord,
                         report: DeliveryReport) -> bool:
        """Finish a crash-interrupted mail from where its file is; True if it is to be sent."""
        if (outbox.dir / record.file_name).is_file():
            return True
        if (outbox.sent_dir / record.file_name).is_file():
            self._mark(store, record, MailStatus.SENT, error=None)
            report.sent.append(record.message_id)
            log.info("mail %s had been sent before a restart", record.message_id)
            return False
        if (outbox.failed_dir / record.file_name).is_file():
            self._mark(store, record, MailStatus.FAILED, error=record.last_error or "gagal")
            report.failed.append(record.message_id)
            return False
        self._fail(store, outbox, record, report,
                   f"Berkas {record.file_name} tidak ada di {outbox.dir}; surel tidak dapat "
                   "dikirim.", move=False)
        return False

    # --- SMTP --------------------------------------------------------

    def _connect(self) -> smtplib.SMTP:
        cfg = self.smtp
        assert cfg is not None
        context = self.ssl_context or ssl.create_default_context()
        helo = socket.gethostname() or "localhost"
        try:
            if cfg.security == "tls":
                connection: smtplib.SMTP = MarkingSMTP_SSL(
                    cfg.host, cfg.port, local_hostname=helo, timeout=self.timeout,
                    context=context)
            else:
                connection = MarkingSMTP(cfg.host, cfg.port, local_hostname=helo,
                                         timeout=self.timeout)
            try:
                connection.ehlo()
                if cfg.security == "starttls":
                    if not connection.has_extn("starttls"):
                        raise _ConnectionTrouble(
                            f"server SMTP {cfg.host}:{cfg.port} tidak menawarkan STARTTLS")
                    connection.starttls(context=context)
                    connection.ehlo()
                if cfg.user:
                    connection.login(cfg.user, self._password())
            except BaseException:
                with contextlib.suppress(Exception):
                    connection.close()
                raise
        except _ConnectionTrouble:
            raise
        except SecretUnavailable as exc:
            raise _ConnectionTrouble(f"kata sandi SMTP tidak tersedia: {exc}") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise _ConnectionTrouble(
                f"login SMTP sebagai {cfg.user} ditolak ({exc.smtp_code} "
                f"{_text(exc.smtp_error)}); periksa user dan kata sandi") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _ConnectionTrouble(
                f"tidak dapat terhubung ke server SMTP {cfg.host}:{cfg.port} "
                f"({exc.__class__.__name__}: {self._scrub(str(exc))})") from None
        return connection

    def _password(self) -> str:
        cfg = self.smtp
        assert cfg is not None
        if cfg.password is None:
            raise SecretUnavailable(f"[mail.smtp] user = {cfg.user!r} tetapi password tidak diatur")
        password = read_secret(cfg.password)
        self._remember_secret(password, cfg.user or "")
        return password

    def _send(self, store: Store, outbox: Outbox, connection: smtplib.SMTP,
              record: MailRecord, report: DeliveryReport) -> None:
        data = (outbox.dir / record.file_name).read_bytes()
        connection.handover = (self._handover(), record.message_id)
        delivered = False
        try:
            refused = connection.sendmail(self.config.mail.from_address, record.recipients, data)
            delivered = True
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            detail = "; ".join(f"{rcpt}: {code} {_text(msg)}"
                               for rcpt, (code, msg) in exc.recipients.items())
            self._refused(store, outbox, record, report, codes, f"penerima ditolak ({detail})")
            return
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                smtplib.SMTPHeloError) as exc:
            self._refused(store, outbox, record, report, [exc.smtp_code],
                          f"{exc.smtp_code} {_text(exc.smtp_error)}")
            return
        except smtplib.SMTPResponseException as exc:
            self._refused(store, outbox, record, report, [exc.smtp_code],
                          f"{exc.smtp_code} {_text(exc.smtp_error)}")
            return
        except (smtplib.SMTPException, OSError) as exc:
            raise _ConnectionTrouble(
                f"koneksi SMTP terputus ({exc.__class__.__name__}: {self._scrub(str(exc))})"
            ) from None
        finally:
            connection.handover = None
            if not delivered:
                self._handover().clear()
        self._sent(store, outbox, record, report, refused)
        self._handover().clear()

    def _refused(self, store: Store, outbox: Outbox, record: MailRecord,
                 report: DeliveryReport, codes: list[int], detail: str) -> None:
        detail = self._scrub(detail)
        if codes and all(500 <= c < 600 for c in codes):
            self._fail(store, outbox, record, report,
                       f"Surel ditolak secara permanen oleh server SMTP: {detail}")
        else:
            self._defer(store, record, f"ditolak sementara oleh server SMTP: {detail}", report)

    # --- settling --------------------------------------------------------

    def _sent(self, store: Store, outbox: Outbox, record: MailRecord, report: DeliveryReport,
              refused: dict) -> None:
        _move(outbox.dir / record.file_name, outbox.sent_dir)
        note = None
        if refused:
            note = self._scrub("sebagian penerima ditolak: " + "; ".join(
                f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in refused.items()))
            log.error("mail %s: %s", record.message_id, note)
        self._mark(store, record, MailStatus.SENT, error=note, audit=AuditAction.MAIL_SENT)
        report.sent.append(record.message_id)
        log.info("sent %s mail %s to %s", record.kind, record.message_id,
                 ", ".join(record.recipients))

    def _fail(self, store: Store, outbox: Outbox, record: MailRecord, report: DeliveryReport,
              reason: str, *, move: bool = True) -> None:
        reason = self._scrub(reason)
        if move:
            source = outbox.dir / record.file_name
            if source.exists():
                _move(source, outbox.failed_dir)
            stamp = self._now().astimezone(self.config.tz).strftime("%d-%m-%Y %H:%M %Z")
            write_atomic(outbox.failed_dir / (record.file_name + REASON_SUFFIX), (
                f"Surel: {record.file_name}\nMessage-ID: {record.message_id}\n"
                f"Kepada: {', '.join(record.recipients)}\nJenis: {record.kind}\n"
                f"Kasus: {record.case_id or '-'}\nGagal pada: {stamp}\n"
                f"Percobaan: {record.attempts + 1}\n\nAlasan: {reason}\n"
            ), mode=PRIVATE)
        self._mark(store, record, MailStatus.FAILED, error=reason, audit=AuditAction.MAIL_FAILED)
        report.failed.append(record.message_id)
        log.error("mail %s (%s to %s) FAILED and moved to %s: %s", record.message_id,
                  record.kind, ", ".join(record.recipients), outbox.failed_dir, reason)

    def _defer(self, store: Store, record: MailRecord, reason: str,
               report: DeliveryReport) -> None:
        reason = self._scrub(reason)
        now = self._now()
        attempts = record.attempts + 1
        deadline = record.queued_at + dt.timedelta(hours=self.smtp.retry_for_hours)
        if now >= deadline:
            outbox = Outbox(self.config, store, clock=self._now)
            hours = f"{self.smtp.retry_for_hours:g}"
            self._fail(store, outbox, record, report,
                       f"Tidak terkirim dalam {hours} jam ({attempts} percobaan). "
                       f"Kesalahan terakhir: {reason}")
            return
        next_try = min(now + dt.timedelta(seconds=self.backoff(attempts)), deadline)
        store.mail.reschedule(record.message_id, attempts=attempts, next_try=next_try,
                              error=reason)
        report.deferred.append(record.message_id)
        log.warning("mail %s deferred (attempt %d, next at %s): %s", record.message_id,
                    attempts, next_try.isoformat(timespec="seconds"), reason)

    def _defer_due(self, store: Store, reason: str, report: DeliveryReport) -> None:
        """The server is unreachable: every other due mail waits too."""
        for record in store.mail.due(self._now()):
            self._defer(store, record, reason, report)

    def _mark(self, store: Store, record: MailRecord, status: MailStatus, *, error: str | None,
              audit: AuditAction | None = None) -> None:
        now = self._now()
        with store.transaction():
            store.mail.settle(record.message_id, status, error=error, attempted=bool(audit),
                              now=now)
            if audit:
                store.audit.append(audit, case_id=record.case_id, actor="sistem", at=now,
                                   detail={"message_id": record.message_id, "kind": record.kind,
                                           "recipients": record.recipients,
                                           **({"error": error} if error else {})})

    def _trouble(self, reason: str) -> None:
        if self._healthy or reason != self.last_error:
            log.error("SMTP unavailable: %s", reason)
        self._healthy = False
        self.last_error = reason

    # --- secrets ---------------------------------------------------------------------

    def _remember_secret(self, password: str, user: str) -> None:
        forms = {password, base64.b64encode(password.encode()).decode(),
                 base64.b64encode(f"\0{user}\0{password}".encode()).decode()}
        self._secrets = sorted((f for f in forms if len(f) >= 3), key=len, reverse=True)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join((value or "").split())[:500]


def _move(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    os.replace(source, target)
    return target


__all__ = ["DeliveryReport", "SmtpDelivery"]
