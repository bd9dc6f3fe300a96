"""Least privilege: keys, secrets and the state database open to others stop the start-up;
no secret appears in anything the service or the commands wrote.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.mail.replies import load_or_create_secret
from pipeline.simulate import wait_until
from pipeline.store import Store
from tests.integration.mail.mail_servers import SmtpServer, free_port
from tests.support.secrets import leaks, workspace_secrets

from .conftest import SAMPLES, Office
from .test_chain import NOTE

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")]

SMTP_USER = "spt"
SMTP_PASSWORD = "Smtp-Rahasia-7d1e"
WRONG_SMTP_PASSWORD = "Salah-Sandi-4c2a"


def _refused_start(office: Office) -> str:
    svc = office.service
    svc.start(wait=False)
    assert svc.proc.wait(timeout=60) != 0
    return svc.log.read_text(errors="replace").split(f"--- start {svc.starts} ---")[-1]


def _with_smtp_password(office: Office, port: int) -> Path:
    """SMTP with AUTH, its password in a 0600 file the config points to; the file's path."""
    secret = office.ws.root / "pki" / "smtp.pass"
    secret.write_text(SMTP_PASSWORD + "\n")
    secret.chmod(0o600)
    with office.config_path.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[mail.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                 f'user = "{SMTP_USER}"\npassword = {{ file = "pki/smtp.pass" }}\n')
    return secret


@pytest.mark.parametrize("what", ["state folder", "database", "database wal", "reply secret",
                                  "signing key", "key passphrase", "smtp password"])
def test_a_secret_or_the_database_open_to_others_stops_the_start(tmp_path, what):
    office = Office(tmp_path / "ws")
    ws = office.ws
    secret = _with_smtp_password(office, free_port())
    Store(ws.database).close()
    Path(f"{ws.database}-wal").touch(mode=0o600)
    load_or_create_secret(ws.state)
    target, mode = {
        "state folder": (ws.state, 0o755),
        "database": (ws.database, 0o644),
        "database wal": (Path(f"{ws.database}-wal"), 0o640),
        "reply secret": (ws.state / "mail-token.key", 0o644),
        "signing key": (ws.root / "pki" / "kasubag.p12", 0o644),
        "key passphrase": (ws.root / "pki" / "sekda.pass", 0o604),
        "smtp password": (secret, 0o644),
    }[what]
    target.chmod(mode)
    out = _refused_start(office)
    assert "tidak dapat dijalankan" in out
    assert str(target) in out and "chmod" in out
    assert f"{mode:04o}" in out or f"{mode:o}" in out
    assert not leaks(ws.root, workspace_secrets(ws.root, SMTP_PASSWORD),
                     also=[office.service.log])


def _cli(office: Office, *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "pipeline", *args, "--config",
                          str(office.config_path)], capture_output=True, text=True,
                         cwd=office.ws.root, timeout=120)
    return out.stdout + out.stderr


def test_no_secret_in_anything_the_service_or_the_commands_wrote(tmp_path):
    smtp = SmtpServer(free_port(), auth=(SMTP_USER, SMTP_PASSWORD))
    smtp.start()
    office = Office(tmp_path / "ws")
    ws, o, svc = office.ws, office.officials, office.service
    secret = _with_smtp_password(office, smtp.port)
    office.reload()
    outputs: list[str] = []
    try:
        # A whole case with a return and a refused move; every mail sent with AUTH.
        svc.start()
        o.drop_invitation(SAMPLES / "undangan-dev-03.pdf", note=NOTE)
        case = o.new_cases(set())[0]
        o.agree(case, 0)
        o.agree(case, 1)
        o.give_back(case, 2, "Periksa kembali.")
        pdf = o.wait_for(case, 1)
        (ws.folder(1).agreed / pdf.name).write_bytes(pdf.read_bytes() + b"\n% diubah\n")
        pdf.unlink()
        wait_until((ws.folder(1).root / f"{case}.galat.txt").exists, timeout=60,
                   what="the refusal note")
        for stage in office.workflow.stages[1:]:
            o.agree(case, stage.index)
        store = office.store()
        entry = wait_until(lambda: store.agenda.for_case(case), timeout=90, what="the letter")
        wait_until(lambda: not store.execute(
            "SELECT 1 FROM mail WHERE status != 'sent'").fetchone(), timeout=60,
            what="every mail sent")
        assert smtp.auth_attempts and smtp.received
        for args in (["status"], ["status", case], ["agenda"], ["audit", "verify"],
                     ["doctor"], ["verify", str(ws.root / entry.archive_path)]):
            outputs.append(_cli(office, *args))
        svc.stop()

        # The SMTP password goes wrong: the login failure is logged, the password never.
        secret.write_text(WRONG_SMTP_PASSWORD + "\n")
        svc.start()
        o.drop_invitation(SAMPLES / "undangan-dev-04.pdf", note=NOTE)
        wait_until(lambda: "ditolak" in svc.log.read_text().split("--- start 2 ---")[-1],
                   timeout=60, what="the SMTP login refusal in the log")
        outputs.append(_cli(office, "doctor"))
        svc.stop()

        # A key's passphrase goes wrong: the refusal names the file, never a passphrase.
        key_pass = ws.root / "pki" / "gubernur.pass"
        right = key_pass.read_text()
        key_pass.write_text("Bukan-Sandi-Yang-Benar-91\n")
        out = _refused_start(office)
        assert "gubernur" in out
        key_pass.write_text(right)
    finally:
        svc.stop()
        smtp.stop()

    secrets = workspace_secrets(ws.root, SMTP_PASSWORD, WRONG_SMTP_PASSWORD,
                                "Bukan-Sandi-Yang-Benar-91", user=SMTP_USER)
    assert len(secrets) > 20
    report = tmp_path / "outputs.txt"
    report.write_text("\n".join(outputs), encoding="utf-8")
    found = leaks(ws.root, secrets, also=[report, svc.log])
    assert found == []
    assert os.stat(ws.database).st_mode & 0o077 == 0
