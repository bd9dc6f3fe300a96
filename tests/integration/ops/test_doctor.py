"""``spt doctor``: what IT reads when something is wrong, and the exit status scripts check."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.ops import doctor
from pipeline.ops.cli import doctor_command
from pipeline.workspace_init import init_workspace
from tests.support.workspace import copy_workspace


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> Path:
    """A complete demo workspace (keys, templates), made once and copied per test."""
    root = tmp_path_factory.mktemp("demo") / "ws"
    init_workspace(root, demo=True)
    return root


@pytest.fixture
def ws(demo_template, tmp_path) -> Path:
    root = tmp_path / "ws"
    copy_workspace(demo_template, root)
    return root


def run(config: Path) -> tuple[int, str]:
    lines: list[str] = []
    code = doctor.run_doctor(config, echo=lines.append)
    return code, "\n".join(lines)


def edit(config: Path, old: str, new: str) -> None:
    text = config.read_text(encoding="utf-8")
    assert old in text, old
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


def finding_lines(output: str, level: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith(level)]


def test_broken_config_names_the_keys_and_fails(ws):
    config = ws / "spt.toml"
    edit(config, 'timezone = "Asia/Pontianak"', 'timezone = "Asia/Pontianakk"')
    edit(config, 'mutu_baku = 15', 'mutu_baku = "lima belas"')
    edit(config, 'folder = "03-sekretaris"', 'foldr = "03-sekretaris"')
    code, out = run(config)
    assert code == 1
    assert "MASALAH" in out
    assert "agency.timezone: unknown time zone 'Asia/Pontianakk'" in out
    assert "stage[0].mutu_baku" in out
    assert "stage[2].foldr: unknown key" in out and "stage[2].folder: required key" in out
    assert "Kunci dan sertifikat" not in out       # nothing else can be checked meaningfully
    assert "Hasil: 1 masalah" in out


def test_missing_config_file(tmp_path):
    code, out = run(tmp_path / "spt.toml")
    assert code == 1 and "file not found" in out and "spt init" in out


def test_missing_key_file_is_named(ws):
    (ws / "pki" / "kasubag.p12").unlink()
    code, out = run(ws / "spt.toml")
    assert code == 1
    [line] = [x for x in finding_lines(out, "MASALAH") if "kasubag" in x]
    assert "tahap 'kasubag' (Hendra Wijaya, S.E.)" in line
    assert f"berkas kunci {ws / 'pki' / 'kasubag.p12'} tidak ditemukan" in line
    assert "salin berkasnya ke lokasi itu" in out
    # The other keys were still checked: only this one is reported.
    assert len([x for x in finding_lines(out, "MASALAH") if "berkas kunci" in x]) == 1


def test_passphrase_is_never_printed(ws):
    secret = (ws / "pki" / "gubernur.pass").read_text().strip()
    (ws / "pki" / "gubernur.pass").write_text("salah-sekali\n")
    code, out = run(ws / "spt.toml")
    assert code == 1
    assert "tahap 'gubernur'" in out and "kata sandi salah" in out
    assert secret not in out and "salah-sekali" not in out


def test_certificate_expiring_soon_is_a_warning(ws, monkeypatch):
    from pipeline.signing import keys

    # Every demo certificate is valid for years: widen the window so they all "expire soon".
    monkeypatch.setattr(keys, "EXPIRY_WARNING", dt.timedelta(days=365 * 100))
    code, out = run(ws / "spt.toml")
    warnings = [x for x in finding_lines(out, "PERINGATAN") if "kedaluwarsa" in x]
    assert len(warnings) == 7 and any("cap dinas" in x for x in warnings)
    assert "minta sertifikat baru" in out
    assert code == (1 if "MASALAH" in out else 0)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_a_ready_workspace_passes(ws):
    code, out = run(ws / "spt.toml")
    assert code == 0, out
    assert "MASALAH" not in out
    assert "7 kunci dapat dibuka" in out and "LibreOffice" in out
    assert "[mail.smtp] tidak diisi" in out          # a warning, not a failure


def test_missing_libreoffice(ws):
    edit(ws / "spt.toml", 'soffice = "soffice"', 'soffice = "soffice-tidak-ada"')
    edit(ws / "spt.toml", 'uno_python = "/usr/bin/python3"', 'uno_python = "/tidak/ada/python3"')
    code, out = run(ws / "spt.toml")
    assert code == 1
    assert "LibreOffice ('soffice-tidak-ada') tidak ditemukan" in out
    assert "apt install libreoffice-writer" in out
    assert "/tidak/ada/python3 tidak dapat mengimpor 'uno'" in out and "python3-uno" in out


class Greeter:
    """A TCP server on 127.0.0.1 that greets like an SMTP server, then hangs up."""

    def __init__(self, greeting: bytes):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.greeting = greeting
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.sendall(self.greeting)

    def close(self) -> None:
        self.sock.close()


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return s.getsockname()[1]


def test_mail_servers(ws, monkeypatch):
    smtp = Greeter(b"220 mail.example.go.id ESMTP\r\n")
    closed = free_port()
    monkeypatch.setenv("SPT_TEST_SMTP_PASSWORD", "rahasia-smtp")
    edit(ws / "spt.toml", "# [mail.smtp]\n", f'''[mail.smtp]
host = "127.0.0.1"
port = {smtp.port}
security = "starttls"
user = "spt"
password = {{ env = "SPT_TEST_SMTP_PASSWORD" }}
[mail.imap]
host = "127.0.0.1"
port = {closed}
security = "tls"
user = "spt"
password = {{ env = "SPT_TEST_IMAP_PASSWORD" }}
''')
    try:
        code, out = run(ws / "spt.toml")
    finally:
        smtp.close()
    assert code == 1
    assert f"server SMTP 127.0.0.1:{smtp.port} menjawab (starttls)" in out
    assert "kata sandi SMTP tersedia (variabel SPT_TEST_SMTP_PASSWORD)" in out
    assert "rahasia-smtp" not in out
    assert "kata sandi IMAP: variabel lingkungan SPT_TEST_IMAP_PASSWORD tidak diisi" in out
    assert f"server IMAP 127.0.0.1:{closed} tidak dapat dihubungi: koneksi ditolak" in out
    assert "firewall" in out


def test_state_open_to_others_and_missing_folders(ws):
    (ws / "state").chmod(0o755)
    shutil.rmtree(ws / "outbox")
    code, out = run(ws / "spt.toml")
    assert code == 1
    assert "state/ (basis data dan berkas kasus) dapat dibaca semua pengguna (mode 0755)" in out
    assert f"chmod 700 {ws / 'state'}" in out
    assert "1 folder belum ada: outbox" in out


def test_low_disk_and_inotify_limit(ws, monkeypatch, tmp_path):
    usage = shutil.disk_usage(ws)
    monkeypatch.setattr(doctor.shutil, "disk_usage",
                        lambda _p: usage._replace(free=500 * 1024**2))
    limits = tmp_path / "inotify"
    limits.mkdir()
    (limits / "max_user_watches").write_text("20\n")
    (limits / "max_user_instances").write_text("128\n")
    monkeypatch.setattr(doctor, "INOTIFY", limits)
    _code, out = run(ws / "spt.toml")
    assert "workspace: 0.5 GB bebas" in out and "di bawah 1 GB" in out
    assert "16 folder dipantau; batas max_user_watches = 20" in out  # batal/ included
    assert "fs.inotify.max_user_watches" in out


def test_cli_exit_status(ws):
    runner = CliRunner()
    ok = runner.invoke(doctor_command, ["--config", str(ws / "spt.toml")])
    (ws / "pki" / "sekda.p12").unlink()
    bad = runner.invoke(doctor_command, ["--config", str(ws / "spt.toml")])
    assert bad.exit_code == 1 and "sekda.p12 tidak ditemukan" in bad.output
    assert ok.exit_code == (0 if shutil.which("soffice") else 1), ok.output


def test_the_qr_address_and_a_demo_trust_root_are_warned_about(ws):
    """The demo's QR points at 127.0.0.1 over http and its root is DEMO: three warnings."""
    code, out = run(ws / "spt.toml")
    assert code == 0, out
    warnings = "\n".join(finding_lines(out, "PERINGATAN"))
    assert "letter.verify_url (http://127.0.0.1:8080) menunjuk ke komputer ini sendiri" in warnings
    assert "memakai http biasa" in warnings
    assert "akar kepercayaan DEMO" in warnings and "demo-root.pem" in warnings
    assert "[escalation] it_email tidak diisi" in warnings
    assert "mail.share_path tidak diisi" in warnings


@pytest.mark.parametrize("url, warned", [
    ("http://localhost:8080", ("komputer ini sendiri", "http biasa")),
    ("https://[::1]/", ("komputer ini sendiri",)),
    ("http://spt.diskopukm.kalbarprov.go.id", ("http biasa",)),
    ("https://spt.diskopukm.kalbarprov.go.id", ()),
])
def test_verify_url_kinds(ws, url, warned):
    edit(ws / "spt.toml", 'verify_url = "http://127.0.0.1:8080"', f'verify_url = "{url}"')
    edit(ws / "spt.toml", "approval_by_reply = false",
         "approval_by_reply = false\nshare_path = '\\\\fileserver\\spt'")
    edit(ws / "spt.toml", '# it_email = "it@diskopukm.kalbarprov.go.id"',
         'it_email = "it@diskopukm.kalbarprov.go.id"')
    _, out = run(ws / "spt.toml")
    qr = [line for line in finding_lines(out, "PERINGATAN")
          if line.startswith("PERINGATAN letter.verify_url")]
    assert len(qr) == len(warned), out
    for words in warned:
        assert any(words in line for line in qr), (words, qr)
    if not warned:
        assert f"OK         kode QR menunjuk ke {url}" in out
    assert "surel menyebut folder tahap di \\\\fileserver\\spt" in out
    assert "dikirim ke it@diskopukm.kalbarprov.go.id" in out
