"""The outbox and SMTP delivery against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import time
from email.message import EmailMessage

import pytest

from pipeline.mail.outbox import Outbox
from pipeline.mail.smtp import SmtpDelivery
from pipeline.store.db import Store
from pipeline.store.mail import MailStatus

from .mail_servers import (
    SmtpServer,
    client_context,
    free_port,
    make_certificate,
    make_config,
    store_factory_for,
    wait_until,
)

PASSWORD = "Sandi-Rahasia-42!x"

# aiosmtpd warns, per connection, that AUTH without TLS is unsafe: on loopback, in a test.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


class Clock:
    def __init__(self) -> None:
        self.current = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **kw) -> None:
        self.current += dt.timedelta(**kw)


def mail(n: int, to: str = "pejabat@diskopukm.kalbarprov.go.id") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Layanan SPT <spt@diskopukm.kalbarprov.go.id>"
    msg["To"] = to
    msg["Subject"] = f"[SPT-2026-{n:04d}] Pemberitahuan"
    msg.set_content(f"Surel nomor {n}.")
    return msg


def smtp_config(workspace, port: int, **extra):
    return make_config(workspace, smtp={"host": "127.0.0.1", "port": port, "security": "none",
                                        **extra})


def queue(config, store, count: int, start: int = 1) -> list[str]:
    outbox = Outbox(config, store)
    return [outbox.enqueue(mail(n), key=f"tahap:SPT-2026-{n:04d}:1:1",
                           case_id=f"SPT-2026-{n:04d}", kind="tahap")
            for n in range(start, start + count)]


def test_enqueue_is_idempotent_and_stays_queued_without_smtp(workspace):
    config = make_config(workspace)
    store = Store(config.state_dir / "spt.sqlite3")
    outbox = Outbox(config, store)
    first = outbox.enqueue(mail(7), key="tahap:SPT-2026-0007:3:12", case_id="SPT-2026-0007",
                           kind="tahap")
    again = outbox.enqueue(mail(7), key="tahap:SPT-2026-0007:3:12", case_id="SPT-2026-0007",
                           kind="tahap")
    assert first == again
    assert first.endswith("@diskopukm.kalbarprov.go.id>") and len(first.split("@")[0]) == 33
    files = sorted(p.name for p in config.outbox_dir.iterdir())
    assert len(files) == 1 and files[0] == Outbox.file_name(
        "tahap:SPT-2026-0007:3:12", case_id="SPT-2026-0007", kind="tahap")
    assert files[0].startswith("SPT-2026-0007-tahap-") and files[0].endswith(".eml")
    assert not [f for f in files if f.startswith(".")]
    raw = (config.outbox_dir / files[0]).read_bytes()
    assert f"Message-ID: {first}".encode() in raw and b"\r\n" in raw
    [record] = outbox.pending()
    assert (record.status, record.attempts, record.kind) == (MailStatus.QUEUED, 0, "tahap")
    assert record.recipients == ["pejabat@diskopukm.kalbarprov.go.id"]
    delivery = SmtpDelivery(config, store_factory_for(config))
    assert not delivery.configured
    assert delivery.deliver_once().sent == []
    assert outbox.get(first).status is MailStatus.QUEUED


def test_down_then_up_every_mail_delivered_exactly_once(workspace):
    port = free_port()
    server = SmtpServer(port)  # not started: the server is down
    config = smtp_config(workspace, port)
    clock = Clock()
    store = Store(config.state_dir / "spt.sqlite3")
    ids = queue(config, store, 6)
    delivery = SmtpDelivery(config, store_factory_for(config), clock=clock.now, timeout=5)
    report = delivery.deliver_once()
    assert sorted(report.deferred) == sorted(ids) and not report.sent
    assert not delivery.healthy() and "tidak dapat terhubung" in delivery.last_error
    outbox = Outbox(config, store)
    assert {r.status for r in outbox.pending()} == {MailStatus.QUEUED}
    assert all(r.attempts == 1 and r.next_try_at > clock.now() for r in outbox.pending())
    assert delivery.deliver_once().sent == []  # not due yet: nothing tried
    server.start()
    try:
        clock.advance(hours=1)
        report = delivery.deliver_once()
        assert sorted(report.sent) == sorted(ids) and delivery.healthy()
        clock.advance(hours=1)
        assert delivery.deliver_once().sent == []
        counts = server.count_by_message_id()
        assert counts == {mid: 1 for mid in ids}
        assert all(r.status is MailStatus.SENT for r in outbox.for_case("SPT-2026-0001"))
        sent_dir = config.outbox_dir / "terkirim"
        assert len(list(sent_dir.glob("*.eml"))) == 6
        assert not list(config.outbox_dir.glob("*.eml"))
    finally:
        server.stop()


def test_worker_thread_retries_until_the_server_is_up(workspace):
    port = free_port()
    server = SmtpServer(port)
    config = smtp_config(workspace, port)
    store = Store(config.state_dir / "spt.sqlite3")
    ids = queue(config, store, 4)
    delivery = SmtpDelivery(config, store_factory_for(config), timeout=5, backoff_base=0.1,
                            backoff_max=0.3, idle_seconds=0.5)
    delivery.start()
    try:
        wait_until(lambda: store.execute("SELECT MIN(attempts) FROM mail").fetchone()[0] >= 2,
                   10, message="two failed rounds")
        server.start()
        wait_until(lambda: len(server.received) >= 4, 10, message="all four delivered")
        wait_until(lambda: not Outbox(config, store).pending(), 5, message="rows settled")
        assert server.count_by_message_id() == {mid: 1 for mid in ids}
    finally:
        started = time.monotonic()
        delivery.stop()
        assert time.monotonic() - started < 2.0  # stop is prompt
        server.stop()


def test_temporary_refusal_then_success(workspace, smtp_server):
    config = smtp_config(workspace, smtp_server.port)
    clock = Clock()
    store = Store(config.state_dir / "spt.sqlite3")
    [mid] = queue(config, store, 1)
    delivery = SmtpDelivery(config, store_factory_for(config), clock=clock.now)
    smtp_server.answer = "451"
    assert delivery.deliver_once().deferred == [mid]
    record = Outbox(config, store).get(mid)
    assert record.status is MailStatus.QUEUED and "451" in record.last_error and record.attempts == 1
    smtp_server.answer = "250"
    clock.advance(minutes=5)
    assert delivery.deliver_once().sent == [mid]
    assert smtp_server.count_by_message_id() == {mid: 1}


@pytest.mark.parametrize("where", ["DATA", "RCPT"])
def test_permanent_refusal_goes_to_gagal_with_reason(workspace, smtp_server, caplog, where):
    config = smtp_config(workspace, smtp_server.port)
    store = Store(config.state_dir / "spt.sqlite3")
    [mid] = queue(config, store, 1)
    if where == "DATA":
        smtp_server.answer = "550"
    else:
        smtp_server.rcpt_answer = "550"
    delivery = SmtpDelivery(config, store_factory_for(config))
    with caplog.at_level(logging.ERROR, logger="spt.mail.smtp"):
        assert delivery.deliver_once().failed == [mid]
    outbox = Outbox(config, store)
    [record] = outbox.failed()
    assert record.status is MailStatus.FAILED and "550" in record.last_error
    failed_dir = config.outbox_dir / "gagal"
    [eml] = failed_dir.glob("*.eml")
    reason = (failed_dir / (eml.name + ".alasan.txt")).read_text()
    assert "ditolak secara permanen" in reason and "550" in reason and mid in reason
    assert any(r.levelno == logging.ERROR and mid in r.getMessage() for r in caplog.records)
    assert smtp_server.received == []
    assert store.audit.for_case("SPT-2026-0001")[-1].action == "mail.failed"
    assert delivery.deliver_once().sent == []  # never retried


def test_restart_in_the_middle_loses_and_duplicates_nothing(workspace, smtp_server):
    config = smtp_config(workspace, smtp_server.port)
    store = Store(config.state_dir / "spt.sqlite3")
    ids = queue(config, store, 10)
    first = SmtpDelivery(config, store_factory_for(config), batch=3)
    assert len(first.deliver_once().sent) == 3
    # The process dies here, in the middle of a fourth mail: claimed, not yet sent.
    store.execute("UPDATE mail SET status = ? WHERE message_id = ?", (MailStatus.SENDING, ids[3]))
    # ... and another one had been sent and moved, but the row not yet updated.
    sent_not_marked = ids[4]
    row = store.execute("SELECT file_name FROM mail WHERE message_id = ?",
                        (sent_not_marked,)).fetchone()
    (config.outbox_dir / "terkirim").mkdir(exist_ok=True)
    os.replace(config.outbox_dir / row["file_name"],
               config.outbox_dir / "terkirim" / row["file_name"])
    store.execute("UPDATE mail SET status = ? WHERE message_id = ?", (MailStatus.SENDING, sent_not_marked))
    del first
    # A new service over the same database and folders.
    second = SmtpDelivery(config, store_factory_for(config))
    report = second.deliver_once()
    assert sent_not_marked in report.sent
    assert len(report.sent) == 7
    counts = server_counts = smtp_server.count_by_message_id()
    assert set(server_counts) == set(ids) - {sent_not_marked}
    assert all(n == 1 for n in counts.values())
    assert {r.status for r in Outbox(config, store).for_case("SPT-2026-0004")} == {MailStatus.SENT}
    assert not Outbox(config, store).pending()


def test_gives_up_after_the_retry_period(workspace):
    port = free_port()
    config = smtp_config(workspace, port, retry_for_hours=1)
    clock = Clock()
    store = Store(config.state_dir / "spt.sqlite3")
    [mid] = queue(config, store, 1)
    delivery = SmtpDelivery(config, store_factory_for(config), clock=clock.now, timeout=2)
    assert delivery.deliver_once().deferred == [mid]
    for _ in range(30):
        clock.advance(minutes=10)
        report = delivery.deliver_once()
        if report.failed:
            break
    assert report.failed == [mid]
    record = Outbox(config, store).get(mid)
    assert record.status is MailStatus.FAILED and "Tidak terkirim dalam 1 jam" in record.last_error
    assert (config.outbox_dir / "gagal" / (record.file_name + ".alasan.txt")).exists()


def _secrets_absent(texts: list[str]) -> None:
    forms = [PASSWORD, base64.b64encode(PASSWORD.encode()).decode(),
             base64.b64encode(f"\0spt\0{PASSWORD}".encode()).decode()]
    for text in texts:
        for form in forms:
            assert form not in (text or "")


def _all_texts(config, store, delivery, caplog) -> list[str]:
    rows = store.execute("SELECT last_error FROM mail").fetchall()
    files = [p.read_text(errors="replace") for p in config.outbox_dir.rglob("*.txt")]
    audit = [str(e.detail) for e in store.audit.for_case("SPT-2026-0001")]
    return [caplog.text, delivery.last_error or "", *[r[0] or "" for r in rows], *files, *audit]


def test_auth_plain_with_password_from_a_0600_file(workspace, caplog):
    port = free_port()
    server = SmtpServer(port, auth=("spt", PASSWORD))
    server.start()
    try:
        secret = workspace / "smtp.pass"
        secret.write_text(PASSWORD + "\n")
        secret.chmod(0o600)
        config = smtp_config(workspace, port, user="spt", password={"file": str(secret)})
        store = Store(config.state_dir / "spt.sqlite3")
        [mid] = queue(config, store, 1)
        delivery = SmtpDelivery(config, store_factory_for(config))
        with caplog.at_level(logging.DEBUG):
            assert delivery.deliver_once().sent == [mid]
        assert server.auth_attempts == [("PLAIN", "spt")]
        assert server.count_by_message_id() == {mid: 1}
        _secrets_absent(_all_texts(config, store, delivery, caplog))
    finally:
        server.stop()


def test_password_file_readable_by_others_is_refused(workspace, caplog):
    port = free_port()
    server = SmtpServer(port, auth=("spt", PASSWORD))
    server.start()
    try:
        secret = workspace / "smtp.pass"
        secret.write_text(PASSWORD + "\n")
        secret.chmod(0o644)
        config = smtp_config(workspace, port, user="spt", password={"file": str(secret)})
        store = Store(config.state_dir / "spt.sqlite3")
        [mid] = queue(config, store, 1)
        delivery = SmtpDelivery(config, store_factory_for(config))
        with caplog.at_level(logging.DEBUG):
            assert delivery.deliver_once().deferred == [mid]
        assert server.auth_attempts == [] and server.received == []
        assert not delivery.healthy()
        assert "chmod 600" in delivery.last_error
        _secrets_absent(_all_texts(config, store, delivery, caplog))
    finally:
        server.stop()


def test_wrong_password_is_deferred_and_never_logged(workspace, caplog, monkeypatch):
    port = free_port()
    server = SmtpServer(port, auth=("spt", "the-right-one"))
    server.start()
    try:
        monkeypatch.setenv("SPT_TEST_SMTP_PASSWORD", PASSWORD)
        config = smtp_config(workspace, port, user="spt",
                             password={"env": "SPT_TEST_SMTP_PASSWORD"})
        store = Store(config.state_dir / "spt.sqlite3")
        [mid] = queue(config, store, 1)
        delivery = SmtpDelivery(config, store_factory_for(config))
        with caplog.at_level(logging.DEBUG):
            report = delivery.deliver_once()
        assert report.deferred == [mid] and not report.failed  # a login problem is not 5xx
        assert "login SMTP sebagai spt ditolak" in delivery.last_error
        assert server.auth_attempts[0] == ("PLAIN", "spt")  # smtplib then tries LOGIN too
        _secrets_absent(_all_texts(config, store, delivery, caplog))
    finally:
        server.stop()


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_encrypted_connection_with_auth(workspace, tmp_path, monkeypatch, security):
    cert = make_certificate(tmp_path / "tls")
    port = free_port()
    server = SmtpServer(port, auth=("spt", PASSWORD), tls=security, cert=cert)
    server.start()
    try:
        monkeypatch.setenv("SPT_TEST_SMTP_PASSWORD", PASSWORD)
        config = make_config(workspace, smtp={
            "host": "127.0.0.1", "port": port, "security": security, "user": "spt",
            "password": {"env": "SPT_TEST_SMTP_PASSWORD"}})
        store = Store(config.state_dir / "spt.sqlite3")
        [mid] = queue(config, store, 1)
        # A certificate nobody vouches for is refused (and the mail waits)...
        untrusting = SmtpDelivery(config, store_factory_for(config), timeout=5)
        assert untrusting.deliver_once().deferred == [mid]
        assert "CERTIFICATE_VERIFY_FAILED" in untrusting.last_error
        assert server.received == []
        # ... one that is trusted is used.
        store.execute("UPDATE mail SET next_try_at = queued_at")
        delivery = SmtpDelivery(config, store_factory_for(config),
                                ssl_context=client_context(cert[0]))
        assert delivery.deliver_once().sent == [mid]
        assert server.count_by_message_id() == {mid: 1}
        assert server.auth_attempts == [("PLAIN", "spt")]
    finally:
        server.stop()
