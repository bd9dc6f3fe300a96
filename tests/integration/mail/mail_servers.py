"""Real servers for the mail tests: Dovecot (IMAP) and aiosmtpd (SMTP) on 127.0.0.1.

Helpers and server classes; the pytest fixtures are in ``conftest.py``.

Dovecot follows the checked recipe in ``/work/shared/VERIFIED.md``: a config
written to a short temporary folder, passwd-file users, Maildir, run in the
foreground as root and stopped by its master pid. The SMTP server records
every message it accepts and can be told to refuse (4xx / 5xx), be stopped,
and be started again on the same port.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path

import psutil

from pipeline.config import Config, load_config
from pipeline.store.db import Store

ROOT = Path(__file__).resolve().parents[3]
DOVECOT = "/usr/sbin/dovecot"
IMAP_USER = "spt"
IMAP_PASSWORD = "imap-Rahasia-9f3"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float = 10.0,
               interval: float = 0.02, message: str = "condition") -> object:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


# --- TLS -----------------------------------------------------------------------------------


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost: (cert.pem, key.pem)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def client_context(cert: Path) -> ssl.SSLContext:
    """A client context that trusts exactly ``cert``."""
    return ssl.create_default_context(cafile=str(cert))


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context


# --- Dovecot -------------------------------------------------------------------------------


class Dovecot:
    """A Dovecot IMAP server in a temporary folder; ``start``/``stop`` may be repeated."""

    def __init__(self, port: int, *, tls: tuple[Path, Path] | None = None,
                 tls_port: int | None = None):
        self.port = port
        self.tls = tls
        self.tls_port = tls_port or 0
        # Short path: Dovecot's unix sockets live under base_dir (108-byte limit).
        self.dir = Path(tempfile.mkdtemp(prefix="dv", dir="/tmp"))
        self.dir.chmod(0o755)
        self.proc: subprocess.Popen | None = None
        self._write_config()

    def _write_config(self) -> None:
        d = self.dir
        for sub in ("mail", "home", "run", "state"):
            (d / sub).mkdir(exist_ok=True)
        (d / "users").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}\n")
        (d / "dovecot.conf").write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
{self._ssl_settings()}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
mail_uid = mail
mail_gid = mail
first_valid_uid = 8
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={d}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
  }}
}}
""")
        subprocess.run(["chown", "-R", "mail:mail", str(d / "mail"), str(d / "home")],
                       check=True)

    def _ssl_settings(self) -> str:
        if not self.tls:
            return "ssl = no"
        cert, key = self.tls
        return f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"

    def start(self, timeout: float = 15.0) -> None:
        assert self.proc is None, "already running"
        log = open(self.dir / "stdout.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(self.dir / "dovecot.conf")],
                                     stdout=log, stderr=subprocess.STDOUT)
        self._log = log
        wait_until(self._greets, timeout, 0.05, f"Dovecot on port {self.port}")

    def _greets(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"dovecot exited: {self.log_text()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                return sock.recv(100).startswith(b"* OK")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is None:
            return
        pid_file = self.dir / "run" / "master.pid"
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            pid = self.proc.pid
        # The whole server stops, as with a service stop: Dovecot's master exits within a
        # second, but an imap process serving an IDLE client lingers on its own for ~10 s.
        try:
            children = psutil.Process(pid).children(recursive=True)
        except psutil.Error:
            children = []
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 15)
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None
        self._log.close()
        _, alive = psutil.wait_procs(children, timeout=5)
        for child in alive:
            with contextlib.suppress(psutil.Error):
                child.kill()

        def closed() -> bool:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return False
            except OSError:
                return True

        wait_until(closed, 10, 0.05, "Dovecot's port to close")

    def log_text(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- a second client, as another mail program would -----------------------------

    def client(self):
        from imap_tools import MailBoxUnencrypted

        return MailBoxUnencrypted("127.0.0.1", self.port, timeout=10).login(
            IMAP_USER, IMAP_PASSWORD, initial_folder=None)

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as mb:
            mb.append(raw, folder)

    def messages(self, folder: str) -> list[bytes]:
        """Raw messages now in ``folder`` (``/`` is translated to the server's ``.``)."""
        name = folder.replace("/", ".")
        with self.client() as mb:
            if not mb.folder.exists(name):
                return []
            mb.folder.set(name, readonly=True)
            uids = mb.uids("ALL", charset=None)
            out = []
            for uid in uids:
                _typ, data = mb.client.uid("FETCH", uid, "(BODY.PEEK[])")
                out += [item[1] for item in data if isinstance(item, tuple)]
            return out

    def message_ids(self, folder: str) -> list[str]:
        return [str(message_from_bytes(raw).get("Message-ID", "")).strip()
                for raw in self.messages(folder)]


def can_run_dovecot() -> str | None:
    if not Path(DOVECOT).exists():
        return "dovecot is not installed"
    if os.geteuid() != 0:
        return "the Dovecot fixture runs as root"
    return None


# --- SMTP (aiosmtpd) -----------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message_id(self) -> str:
        return str(message_from_bytes(self.data).get("Message-ID", "")).strip()


class SmtpServer:
    """aiosmtpd on a fixed port; ``answer`` sets the reply to DATA ("250", "451", "550")."""

    def __init__(self, port: int, *, auth: tuple[str, str] | None = None,
                 tls: str | None = None, cert: tuple[Path, Path] | None = None):
        self.port = port
        self.auth = auth
        self.tls = tls  # None, "starttls" or "tls"
        self.cert = cert
        self.received: list[Received] = []
        self.answer = "250"
        self.rcpt_answer = "250"
        self.auth_attempts: list[tuple[str, str]] = []  # (mechanism, login)
        self.controller = None
        self._lock = threading.Lock()

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_answer != "250":
            return f"{self.rcpt_answer} {'5.1.1 Mailbox tidak ada' if self.rcpt_answer[0] == '5' else '4.2.0 Coba lagi'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.answer.startswith("4"):
            return "451 4.3.0 Server sibuk, coba lagi nanti"
        if self.answer.startswith("5"):
            return "550 5.7.1 Pesan ditolak oleh kebijakan"
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.original_content)))
        return "250 OK"

    def _authenticator(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode()
        self.auth_attempts.append((mechanism, login))
        ok = self.auth is not None and (login, auth_data.password.decode()) == self.auth
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        kwargs = {}
        if self.auth:
            kwargs = dict(authenticator=self._authenticator, auth_required=True,
                          auth_require_tls=False)
        if self.tls == "starttls":
            kwargs.update(tls_context=server_context(*self.cert), require_starttls=True)
        elif self.tls == "tls":
            kwargs.update(ssl_context=server_context(*self.cert))
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def count_by_message_id(self) -> Counter:
        with self._lock:
            return Counter(r.message_id for r in self.received)


# --- configuration and store ---------------------------------------------------------------


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_config(root: Path, *, smtp: dict | None = None, imap: dict | None = None,
                approval_by_reply: bool = False) -> Config:
    """A workspace ``spt.toml``: the shipped default plus the given mail sections."""
    text = (ROOT / "pipeline" / "resources" / "workspace" / "spt.toml").read_text("utf-8")
    if approval_by_reply:
        text = text.replace("approval_by_reply = false", "approval_by_reply = true")
    for table, values in (("mail.smtp", smtp), ("mail.imap", imap)):
        if values is None:
            continue
        text += f"\n[{table}]\n"
        for key, value in values.items():
            if isinstance(value, dict):
                inner = ", ".join(f"{k} = {_toml_string(str(v))}" for k, v in value.items())
                text += f"{key} = {{ {inner} }}\n"
            elif isinstance(value, list):
                text += f"{key} = [{', '.join(_toml_string(v) for v in value)}]\n"
            elif isinstance(value, bool):
                text += f"{key} = {'true' if value else 'false'}\n"
            elif isinstance(value, int | float):
                text += f"{key} = {value}\n"
            else:
                text += f"{key} = {_toml_string(str(value))}\n"
    root.mkdir(parents=True, exist_ok=True)
    path = root / "spt.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def store_factory_for(config: Config) -> Callable[[], Store]:
    path = config.state_dir / "spt.sqlite3"
    return lambda: Store(path)
